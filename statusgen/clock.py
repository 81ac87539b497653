"""Rebuilds that only the clock calls for, in a time that does not grow with the history.

Between two moments that notices name (a start, an end, an update: statusgen.state.next_moment),
with every other input as it was (statusgen.inputs), the site changes only where the clock alone
moves it: the uptime on the index, on each component's first page and in api/v2/uptime.json
(it grows while an incident goes on, and the window moves on each day), and the build time in
api/v2/freshness.json. Every other page keeps its key (statusgen.render.pages), so its bytes.

So a build that went the whole way leaves a clock record beside its site record: what those
files read of the whole history (statusgen.render.html.Listings, the maintenance states, the
API's last change), the notices the state can read from then on (statusgen.state.uptime_notices)
and those the listings show, and the HTML of the latest update of each notice the index shows
with it. The next build that finds the same inputs, a time from the record's up to (not
including) its next moment, the record named by the site record, and the site untouched (or a
copy of the same bytes) renders those files from the record and links every other file as it
is: it decodes no other notice, and beyond the status of each incident file and the listing of
the site, what it reads and writes does not grow with the history.

A build that cannot vouch for this leaves no record, and the builds after it go the whole way:
when a template of another page reads the state or the time, or cannot be keyed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

import orjson

from statusgen.cache import digest
from statusgen.config import Config
from statusgen.model import Content, Incident, Maintenance, Notice, sort_newest_first
from statusgen.parallel import ForkedCall, can_fork
from statusgen.records import encode_clock_state
from statusgen.render.api import api_notices, clock_files
from statusgen.render.context import RenderContext
from statusgen.render.environment import compiled_templates
from statusgen.render.html import ComponentListing, Listings, clock_pages, compile_clock_templates
from statusgen.render.markdown import html_of, remember
from statusgen.render.pages import PendingPage, RenderedPage
from statusgen.state import SiteState, all_updates, derive_state, last_change, next_moment, uptime_notices


def state_part(config: Config, content: Content, state: SiteState) -> tuple[bytes, frozenset[str], datetime | None]:
    """The part of the clock record of a build at state.now that it works out from the state and
    the whole history (in the build's helper process, where there is one), as JSON
    (statusgen.records.encode_clock_state); the slugs of the notices it holds; its next moment."""
    now = state.now
    kept = uptime_notices(config, content, now)
    markdown = {}
    shown: tuple[Notice, ...] = (*state.active_incidents, *state.maintenance_in_progress, *state.upcoming_maintenance)
    for notice in shown:
        # what the index shows of a notice it lists with its latest update
        updates = all_updates(notice, now)
        if updates and updates[-1].message.strip():
            key, html = html_of(updates[-1].message)
            markdown[key] = html
    until = next_moment(content.notices, now)
    data = encode_clock_state(until, last_change(api_notices(content, now), now), state.maintenance_states,
                              {content.keys[n.slug]: n for n in kept}, markdown)
    return orjson.dumps(data), frozenset(notice.slug for notice in kept), until


def make_record(content: Content, now: datetime, listed: Listings, held: frozenset[str], inputs: str,
                out: Path, next_change: datetime | None) -> dict:
    """The clock record of a build at `now` into `out` whose inputs but the time have the digest
    `inputs`, but for its state part (state_part), which holds the notices `held`."""
    named = {*listed.recent, *(slug for listing in listed.components.values() for slug in listing.first)} - held
    return {
        "out": str(out), "inputs": inputs, "now": now, "next_change": next_change,
        "titles": listed.titles, "durations": listed.durations, "recent": listed.recent,
        "last_change": listed.last_change,
        "components": {cid: (c.count, c.first, c.mttr, c.resolved) for cid, c in listed.components.items()},
        "named": {content.keys[notice.slug]: notice for notice in content.notices if notice.slug in named},
    }


def gate(record: dict, until: datetime | None) -> tuple:
    """What the site record keeps of its clock record: when the record applies (`applies`), and
    the record's id, which it must have."""
    return (digest("clock", record["out"], record["inputs"], record["now"].isoformat(), until.isoformat() if until else "-"),
            record["inputs"], record["now"], until)


def applies(gate: tuple, inputs: str, now: datetime) -> bool:
    """Whether a build at `now` whose inputs have the digest `inputs` may go by the clock record
    the site record keeps the `gate` of."""
    _, recorded, then, until = gate
    return recorded == inputs and then <= now and (until is None or now < until)


def clock_context(config: Config, record: dict, now: datetime) -> RenderContext:
    """What the files the clock moves are rendered from, at `now`, from the record."""
    notices = sort_newest_first(record["notices"].values())
    keys = {notice.slug: key for key, notice in record["notices"].items()}
    content = Content(tuple(n for n in notices if isinstance(n, Incident)),
                      tuple(n for n in notices if isinstance(n, Maintenance)), keys)
    content.__dict__["notices"] = notices  # as statusgen.content.load_content orders them
    state = replace(derive_state(config, content, now), maintenance_states=record["maintenance_states"])
    remember(record["markdown"])
    return RenderContext(config, content, state)


def clock_outputs(context: RenderContext, record: dict) -> dict[str, PendingPage | bytes]:
    """The files that change with the clock alone (statusgen.render.html.clock_page_paths and
    statusgen.render.api.clock_files), the pages pending."""
    listed = Listings(record["titles"], record["durations"], record["recent"], record["last_change"],
                      {cid: ComponentListing(*entry) for cid, entry in record["components"].items()})
    return {**clock_pages(context, listed), **clock_files(context.config, context.state, record["api_updated_at"])}


def resolve_pages(outputs: dict[str, PendingPage | bytes], recorded: dict,
                  jobs: int | None = None) -> dict[str, RenderedPage | bytes]:
    """Each page keyed and rendered (kept where the file on disk has its key: `recorded`), half
    of them in a forked process where there are two cores: the whole rebuild waits on this."""
    pending = [(path, item) for path, item in outputs.items() if isinstance(item, PendingPage)]
    apart = pending[len(pending) // 2:] if can_fork(jobs, len(pending), 4) else []
    here = pending[:len(pending) - len(apart)]
    done: dict[str, RenderedPage] = {}
    with ForkedCall(partial(_resolve_all, apart, recorded)) if apart else nullcontext() as other:
        done.update(_resolve_all(here, recorded))
        if other is not None:
            try:
                done.update(other.result())
            except (EOFError, OSError):  # the process died: done here
                done.update(_resolve_all(apart, recorded))
    return {path: item if isinstance(item, bytes) else done[path] for path, item in outputs.items()}


def _resolve_all(pages: list[tuple[str, PendingPage]], recorded: dict, tell=None) -> dict[str, RenderedPage]:
    done = {}
    for path, page in pages:
        key = page.key()
        done[path] = RenderedPage(key, None if key is not None and key == recorded.get(path) else page.render())
    return done


def load_clock_templates(config: Config, walk_spare: Callable[[], object], tell) -> object:
    """In a forked helper: compiles the clock pages' templates and hands them over
    (statusgen.render.environment.compiled_templates), then lists the spare the rebuild writes in."""
    compile_clock_templates(config)
    tell(compiled_templates())
    return walk_spare()
