"""Custom feeds: the tracks, speakers and sessions a query chooses, its canonical query, title and links."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import request, url_for

from ..catalog import KINDS, feed_key, feed_name, feed_path, split_key
from ..load import sentence
from ..publish.publication import Publication
from ..render.links import SubscribeLinks, subscribe_links
from ..text import is_id, shown_id, suggest

MAX_CUSTOM_IDS = 50
# Longer than 50 of the longest ids, comma-separated, can be: refuse before parsing.
MAX_CUSTOM_QUERY = 4096


@dataclass(frozen=True, slots=True)
class Selection:
    """Feeds chosen for a custom feed: canonical keys in canonical order, or why the choice is refused."""

    keys: tuple[str, ...] = ()
    problem: str = ""
    status: int = 200
    asked: bool = False


def _custom_order(key: str) -> tuple[int, str]:
    kind, ident = split_key(key)
    return KINDS.index(kind), ident


def requested_selection(publication: Publication) -> Selection:
    """Return the feeds the request's query chooses; an over-long query is refused before it is parsed."""
    if len(request.query_string) > MAX_CUSTOM_QUERY:
        return Selection(
            problem=f"The query is too long: a custom feed takes at most {MAX_CUSTOM_IDS} ids.", status=400, asked=True
        )
    return read_selection(publication, request.args.to_dict(flat=False))


def read_selection(publication: Publication, args: Mapping[str, list[str]]) -> Selection:
    """Return the feeds a query chooses (?track=a,b&speaker=c&session=d), following aliases."""
    wanted: list[tuple[str, str]] = []
    for kind in KINDS:
        for value in args.get(kind, []):
            wanted += [(kind, ident.strip()) for ident in value.split(",") if ident.strip()]
    asked = any(kind in args for kind in KINDS)
    if len(wanted) > MAX_CUSTOM_IDS:
        return Selection(
            problem=f"Too many ids ({len(wanted)}): a custom feed takes at most {MAX_CUSTOM_IDS}.",
            status=400,
            asked=True,
        )
    keys: dict[str, None] = {}
    unknown: list[str] = []
    for kind, ident in wanted:
        key = publication.lookup(feed_path(feed_key(kind, ident))) if is_id(ident) else None
        if key is None or split_key(key)[0] != kind:
            # A suggestion compares the id with every id of its kind: for the first unknown id only,
            # so that a query of many unknown ids costs no more than one.
            hint = ""
            if not unknown:
                hint = suggest(ident, [split_key(k)[1] for k in publication.feeds if split_key(k)[0] == kind])
            unknown.append(f"unknown {kind} '{shown_id(ident)}'{hint}")
        else:
            keys[key] = None
    if unknown:
        message = "; ".join(unknown[:5]) + (f"; and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        return Selection(
            problem=sentence(message[0].upper() + message[1:]) + " Every id is listed at /.", status=404, asked=True
        )
    return Selection(keys=tuple(sorted(keys, key=_custom_order)), asked=asked)


def custom_query(keys: Iterable[str]) -> str:
    """Return the canonical query of a custom feed: kinds in a fixed order, ids sorted, comma-separated."""
    ids: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for key in keys:
        kind, ident = split_key(key)
        ids[kind].append(ident)
    return "&".join(f"{kind}={','.join(sorted(found))}" for kind, found in ids.items() if found)


def custom_title(publication: Publication, keys: Iterable[str]) -> str:
    """Return the custom feed's calendar name, as Publication.custom_body writes it."""
    names = [feed_name(publication.ledger.feeds[key].title, publication.event.info.name) for key in sorted(keys)]
    return f"{publication.event.info.name} · " + " + ".join(names)


def custom_links(publication: Publication, keys: tuple[str, ...], base: str) -> SubscribeLinks:
    """Return the subscribe links of the custom feed of these keys."""
    address = f"{base}{url_for('feeds.custom_feed')}?{custom_query(keys)}"
    return subscribe_links(address, custom_title(publication, keys))
