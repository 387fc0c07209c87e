"""Read an import source from a file or an http(s) URL, with a size limit and a timeout."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .draft import SourceError, SourceProblem

# A FOSDEM-sized schedule.xml is a few MB; nothing a schedule tool writes comes near this.
TIMEOUT_SECONDS = 30
CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Fetched:
    """The bytes of a source, with its name for messages and the Content-Type a server gave."""

    name: str
    data: bytes
    content_type: str = ""


def is_url(source: str) -> bool:
    """Return whether source names an http(s) URL rather than a file."""
    return source.lower().startswith(("http://", "https://"))


def _too_big(name: str, limit: int) -> SourceError:
    return SourceError(
        [
            SourceProblem(
                name, 1, 1, f"is over {limit:,} bytes, the import limit; raise FEEDS_MAX_IMPORT_BYTES if it is real"
            )
        ]
    )


def _fail(name: str, message: str) -> SourceError:
    return SourceError([SourceProblem(name, 1, 1, message)])


def fetch(source: str, limit: int) -> Fetched:
    """Return the bytes of a file path or an http(s) URL, refusing anything over limit bytes."""
    if is_url(source):
        return _fetch_url(source, limit)
    path = Path(source)
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                raise _too_big(source, limit)
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise _fail(source, "the file does not exist") from None
    except IsADirectoryError:
        raise _fail(source, "is a folder, not a schedule file") from None
    except OSError as err:
        raise _fail(source, f"cannot be read ({err.strerror or err})") from None
    if len(data) > limit:
        raise _too_big(source, limit)
    return Fetched(source, data)


def _fetch_url(url: str, limit: int) -> Fetched:
    request = urllib.request.Request(url, headers={"User-Agent": "feeds-import", "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_big(url, limit)
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_big(url, limit)
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        raise _fail(url, f"the server answered {err.code} {err.reason}; check the address") from None
    except urllib.error.URLError as err:
        raise _fail(url, f"cannot be fetched ({err.reason}); check the address and the network") from None
    except TimeoutError:
        raise _fail(url, f"the server did not answer within {TIMEOUT_SECONDS} seconds") from None
    except (OSError, ValueError) as err:
        raise _fail(url, f"cannot be fetched ({err})") from None
    return Fetched(url, b"".join(chunks), content_type)
