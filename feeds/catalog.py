"""The one list of feeds and every URL shape: what routes, pages, renderers and exports build paths with."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Event, Session

CONFERENCE = "conference"
# The addresses that are not one item's: documents beside the feeds, the custom feed, the service's status.
SCHEDULE_XML = "/schedule.xml"
SCHEDULE_JSON = "/schedule.json"
CHANGES_FEED = "/changes.atom"
CUSTOM_FEED = "/custom.ics"
HEALTH = "/healthz"
KINDS = ("track", "speaker", "session")


@dataclass(frozen=True, slots=True)
class Feed:
    """One subscribable calendar: its key, permanent path and calendar texts."""

    key: str
    kind: str
    id: str
    title: str
    description: str
    color: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """Return the feed's permanent URL path."""
        return feed_path(self.key)

    @property
    def alias_paths(self) -> tuple[str, ...]:
        """Return the old URL paths that serve the same bytes."""
        return tuple(feed_path(f"{self.kind}:{alias}") for alias in self.aliases)


def feed_key(kind: str, ident: str = "") -> str:
    """Return the key of a feed, such as 'track:ai-platform' or 'conference'."""
    return CONFERENCE if kind == CONFERENCE else f"{kind}:{ident}"


def split_key(key: str) -> tuple[str, str]:
    """Return (kind, id) for a feed key."""
    kind, _, ident = key.partition(":")
    return kind, ident


def kind_prefix(kind: str) -> str:
    """Return the path every page and feed of one kind starts with: '/tracks' for 'track'."""
    return f"/{kind}s"


def page_path(key: str) -> str:
    """Return the URL path of the page of a feed key: '/' for the conference, '/sessions/<id>' for a session."""
    kind, ident = split_key(key)
    return "/" if kind == CONFERENCE else f"{kind_prefix(kind)}/{ident}"


def session_page_path(ident: str) -> str:
    """Return the URL path of a session's page."""
    return page_path(feed_key("session", ident))


def feed_path(key: str) -> str:
    """Return the URL path of the feed with this key."""
    kind, _ = split_key(key)
    return "/conference.ics" if kind == CONFERENCE else page_path(key) + ".ics"


def feed_name(title: str, event_name: str) -> str:
    """Return what a feed's title says after the event's name: 'AI Platform' of 'Conf · AI Platform'."""
    return title.removeprefix(f"{event_name} · ")


def list_feeds(event: Event) -> tuple[Feed, ...]:
    """Return every feed the event publishes, conference first."""
    name = event.info.name
    feeds = [Feed(CONFERENCE, CONFERENCE, "", name, event.info.description or f"Every session of {name}.")]
    feeds += [
        Feed(
            feed_key("track", t.id),
            "track",
            t.id,
            f"{name} · {t.name}",
            t.description or f"The {t.name} track of {name}, with the sessions for everyone.",
            t.color,
            t.aliases,
        )
        for t in event.tracks
    ]
    feeds += [
        Feed(
            feed_key("speaker", s.id),
            "speaker",
            s.id,
            f"{name} · {s.name}",
            f"Sessions with {s.credit} at {name}.",
            aliases=s.aliases,
        )
        for s in event.speakers
    ]
    feeds += [
        Feed(
            feed_key("session", s.id),
            "session",
            s.id,
            f"{name} · {s.title}",
            f"{s.title}, a session of {name}.",
            aliases=s.aliases,
        )
        for s in event.sessions
    ]
    return tuple(feeds)


def session_feed_keys(event: Event, session: Session) -> frozenset[str]:
    """Return the keys of every feed that holds the session."""
    keys = {CONFERENCE, feed_key("session", session.id)}
    keys.update(feed_key("track", t.id) for t in event.session_tracks(session))
    keys.update(feed_key("speaker", s) for s in session.speakers)
    return frozenset(keys)


def alias_map(event: Event) -> dict[str, str]:
    """Return old feed keys mapped to the canonical keys they now stand for."""
    mapping: dict[str, str] = {}
    for kind, items in (("track", event.tracks), ("speaker", event.speakers), ("session", event.sessions)):
        for item in items:
            for alias in item.aliases:
                mapping[feed_key(kind, alias)] = feed_key(kind, item.id)
    return mapping
