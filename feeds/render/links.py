"""Subscribe links for every calendar app, and the e-mail snippets built from them.

Pure functions of a feed's https URL and name: no HTTP, no files. The deep
links are undocumented by Google and Microsoft and have broken before, so
every place that shows them also shows the plain address and manual steps.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from ..catalog import CONFERENCE, CUSTOM_FEED, KINDS, Feed, feed_key, feed_path, kind_prefix, list_feeds, split_key
from ..model import Event
from ..text import SLUG

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r?cid="
OUTLOOK_COM = "https://outlook.live.com/calendar/0/addfromweb"
MICROSOFT_365 = "https://outlook.office.com/calendar/addfromweb"
GOOGLE_EVENT = "https://calendar.google.com/calendar/render?action=TEMPLATE"
# Google Calendar ignores a cid value longer than this (the url-encoded webcal:// address).
GOOGLE_CID_LIMIT = 256
# Outlook shows the name as the calendar's title; a custom feed's name can run long.
NAME_LIMIT = 100
# Google's single-event link carries the details in the URL; keep it well under URL limits.
DETAILS_LIMIT = 600

LABELS = {
    "google": "Google Calendar",
    "outlook_com": "Outlook.com",
    "microsoft_365": "Microsoft 365 (work or school)",
    "apple": "Apple Calendar (iPhone, iPad, Mac)",
}
MANUAL_STEPS = (
    "Copy the calendar address.",
    "In your calendar app, add a calendar from a URL (Google: Other calendars, +, From URL; "
    "Outlook: Add calendar, Subscribe from web; Apple: File, New Calendar Subscription) and paste it.",
)
FORMATS = ("html", "text", "markdown")
# The calendar apps this service forwards to from /subscribe/<vendor>/<feed>, for links that must be https.
VENDOR_LABELS = {
    "google": LABELS["google"],
    "outlook": LABELS["outlook_com"],
    "microsoft-365": LABELS["microsoft_365"],
    "apple": LABELS["apple"],
}
VENDORS = tuple(VENDOR_LABELS)
# A feed address: the base URL, then the feed's path; custom feeds carry their query.
_FEED_NAMES = "|".join(
    [
        feed_path(CONFERENCE).removesuffix(".ics")[1:],
        CUSTOM_FEED.removesuffix(".ics")[1:],
        *(f"{kind_prefix(kind)[1:]}/{SLUG.pattern}" for kind in KINDS),
    ]
)
FEED_TAIL = re.compile(rf"/(?P<target>{_FEED_NAMES})\.ics(?:\?(?P<query>[^#]*))?$")


@dataclass(frozen=True, slots=True)
class SubscribeLinks:
    """Every way to add one feed to a calendar."""

    name: str
    https: str
    webcal: str
    google: str
    outlook_com: str
    microsoft_365: str
    download: str

    @property
    def google_fits(self) -> bool:
        """Return whether Google's one-click link is short enough for Google to accept it."""
        return len(encode(self.webcal)) <= GOOGLE_CID_LIMIT

    def vendor_link(self, vendor: str) -> str:
        """Return the link that subscribes in one of VENDORS' calendar apps."""
        found = {
            "google": self.google,
            "outlook": self.outlook_com,
            "microsoft-365": self.microsoft_365,
            "apple": self.webcal,
        }
        return found[vendor]


def subscribe_path(vendor: str, target: str, query: str = "") -> str:
    """Return the path of this service's page that forwards to a vendor's link: target is 'tracks/ID', 'custom', ..."""
    return f"/subscribe/{vendor}/{target}" + (f"?{query}" if query else "")


def relay_url(url: str, vendor: str) -> str:
    """Return the https address on this service that forwards to a vendor's subscribe link for the feed at url."""
    found = FEED_TAIL.search(url)
    if found is None or not url.startswith(("https://", "http://")):
        raise ValueError(f"expected the address of a feed of this service, got {url!r}")
    return url[: found.start()] + subscribe_path(vendor, found["target"], found["query"] or "")


def encode(value: str) -> str:
    """Return value percent-encoded for a query parameter (UTF-8, nothing left unescaped)."""
    return quote(value, safe="")


def webcal_url(url: str) -> str:
    """Return the webcal:// form of an http(s) URL."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in ("http", "https"):
        raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
    return "webcal://" + rest


def google_subscribe_url(url: str) -> str:
    """Return Google Calendar's subscribe link: cid is the url-encoded webcal:// address."""
    return GOOGLE_SUBSCRIBE + encode(webcal_url(url))


def outlook_com_url(url: str, name: str) -> str:
    """Return Outlook.com's subscribe link (it wants the https address, not webcal://)."""
    return f"{OUTLOOK_COM}?url={encode(url)}&name={encode(short_name(name))}"


def microsoft_365_url(url: str, name: str) -> str:
    """Return Microsoft 365's (work or school Outlook on the web) subscribe link."""
    return f"{MICROSOFT_365}?url={encode(url)}&name={encode(short_name(name))}"


def short_name(name: str) -> str:
    """Return name cut to NAME_LIMIT characters, ending in an ellipsis when cut."""
    name = " ".join(name.split())
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1].rstrip() + "…"


def google_cid_warning(url: str) -> str:
    """Return why Google's one-click link will not work for this feed, or '' when it will."""
    value = encode(webcal_url(url))
    if len(value) <= GOOGLE_CID_LIMIT:
        return ""
    return (
        f"the Google Calendar link for {url} is {len(value)} characters after encoding, over Google's limit of "
        f"{GOOGLE_CID_LIMIT}; Google subscribers must add it by URL (Other calendars, +, From URL). "
        "A shorter base URL or fewer ids in a custom feed avoids this"
    )


def subscribe_links(url: str, name: str, download: str = "") -> SubscribeLinks:
    """Return every subscribe link for the feed at url (https), named name."""
    return SubscribeLinks(
        name=name,
        https=url,
        webcal=webcal_url(url),
        google=google_subscribe_url(url),
        outlook_com=outlook_com_url(url, name),
        microsoft_365=microsoft_365_url(url, name),
        download=download or url,
    )


def with_alarm_links(links: SubscribeLinks, minutes: int) -> SubscribeLinks:
    """Return the links of the same feed asked for with a reminder minutes before each session (?alarm=)."""
    separator = "&" if "?" in links.https else "?"
    url = f"{links.https}{separator}alarm={minutes}"
    return subscribe_links(url, links.name, url)


def google_event_url(title: str, start: datetime, end: datetime, details: str = "", location: str = "") -> str:
    """Return Google Calendar's link that adds one event (a copy that will not follow changes)."""
    if len(details) > DETAILS_LIMIT:
        details = details[: DETAILS_LIMIT - 1].rstrip() + "…"
    dates = f"{start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    parts = [f"text={encode(title)}", f"dates={dates}"]
    if details:
        parts.append(f"details={encode(details)}")
    if location:
        parts.append(f"location={encode(location)}")
    return GOOGLE_EVENT + "&" + "&".join(parts)


def find_feed(event: Event, key: str) -> Feed | None:
    """Return the feed for a key such as 'track:ai-platform', following aliases; None if there is none."""
    kind, ident = split_key(key)
    if kind == CONFERENCE and not ident:
        return list_feeds(event)[0]
    lookups: dict[str, Callable[[str], object]] = {
        "track": event.track,
        "speaker": event.speaker,
        "session": event.session,
    }
    find = lookups.get(kind)
    found = find(ident) if find else None
    if found is None:
        return None
    canonical = feed_key(kind, getattr(found, "id", ident))
    return next((feed for feed in list_feeds(event) if feed.key == canonical), None)


def feed_links(feed: Feed, base_url: str) -> SubscribeLinks:
    """Return the subscribe links of a catalog feed under base_url."""
    url = base_url.rstrip("/") + feed.path
    download = url + "?download=1" if feed.kind == "session" else url
    return subscribe_links(url, feed.title, download)


# E-mail snippets. E-mail clients drop <style> and scripts, so every style is inline, and every button is an https
# link to this service (/subscribe/<vendor>/<feed>), which forwards to the calendar app.
_BOX = "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2937;border-collapse:collapse;"
_BUTTON = (
    "display:inline-block;margin:0 8px 8px 0;padding:9px 14px;border-radius:6px;background:#1d4ed8;"
    "color:#ffffff;font-weight:bold;text-decoration:none;"
)
_SMALL = "padding:4px 0 0 0;font-size:13px;color:#4b5563;"
_CODE = "font-family:Consolas,Menlo,monospace;font-size:13px;word-break:break-all;color:#1d4ed8;"


def _buttons(links: SubscribeLinks) -> list[tuple[str, str]]:
    """Return the snippet's buttons: https links to this service, which forward (mail filters drop other schemes).

    An address that is not one of this service's feeds (no /subscribe/ page to forward from) keeps the direct links.
    """
    relayed = FEED_TAIL.search(links.https) is not None
    return [
        (VENDOR_LABELS[vendor], relay_url(links.https, vendor) if relayed else links.vendor_link(vendor))
        for vendor in VENDORS
        if vendor != "google" or links.google_fits
    ]


def render_snippet_html(links: SubscribeLinks) -> str:
    """Return an e-mail-safe HTML block: inline styles, no script, absolute links, the address as text."""
    esc = html.escape
    buttons = "\n".join(
        f'      <a href="{esc(href)}" style="{_BUTTON}">{esc(label)}</a>' for label, href in _buttons(links)
    )
    google_note = (
        ""
        if links.google_fits
        else f'  <tr><td style="{_SMALL}">Google Calendar: add the address below by URL '
        "(Other calendars, +, From URL).</td></tr>\n"
    )
    return (
        f"<!-- Subscribe links for {esc(links.name).replace('--', '- -')}. Paste into the HTML of an e-mail. -->\n"
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="{_BOX}">\n'
        f'  <tr><td style="padding:0 0 6px 0;font-size:17px;font-weight:bold;">Add {esc(links.name)} to your calendar'
        "</td></tr>\n"
        f'  <tr><td style="padding:0 0 10px 0;">Subscribe once: when a session moves, is renamed or is cancelled, '
        "your calendar follows.</td></tr>\n"
        f"  <tr><td>\n{buttons}\n  </td></tr>\n"
        f"{google_note}"
        f'  <tr><td style="{_SMALL}">Another calendar app, or a button that does not work? '
        f"{esc(MANUAL_STEPS[1])} The address:</td></tr>\n"
        f'  <tr><td style="padding:4px 0 0 0;"><a href="{esc(links.https)}" style="{_CODE}">{esc(links.https)}</a>'
        "</td></tr>\n"
        "</table>\n"
    )


def render_snippet_text(links: SubscribeLinks) -> str:
    """Return the snippet as plain text, the fallback part of an HTML e-mail."""
    lines = [
        f"Add {links.name} to your calendar.",
        "Subscribe once: when a session moves, is renamed or is cancelled, your calendar follows.",
        "",
    ]
    lines += [f"{label}: {href}" for label, href in _buttons(links)]
    if not links.google_fits:
        lines.append(f"{LABELS['google']}: add the address below by URL (Other calendars, +, From URL).")
    lines += ["", f"Calendar address, for any other calendar app: {links.https}", MANUAL_STEPS[1]]
    return "\n".join(lines) + "\n"


# Characters that change Markdown inline meaning (the name never starts a line, so # - + need no escape).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")


def markdown_text(value: str) -> str:
    """Return value with Markdown's special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def render_snippet_markdown(links: SubscribeLinks) -> str:
    """Return the snippet as Markdown (link destinations in angle brackets, text escaped)."""
    lines = [
        f"**Add {markdown_text(links.name)} to your calendar.** "
        "Subscribe once: when a session moves, is renamed or is cancelled, your calendar follows.",
        "",
    ]
    lines += [f"- [{markdown_text(label)}](<{href}>)" for label, href in _buttons(links)]
    if not links.google_fits:
        lines.append(f"- {LABELS['google']}: add the address below by URL (Other calendars, +, From URL).")
    lines += [
        "",
        f"Calendar address, for any other calendar app: <{links.https}>  ",
        MANUAL_STEPS[1],
    ]
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[SubscribeLinks], str]] = {
    "html": render_snippet_html,
    "text": render_snippet_text,
    "markdown": render_snippet_markdown,
}


def render_snippet(links: SubscribeLinks, form: str) -> str:
    """Return the e-mail snippet in a format: html, text or markdown."""
    return RENDERERS[form](links)


def unknown_feed(event: Event, key: str) -> str:
    """Return why key names no feed of the event, with the closest id when there is one."""
    kind, ident = split_key(key)
    ids = {
        "track": [t.id for t in event.tracks],
        "speaker": [s.id for s in event.speakers],
        "session": [s.id for s in event.sessions],
    }
    if kind not in ids:
        return f"'{key}' is not a feed: write conference, track:ID, speaker:ID or session:ID"
    close = difflib.get_close_matches(ident, ids[kind], n=1, cutoff=0.65)
    hint = f"; did you mean '{kind}:{close[0]}'?" if close else ""
    return f"there is no {kind} '{ident}' in {event.source_name}{hint}"
