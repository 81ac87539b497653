"""The HTTP headers each published file is stored with, and the order files go out in."""

from __future__ import annotations

import gzip
import re
from fnmatch import fnmatchcase
from posixpath import basename, splitext

# Explicit, not mimetypes: the platform's table differs between machines (and lacks .atom
# on some), and a status page served as application/octet-stream downloads instead of showing.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# A status page must never show yesterday's "All Systems Operational" for long: everything
# that can change under the same URL gets a short lifetime. Only files whose name changes
# with their content may be cached for a year.
SHORT_CACHE = "public, max-age=60"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
# The manifest is for statusgen only; a cached copy would be no use to anyone.
MANIFEST_CACHE = "no-store"

# assets/style.3f2a9c1b.css, assets/app-3f2a9c1b0d.js: 8+ hex digits as a name segment.
_FINGERPRINT = re.compile(r"[.-][0-9a-f]{8,64}\.[A-Za-z0-9]+$")

# Upload order: a page never goes live before what it links to or loads.
ASSETS, PAGES, INDEX, FEEDS, API = range(5)
GROUP_NAMES = {ASSETS: "assets", PAGES: "pages", INDEX: "index", FEEDS: "feeds", API: "api"}
_ASSET_EXTENSIONS = {".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".webp",
                     ".avif", ".ico", ".woff", ".woff2", ".webmanifest"}
_PAGE_DIRECTORIES = ("incidents/", "components/", "history/", "subscribe/")


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(splitext(path)[1].lower(), DEFAULT_CONTENT_TYPE)


def is_fingerprinted(path: str) -> bool:
    return path.startswith("assets/") and bool(_FINGERPRINT.search(basename(path)))


def cache_control(path: str, overrides: tuple[tuple[str, str], ...] = ()) -> str:
    """The target's patterns first (first match wins; `*` also crosses '/'), then the defaults."""
    for pattern, value in overrides:
        if fnmatchcase(path, pattern):
            return value
    return IMMUTABLE_CACHE if is_fingerprinted(path) else SHORT_CACHE


def content_encoding(path: str, gzip_patterns: tuple[str, ...] = ()) -> str | None:
    """"gzip" for a text file (its type names a charset) matched by one of the target's gzip
    patterns, else None: images and fonts are compressed already."""
    if "charset=" in content_type(path) and any(fnmatchcase(path, p) for p in gzip_patterns):
        return "gzip"
    return None


def encode(data: bytes, encoding: str | None) -> bytes:
    """The body as uploaded. The gzip stream is the same for the same file (no time, no file
    name in its header), so an unchanged site plans no uploads."""
    return gzip.compress(data, compresslevel=9, mtime=0) if encoding == "gzip" else data


def upload_group(path: str) -> int:
    extension = splitext(path)[1].lower()
    if path.startswith("api/") or extension == ".json":
        return API
    if extension in (".atom", ".rss", ".ics"):
        return FEEDS
    if path.startswith("assets/") or (extension in _ASSET_EXTENSIONS and not path.startswith("badges/")):
        return ASSETS
    if path.startswith(_PAGE_DIRECTORIES) and extension == ".html":
        return PAGES
    return INDEX
