"""The format of event.yaml, declared once as data: every section and field, its kind, limits and docs.

The checker reads fields by this table, `feeds schema` renders it as a JSON Schema, and
docs/event-format.md's field tables are rendered from it. Rules that relate items to each
other (unique ids, references, overlaps, the event's days) are in rules.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from ..model import CANCELLED, CONFIRMED, OVERLAP_POLICIES, STATUSES

MAX_SOURCE_ID_LENGTH = 200
# "Cancelled: " (11 octets) + title must stay under the 255-octet SUMMARY limit.
MAX_TITLE_BYTES = 243
# Years and lengths that keep every time convertible to UTC and into a calendar.
YEARS = range(1900, 3000)
MAX_DURATION = timedelta(days=366)

LOCAL_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})")
DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DURATION = re.compile(r"(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
URL = re.compile(r"https?://([^/?#\s]+)[^\s]*")
DOMAIN = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


class Kind(Enum):
    """What a field's value is; each kind has one reader in the checker and one JSON Schema form."""

    TEXT = "text"
    ID = "id"
    IDS = "ids"
    URL = "url"
    DAY = "day"
    TIME = "time"
    DURATION = "duration"
    FLAG = "flag"
    COLOR = "color"
    ZONE = "zone"
    DOMAIN = "domain"
    CHOICE = "choice"
    SOURCE_ID = "source_id"


@dataclass(frozen=True, slots=True)
class Field:
    """One key of a mapping in event.yaml."""

    name: str
    kind: Kind
    description: str  # Markdown, for the docs and editors' hover text
    example: str  # as written in event.yaml, or a phrase such as "see below"
    required: bool = False
    default: str = ""  # what an absent optional field means, in Markdown; "" for none
    what: str = ""  # for ids: what the value names, as messages say it ("a track id", "speaker ids")
    refers: str = ""  # for ids: the kind of item the ids must name
    max_bytes: int = 0  # for text: the limit in bytes of UTF-8
    choices: tuple[str, ...] = ()  # for a choice: the values allowed
    list_message: str = ""  # for one id: what to say when a list is given
    null_message: str = ""  # for a list: what to say when nothing is given, if that is an error


@dataclass(frozen=True, slots=True)
class Section:
    """A mapping of event.yaml: the event, or one item of the tracks, speakers or sessions list."""

    key: str  # the top-level key: event, tracks, speakers, sessions
    kind: str  # what one mapping is: event, track, speaker, session
    listed: bool  # a list of mappings rather than one
    description: str
    fields: tuple[Field, ...]
    # Fields of which at most one may be given, and of those the groups of which one is needed.
    exclusive: tuple[tuple[str, ...], ...] = ()
    needs_one: tuple[tuple[str, ...], ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        """Return the names of the fields that must be given."""
        return tuple(f.name for f in self.fields if f.required)

    @property
    def optional(self) -> tuple[str, ...]:
        """Return the names of the fields that may be left out."""
        return tuple(f.name for f in self.fields if not f.required)

    def field(self, name: str) -> Field:
        """Return the field with this name."""
        return next(f for f in self.fields if f.name == name)


IDS_SEE = "(see [Ids](#ids))"


def _id(kind: str, example: str, extra: str = "") -> Field:
    return Field("id", Kind.ID, f"Id of the {kind} {IDS_SEE}.{extra}", f"`{example}`", required=True, what="an id")


def _aliases(kind: str, example: str) -> Field:
    return Field("aliases", Kind.IDS, f"Earlier ids of this {kind} {IDS_SEE}.", f"`[{example}]`", what="old ids")


def _source_id(kind: str, example: str) -> Field:
    return Field(
        "source_id",
        Kind.SOURCE_ID,
        f"The {kind}'s id in the schedule tool it was imported from (see [Imported items](#imported-items)).",
        f'`"{example}"`',
    )


EVENT = Section(
    "event",
    "event",
    False,
    "Required. The conference itself.",
    (
        _id("event", "systems-scale-summer-2023"),
        Field(
            "name",
            Kind.TEXT,
            'Name of the conference. Calendar names are built from it, e.g. "Systems @Scale Summer 2023 · AI Platform".',
            "`Systems @Scale Summer 2023`",
            required=True,
        ),
        Field(
            "timezone",
            Kind.ZONE,
            "Time zone of every time in the file, as an IANA zone name "
            "(`localtime` and `Factory` are not accepted: they name no place).",
            "`America/Los_Angeles`",
            required=True,
        ),
        Field(
            "timezone_label",
            Kind.TEXT,
            "Short label shown after local times in text that the feeds write.",
            "`PT`",
        ),
        Field(
            "uid_domain",
            Kind.DOMAIN,
            "A domain name. Each session's calendar identity is `<session id>@<uid_domain>`. Set it once and never "
            "change it: if it changes, every calendar shows every session twice.",
            "`atscaleconference.com`",
            required=True,
        ),
        Field(
            "url",
            Kind.URL,
            "Full `https://` address of the event's web page.",
            "`https://atscaleconference.com/events/systems-scale-summer-2023/`",
            required=True,
        ),
        Field(
            "description",
            Kind.TEXT,
            "Plain text about the event, one or more lines. It becomes the description of each calendar.",
            "see below",
            required=True,
        ),
        Field("first_day", Kind.DAY, "First day of the event, `YYYY-MM-DD`.", "`2023-07-18`", required=True),
        Field(
            "last_day",
            Kind.DAY,
            "Last day of the event, `YYYY-MM-DD`, the same as or after `first_day`.",
            "`2023-07-19`",
            required=True,
        ),
        Field(
            "location",
            Kind.TEXT,
            "Location given to every session that has no `location` of its own: a venue, a room or `Online`.",
            "`Online`",
        ),
        Field(
            "join_url",
            Kind.URL,
            "Full `https://` link to join online, given to every session that has no `join_url` of its own.",
            "`https://example.com/live`",
        ),
        Field(
            "speaker_overlaps",
            Kind.CHOICE,
            "`error` rejects a file where a speaker is in two sessions at the same time; `warning` accepts it and "
            "`feeds check` prints a warning for each, for schedules imported from a tool that publishes such "
            "overlaps (all-day workshops, hosts).",
            "`warning`",
            default="`error`",
            choices=OVERLAP_POLICIES,
        ),
    ),
)

TRACK = Section(
    "tracks",
    "track",
    True,
    "A list of topic tracks. Each track has its own feed, which holds the track's sessions and every plenary session.",
    (
        _id("track", "ai-platform", " Sessions refer to it."),
        Field("name", Kind.TEXT, "Name shown to attendees.", "`AI Platform`", required=True),
        Field(
            "description",
            Kind.TEXT,
            "One or two plain sentences about the track.",
            "`Systems for building and serving ML models.`",
        ),
        Field(
            "color",
            Kind.COLOR,
            "`#` followed by six hexadecimal digits. **Must be quoted.**",
            '`"#2563eb"`',
        ),
        _aliases("track", "ml-platform"),
        _source_id("track", "12"),
    ),
)

SPEAKER = Section(
    "speakers",
    "speaker",
    True,
    "A list of people. Each speaker has their own feed with the sessions they speak in.",
    (
        _id("speaker", "ion-stoica", " Sessions refer to it."),
        Field(
            "name",
            Kind.TEXT,
            "Name as it should appear. If you do not know the name, write a description, not a made-up name.",
            "`Ion Stoica`, `IPnext lead, Meta`",
            required=True,
        ),
        Field("role", Kind.TEXT, "Job title.", "`Professor, EECS Department`"),
        Field("affiliation", Kind.TEXT, "Company or university.", "`UC Berkeley`"),
        Field(
            "bio", Kind.TEXT, "Plain text, one or more lines.", "`Ion Stoica is a Professor in the EECS Department.`"
        ),
        _aliases("speaker", "istoica"),
        _source_id("speaker", "3f9c2a"),
    ),
)

SESSION = Section(
    "sessions",
    "session",
    True,
    "A list of talks and other slots. Each session appears in the feed of the whole conference, in the feeds of "
    "its tracks (all of them if it is plenary) and in the feeds of its speakers.",
    (
        _id("session", "ray-keynote"),
        Field(
            "title",
            Kind.TEXT,
            f"Plain text, at most {MAX_TITLE_BYTES} bytes (see [Text](#text)).",
            "`Host Welcome`",
            required=True,
            max_bytes=MAX_TITLE_BYTES,
        ),
        Field(
            "start",
            Kind.TIME,
            "Local start time, `YYYY-MM-DD HH:MM` (see [Times](#times-and-durations)).",
            "`2023-07-18 09:05`",
            required=True,
        ),
        Field("end", Kind.TIME, "Local end time, after `start`.", "`2023-07-18 09:25`"),
        Field("duration", Kind.DURATION, "Length, such as `20m`, `1h` or `1h30m`.", "`20m`"),
        Field(
            "track",
            Kind.ID,
            "Id of the session's one track.",
            "`ai-platform`",
            what="a track id",
            refers="track",
            list_message="expected one track id, got a list; write 'tracks:' for several tracks",
        ),
        Field(
            "tracks",
            Kind.IDS,
            "Ids of several tracks, instead of `track`. `tracks: []` puts the session in no track: it is in the "
            "conference feed, its speakers' feeds and its own, but in no track's feed.",
            "`[ai-platform, developer-experience]`",
            what="track ids",
            refers="track",
            null_message="expected a list of track ids, got nothing; write 'tracks: []' for a session in no track",
        ),
        Field(
            "plenary",
            Kind.FLAG,
            "`true` puts the session in every track's feed, for keynotes, welcomes and breaks. "
            "It can be combined with `track`.",
            "`true`",
            default="`false`",
        ),
        Field(
            "speakers",
            Kind.IDS,
            "Speaker ids, in the order they should be listed.",
            "`[ion-stoica]`",
            what="speaker ids",
            refers="speaker",
        ),
        Field(
            "status",
            Kind.CHOICE,
            "`confirmed` or `cancelled` (see below).",
            f"`{CANCELLED}`",
            default=f"`{CONFIRMED}`",
            choices=STATUSES,
        ),
        Field(
            "url",
            Kind.URL,
            "Full `https://` address of the session's own page.",
            "`https://atscaleconference.com/videos/...`",
        ),
        Field(
            "location",
            Kind.TEXT,
            "Location of this session, replacing the event's.",
            "`Room 2`",
            default="`event.location`",
        ),
        Field(
            "join_url",
            Kind.URL,
            "Link to join this session online, replacing the event's.",
            "`https://example.com/room2`",
            default="`event.join_url`",
        ),
        _aliases("session", "keynote"),
        _source_id("session", "6f1c0d2e-8b1a-4d5e-9c3b-2a7f1e0d9c4b"),
        Field(
            "description",
            Kind.TEXT,
            "The abstract, plain text, one or more paragraphs.",
            "see below",
        ),
    ),
    exclusive=(("end", "duration"), ("track", "tracks")),
    needs_one=(("end", "duration"),),
)

SECTIONS = (EVENT, TRACK, SPEAKER, SESSION)
TOP_KEYS = tuple(section.key for section in SECTIONS)
