"""libyaml and pure Python give the same event, or the same problems, for any file."""

from __future__ import annotations

import importlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import render_event_yaml
from feeds.load import LIBYAML_AVAILABLE, Engine, EventFileError, compose, parse_event

from ..support.load_cases import BASE_BYTES
from ..support.paths import REAL_EVENT, SMALL_EVENT

BASES = {
    "real": REAL_EVENT.read_bytes(),
    "small": SMALL_EVENT.read_bytes(),
    "synthetic": render_event_yaml(sessions=24, speakers=20, tracks=3).encode(),
    "table": BASE_BYTES,
}
# Characters that change what YAML means, and some that only text may hold.
SPECIAL = ":-[]{}#&*!|>'\"%@`, \t\n\r?~\\\x00\x07\x85\u2028\ufeff"

if not LIBYAML_AVAILABLE and os.environ.get("FEEDS_REQUIRE_LIBYAML") == "1":
    pytest.fail("FEEDS_REQUIRE_LIBYAML=1, but PyYAML was built without libyaml", pytrace=False)
pytestmark = pytest.mark.skipif(not LIBYAML_AVAILABLE, reason="PyYAML was built without libyaml")


def outcome(data: bytes, engine: Engine) -> tuple[object, ...]:
    """Return what parsing data gives on engine: the event with positions and warnings, or the problem lines."""
    try:
        event = parse_event(data, engine=engine)
    except EventFileError as err:
        return ("problems", [str(problem) for problem in err.problems])
    return ("event", event, event.positions, [str(w) for w in event.warnings])


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    """Return one of the base files with a few lines deleted, doubled or cut, or characters inserted."""
    data = BASES[draw(st.sampled_from(sorted(BASES)))]
    for _ in range(draw(st.integers(1, 3))):
        lines = data.splitlines(keepends=True)
        kind = draw(st.sampled_from(["delete", "duplicate", "insert", "replace", "truncate"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if kind == "delete":
            data = b"".join(lines[:at] + lines[at + 1 :])
        elif kind == "duplicate":
            data = b"".join(lines[: at + 1] + lines[at:])
        elif kind in ("insert", "replace"):
            position = draw(st.integers(0, len(data)))
            text = draw(st.text(st.sampled_from(SPECIAL) | st.characters(codec="utf-8"), min_size=1, max_size=6))
            cut = position + (draw(st.integers(1, 8)) if kind == "replace" else 0)
            data = data[:position] + text.encode() + data[cut:]
        else:
            data = data[: draw(st.integers(0, len(data)))]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_both_engines_agree_on_any_mutation(data: bytes) -> None:
    assert outcome(data, "libyaml") == outcome(data, "python")


@pytest.mark.parametrize("name", sorted(BASES))
def test_both_engines_agree_on_the_base_files(name: str) -> None:
    fast, slow = outcome(BASES[name], "libyaml"), outcome(BASES[name], "python")
    assert fast[0] == "event"
    assert fast == slow


def test_libyaml_composes_a_valid_file_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("feeds.load.compose")

    def refuse(text: str, filename: str) -> None:
        raise AssertionError("the pure-Python path composed a file that libyaml can compose")

    monkeypatch.setattr(module, "_compose_in_python", refuse)
    text = BASES["real"].decode()
    assert compose(text, "event.yaml", "libyaml").start_mark.line == text.splitlines().index("event:")
