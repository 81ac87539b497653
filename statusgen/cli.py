"""The command line: click options over the plain Python API, nothing else."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from statusgen import __version__
from statusgen.errors import StatusgenError


class _Group(click.Group):
    """Shows every user error as text with exit code 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StatusgenError as exc:
            lines = [str(p).lstrip(": ") for p in exc.problems]
            if len(lines) == 1:
                click.echo(f"Error: {lines[0]}", err=True)
            else:
                click.echo(f"Error: {len(lines)} problems found:", err=True)
                for line in lines:
                    click.echo(f"  {line}", err=True)
            ctx.exit(1)


root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
    help="The status repository (the folder holding statusgen.toml).",
)


def component_option(required: bool):
    return click.option(
        "--component", "components", multiple=True, required=required, metavar="ID=STATUS",
        callback=_parse_components, help="An affected component and its status; repeat for several.",
    )


def _parse_components(ctx, param, values):
    pairs = []
    for value in values:
        component_id, sep, status = value.partition("=")
        if not sep or not component_id or not status:
            raise click.BadParameter(f"{value!r}: expected ID=STATUS, e.g. api=partial_outage")
        pairs.append((component_id.strip(), status.strip()))
    return tuple(pairs)


def resolve_now(value: str | None, tz) -> datetime:
    """--now, else SOURCE_DATE_EPOCH, else the wall clock: the only place the clock is read."""
    from statusgen.times import parse_time

    if value:
        try:
            return parse_time(value, tz)
        except ValueError as exc:
            raise StatusgenError(f"--now: found {value!r}; expected {exc}") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), timezone.utc)
        except ValueError:
            raise StatusgenError(f"SOURCE_DATE_EPOCH: found {epoch!r}; expected whole seconds since 1970") from None
    return datetime.now(timezone.utc).replace(microsecond=0)


def parse_cli_time(value: str | None, tz, name: str, default: datetime) -> datetime:
    from statusgen.times import parse_time

    if value is None:
        return default
    try:
        return parse_time(value, tz)
    except ValueError as exc:
        raise StatusgenError(f"{name}: found {value!r}; expected {exc}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="statusgen")
def cli():
    """Static status pages from Markdown incident files, published to object storage."""


@cli.command()
@root_option
def check(root: Path):
    """Validate statusgen.toml and every incident file; write nothing.

    Every problem is reported, each naming the file, the field, what was found and what is expected.

    Example:

        statusgen check
    """
    from statusgen.build import check as check_repository

    config, content = check_repository(root)
    click.echo(f"OK: {len(config.components)} components, {len(content.incidents)} incidents, "
               f"{len(content.maintenances)} maintenance windows")


@cli.command()
@root_option
@click.option("--now", help="Build as of this time (ISO 8601) instead of the clock; also SOURCE_DATE_EPOCH.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: ROOT/site).")
def build(root: Path, now: str | None, out: Path | None):
    """Validate, then build the whole site into site/ (or --out).

    The site is written to a temporary folder and swapped in, so a failed build leaves the
    previous site as it was. Prints when the site next goes stale (a scheduled start or end).

    Example:

        statusgen build --now 2026-11-20T15:00:00Z
    """
    from statusgen.build import build as build_site
    from statusgen.config import load_config

    moment = resolve_now(now, load_config(root).site.tz)
    result = build_site(root, moment, out)
    click.echo(f"Built {result.files} files ({result.bytes / 1024:.0f} KiB) into {result.out_dir}")
    if result.next_change is not None:
        from statusgen.times import iso_utc

        click.echo(f"Next change: {iso_utc(result.next_change)} (rebuild then to keep the page current)")


def main():
    cli(prog_name="statusgen")
