"""An editor marks mistakes while typing: yaml-language-server, driven over stdio, reads event.schema.json from the modeline."""

from __future__ import annotations

import os
import queue
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feeds.load.jsonschema import json_schema_text

from ..support.load_cases import event_yaml
from ..support.paths import REAL_EVENT
from .lsp import SETUP_HINT, EditorMissingError, LanguageClient, find_server

REQUIRED = os.environ.get("FEEDS_REQUIRE_EDITOR") == "1"
SETTINGS = {"yaml": {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}}
MODELINE = "# yaml-language-server: $schema=event.schema.json"


@pytest.fixture(scope="module")
def server() -> list[str]:
    try:
        return find_server()
    except EditorMissingError as error:
        if REQUIRED:
            pytest.fail(f"FEEDS_REQUIRE_EDITOR=1, but {error}; {SETUP_HINT}", pytrace=False)
        pytest.skip(f"yaml-language-server: {error}; {SETUP_HINT}")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "event.schema.json").write_text(json_schema_text(), encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(server: list[str], folder: Path) -> Iterator[LanguageClient]:
    language = LanguageClient(server, SETTINGS)
    language.start(folder)
    yield language
    language.close()


def diagnose(client: LanguageClient, folder: Path, text: str) -> list[dict[str, Any]]:
    path = folder / "event.yaml"
    path.write_text(text, encoding="utf-8")
    return client.diagnostics(path)


def lines_of(diagnostics: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Return each diagnostic as its 1-based line and message."""
    return sorted((d["range"]["start"]["line"] + 1, d["message"]) for d in diagnostics)


def test_an_unknown_field_is_marked_on_its_line(client: LanguageClient, folder: Path) -> None:
    # BASE line 32 is "start:" of the session 'compilers'; after the modeline it is line 33.
    text = MODELINE + "\n" + event_yaml({32: "    strat: 2024-03-09 09:30"})
    found = lines_of(diagnose(client, folder, text))
    assert (33, "Property strat is not allowed.") in found, found


def test_a_wrong_type_is_marked_on_its_line(client: LanguageClient, folder: Path) -> None:
    text = MODELINE + "\n" + event_yaml({28: "    plenary: yes"})
    found = lines_of(diagnose(client, folder, text))
    assert any(line == 29 and "Incorrect type" in message and "boolean" in message for line, message in found), found


def test_the_real_event_has_only_the_planted_diagnostic(client: LanguageClient, folder: Path) -> None:
    real = REAL_EVENT.read_text(encoding="utf-8")
    assert real.startswith(MODELINE + "\n")
    text = real.replace("  name: Systems @Scale Summer 2023\n", "  name: [Systems]\n", 1)
    found = lines_of(diagnose(client, folder, text))  # one mistake, so that the server answers
    line = 1 + text.splitlines().index("  name: [Systems]")
    assert [entry[0] for entry in found] == [line], found


def test_without_node_the_client_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(EditorMissingError, match="node is not installed"):
        find_server()
    assert "setup-editor.sh" in SETUP_HINT
    assert queue.Empty  # the client waits on a queue with a timeout, never forever
