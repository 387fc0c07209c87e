"""Write DEPLOY.txt: how to serve an export from an object store or CDN, which headers each kind of file needs."""

from __future__ import annotations

from .nginx import extension_of
from .report import META, ExportReport


def render_deploy_notes(report: ExportReport) -> str:
    """Return how to serve the export from an object store or CDN: which headers each kind of file needs."""
    kinds: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    for item in report.files:
        extension = extension_of(item.file) or "(none)"
        kinds.setdefault(extension, (item.content_type, item.headers))
    lines = [
        f"Serving this export ({report.base_url}, revision {report.revision}) without nginx",
        "",
        "From an object store (S3, GCS, R2, Azure Blob) or a CDN or static host: upload every file except",
        f"the {META}/ folder, at the root of {report.base_url}, and give each object these headers:",
        "",
    ]
    for extension, (content_type, headers) in sorted(kinds.items()):
        lines.append(f"  .{extension} files:")
        lines.append(f"    Content-Type: {content_type}")
        lines += [f"    {name}: {value}" for name, value in headers]
    lines += [
        "",
        "- Do not let the host compress .ics files (gzip or brotli): reported to break Outlook subscriptions.",
        "- Feed URLs must answer 200 directly, never a redirect; alias paths are full copies for that reason.",
        "- A page URL such as /tracks/ai-platform is the file tracks/ai-platform.html: upload it under the key",
        "  tracks/ai-platform (with the .html headers), or turn on the host's 'clean URLs' / pretty URLs option.",
        "- ETag and Last-Modified come from the host; every copy of the same upload sends the same ones.",
        "- ?download=1 on a session feed needs the service or nginx; a static host sends the same bytes inline.",
    ]
    if report.redirects:
        lines.append("- Redirects to configure on the host (path -> target, status):")
        lines += [f"    {path} -> {target} ({status})" for path, target, status in report.redirects]
    return "\n".join(lines) + "\n"
