"""The docs stay true: named tests, files and modules exist, links resolve, and the `feeds` commands shown run."""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from pathlib import Path

import pytest

from feeds.cli import main

from .support.paths import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CONTRACT = ROOT / "docs" / "feed-contract.md"
NAMED = re.compile(r"`([\w/]+\.py)::(test_\w+)`")
LINK = re.compile(r"\]\(([^)#:]*)(?:#([^)]*))?\)")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(.*?)^[ \t]*\1", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*$", re.MULTILINE)
COMMENT = re.compile(r"(?:^|\s)#.*$")
# `feeds` where a command starts: at a line's start (after a `$ ` prompt or a CI step's `run:`), after a
# directory (`.venv/bin/feeds`) or after `&&`, `|` or `;`; then the command and its words up to the next one.
INVOCATION = re.compile(
    r"(?:^[ \t]*(?:\$[ \t]+|-?[ \t]*run:[ \t]+)?|&&\s*|\|\s*|;\s*|/bin/)feeds\s+([a-z][\w-]*)([^&|;>\n]*)", re.MULTILINE
)
OPTION = re.compile(r"(?<![\w-])(--?[a-z][\w-]*)")
REPO_PATH = re.compile(r"(?:feeds|tests|deploy|benchmarks|docs|\.ci)/[\w./-]*")
DOTTED = re.compile(r"(feeds(?:\.\w+)+)(?:\(.*)?")


def code_of(page: Path) -> list[str]:
    """Return the code of a page: each fenced block without its comments, then each inline code span."""
    text = page.read_text(encoding="utf-8")
    blocks = [
        "\n".join(COMMENT.sub("", line) for line in block.group(2).splitlines()) for block in FENCE.finditer(text)
    ]
    return blocks + [span.group(2) for span in INLINE.finditer(FENCE.sub("", text))]


def inline_code(page: Path) -> list[str]:
    """Return the inline code spans of a page, outside fenced blocks."""
    return [span.group(2).strip() for span in INLINE.finditer(FENCE.sub("", page.read_text(encoding="utf-8")))]


def shown_commands() -> dict[str, dict[str, set[str]]]:
    """Return each `feeds` command shown in code on the pages, with its options and the pages that show them."""
    shown: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for page in PAGES:
        for code in code_of(page):
            for command, words in INVOCATION.findall(code):
                shown[command][""].add(page.name)
                for option in OPTION.findall(words):
                    shown[command][option].add(page.name)
    return shown


SHOWN = shown_commands()


def slug(heading: str) -> str:
    """Return the anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")


def test_the_contract_names_tests_that_exist() -> None:
    named = NAMED.findall(CONTRACT.read_text(encoding="utf-8"))
    assert len(named) > 40
    for file, function in named:
        source = ROOT / "tests" / file
        assert source.is_file(), f"docs/feed-contract.md names tests/{file}, which does not exist"
        tree = ast.parse(source.read_text(encoding="utf-8"))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert function in defined, f"{file}::{function} is named in docs/feed-contract.md but does not exist"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    for target, anchor in LINK.findall(page.read_text(encoding="utf-8")):
        linked = (page.parent / target) if target else page
        assert linked.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor and linked.suffix == ".md":
            anchors = {slug(heading) for heading in HEADING.findall(FENCE.sub("", linked.read_text(encoding="utf-8")))}
            assert anchor in anchors, f"{page.name} links to {target}#{anchor}, a heading {linked.name} does not have"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_files_and_modules_named_in_code_exist(page: Path) -> None:
    for span in inline_code(page):
        if REPO_PATH.fullmatch(span) and "*" not in span:
            assert (ROOT / span).exists(), f"{page.name} names {span}, which does not exist"
        elif dotted := DOTTED.fullmatch(span.split()[0]):
            module, _, attribute = dotted.group(1).rpartition(".")
            try:
                importlib.import_module(dotted.group(1))
            except ModuleNotFoundError:
                assert hasattr(importlib.import_module(module), attribute), f"{page.name} names {span}: no such thing"


def test_the_pages_show_the_commands() -> None:
    assert {"check", "diff", "publish", "log", "preview", "import", "export", "links", "schema", "init"} <= set(SHOWN)


@pytest.mark.parametrize("command", sorted(SHOWN))
def test_every_command_shown_is_real_and_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    pages = ", ".join(sorted(SHOWN[command][""]))
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    captured = capsys.readouterr()
    assert exited.value.code == 0, (
        f"`feeds {command}` is shown in {pages}, but `feeds {command} --help` failed:\n{captured.err}"
    )
    for option, where in sorted(SHOWN[command].items()):
        if option:
            shown_in = ", ".join(sorted(where))
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", captured.out), (
                f"`feeds {command} {option}` is shown in {shown_in}, but `feeds {command}` has no {option}"
            )
