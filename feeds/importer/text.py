"""Plain text from source fields: HTML turned into paragraphs and list lines, never dropped."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from ..load import clean_text

# Only text with one of these tags is read as HTML; "a < b" in plain text stays as written.
HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|ul|ol|li|a|b|i|u|em|strong|h[1-6]|blockquote|pre|code|table|tr|td|th|hr|img|small|sup|sub)\b[^<>]*>",
    re.IGNORECASE,
)
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);")
BLOCKS = {"p", "div", "ul", "ol", "blockquote", "pre", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
SEPARATORS = str.maketrans({"\u2028": " ", "\u2029": " ", "\x85": " "})


class _TextParser(HTMLParser):
    """Collect the text of an HTML fragment with paragraph breaks and list bullets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            shown = self.parts[-1] if self.parts else ""
            if href.startswith(("http://", "https://")) and href not in shown:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def looks_like_html(value: str) -> bool:
    """Return whether value holds HTML markup rather than plain text."""
    return HTML_TAG.search(value) is not None


def html_to_text(value: str) -> str:
    """Return the text of an HTML fragment: paragraphs separated by blank lines, list items as '- ' lines."""
    parser = _TextParser()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()


def plain(value: object) -> str:
    """Return a source value as clean plain text: HTML converted, stray entities decoded, space trimmed."""
    if value is None:
        return ""
    text = str(value).translate(SEPARATORS)
    if looks_like_html(text):
        text = html_to_text(text)
    elif ENTITY.search(text):
        text = html.unescape(text)
    return clean_text(text)


def one_line(value: object) -> str:
    """Return a source value as one line of plain text."""
    return " ".join(plain(value).split())
