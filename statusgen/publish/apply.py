"""Carry out a plan on one target: the only publishing code with side effects.

Order of work, chosen so that stopping at any point leaves a working site and a re-run
converges: read the bucket, plan, upload group by group (assets before the pages that load
them, the index and API last), delete only once every upload succeeded, invalidate the CDN,
and write the manifest last.
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from statusgen.config import Target
from statusgen.errors import StatusgenError
from statusgen.publish.buckets import Bucket
from statusgen.publish.cdn import invalidate_cloudfront
from statusgen.publish.headers import cache_control, content_encoding, content_type, encode
from statusgen.publish.manifest import Manifest, decode_manifest, encode_manifest
from statusgen.publish.plan import (
    DeleteGuard,
    LocalFile,
    Plan,
    RemoteObject,
    Stored,
    make_plan,
    merge_invalidations,
    paths_to_inspect,
    trusted_records,
)
from statusgen.publish.report import Reporter, TargetResult


def local_files(site: dict[str, bytes], target: Target) -> tuple[dict[str, LocalFile], dict[str, bytes]]:
    """Each file as it will be stored, and the bodies to upload (compressed where the target says)."""
    files, bodies = {}, {}
    for path, data in site.items():
        encoding = content_encoding(path, target.gzip)
        body = bodies[path] = encode(data, encoding)
        files[path] = LocalFile(path, hashlib.sha256(body).hexdigest(), len(body), content_type(path),
                                cache_control(path, target.cache_control), encoding)
    return files, bodies


@dataclass(frozen=True)
class Remote:
    """What a target holds before publishing: its objects, and its manifest's bytes (None: none)."""

    listing: dict[str, RemoteObject]
    raw_manifest: bytes | None


def read_remote(bucket: Bucket) -> Remote:
    return Remote(bucket.list_objects(), bucket.read_manifest())


def publish_target(target: Target, bucket: Bucket, site: dict[str, bytes], remote: Remote, *, dry_run: bool,
                   allow_deletes: bool, jobs: int, reporter: Reporter, session_factory) -> TargetResult:
    """Publish `site` to one target, `remote` being what read_remote found there."""
    started = time.monotonic()
    files, bodies = local_files(site, target)
    listing, raw_manifest = remote.listing, remote.raw_manifest
    manifest = decode_manifest(raw_manifest) or Manifest({})
    trusted = trusted_records(listing, manifest.records)
    to_inspect = paths_to_inspect(files, listing, trusted)
    if to_inspect:
        reporter.note(target.name, f"reading the metadata of {len(to_inspect)} objects "
                                   "the manifest does not vouch for")
    known = {**trusted, **_inspect_all(bucket, to_inspect, jobs)}
    plan = make_plan(files, listing, known)
    cdn_paths: tuple[str, ...] = ()
    if target.cloudfront_distribution_id:
        cdn_paths = merge_invalidations(plan.invalidations, manifest.pending_invalidations)

    reporter.plan(target.name, plan, cdn_paths, dry_run)
    refusal = plan.delete_refusal(target.max_delete_fraction, manifest.guard)
    if refusal and not allow_deletes:
        raise StatusgenError(refusal)
    # An allowed publish starts the count again, at the size it leaves the site.
    guard = DeleteGuard(0, len(files)) if allow_deletes else manifest.guard.after(plan)
    if dry_run:
        return TargetResult(target.name, len(plan.uploads), len(plan.deletes), len(plan.unchanged),
                            plan.upload_bytes, time.monotonic() - started, dry_run=True,
                            invalidated=cdn_paths)

    if cdn_paths and cdn_paths != manifest.pending_invalidations:
        # Recorded before anything changes, so an interruption cannot lose an invalidation.
        bucket.write_manifest(encode_manifest(Manifest(known, cdn_paths, manifest.guard)))
    uploaded = _upload_all(bucket, plan, bodies, jobs, reporter, target.name)
    if plan.deletes:
        bucket.delete(list(plan.deletes))
    records = {**{path: known[path] for path in plan.unchanged}, **uploaded}

    invalidation_id = None
    if cdn_paths and target.cloudfront_distribution_id:  # (cdn_paths are only made with one)
        try:
            invalidation_id = invalidate_cloudfront(session_factory(target.region),
                                                    target.cloudfront_distribution_id, cdn_paths)
        except StatusgenError:
            bucket.write_manifest(encode_manifest(Manifest(records, cdn_paths, guard)))
            raise
    final_manifest = encode_manifest(Manifest(records, (), guard))
    if final_manifest != raw_manifest:
        bucket.write_manifest(final_manifest)
    return TargetResult(target.name, len(plan.uploads), len(plan.deletes), len(plan.unchanged),
                        plan.upload_bytes, time.monotonic() - started,
                        invalidation_id=invalidation_id, invalidated=cdn_paths)


def _inspect_all(bucket: Bucket, paths: list[str], jobs: int) -> dict[str, Stored]:
    if not paths:
        return {}
    with ThreadPoolExecutor(jobs) as pool:
        found = dict(zip(paths, pool.map(bucket.inspect, paths)))
    return {path: stored for path, stored in found.items() if stored is not None}


def _upload_all(bucket: Bucket, plan: Plan, bodies: dict[str, bytes], jobs: int,
                reporter: Reporter, name: str) -> dict[str, Stored]:
    """Upload group after group; the first failure stops everything not yet started."""
    done: dict[str, Stored] = {}
    with reporter.progress(name, plan) as advance, ThreadPoolExecutor(jobs) as pool:
        for _group, batch in plan.groups():
            futures = {pool.submit(bucket.put, upload.file, bodies[upload.path]): upload for upload in batch}
            failure = None
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                upload = futures[future]
                try:
                    etag = future.result()
                except StatusgenError as exc:
                    failure = failure or exc
                    for pending in futures:
                        pending.cancel()
                    continue
                file = upload.file
                done[file.path] = Stored(file.sha256, file.size, etag, file.content_type, file.cache_control,
                                         file.content_encoding)
                advance(upload)
            if failure is not None:
                raise StatusgenError(f"{failure}; nothing was deleted; {len(done)} of "
                                     f"{len(plan.uploads)} uploads finished; run publish again to complete it")
    return done
