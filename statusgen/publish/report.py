"""What a publish prints: the plan, progress (a bar on a terminal, one line per file in CI), a summary."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import click

from statusgen.publish.plan import Plan, Upload


@dataclass(frozen=True)
class TargetResult:
    name: str
    uploaded: int
    deleted: int
    unchanged: int
    bytes: int
    seconds: float
    dry_run: bool = False
    invalidation_id: str | None = None
    invalidated: tuple[str, ...] = ()


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / 1024 / 1024:.1f} MiB"


class Reporter:
    def __init__(self, tty: bool = False, echo=click.echo):
        self.tty, self.echo = tty, echo

    def start(self, name: str, description: str) -> None:
        self.echo(f"{name}: publishing to {description}")

    def note(self, name: str, text: str) -> None:
        self.echo(f"{name}: {text}")

    def plan(self, name: str, plan: Plan, cdn_paths: tuple[str, ...], dry_run: bool) -> None:
        verb = "would upload" if dry_run else "uploading"
        self.echo(f"{name}: {verb} {len(plan.uploads)} ({human_bytes(plan.upload_bytes)}), "
                  f"{'would delete' if dry_run else 'deleting'} {len(plan.deletes)}, "
                  f"{len(plan.unchanged)} unchanged")
        if not dry_run:
            return
        for upload in plan.uploads:
            encoding = f"; {upload.file.content_encoding}" if upload.file.content_encoding else ""
            self.echo(f"  upload {upload.path} ({upload.reason}; {upload.file.content_type}; "
                      f"{upload.file.cache_control}{encoding})")
        for path in plan.deletes:
            self.echo(f"  delete {path}")
        for url in cdn_paths:
            self.echo(f"  invalidate {url}")

    @contextmanager
    def progress(self, name: str, plan: Plan):
        """Yields a function to call as each upload finishes (from one thread only)."""
        if not plan.uploads:
            yield lambda upload: None
            return
        if self.tty:
            with click.progressbar(length=plan.upload_bytes or 1, label=f"{name}: uploading",
                                   show_pos=False, show_percent=True) as bar:
                yield lambda upload: bar.update(upload.file.size)
            return

        def line(upload: Upload) -> None:
            self.echo(f"  uploaded {upload.path} ({upload.reason})")

        yield line

    def summary(self, result: TargetResult) -> None:
        if result.dry_run:
            self.echo(f"{result.name}: dry run, nothing changed")
            return
        if result.invalidation_id:
            self.echo(f"{result.name}: invalidation {result.invalidation_id} requested for "
                      f"{len(result.invalidated)} paths")
        self.echo(f"{result.name}: {result.uploaded} uploaded, {result.deleted} deleted, "
                  f"{result.unchanged} unchanged, {human_bytes(result.bytes)}, {result.seconds:.1f} s")

    def failure(self, name: str, message: str) -> None:
        self.echo(f"{name}: FAILED: {message}", err=True)
