"""The pure part of publishing: (built site, bucket state) -> what to upload, delete, invalidate.

Nothing here touches the network or the disk, so every decision can be tested on plain values
and shown by --dry-run exactly as it would be carried out.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from statusgen.publish.headers import GROUP_NAMES, upload_group

NEW = "new"
CONTENT_CHANGED = "content changed"
HEADERS_CHANGED = "headers changed"
UNVERIFIED = "no statusgen hash on the stored object"

# Beyond this many paths one wildcard is cheaper (CloudFront bills per path) and just as correct.
MAX_INVALIDATION_PATHS = 200


@dataclass(frozen=True)
class LocalFile:
    path: str  # site-relative, '/'-separated
    sha256: str  # hash and size of the body as uploaded (compressed, with content_encoding)
    size: int
    content_type: str
    cache_control: str
    content_encoding: str | None = None


@dataclass(frozen=True)
class RemoteObject:
    """One entry of the bucket listing: cheap to get for every object, but says nothing of headers."""

    path: str
    size: int
    etag: str | None


@dataclass(frozen=True)
class Stored:
    """What statusgen recorded when it uploaded an object (from the manifest or the object's metadata)."""

    sha256: str | None
    size: int
    etag: str | None
    content_type: str | None
    cache_control: str | None
    content_encoding: str | None = None


@dataclass(frozen=True)
class Upload:
    file: LocalFile
    reason: str

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def group(self) -> int:
        return upload_group(self.file.path)


@dataclass(frozen=True)
class Plan:
    uploads: tuple[Upload, ...]  # in upload order: by group, then by path
    deletes: tuple[str, ...]
    unchanged: tuple[str, ...]
    invalidations: tuple[str, ...]
    remote_count: int
    site_count: int

    @property
    def upload_bytes(self) -> int:
        return sum(u.file.size for u in self.uploads)

    def groups(self) -> list[tuple[str, tuple[Upload, ...]]]:
        """Uploads split into the batches that must finish one after another."""
        batches: dict[int, list[Upload]] = {}
        for upload in self.uploads:
            batches.setdefault(upload.group, []).append(upload)
        return [(GROUP_NAMES[g], tuple(batches[g])) for g in sorted(batches)]

    def delete_refusal(self, max_fraction: float, guard: DeleteGuard | None = None) -> str | None:
        """Why the deletes must not go ahead, or None. A mass delete is far likelier a wrong
        --site or a broken build than a real clean-up, so it needs --allow-deletes. Deletes
        count together since the last publish allowed to delete, so a series of runs cannot
        each take a quarter."""
        # Measured against the largest the site was since then, so that clearing a few
        # leftovers before a first publish is not mistaken for a mass delete.
        guard = (guard or DeleteGuard()).after(self)
        if not self.deletes or guard.deleted <= max_fraction * guard.largest:
            return None
        earlier = guard.deleted - len(self.deletes)
        since = f", counting {earlier} deleted since the last --allow-deletes" if earlier else ""
        return (f"refusing to delete {len(self.deletes)} of {guard.largest} files (more than "
                f"{max_fraction:.0%} of the site{since}); check the built site, then re-run with "
                "--allow-deletes to delete them")


@dataclass(frozen=True)
class DeleteGuard:
    """Deletes since the last publish allowed to delete (--allow-deletes), and the most files
    the target held since then; stored with the manifest."""

    deleted: int = 0
    largest: int = 0

    def after(self, plan: Plan) -> DeleteGuard:
        return DeleteGuard(self.deleted + len(plan.deletes),
                           max(self.largest, plan.remote_count, plan.site_count))


def trusted_records(listing: dict[str, RemoteObject], manifest: dict[str, Stored]) -> dict[str, Stored]:
    """Manifest entries that still describe the object in the bucket.

    The ETag is only used to notice that an object changed since statusgen recorded it (an
    interrupted publish, or someone else's upload); the comparison itself is on our own hash.
    """
    trusted = {}
    for path, record in manifest.items():
        remote = listing.get(path)
        if remote is None or remote.size != record.size:
            continue
        if record.etag is not None and remote.etag != record.etag:
            continue
        trusted[path] = record
    return trusted


def paths_to_inspect(local: dict[str, LocalFile], listing: dict[str, RemoteObject],
                     trusted: dict[str, Stored]) -> list[str]:
    """Objects that exist on both sides but whose content the manifest cannot vouch for."""
    return sorted(p for p in local if p in listing and p not in trusted)


def make_plan(local: dict[str, LocalFile], listing: dict[str, RemoteObject],
              known: dict[str, Stored]) -> Plan:
    uploads, unchanged = [], []
    for path in sorted(local):
        reason = _upload_reason(local[path], path in listing, known.get(path))
        if reason is None:
            unchanged.append(path)
        else:
            uploads.append(Upload(local[path], reason))
    uploads.sort(key=lambda u: (u.group, u.path))
    deletes = tuple(sorted(p for p in listing if p not in local))
    replaced = [u.path for u in uploads if u.reason != NEW]
    return Plan(tuple(uploads), deletes, tuple(unchanged),
                invalidation_paths([*replaced, *deletes]), len(listing), len(local))


def _upload_reason(file: LocalFile, exists: bool, stored: Stored | None) -> str | None:
    if not exists:
        return NEW
    if stored is None or stored.sha256 is None:
        return UNVERIFIED
    if stored.sha256 != file.sha256 or stored.size != file.size:
        return CONTENT_CHANGED
    if (stored.content_type, stored.cache_control, stored.content_encoding) != \
            (file.content_type, file.cache_control, file.content_encoding):
        return HEADERS_CHANGED
    return None


def invalidation_paths(paths: list[str]) -> tuple[str, ...]:
    """CDN paths for changed site files. A directory index is also cached under its folder URL
    ('/incidents/x/'), which is the URL every link on the site uses. New files are left out:
    a CDN holds nothing for them but a briefly cached error."""
    urls = set()
    for path in paths:
        url = "/" + quote(path, safe="/-_.~")
        urls.add(url)
        if path == "index.html" or path.endswith("/index.html"):
            urls.add(url[: -len("index.html")])
    if len(urls) > MAX_INVALIDATION_PATHS:
        return ("/*",)
    return tuple(sorted(urls))


def merge_invalidations(*batches: tuple[str, ...]) -> tuple[str, ...]:
    urls = {url for batch in batches for url in batch}
    if "/*" in urls or len(urls) > MAX_INVALIDATION_PATHS:
        return ("/*",)
    return tuple(sorted(urls))
