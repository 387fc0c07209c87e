"""QR codes for subscribing on a phone: SVG made locally with segno, no remote service."""

from __future__ import annotations

import io
from functools import lru_cache

import segno

from ..catalog import feed_path

# Medium error correction survives a projector's glare or a slightly worn badge; 4 modules of quiet zone is the standard's.
ERROR_LEVEL = "m"
SCALE = 8
BORDER = 4


def qr_path(key: str) -> str:
    """Return the URL path of a feed's QR code: /qr/conference.svg, /qr/tracks/ai-platform.svg, ..."""
    return "/qr" + feed_path(key).removesuffix(".ics") + ".svg"


@lru_cache(maxsize=1024)
def qr_svg(url: str) -> bytes:
    """Return a QR code for url as SVG bytes (the same bytes for the same url)."""
    code = segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=SCALE, border=BORDER, dark="#000", light="#fff", title=url, nl=True)
    return out.getvalue()
