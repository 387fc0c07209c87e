"""The Atom feed of schedule changes: one entry per visible revision, stable ids, golden bytes, HTTP."""

from __future__ import annotations

import hashlib
import os
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from feeds.ledger import Change, Ledger, LedgerFile, Revision
from feeds.render.atom import MAX_ENTRIES, describe_change, describe_move, entry_title, visible_revisions

from ..support.organizer import Organizer, remove_session
from ..support.paths import FIRST_PUBLISHED, GOLDEN, REAL_EVENT, SMALL_EVENT, Clock

NS = {"atom": "http://www.w3.org/2005/Atom"}
ENGINES_TIMES = "start: 2024-03-30 09:15\n    end: 2024-03-30 10:00"


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def read_feed(client: FlaskClient) -> ET.Element:
    response = client.get("/changes.atom")
    assert response.status_code == 200
    return ET.fromstring(response.data)


def entries(feed: ET.Element) -> list[dict[str, str]]:
    """Return each entry's id, title, updated, link and content text (HTML, unescaped once)."""
    found = []
    for entry in feed.findall("atom:entry", NS):
        link = entry.find("atom:link", NS)
        content = entry.find("atom:content", NS)
        assert link is not None and content is not None
        assert content.get("type") == "html"
        found.append(
            {
                "id": entry.findtext("atom:id", namespaces=NS) or "",
                "title": entry.findtext("atom:title", namespaces=NS) or "",
                "updated": entry.findtext("atom:updated", namespaces=NS) or "",
                "link": link.get("href") or "",
                "content": content.text or "",
            }
        )
    return found


def edit_schedule(organizer: Organizer) -> None:
    """Make one revision of each kind attendees see (a request after each save publishes it)."""
    organizer.edit(ENGINES_TIMES, "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45")
    organizer.client.get("/changes.atom")
    organizer.edit("title: Opening", "title: Welcome")
    organizer.client.get("/changes.atom")
    organizer.edit("    status: cancelled\n", "")
    organizer.client.get("/changes.atom")
    organizer.write(remove_session(organizer.path.read_text(), "night-owl"))
    organizer.client.get("/changes.atom")
    organizer.edit("speakers: [ada, zoe]", "speakers: [ada]")


def test_changes_match_golden_file(organizer: Organizer, client: FlaskClient) -> None:
    edit_schedule(organizer)
    data = client.get("/changes.atom").data
    target = GOLDEN / "changes.atom"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        target.write_bytes(data)
    assert data == target.read_bytes(), (
        f"/changes.atom differs from {target}; run UPDATE_GOLDEN=1 pytest after checking the change"
    )


def test_first_publication_is_one_entry(client: FlaskClient) -> None:
    feed = read_feed(client)
    assert feed.findtext("atom:id", namespaces=NS) == "tag:tiny.example.org,2024-01-10:tiny-conf/changes"
    assert feed.findtext("atom:title", namespaces=NS) == "Tiny Conf 2024 · Schedule changes"
    assert feed.findtext("atom:updated", namespaces=NS) == "2024-01-10T12:00:00Z"
    assert feed.findtext("atom:author/atom:name", namespaces=NS) == "Tiny Conf 2024"
    links = {link.get("rel"): link.get("href") for link in feed.findall("atom:link", NS)}
    assert links == {"self": "https://feeds.example.org/changes.atom", "alternate": "https://feeds.example.org/"}
    [entry] = entries(feed)
    assert entry == {
        "id": f"tag:tiny.example.org,2024-01-10:tiny-conf/revision/20240110T120000Z/{source_hash(SMALL_EVENT)}",
        "title": "Schedule published: 4 sessions",
        "updated": "2024-01-10T12:00:00Z",
        "link": "https://feeds.example.org/",
        "content": (
            "<ul><li>Added: Opening, Sat 30 Mar 09:00 CET</li>"
            "<li>Added: Engines, looms; and a backslash \\ here, Sat 30 Mar 09:15 CET</li>"
            "<li>Added: A cancelled talk, Sat 30 Mar 10:00 CET</li>"
            "<li>Added: Across the DST change, Sun 31 Mar 01:30 CET</li></ul>"
        ),
    }


def test_one_entry_per_revision_newest_first_with_stable_ids(
    organizer: Organizer, client: FlaskClient, clock: Clock
) -> None:
    seen: list[dict[str, str]] = entries(read_feed(client))
    edits = [
        (ENGINES_TIMES, "start: 2024-03-30 11:00\n    end: 2024-03-30 11:45"),
        ("title: Opening", "title: Welcome"),
        ("    status: cancelled\n", ""),
        ("speakers: [ada, zoe]", "speakers: [ada]"),
    ]
    for old, new in edits:
        organizer.edit(old, new)
        now = entries(read_feed(client))
        assert now[1:] == seen  # earlier entries keep their ids, times and texts
        assert now[0]["updated"] == clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert now[0]["id"].endswith(clock.now.strftime("/revision/%Y%m%dT%H%M%SZ/") + source_hash(organizer.path))
        seen = now
    assert [entry["title"] for entry in seen] == [
        "Speakers changed: Engines, looms; and a backslash \\ here: Ada Lovelace (Analyst, Analytical Engines; Ltd.), "
        "Zoë Ünïcode (Ümlaut GmbH) -> Ada Lovelace (Analyst, Analytical Engines; Ltd.)",
        "No longer cancelled: A cancelled talk",
        "Renamed: Opening -> Welcome",
        "Moved: Engines, looms; and a backslash \\ here, Sat 30 Mar 09:15-10:00 -> 11:00-11:45 CET",
        "Schedule published: 4 sessions",
    ]
    assert [entry["link"] for entry in seen[:4]] == [
        "https://feeds.example.org/sessions/engines",
        "https://feeds.example.org/sessions/dropped",
        "https://feeds.example.org/sessions/opening",
        "https://feeds.example.org/sessions/engines",
    ]
    assert len({entry["id"] for entry in seen}) == len(seen)


def test_revisions_attendees_cannot_see_add_no_entry(
    organizer: Organizer, client: FlaskClient, clock: Clock, event_dir: Path
) -> None:
    store = LedgerFile(event_dir / "event.ledger.json")
    organizer.write(remove_session(organizer.path.read_text(), "night-owl"))
    removal = entries(read_feed(client))
    assert removal[0]["title"] == "Removed: Across the DST change"
    assert removal[0]["link"] == "https://feeds.example.org/"  # its page is gone; the index is not
    before = client.get("/changes.atom")
    # The tombstone expires: the ledger records a revision, but it changes nothing attendees see.
    clock.advance(days=30)
    assert client.get("/conference.ics").data != b""
    ledger = store.read("tiny-conf")
    assert ledger is not None and ledger.revised == clock.now and ledger.revisions[-1].changes == ()
    after = client.get("/changes.atom")
    assert (after.data, after.headers["ETag"]) == (before.data, before.headers["ETag"])
    # A comment-only save changes no revision at all.
    organizer.write(organizer.path.read_text() + "\n# note\n")
    assert client.get("/changes.atom").data == before.data


def test_several_changes_in_one_revision_are_one_entry(organizer: Organizer, client: FlaskClient) -> None:
    text = organizer.path.read_text().replace("title: Opening", "title: Welcome")
    organizer.write(remove_session(text, "night-owl"))
    [entry, _] = entries(read_feed(client))
    assert entry["title"] == "Renamed: Opening -> Welcome (and 1 more)"
    assert entry["content"] == "<ul><li>Renamed: Opening -&gt; Welcome</li><li>Removed: Across the DST change</li></ul>"
    assert entry["link"] == "https://feeds.example.org/"


def test_changes_http(organizer: Organizer, client: FlaskClient, clock: Clock) -> None:
    response = client.get("/changes.atom")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Last-Modified"] == format_datetime(FIRST_PUBLISHED, usegmt=True)
    etag = response.headers["ETag"]
    assert client.get("/changes.atom", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/changes.atom", headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304
    )
    assert client.head("/changes.atom").data == b""
    organizer.edit("title: Opening", "title: Welcome")
    changed = client.get("/changes.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["Last-Modified"] == format_datetime(clock.now, usegmt=True)
    assert (
        client.get("/changes.atom", headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 200
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Wed 19 Jul 10:05-10:25 PT", "Wed 19 Jul 11:05-11:25 PT", "Wed 19 Jul 10:05-10:25 -> 11:05-11:25 PT"),
        (
            "Tue 18 Jul 10:05-10:25 PT",
            "Wed 19 Jul 11:05-11:25 PT",
            "Tue 18 Jul 10:05-10:25 -> Wed 19 Jul 11:05-11:25 PT",
        ),
        (
            "Sun 31 Mar 01:30-03:30 CET",
            "Sun 31 Mar 04:00-05:00 CEST",
            "Sun 31 Mar 01:30-03:30 CET -> Sun 31 Mar 04:00-05:00 CEST",
        ),
        ("odd", "text", "odd -> text"),
    ],
)
def test_describe_move(old: str, new: str, expected: str) -> None:
    assert describe_move(old, new) == expected


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        ("added", "", "Wed 19 Jul 10:05 PT", "Added: Thrift, Wed 19 Jul 10:05 PT"),
        (
            "moved",
            "Wed 19 Jul 10:05-10:25 PT",
            "Wed 19 Jul 11:05-11:25 PT",
            "Moved: Thrift, Wed 19 Jul 10:05-10:25 -> 11:05-11:25 PT",
        ),
        ("retitled", "Thrift", "Thrift unification", "Renamed: Thrift -> Thrift unification"),
        ("cancelled", "", "", "Cancelled: Thrift"),
        ("uncancelled", "", "", "No longer cancelled: Thrift"),
        ("removed", "", "", "Removed: Thrift"),
        ("restored", "", "Wed 19 Jul 10:05 PT", "Back on the schedule: Thrift, Wed 19 Jul 10:05 PT"),
        (
            "tracks",
            "AI Platform",
            "Developer Experience",
            "Tracks changed: Thrift: AI Platform -> Developer Experience",
        ),
        ("speakers", "A, B", "A", "Speakers changed: Thrift: A, B -> A"),
        ("details", "", "", "Details changed: Thrift (description, location or links)"),
        ("renamed-id", "thrift", "thrift-2", "New address: Thrift: /sessions/thrift -> /sessions/thrift-2"),
        ("something-new", "", "", "Changed: Thrift (something-new)"),
    ],
)
def test_describe_change(kind: str, old: str, new: str, expected: str) -> None:
    assert describe_change(Change(kind, "thrift@example.org", "thrift", "Thrift", old, new)) == expected


def test_feed_keeps_the_newest_revisions_only() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    revisions = tuple(
        Revision(start + timedelta(hours=n), "", (Change("details", "a@x", "a", f"Talk {n}"),) if n % 2 else ())
        for n in range(2 * MAX_ENTRIES + 50)
    )
    ledger = Ledger(event="e", created=start, revised=revisions[-1].at, source_sha256="", revisions=revisions)
    kept = visible_revisions(ledger)
    assert len(kept) == MAX_ENTRIES
    assert all(revision.changes for revision in kept)
    assert [revision.at for revision in kept] == sorted((revision.at for revision in kept), reverse=True)
    assert kept[0] == revisions[-1]
    first = Revision(start, "", (Change("added", "a@x", "a", "A"), Change("added", "b@x", "b", "B")))
    assert entry_title(ledger, first) == "Schedule published: 2 sessions"
    later = Revision(start + timedelta(hours=1), "", first.changes)
    assert entry_title(ledger, later) == "Added: A (and 1 more)"


def test_real_agenda_with_its_committed_ledger(make_app, tmp_path: Path) -> None:
    shutil.copy(REAL_EVENT, tmp_path / "event.yaml")
    shutil.copy(REAL_EVENT.with_name("event.ledger.json"), tmp_path / "event.ledger.json")
    ledger = LedgerFile(tmp_path / "event.ledger.json").read("systems-scale-summer-2023")
    assert ledger is not None
    with make_app(tmp_path / "event.yaml").test_client() as real:
        found = entries(read_feed(real))
    visible = [revision for revision in ledger.revisions if revision.changes]
    assert len(found) >= len(visible) >= 1
    assert found[-1]["title"] == f"Schedule published: {len(visible[0].changes)} sessions"
    assert found[-1]["id"] == (
        f"tag:atscaleconference.com,{ledger.created:%Y-%m-%d}:systems-scale-summer-2023/revision/"
        f"{visible[0].at:%Y%m%dT%H%M%SZ}/{visible[0].source_sha256[:12]}"
    )


def test_two_revisions_in_the_same_second_have_distinct_ids(organizer: Organizer, client: FlaskClient) -> None:
    text = organizer.path.read_text()
    for number, title in enumerate(("Welcome", "Hello"), start=1):
        organizer.path.write_text(text.replace("title: Opening", f"title: {title}"))
        os.utime(organizer.path, (1_700_000_000 + number * 10, 1_700_000_000 + number * 10))
        client.get("/changes.atom")  # the clock stands still: both revisions get the same time
    found = entries(read_feed(client))
    assert [entry["title"] for entry in found[:2]] == ["Renamed: Welcome -> Hello", "Renamed: Opening -> Welcome"]
    assert found[0]["updated"] == found[1]["updated"]
    assert found[0]["id"] != found[1]["id"]
