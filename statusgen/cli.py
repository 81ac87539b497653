"""The command line: click options over the plain Python API, nothing else."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import click

from statusgen import __version__
from statusgen.errors import StatusgenError

_Default = TypeVar("_Default", datetime, None)


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


def cache_notice(notices) -> str:
    """'.statusgen-cache/x.json: why' for each ignored cache file, those ignored for one reason
    together (after an upgrade, that is every file)."""
    by_reason: dict[str, list[str]] = {}
    for notice in notices:
        path, _, why = notice.partition(": ")
        by_reason.setdefault(why, []).append(path)
    return "; ".join(f"{', '.join(paths)}: {why}" if len(paths) <= 3
                     else f"{paths[0].partition('/')[0]}/ ({len(paths)} files): {why}"
                     for why, paths in by_reason.items())


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
            from statusgen.times import in_range

            return in_range(datetime.fromtimestamp(int(epoch), timezone.utc))
        except (ValueError, OverflowError, OSError):
            raise StatusgenError(f"SOURCE_DATE_EPOCH: found {epoch!r}; expected whole seconds since 1970") from None
    return datetime.now(timezone.utc).replace(microsecond=0)


def parse_cli_time(value: str | None, tz, name: str, default: _Default) -> datetime | _Default:
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
    from statusgen.build import rendering_problems

    config, content = check_repository(root)
    problems = rendering_problems(config, content, resolve_now(None, config.site.tz))
    if problems:
        raise StatusgenError(problems)
    click.echo(f"OK: {len(config.components)} components, {len(content.incidents)} incidents, "
               f"{len(content.maintenances)} maintenance windows")


@cli.command()
@root_option
@click.option("--now", help="Build as of this time (ISO 8601) instead of the clock; also SOURCE_DATE_EPOCH.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: ROOT/site).")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write the build cache (.statusgen-cache/).")
def build(root: Path, now: str | None, out: Path | None, no_cache: bool):
    """Validate, then build the whole site into site/ (or --out).

    The site is written to a temporary folder and swapped in, so a failed build leaves the
    previous site as it was. Prints when the site next goes stale (a scheduled start or end).

    Example:

        statusgen build --now 2026-11-20T15:00:00Z
    """
    from statusgen.build import build as build_site
    from statusgen.config import load_config

    moment = resolve_now(now, load_config(root).site.tz)
    result = build_site(root, moment, out, use_cache=not no_cache)
    if result.notices:
        click.echo(f"Notice: built without part of the cache ({cache_notice(result.notices)})", err=True)
    how = " (only the clock moved)" if result.clock_only else ""
    click.echo(f"Built {result.files} files ({result.bytes / 1024:.0f} KiB) into {result.out_dir}: "
               f"{result.rendered} pages rendered, {result.written} files changed{how}")
    if result.next_change is not None:
        from statusgen.times import iso_utc

        click.echo(f"Next change: {iso_utc(result.next_change)} (rebuild then to keep the page current)")
    global _finished_build
    _finished_build = True


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--source", metavar="SPEC",
              help="Where CI gets statusgen: a git URL at a commit (git+https://HOST/OWNER/REPO@SHA) or a "
                   "statusgen .whl file (copied into wheels/). Default: this version from the package index.")
def init(directory: Path, source: str | None):
    """Create a new status repository in DIRECTORY, with a working example and a CI workflow.

    DIRECTORY must be empty or not exist yet. The result builds as it is: edit
    statusgen.toml, replace the example incidents, then `statusgen serve` to preview.
    requirements.txt pins this statusgen and its dependencies; the workflow installs it.

    Example:

        statusgen init my-status && cd my-status && statusgen build
    """
    from statusgen.init import create_repository, source_checkout

    created = create_repository(directory, source)
    click.echo(f"Created a status repository in {directory} ({len(created)} files):")
    for relative in created:
        click.echo(f"  {relative}")
    checkout = source_checkout()
    if source is None and checkout is not None:
        click.echo(f"Note: requirements.txt pins statusgen=={__version__} from the package index, but this statusgen "
                   f"runs from the source checkout {checkout}; if that version is not on the index, CI cannot "
                   "install it: pin a wheel (--source PATH.whl) or a commit (--source git+https://...@SHA).")
    click.echo(f"Next: cd {directory} && statusgen serve")


def _config(root: Path):
    from statusgen.config import load_config

    return load_config(root)


at_option = click.option("--at", help="When, ISO 8601 (no offset = site timezone). Default: now.")


def _at_or_now(at: str | None, config) -> datetime:
    return parse_cli_time(at, config.site.tz, "--at", default=None) or resolve_now(None, config.site.tz)


def _echo_written(path: Path, config) -> None:
    """The file a writing command wrote, relative to the root."""
    click.echo(path.relative_to(config.root.resolve()))


@cli.group()
def new():
    """Write a new incident or maintenance file into incidents/.

    Example:

        statusgen new incident "API errors" --component api=partial_outage
    """


@new.command("incident")
@click.argument("title")
@component_option(required=True)
@click.option("--message", help='The first update (Markdown). Default: "We are investigating this issue."')
@click.option("--at", help="When it started, ISO 8601 (no offset = site timezone). Default: now.")
@root_option
def new_incident(title: str, components, message: str | None, at: str | None, root: Path):
    """Write incidents/<date>-<slug>.md for a new incident with a first `investigating` update.

    The slug comes from TITLE; the date is that of --at in the site timezone. Prints the path.

    Example:

    \b
        statusgen new incident "Elevated API errors" \\
            --component api=partial_outage --message "Some requests fail."
    """
    from statusgen.authoring import new_incident as write_incident

    config = _config(root)
    _echo_written(write_incident(config, title, components, message, _at_or_now(at, config)), config)


@new.command("maintenance")
@click.argument("title")
@component_option(required=True)
@click.option("--start", required=True, help="Scheduled start, ISO 8601 (no offset = site timezone).")
@click.option("--end", required=True, help="Scheduled end, ISO 8601 (no offset = site timezone).")
@click.option("--message", help='The first update (Markdown). Default: "This maintenance is scheduled."')
@root_option
def new_maintenance(title: str, components, start: str, end: str, message: str | None, root: Path):
    """Write incidents/<start date>-<slug>.md for planned maintenance with a first `scheduled` update.

    The update is dated now (or SOURCE_DATE_EPOCH). Prints the path.

    Example:

    \b
        statusgen new maintenance "Database upgrade" \\
            --component db=under_maintenance \\
            --start 2026-12-01T02:00 --end 2026-12-01T04:00
    """
    from statusgen.authoring import new_maintenance as write_maintenance

    config = _config(root)
    tz = config.site.tz
    path = write_maintenance(config, title, components, parse_cli_time(start, tz, "--start", None),
                             parse_cli_time(end, tz, "--end", None), message, resolve_now(None, tz))
    _echo_written(path, config)


@cli.command()
@click.argument("slug")
@click.option("--status", required=True,
              help="For an incident: investigating, identified, monitoring, resolved or postmortem; "
                   "for maintenance: scheduled, in_progress, verifying or completed.")
@click.option("--message", required=True, help="The update's text (Markdown).")
@at_option
@component_option(required=False)
@root_option
def update(slug: str, status: str, message: str, at: str | None, components, root: Path):
    """Append an update to an incident or maintenance file, keeping the rest of it as written.

    SLUG is the file name without .md, or the file's path. --component writes the status into
    this update only: it holds from --at on, and the statuses before stay on record. Status
    `resolved` (or `completed`) also sets the `resolved` (or `completed`) time, as `statusgen
    resolve` does. After resolution only a `postmortem` update may follow: to go on, `reopen`.

    Example:

    \b
        statusgen update 2026-11-20-elevated-api-errors \\
            --status identified --message "A bad deploy; rolling back." \\
            --component api=partial_outage
    """
    from statusgen.authoring import add_update

    config = _config(root)
    _echo_written(add_update(config, slug, status, message, _at_or_now(at, config), components), config)


@cli.command()
@click.argument("slug")
@click.option("--message", help="The closing update (Markdown). Default: a short standard text.")
@at_option
@root_option
def resolve(slug: str, message: str | None, at: str | None, root: Path):
    """Close an incident (sets `resolved`) or a maintenance (sets `completed`) with a closing update.

    SLUG is the file name without .md, or the file's path. A maintenance window that has
    started and ends early is resolved; one that has not started is cancelled (`cancel`).

    Example:

    \b
        statusgen resolve 2026-11-20-elevated-api-errors \\
            --message "Error rates are back to normal."
    """
    from statusgen.authoring import resolve as close_notice

    config = _config(root)
    _echo_written(close_notice(config, slug, message, _at_or_now(at, config)), config)


@cli.command()
@click.argument("slug")
@click.option("--message", required=True, help="Why it is reopened (Markdown).")
@at_option
@click.option("--status", type=click.Choice(["investigating", "identified", "monitoring"]), default="investigating",
              show_default=True, help="The reopening update's status.")
@component_option(required=False)
@root_option
def reopen(slug: str, message: str, at: str | None, status: str, components, root: Path):
    """Reopen a resolved incident: clear `resolved` and append an update.

    The earlier `resolved` update stays in the history; between it and the reopening the
    components count as operational. From the reopening on they have the statuses in force at
    the resolution, or those given with --component.

    Example:

    \b
        statusgen reopen 2026-11-20-elevated-api-errors \\
            --message "Errors are back." --component api=major_outage
    """
    from statusgen.authoring import reopen as reopen_incident

    config = _config(root)
    _echo_written(reopen_incident(config, slug, message, _at_or_now(at, config), status, components), config)


@cli.command()
@click.argument("slug")
@click.option("--message", help='The update saying so (Markdown). Default: "This maintenance has been cancelled."')
@root_option
def cancel(slug: str, message: str | None, root: Path):
    """Cancel a maintenance window that has not started yet.

    Sets `cancelled: true` and appends a `scheduled` update dated now. A window that has
    started is never cancelled (its history stays true): end it early with `resolve`.

    Example:

    \b
        statusgen cancel 2026-12-01-database-upgrade \\
            --message "Postponed; a new date follows."
    """
    from statusgen.authoring import cancel as cancel_window

    config = _config(root)
    path = cancel_window(config, slug, message, resolve_now(None, config.site.tz))
    _echo_written(path, config)


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--now", help="Build as of this fixed time instead of the clock.")
@root_option
def serve(port: int, now: str | None, root: Path):
    """Build the site, serve it on http://127.0.0.1:PORT/, rebuild and reload open pages on change.

    Watches statusgen.toml, incidents/ and templates/. When a rebuild fails the errors are
    printed and every page shows them (file and field) until a build succeeds. Serves on the
    loopback interface only, to loopback host names only, from a temporary folder: site/ is
    not touched. Stop with Ctrl-C.

    Example:

        statusgen serve --port 8000
    """
    from statusgen.serve import Server, run_until_stopped, wall_clock

    config = _config(root)
    # A fixed time only when asked for; otherwise each rebuild reads the clock anew.
    fixed = resolve_now(now, config.site.tz) if now or os.environ.get("SOURCE_DATE_EPOCH") else None
    server = Server(root, port=port, clock=(lambda: fixed) if fixed else wall_clock, echo=click.echo)
    server.start()
    click.echo(f"Serving {root.resolve()} at {server.url} (Ctrl-C to stop)")
    run_until_stopped(server)


@cli.command()
@root_option
@click.option("--target", "targets", multiple=True, metavar="NAME",
              help="Publish only to this target (repeat for several). Default: every [[targets]] entry.")
@click.option("--dry-run", is_flag=True, help="Print what would be uploaded, deleted and invalidated; change nothing.")
@click.option("--allow-deletes", is_flag=True,
              help="Allow deleting more than the target's max_delete_fraction (default 25%) of its objects.")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The built site to publish (default: ROOT/site).")
@click.option("--jobs", type=click.IntRange(1, 64), default=8, show_default=True, help="Concurrent uploads.")
def publish(root: Path, targets: tuple[str, ...], dry_run: bool, allow_deletes: bool,
            site_dir: Path | None, jobs: int):
    """Upload what changed in the built site to every target (or --target), delete what is gone.

    Each file is compared with the target on a SHA-256 that statusgen stores with it, headers
    included. Uploads go assets first, then pages, then the index, feeds and API; deletes only
    after every upload succeeded. Credentials come from the standard AWS credential chain.
    Exit code 1 if any target failed; the other targets are still published.

    Example:

        statusgen build && statusgen publish --dry-run && statusgen publish
    """
    from statusgen.publish import Reporter
    from statusgen.publish import publish as publish_site

    publish_site(root, site_dir, targets, dry_run=dry_run, allow_deletes=allow_deletes, jobs=jobs,
                 reporter=Reporter(tty=sys.stdout.isatty()))


@cli.group("import")
def import_():
    """Bring the history of a cState, Statusfy or Statuspage site into this repository.

    Components and groups are added to statusgen.toml (created if there is none) and every
    incident and maintenance becomes a file in incidents/. Everything is checked before
    anything is written; no existing file is replaced unless --force. A summary lists every
    value that statusgen's format had no place for.

    Example:

        statusgen import statuspage https://status.example.com/
    """


def _import_options(command):
    command = click.option("--force", is_flag=True,
                           help="Replace incident files that this import writes and that already exist.")(command)
    command = click.option("--timezone", help="IANA zone for times written without an offset "
                                              "(default: the site's, else UTC).")(command)
    return root_option(command)


def _finish_import(root: Path, plan, force: bool) -> None:
    from statusgen.importers import import_plan, report_lines

    for line in report_lines(import_plan(root, plan, force=force)):
        click.echo(line)


@import_.command("statuspage")
@click.argument("sources", nargs=-1, required=True, metavar="DIR_OR_URL...")
@_import_options
def import_statuspage(sources: tuple[str, ...], force: bool, timezone: str | None, root: Path):
    """Import a Statuspage-compatible page from its API v2: a live URL or folders of saved files.

    Reads components.json, incidents.json and scheduled-maintenances.json. The API lists only
    the 50 newest incidents: give several saved exports (folders, or files named incidents*.json)
    to import a longer history; they are merged, the newest copy of each incident winning. Only
    a URL touches the network.

    Example:

    \b
        statusgen import statuspage https://status.example.com/
        statusgen import statuspage exports/2025/ exports/2026/
    """
    from statusgen.importers import timezone_for
    from statusgen.importers.statuspage import read_statuspage

    tz, name = timezone_for(root, timezone)
    _finish_import(root, read_statuspage(sources, tz, name), force)


def _severity_option(command):
    return click.option(
        "--severity", "severities", multiple=True, metavar="NAME=STATUS", callback=_parse_components,
        help="How to read a severity the importer does not know (or to read a known one differently), "
             "e.g. --severity critical=major_outage; repeat for several.")(command)


@import_.command("cstate")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_severity_option
@_import_options
def import_cstate(directory: Path, severities, force: bool, timezone: str | None, root: Path):
    """Import a cState (Hugo) site: systems and categories from its config, issues from content/issues/.

    Severities: down is major_outage, disrupted is partial_outage, notice is under_maintenance.
    cState writes times without an offset: they are read in --timezone (default: the site's).

    Example:

        statusgen import cstate ../old-status-site --timezone Europe/Berlin
    """
    from statusgen.importers import timezone_for
    from statusgen.importers.common import parse_severity_map
    from statusgen.importers.cstate import read_cstate

    tz, name = timezone_for(root, timezone)
    _finish_import(root, read_cstate(directory, tz, name, parse_severity_map(severities)), force)


@import_.command("statusfy")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--language", help="Which language's incidents to import (default: the site's default locale).")
@click.option("--systems", "systems", multiple=True, metavar="ID,ID,...",
              help="The system ids, when statusfy.config.js lists them in a way that cannot be read as text.")
@_severity_option
@_import_options
def import_statusfy(directory: Path, language: str | None, systems: tuple[str, ...], severities, force: bool,
                    timezone: str | None, root: Path):
    """Import a Statusfy site: systems from statusfy.config.js (read as text, never run), incidents from content/.

    One language is imported: the default locale's files in content/, or --language's in
    content/<language>/. System names come from locales/<language>.json.

    Example:

        statusgen import statusfy ../statusfy-site --language en
    """
    from statusgen.importers import timezone_for
    from statusgen.importers.common import parse_severity_map
    from statusgen.importers.statusfy import read_statusfy

    tz, name = timezone_for(root, timezone)
    plan = read_statusfy(directory, tz, name, parse_severity_map(severities), language, systems)
    _finish_import(root, plan, force)


@cli.command()
@root_option
@click.option("--now", help="Notify as of this time (ISO 8601) instead of the clock; also SOURCE_DATE_EPOCH.")
@click.option("--channel", "channels", multiple=True, metavar="NAME",
              help="Only this [[notify]] channel (repeat for several). Default: every channel.")
@click.option("--dry-run", is_flag=True, help="Print, per channel, what would be sent (titles, never secrets).")
@click.option("--ledger", "ledger_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep the ledger of sent notices in this local file (default: with the first target).")
@click.option("--since", help="For a channel's first run: send the updates from this time on (ISO 8601) "
                              "instead of only recording them.")
@click.option("--test", "test_channel", metavar="CHANNEL", help="Send one clearly marked test message to CHANNEL.")
def notify(root: Path, now: str | None, channels: tuple[str, ...], dry_run: bool, ledger_file: Path | None,
           since: str | None, test_channel: str | None):
    """Push every public update that a channel has not received yet, oldest first.

    Channels are the [[notify]] entries of statusgen.toml (webhook, Slack, Teams, Discord,
    Google Chat, Telegram, ntfy, Mastodon, email); secrets come from the environment
    variables they name. A ledger kept with the first target's publish manifest (or
    --ledger FILE) records what each channel confirmed. A channel's first run records what
    is already public and sends nothing. Exit code 1 if any channel failed; it gets the
    missed updates on the next run. Run it after `statusgen publish`.

    Example:

    \b
        statusgen build && statusgen publish && statusgen notify
        statusgen notify --test ops-slack
    """
    from statusgen.notify.run import notify as notify_channels
    from statusgen.notify.run import send_test

    config = _config(root)
    moment = resolve_now(now, config.site.tz)
    if test_channel:
        send_test(root, test_channel, moment, echo=click.echo)
        return
    start = parse_cli_time(since, config.site.tz, "--since", default=None)
    fixed = now or os.environ.get("SOURCE_DATE_EPOCH")
    # Each message says when it was really sent (a signed webhook body must), unless time is fixed.
    clock = None if fixed else (lambda: datetime.now(timezone.utc).replace(microsecond=0))
    notify_channels(root, moment, channel_names=channels, dry_run=dry_run, ledger_file=ledger_file, since=start,
                    echo=click.echo, progress=sys.stdout.isatty(), clock=clock)


_finished_build = False  # set once a build has written everything and said so


def main():
    try:
        cli(prog_name="statusgen")
    except SystemExit as done:
        if _finished_build and done.code in (0, None) and sys.getprofile() is None and sys.gettrace() is None:
            # Tearing the interpreter down frees a large site's model object by object (0.15 s
            # at 10,000 incidents); every file the build wrote is closed and in place. Not under
            # a profiler or a coverage tracer: they write their results as the interpreter ends.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        raise
