"""`statusgen publish`: put the built site into every configured target, one after another.

plan.py decides (pure), apply.py carries the decision out, buckets.py talks to the stores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from statusgen.config import Target, load_config
from statusgen.errors import StatusgenError
from statusgen.folders import MARKER
from statusgen.publish.apply import Remote, publish_target, read_remote
from statusgen.publish.buckets import Bucket, new_session, open_bucket
from statusgen.publish.manifest import MANIFEST_NAME, is_reserved
from statusgen.publish.report import Reporter, TargetResult

__all__ = ["publish", "read_site", "TargetResult", "Reporter"]


def read_site(site_dir: Path) -> dict[str, bytes]:
    """Every file of the built site by site-relative path. Refuses a missing or empty folder:
    publishing that would delete the live page. statusgen's marker file is never published."""
    shown = str(site_dir)
    if not site_dir.is_dir():
        raise StatusgenError(f"{shown}: no such folder; run 'statusgen build' first (or pass --site)")
    site = dict(sorted(_files_under(site_dir, site_dir.resolve()).items()))
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


def _files_under(site_dir: Path, inside: Path) -> dict[str, bytes]:
    """Every file under `site_dir` (a linked folder is not entered), after refusing, folder by
    folder, any symbolic link that leads out of `inside`."""
    site = {}
    folders = [(str(site_dir), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            raise StatusgenError(f"{folder}: cannot read this folder of the site ({exc.strerror or exc}); "
                                 "nothing was published") from None
        for entry in entries:
            problem = _link_problem(entry.path, inside) if entry.is_symlink() else None
            if problem:
                raise StatusgenError(f"{entry.path}: a symbolic link to {os.readlink(entry.path)}, {problem}. "
                                     "Remove the link or replace it with the file itself")
        for entry in entries:
            relative = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, relative + "/"))
                elif relative != MARKER and entry.is_file():  # a link within the site: its target's bytes
                    with open(entry.path, "rb") as handle:
                        site[relative] = handle.read()
            except OSError as exc:  # is_file() too, when a link's target cannot be looked at
                raise StatusgenError(f"{entry.path}: cannot read this file of the site "
                                     f"({exc.strerror or exc}); nothing was published") from None
    return site


def _connect(target: Target, root: Path, site_dir: Path, session_factory, jobs: int) -> tuple[Bucket, Remote]:
    """Open a target and read what it holds."""
    session = session_factory(target.region) if target.scheme == "s3" else None
    bucket = open_bucket(target, root, site_dir, session, jobs)
    return bucket, read_remote(bucket)


def _link_problem(link: str, inside: Path) -> str | None:
    """Why publishing the link in the site is refused, or None."""
    try:
        resolved = Path(link).resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python before 3.13
        return "part of a circle of links; statusgen publishes files, not links that lead nowhere"
    if not resolved.is_relative_to(inside):
        return "outside the site; statusgen does not publish what lies outside the built site"
    return None


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
    reporter = reporter or Reporter()
    session_factory = session_factory or new_session
    connect = partial(_connect, root=Path(root), site_dir=site_dir, session_factory=session_factory, jobs=jobs)
    results, failed = [], []
    # The first target is opened and listed while the site is read: one waits on the store, the
    # other on the disk. The others are read when their turn comes, after the targets before them.
    with ThreadPoolExecutor(1) as early:
        first = early.submit(connect, targets[0]) if site_dir.is_dir() else None
        site = read_site(site_dir)  # (it refuses a missing folder, for which nothing was started)
        connections: list[Callable[[], tuple[Bucket, Remote]]] = [partial(connect, target) for target in targets]
        if first is not None:
            connections[0] = first.result
        for target, connected in zip(targets, connections):
            try:
                bucket, remote = connected()
                reporter.start(target.name, bucket.description)
                result = publish_target(target, bucket, site, remote, dry_run=dry_run, allow_deletes=allow_deletes,
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
