"""The manifest object: what statusgen uploaded, stored next to the site under the target prefix.

One GET of the manifest plus the bucket listing tells the planner the hash and headers of
every object, instead of one HEAD request per object. It is only a cache of the per-object
metadata (x-amz-meta-statusgen-sha256 and the headers), so a lost or stale manifest costs
requests, never correctness.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from statusgen.publish.plan import DeleteGuard, Stored

MANIFEST_NAME = ".statusgen-manifest.json"
# `statusgen notify` keeps its ledger (and a lock file) next to the manifest: not site files,
# so publishing never lists, plans, counts or deletes them.
NOTIFY_LEDGER_PREFIX = ".statusgen-notify-"


def is_reserved(path: str) -> bool:
    return path == MANIFEST_NAME or path.lstrip(".").startswith(NOTIFY_LEDGER_PREFIX[1:])
_FORMAT = "statusgen-publish-manifest"
_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    records: dict[str, Stored]
    # CDN paths changed by a publish that has not yet got its invalidation through: kept here
    # so that a publish interrupted after its uploads still invalidates them when run again.
    pending_invalidations: tuple[str, ...] = ()
    guard: DeleteGuard = DeleteGuard()


def encode_manifest(manifest: Manifest) -> bytes:
    files = {
        path: {"sha256": r.sha256, "size": r.size, "etag": r.etag,
               "content_type": r.content_type, "cache_control": r.cache_control,
               **({"content_encoding": r.content_encoding} if r.content_encoding else {})}
        for path, r in sorted(manifest.records.items())
    }
    document = {"format": _FORMAT, "version": _VERSION, "files": files,
                "pending_invalidations": sorted(manifest.pending_invalidations),
                "deletes_since_allowed": manifest.guard.deleted,
                "largest_since_allowed": manifest.guard.largest}
    return (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def decode_manifest(data: bytes | None) -> Manifest | None:
    """The manifest, or None when there is none usable (then objects are inspected one by one)."""
    if data is None:
        return None
    try:
        document = json.loads(data)
        if document.get("format") != _FORMAT or document.get("version") != _VERSION:
            return None
        pending = document.get("pending_invalidations", [])
        if not isinstance(pending, list) or not all(isinstance(p, str) for p in pending):
            return None
        records = {}
        for path, entry in document["files"].items():
            size = entry["size"]
            if not isinstance(path, str) or not isinstance(size, int) or isinstance(size, bool):
                return None
            records[path] = Stored(
                sha256=_text(entry.get("sha256")), size=size, etag=_text(entry.get("etag")),
                content_type=_text(entry.get("content_type")),
                cache_control=_text(entry.get("cache_control")),
                content_encoding=_text(entry.get("content_encoding")),
            )
        guard = DeleteGuard(document.get("deletes_since_allowed", 0), document.get("largest_since_allowed", 0))
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (guard.deleted, guard.largest)):
            return None
        return Manifest(records, tuple(pending), guard)
    except (ValueError, AttributeError, KeyError, TypeError):
        return None


def _text(value) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("expected text")
    return value
