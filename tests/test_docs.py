"""The docs stay true: every test the feed contract names exists, and every relative link resolves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .support.paths import ROOT

CONTRACT = ROOT / "docs" / "feed-contract.md"
NAMED = re.compile(r"`([\w/]+\.py)::(test_\w+)`")
LINK = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")


def test_the_contract_names_tests_that_exist() -> None:
    named = NAMED.findall(CONTRACT.read_text())
    assert len(named) > 40
    for file, function in named:
        source = ROOT / "tests" / file
        assert source.is_file(), file
        defined = {node.name for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.FunctionDef)}
        assert function in defined, f"{file}::{function} is named in docs/feed-contract.md but does not exist"


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"
