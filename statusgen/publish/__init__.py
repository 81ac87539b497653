"""`statusgen publish`: put the built site into every configured target, one after another.

plan.py decides (pure), apply.py carries the decision out, buckets.py talks to the stores.
"""

from __future__ import annotations

import os
from pathlib import Path

from statusgen.config import Target, load_config
from statusgen.errors import StatusgenError
from statusgen.folders import MARKER
from statusgen.publish.apply import publish_target
from statusgen.publish.buckets import new_session, open_bucket
from statusgen.publish.manifest import MANIFEST_NAME, is_reserved
from statusgen.publish.report import Reporter, TargetResult

__all__ = ["publish", "read_site", "TargetResult", "Reporter"]


def read_site(site_dir: Path) -> dict[str, bytes]:
    """Every file of the built site by site-relative path. Refuses a missing or empty folder:
    publishing that would delete the live page. statusgen's marker file is never published."""
    shown = str(site_dir)
    if not site_dir.is_dir():
        raise StatusgenError(f"{shown}: no such folder; run 'statusgen build' first (or pass --site)")
    site = {}
    inside = site_dir.resolve()
    for folder, dirs, files in os.walk(site_dir):
        for name in sorted([*dirs, *files]):
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(inside):
                raise StatusgenError(
                    f"{path}: a symbolic link to {os.readlink(path)}, outside the site; statusgen "
                    "does not publish what lies outside the built site. Remove the link or "
                    "replace it with the file itself")
        for name in files:
            file = Path(folder) / name
            relative = file.relative_to(site_dir).as_posix()
            if relative != MARKER and file.is_file():
                site[relative] = file.read_bytes()
    site = dict(sorted(site.items()))
    if not site:
        raise StatusgenError(f"{shown}: empty; run 'statusgen build' first")
    if "index.html" not in site:
        raise StatusgenError(f"{shown}: has no index.html; expected a site built by 'statusgen build'")
    if MANIFEST_NAME in site:
        raise StatusgenError(f"{shown}/{MANIFEST_NAME}: this name is reserved for statusgen's publish manifest")
    reserved = [path for path in site if is_reserved(path)]
    if reserved:
        raise StatusgenError(f"{shown}/{reserved[0]}: this name is reserved for statusgen's notify ledger")
    return site


def select_targets(targets: tuple[Target, ...], names: tuple[str, ...]) -> list[Target]:
    known = {t.name: t for t in targets}
    if not targets:
        raise StatusgenError("statusgen.toml: targets: none configured; expected at least one "
                             "[[targets]] entry with a name and an s3:// or file:// url")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise StatusgenError(f"--target: unknown target {unknown[0]!r} (known: {', '.join(known)})")
    return [known[n] for n in dict.fromkeys(names)] if names else list(targets)


def publish(root: Path, site_dir: Path | None = None, target_names: tuple[str, ...] = (), *,
            dry_run: bool = False, allow_deletes: bool = False, jobs: int = 8,
            reporter: Reporter | None = None, session_factory=None) -> list[TargetResult]:
    """Publish to each selected target in turn; a failing target does not stop the others.

    Raises StatusgenError at the end naming the targets that failed. `session_factory(region)`
    makes the boto3 session (tests and the benchmark hook into it); default: the standard chain.
    """
    config = load_config(root)
    targets = select_targets(config.targets, target_names)
    site_dir = Path(site_dir) if site_dir is not None else Path(root) / "site"
    site = read_site(site_dir)
    reporter = reporter or Reporter()
    session_factory = session_factory or new_session

    results, failed = [], []
    for target in targets:
        try:
            session = session_factory(target.region) if target.scheme == "s3" else None
            bucket = open_bucket(target, Path(root), site_dir, session, jobs)
            reporter.start(target.name, bucket.description)
            result = publish_target(target, bucket, site, dry_run=dry_run, allow_deletes=allow_deletes,
                                    jobs=jobs, reporter=reporter, session_factory=session_factory)
        except StatusgenError as exc:
            reporter.failure(target.name, str(exc))
            failed.append(target.name)
            continue
        reporter.summary(result)
        results.append(result)
    if failed:
        raise StatusgenError(f"publishing failed for {len(failed)} of {len(targets)} targets: "
                             f"{', '.join(failed)} (see above)")
    return results
