"""Render once: an edit renders only the changed sessions and reassembles only the feeds that hold them."""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, vDuration, vText

from feeds.cli import main
from feeds.config import Settings, default_ledger_path
from feeds.ledger import LedgerFile, advance
from feeds.load import load_event, parse_event
from feeds.publish import parts
from feeds.publish import publication as publish
from feeds.publish.publication import Publication
from feeds.publish.publisher import Publisher
from feeds.publish.record import LedgerCache, sync_ledger
from feeds.render import ics
from feeds.render.ics import CalendarHeader, render_header

from ..support.paths import ROOT, SMALL_EVENT, Clock

BASE = "https://feeds.example.org"
OTHER = "https://mirror.example.net"


def settings_for(event_file: Path, clock: Clock) -> Settings:
    return Settings(
        event_file=event_file,
        ledger_file=default_ledger_path(event_file),
        base_url=BASE,
        clock=clock,
        reload_seconds=0,
        settle_seconds=0,
    )


class Calls:
    """Count calls of a function patched into a module of feeds.publish."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> None:
        self.args: list[tuple[Any, ...]] = []
        real = getattr(module, name)

        def counted(*args: Any) -> Any:
            self.args.append(args)
            return real(*args)

        monkeypatch.setattr(module, name, counted)


def edit(event_file: Path, old: str, new: str) -> None:
    text = event_file.read_text(encoding="utf-8")
    assert old in text
    event_file.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_renders_one_session_and_reassembles_only_its_feeds(
    event_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = Publisher(settings_for(event_dir / "event.yaml", clock))
    first = publisher.current
    assert first is not None
    before = {base: dict(first.render_all(base)) for base in (BASE, OTHER)}
    renders = Calls(monkeypatch, parts, "render_event")
    assemblies = Calls(monkeypatch, publish, "render_calendar")
    clock.advance(minutes=5)
    edit(event_dir / "event.yaml", "title: A cancelled talk", "title: A cancelled talk, retitled")
    publisher.check(force=True)
    after = publisher.current
    assert after is not None and after is not first
    # The session was rendered once per base URL that was being served, and no other session at all.
    assert sorted((entry.id, page) for entry, page, _ in renders.args) == [
        ("dropped", f"{BASE}/sessions/dropped"),
        ("dropped", f"{OTHER}/sessions/dropped"),
    ]
    holders = {"conference", "track:people", "speaker:zoe", "session:dropped"}
    assert len(assemblies.args) == 2 * len(holders)
    for base in (BASE, OTHER):
        bodies = after.render_all(base)
        assert bodies.keys() == before[base].keys()
        for key, body in bodies.items():
            if key in holders:
                assert body.etag != before[base][key].etag, key
            else:
                assert body is before[base][key], key
    # The carried-over bodies are exactly what a publication built from scratch renders.
    fresh = Publication(after.event, after.ledger, after.settings)
    assert {k: b.data for k, b in fresh.render_all(BASE).items()} == {
        k: b.data for k, b in after.render_all(BASE).items()
    }
    assert len(renders.args) == 2 + len(after.ledger.sessions), "a fresh PartCache renders every session once"


def test_a_move_reassembles_the_feeds_of_the_moved_session_only(
    event_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = Publisher(settings_for(event_dir / "event.yaml", clock))
    assert publisher.current is not None
    before = dict(publisher.current.render_all(BASE))
    renders = Calls(monkeypatch, parts, "render_event")
    assemblies = Calls(monkeypatch, publish, "render_calendar")
    clock.advance(hours=1)
    edit(
        event_dir / "event.yaml",
        "start: 2024-03-30 10:00\n    duration: 30m",
        "start: 2024-03-30 10:30\n    duration: 30m",
    )
    publisher.check(force=True)
    assert publisher.current is not None
    after = publisher.current.render_all(BASE)
    assert [entry.id for entry, _, _ in renders.args] == ["dropped"]
    assert len(assemblies.args) == 4
    assert {key for key, body in after.items() if body is not before[key]} == {
        "conference",
        "track:people",
        "speaker:zoe",
        "session:dropped",
    }


def test_equal_feed_records_with_different_events_are_not_mistaken_for_unchanged(clock: Clock) -> None:
    # A read-only ledger serves every unrecorded edit with SEQUENCE + 1 and the same revision time,
    # so two different edits give equal feed records for the conference feed.
    base_event = load_event(SMALL_EVENT)
    ledger, _ = advance(None, base_event, clock(), 30)
    text = SMALL_EVENT.read_text(encoding="utf-8")
    first = parse_event(text.replace("title: A cancelled talk", "title: First try").encode())
    second = parse_event(text.replace("title: A cancelled talk", "title: Second try").encode())
    ledger_a, _ = advance(ledger, first, ledger.revised, 30)
    ledger_b, _ = advance(ledger, second, ledger.revised, 30)
    assert ledger_a.feeds["conference"] == ledger_b.feeds["conference"]
    config = settings_for(Path("event.yaml"), clock)
    shown = Publication(first, ledger_a, config)
    shown.render_all(BASE)
    following = Publication(second, ledger_b, config, previous=shown)
    body = following.body("conference", BASE)
    assert b"SUMMARY:Cancelled: Second try" in body.data
    assert body.data == Publication(second, ledger_b, config).body("conference", BASE).data


def test_the_ledger_is_parsed_again_only_when_the_file_changed(
    event_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = load_event(event_dir / "event.yaml")
    config = settings_for(event_dir / "event.yaml", clock)
    cache = LedgerCache()
    written, _ = sync_ledger(event, config, cache=cache)
    parses = 0
    real = LedgerFile.read

    def counted(store: LedgerFile, event_id: str) -> Any:
        nonlocal parses
        parses += 1
        return real(store, event_id)

    monkeypatch.setattr(LedgerFile, "read", counted)
    store = LedgerFile(config.ledger_file)
    assert cache.read(store, event.info.id) is written
    assert parses == 0
    # Another process records a revision: the file is replaced, so it is read again.
    clock.advance(days=1)
    changed = parse_event((event_dir / "event.yaml").read_bytes().replace(b"title: Opening", b"title: Welcome"))
    other, _ = advance(written, changed, clock(), 30)
    LedgerFile(config.ledger_file).write(other)
    assert cache.read(store, event.info.id) == other
    assert parses == 1
    assert cache.read(store, event.info.id) == other
    assert parses == 1


def reference_header(header: CalendarHeader) -> bytes:
    """Build the header as one icalendar Calendar, the way render_header did before it shared lines."""
    cal = Calendar()
    cal.add("prodid", header.product)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", ics.PlainText(header.title))
    cal.add("x-wr-calname", ics.PlainText(header.title))
    cal.add("description", ics.PlainText(header.description))
    cal.add("x-wr-caldesc", ics.PlainText(header.description))
    cal.add("x-wr-timezone", vText(header.timezone))
    cal.add("refresh-interval", header.refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(header.refresh))
    if header.url:
        cal.add("url", header.url, parameters={"VALUE": "URI"})
    if header.color:
        cal.add("x-apple-calendar-color", vText(header.color))
    return bytes(cal.to_ical())[: -len(ics.END)]


TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=300),
    st.text(st.sampled_from(["\\", "N", "n", ";", ",", ":", "é", "日", "🎉", " ", "a"]), max_size=200),
)


@settings(max_examples=150, deadline=None)
@given(
    title=TEXT,
    description=TEXT,
    timezone=st.sampled_from(["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata"]),
    minutes=st.integers(1, 60 * 48),
    url=st.sampled_from(["", "https://feeds.example.org/", "https://x.example/tracks/" + "a" * 90]),
    color=st.sampled_from(["", "#2563eb"]),
    product=st.sampled_from(["-//feeds//tiny-conf//EN", "-//feeds//" + "x" * 80 + "//EN"]),
)
def test_header_is_what_one_icalendar_calendar_writes(
    title: str, description: str, timezone: str, minutes: int, url: str, color: str, product: str
) -> None:
    header = CalendarHeader(title, description, timezone, timedelta(minutes=minutes), color, url, product)
    assert render_header(header) == reference_header(header)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_warns_when_a_feed_passes_800_kb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    event_file = tmp_path / "event.yaml"
    event_file.write_text(load_generator().render_event_yaml(sessions=700, speakers=400), encoding="utf-8")
    assert main(["check", str(event_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1
    size = re.fullmatch(
        r"warning: /conference\.ics is (\d+) KB; Google Calendar drops events past about 1 MB, "
        r"split it \(for example by track\)",
        warnings[0],
    )
    assert size is not None and 800 < int(size.group(1)) < 1024
    assert lines[-1].startswith(f"{event_file}: OK: 700 sessions")


def test_the_size_warning_starts_just_past_the_limit(
    event_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = load_event(event_dir / "event.yaml")
    ledger, _ = advance(None, event, clock(), 30)
    publication = Publication(event, ledger, settings_for(event_dir / "event.yaml", clock))
    size = len(publication.body("conference", "https://feeds.invalid").data)
    monkeypatch.setattr(publish, "FEED_SIZE_WARNING", size)
    assert publication.warnings() == []
    monkeypatch.setattr(publish, "FEED_SIZE_WARNING", size - 1)
    assert [line.split(" is ")[0] for line in publication.warnings()] == ["/conference.ics"]


def test_a_new_publication_keeps_no_reference_to_the_previous_one(event_dir: Path, clock: Clock) -> None:
    import gc
    import weakref

    publisher = Publisher(settings_for(event_dir / "event.yaml", clock))
    old = weakref.ref(publisher.current)  # type: ignore[arg-type]
    clock.advance(minutes=1)
    edit(event_dir / "event.yaml", "title: Opening", "title: Welcome")
    publisher.check(force=True)
    gc.collect()
    assert old() is None, "the previous publication is freed once the new one is served"
