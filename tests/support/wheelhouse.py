"""Wheels of the packages installed here, so that a fresh virtualenv can install feeds without the network."""

from __future__ import annotations

import re
import shutil
import zipfile
from importlib import metadata
from pathlib import Path

import virtualenv
from packaging.requirements import Requirement


def requirements_of(name: str) -> set[str]:
    """Return the distributions name needs when installed, name itself excluded, by their normalized names."""
    wanted: set[str] = set()
    stack = [name]
    while stack:
        dist = metadata.distribution(stack.pop())
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            key = normalized(requirement.name)
            if key not in wanted:
                wanted.add(key)
                stack.append(requirement.name)
    return wanted


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def repack(name: str, folder: Path) -> Path:
    """Write the installed distribution name as a wheel in folder and return its path."""
    dist = metadata.distribution(name)
    version = dist.version
    wheel = folder / f"{normalized(dist.metadata['Name'])}-{version}-py3-none-any.whl"
    root = Path(str(dist.locate_file("")))
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in dist.files or []:
            text = str(file)
            if text.startswith("..") or "__pycache__" in text or text.endswith(".pyc"):
                continue
            source = root / text
            if source.is_file():
                archive.write(source, text)
    return wheel


def build_wheelhouse(folder: Path, project: str = "feeds") -> Path:
    """Fill folder with wheels of everything project needs installed, and of a build backend; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in sorted(requirements_of(project)):
        repack(name, folder)
    embedded = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
    newest = sorted(embedded.glob("setuptools-*.whl"), key=lambda p: [int(x) for x in re.findall(r"\d+", p.name)])
    shutil.copy(newest[-1], folder / newest[-1].name)
    return folder
