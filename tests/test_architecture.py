"""The layout holds: the import contracts in pyproject.toml are kept, and no test module imports another."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .support.paths import ROOT, TESTS

LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
TEST_FILES = sorted(path for path in TESTS.rglob("*.py") if "node_modules" not in path.parts)


def test_the_import_contracts_are_kept() -> None:
    # From the repository root, import-linter reads pyproject.toml and analyses this checkout's feeds package.
    done = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def module_name(path: Path) -> str:
    """Return the dotted name of a file under the repository root."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Return every module a file imports, relative imports resolved, `from package import name` as both."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def is_test_module(name: str) -> bool:
    """Tell whether a dotted name is a test module or a conftest under tests/."""
    last = name.rpartition(".")[2]
    return name.startswith("tests.") and (last.startswith("test_") or last == "conftest")


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda path: str(path.relative_to(TESTS)))
def test_no_test_module_imports_another(path: Path) -> None:
    wrong = sorted(name for name in imported_modules(path) if is_test_module(name) and name != module_name(path))
    assert not wrong, f"{path.relative_to(ROOT)} imports {', '.join(wrong)}: shared helpers belong in tests/support/"
