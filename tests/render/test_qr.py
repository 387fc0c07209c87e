"""QR codes: the served SVG, drawn to pixels here and read by zxing-cpp, gives back the feed's webcal:// URL."""

from __future__ import annotations

import itertools
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from flask.testing import FlaskClient

from feeds.catalog import feed_path, list_feeds
from feeds.load import load_event
from feeds.render.qr import qr_path, qr_svg

from ..support.organizer import Organizer, remove_session
from ..support.paths import REAL_EVENT, Clock

SVG = "{http://www.w3.org/2000/svg}"
COLORS = {"#000": 0, "#000000": 0, "black": 0, "#fff": 255, "#ffffff": 255, "white": 255}


class Canvas:
    """A grayscale bitmap that SVG shapes are painted on (pixel centres decide coverage)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height))  # an unpainted page is white, as on a screen

    def fill(self, left: float, top: float, right: float, bottom: float, value: int) -> None:
        for y in range(max(0, round(top)), min(self.height, round(bottom))):
            row = y * self.width
            for x in range(max(0, round(left)), min(self.width, round(right))):
                self.pixels[row + x] = value

    def image(self) -> memoryview:
        return memoryview(self.pixels).cast("B", (self.height, self.width))


def path_commands(d: str) -> list[tuple[str, list[float]]]:
    """Split SVG path data into (command, numbers); only the commands segno writes are accepted."""
    tokens = re.findall(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)", d)
    commands: list[tuple[str, list[float]]] = []
    for token in tokens:
        if token.isalpha():
            assert token in "MmHhVvZz", f"path command {token} is not supported by this test renderer"
            commands.append((token, []))
        else:
            commands[-1][1].append(float(token))
    return commands


def trace(d: str) -> list[list[tuple[float, float]]]:
    """Return the subpaths of SVG path data as lists of points (absolute coordinates)."""
    x = y = 0.0
    subpaths: list[list[tuple[float, float]]] = []
    for command, numbers in path_commands(d):
        if command in "Mm":
            for index in range(0, len(numbers), 2):
                dx, dy = numbers[index], numbers[index + 1]
                x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
                if index == 0:
                    subpaths.append([(x, y)])
                else:  # further pairs after a moveto are linetos
                    subpaths[-1].append((x, y))
        elif command in "Hh":
            for value in numbers:
                x = x + value if command == "h" else value
                subpaths[-1].append((x, y))
        elif command in "Vv":
            for value in numbers:
                y = y + value if command == "v" else value
                subpaths[-1].append((x, y))
        else:  # Z: back to the subpath's start
            x, y = subpaths[-1][0]
            subpaths[-1].append((x, y))
    return subpaths


def draw_path(canvas: Canvas, element: ET.Element, scale: float) -> None:
    subpaths = trace(element.get("d", ""))
    fill = element.get("fill")
    if fill is not None and fill != "none":
        for points in subpaths:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            corners = {(x, y) for x, y in points}
            assert corners == {(min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))}, (
                "only filled rectangles are supported by this test renderer"
            )
            canvas.fill(min(xs) * scale, min(ys) * scale, max(xs) * scale, max(ys) * scale, COLORS[fill])
    stroke = element.get("stroke")
    if stroke is not None and stroke != "none":
        half = float(element.get("stroke-width", "1")) / 2
        for points in subpaths:
            for (x1, y1), (x2, y2) in itertools.pairwise(points):
                assert x1 == x2 or y1 == y2, "only horizontal and vertical strokes are supported"
                if y1 == y2:  # butt caps: the stroke covers the segment, half its width on each side
                    box = (min(x1, x2), y1 - half, max(x1, x2), y1 + half)
                else:
                    box = (x1 - half, min(y1, y2), x1 + half, max(y1, y2))
                canvas.fill(*(value * scale for value in box), COLORS[stroke])


def render_svg(data: bytes) -> Canvas:
    """Render the subset of SVG that segno writes (rectangles, axis-parallel strokes, scale()) to pixels."""
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    canvas = Canvas(int(root.get("width", "0")), int(root.get("height", "0")))

    def paint(node: ET.Element, scale: float) -> None:
        for child in node:
            tag = child.tag.removeprefix(SVG)
            factor = scale
            transform = child.get("transform")
            if transform is not None:
                found = re.fullmatch(r"scale\(([\d.]+)\)", transform)
                assert found, f"transform {transform} is not supported by this test renderer"
                factor *= float(found.group(1))
            if tag == "g":
                paint(child, factor)
            elif tag == "path":
                draw_path(canvas, child, factor)
            else:
                assert tag in ("title", "desc"), f"element {tag} is not supported by this test renderer"

    paint(root, 1.0)
    return canvas


def decode(data: bytes) -> list[str]:
    """Return the texts of the QR codes zxing-cpp reads in the rendered SVG."""
    found = zxingcpp.read_barcodes(render_svg(data).image(), formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]


@pytest.mark.parametrize(
    "url",
    [
        "webcal://feeds.example.org/conference.ics",
        "webcal://calendar.atscaleconference.com/sessions/serving-multi-terabyte-models-with-low-latency.ics",
        "webcal://feeds.example.org:8443/prefix/speakers/zo%C3%AB.ics",
    ],
)
def test_qr_code_decodes_to_its_url(url: str) -> None:
    assert decode(qr_svg(url)) == [url]


def test_renderer_reads_nothing_from_a_blank_or_damaged_code() -> None:
    # The round trip proves something only if the renderer does not make a readable code by accident.
    data = qr_svg("webcal://feeds.example.org/conference.ics")
    blank = re.sub(rb' d="M4[^"]*"', b' d="M0 0"', data)
    assert decode(blank) == []
    canvas = render_svg(data)
    canvas.fill(0, 0, canvas.width // 2, canvas.height // 2, 255)  # wipe a quarter, finder pattern included
    assert zxingcpp.read_barcodes(canvas.image(), formats=zxingcpp.BarcodeFormat.QRCode) == []


def test_same_url_same_bytes() -> None:
    url = "webcal://feeds.example.org/tracks/systems.ics"
    first = qr_svg(url)
    qr_svg.cache_clear()
    assert qr_svg(url) == first
    assert first.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert f"<title>{url}</title>".encode() in first


def test_qr_paths() -> None:
    assert qr_path("conference") == "/qr/conference.svg"
    assert qr_path("track:ai-platform") == "/qr/tracks/ai-platform.svg"
    assert qr_path("speaker:zoe") == "/qr/speakers/zoe.svg"
    assert qr_path("session:engines") == "/qr/sessions/engines.svg"


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/qr/conference.svg", "webcal://feeds.example.org/conference.ics"),
        ("/qr/tracks/systems.svg", "webcal://feeds.example.org/tracks/systems.ics"),
        ("/qr/speakers/zoe.svg", "webcal://feeds.example.org/speakers/zoe.ics"),
        ("/qr/sessions/night-owl.svg", "webcal://feeds.example.org/sessions/night-owl.ics"),
    ],
)
def test_served_qr_code_is_the_feeds_webcal_url(client: FlaskClient, path: str, url: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert decode(response.data) == [url]
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    assert client.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304
    assert client.head(path).data == b""


def test_qr_code_follows_the_base_url(make_app, event_dir) -> None:
    app = make_app(event_dir / "event.yaml", BASE_URL="https://calendar.example.com/tiny")
    with app.test_client() as other:
        assert decode(other.get("/qr/tracks/people.svg").data) == [
            "webcal://calendar.example.com/tiny/tracks/people.ics"
        ]


def test_alias_gives_the_canonical_url_and_unknown_feeds_404(client: FlaskClient, event_dir, clock: Clock) -> None:
    organizer = Organizer(event_dir / "event.yaml", client, clock)
    organizer.edit("  - id: engines\n", "  - id: engine-room\n    aliases: [engines]\n")
    assert decode(client.get("/qr/sessions/engines.svg").data) == [
        "webcal://feeds.example.org/sessions/engine-room.ics"
    ]
    for path in ("/qr/tracks/nope.svg", "/qr/sessions/Engines.svg", "/qr/rooms/a.svg", "/qr/conference.png"):
        assert client.get(path).status_code == 404, path
    assert client.post("/qr/conference.svg").status_code == 405


def test_removed_session_has_no_qr_code_while_its_tombstone_is_served(
    client: FlaskClient, event_dir, clock: Clock
) -> None:
    organizer = Organizer(event_dir / "event.yaml", client, clock)
    organizer.write(remove_session(organizer.path.read_text(), "night-owl"))
    assert client.get("/sessions/night-owl.ics").status_code == 200
    assert client.get("/qr/sessions/night-owl.svg").status_code == 404


def test_every_feed_of_the_real_agenda_has_a_readable_code(make_app, tmp_path) -> None:
    shutil.copy(REAL_EVENT, tmp_path / "event.yaml")
    app = make_app(tmp_path / "event.yaml", BASE_URL="https://calendar.atscaleconference.com")
    keys = [feed.key for feed in list_feeds(load_event(tmp_path / "event.yaml"))]
    assert len(keys) > 30
    with app.test_client() as real:
        for key in keys:
            response = real.get(qr_path(key))
            assert response.status_code == 200, key
            assert decode(response.data) == [webcal_of(key)], key


def webcal_of(key: str) -> str:
    return "webcal://calendar.atscaleconference.com" + feed_path(key)
