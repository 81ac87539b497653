"""Rebuilds that only the clock calls for, in a time that does not grow with the history.

Between two moments that notices name (a start, an end, an update: statusgen.state.next_moment),
with every other input as it was (statusgen.inputs), the site changes only where the clock alone
moves it: the uptime on the index, on each component's first page and in api/v2/uptime.json
(it grows while an incident goes on, and the window moves on each day), and the build time in
api/v2/freshness.json. Every other page keeps its key (statusgen.render.pages), so its bytes.

So a build that went the whole way leaves a clock record beside its site record: what those
files read of the whole history (statusgen.render.html.Listings, the maintenance states, the
API's last change), the notices the state can read from then on (statusgen.state.uptime_notices)
and those the listings show, with their texts' HTML. The next build that finds the same inputs,
a time from the record's up to (not including) its next moment, the record named by the site
record, and the site untouched renders those files from the record and links every other file
as it is: what it reads and writes does not grow with the history, only the listing of the site.

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

from statusgen.cache import digest
from statusgen.config import Config
from statusgen.model import Content, Incident, Maintenance, Notice
from statusgen.parallel import ForkedCall, can_fork
from statusgen.render.api import api_notices, clock_files
from statusgen.render.context import RenderContext
from statusgen.render.environment import compiled_templates
from statusgen.render.html import ComponentListing, Listings, clock_page_paths, clock_pages, compile_clock_templates
from statusgen.render.markdown import notice_texts, remember, text_key
from statusgen.render.pages import PendingPage, RenderedPage
from statusgen.state import SiteState, derive_state, last_change, next_moment, uptime_notices

CLOCK_FILES = ("api/v2/uptime.json", "api/v2/freshness.json")  # statusgen.render.api.clock_files


def clock_paths(config: Config) -> list[str]:
    """Every file a clock rebuild renders again."""
    return [*clock_page_paths(config), *CLOCK_FILES]


def make_record(config: Config, content: Content, state: SiteState, listed: Listings,
                markdown, inputs: str, out: Path) -> dict:
    """The clock record of a build at state.now into `out` whose inputs but the time have the
    digest `inputs`. `markdown`: {text key: HTML} of every text (statusgen.render.markdown.prerender)."""
    now = state.now
    named = {*listed.recent, *(slug for listing in listed.components.values() for slug in listing.first)}
    needed = {notice.slug for notice in uptime_notices(config, content, now)} | named
    notices = [notice for notice in content.notices if notice.slug in needed]
    html = {}
    for notice in notices:
        for text in notice_texts(notice):
            key = text_key(text)
            if key in markdown:
                html[key] = markdown[key]
    return {
        "out": str(out), "inputs": inputs, "now": now, "until": next_moment(content.notices, now),
        "next_change": None,  # set by the build: statusgen.state.next_publication at `now`
        "titles": listed.titles, "durations": listed.durations, "recent": listed.recent,
        "last_change": listed.last_change, "api_updated_at": last_change(api_notices(content, now), now),
        "components": {cid: (c.count, c.first, c.mttr, c.resolved) for cid, c in listed.components.items()},
        "maintenance_states": state.maintenance_states,
        "notices": {content.keys[notice.slug]: notice for notice in notices},
        "markdown": html,
    }


def gate(record: dict) -> tuple:
    """What the site record keeps of its clock record: when the record applies (`applies`), and
    the record's id, which it must have."""
    return (digest("clock", record["out"], record["inputs"], record["now"].isoformat(),
                   record["until"].isoformat() if record["until"] else "-"),
            record["inputs"], record["now"], record["until"])


def applies(gate: tuple, inputs: str, now: datetime) -> bool:
    """Whether a build at `now` whose inputs have the digest `inputs` may go by the clock record
    the site record keeps the `gate` of."""
    _, recorded, then, until = gate
    return recorded == inputs and then <= now and (until is None or now < until)


def clock_context(config: Config, record: dict, now: datetime) -> RenderContext:
    """What the files the clock moves are rendered from, at `now`, from the record."""
    notices: list[Notice] = []
    keys: dict[str, str] = {}
    for key, notice in record["notices"].items():
        notices.append(notice)
        keys[notice.slug] = key
    content = Content(tuple(n for n in notices if isinstance(n, Incident)),
                      tuple(n for n in notices if isinstance(n, Maintenance)), keys)
    content.__dict__["notices"] = tuple(notices)  # newest first, as recorded
    state = replace(derive_state(config, content, now), maintenance_states=record["maintenance_states"])
    remember(record["markdown"])
    return RenderContext(config, content, state)


def clock_outputs(context: RenderContext, record: dict) -> dict[str, PendingPage | bytes]:
    """The files that change with the clock alone (clock_paths), the pages pending."""
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
