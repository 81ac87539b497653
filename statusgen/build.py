"""Build orchestration: load and validate, derive the state, render, then write (statusgen.write)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import chain
from pathlib import Path

from statusgen.cache import BuildCache, Memo, ShardedTable, digest
from statusgen.clock import (
    applies,
    clock_context,
    clock_outputs,
    load_clock_templates,
    make_record,
    resolve_pages,
    state_part,
)
from statusgen.clock import gate as clock_gate
from statusgen.config import Config, load_config
from statusgen.content import (
    PARALLEL_PARSING,
    IncidentFile,
    SourceIndex,
    load_content,
    read_incident_files,
    validation_settings,
)
from statusgen.errors import StatusgenError
from statusgen.folders import MARKER, marker_bytes, owned_files, refuse_sources
from statusgen.inputs import at_time, copies_hold, inputs_digest, site_untouched
from statusgen.model import Content
from statusgen.parallel import ForkedCall, can_fork, forked_map
from statusgen.records import encode_clock
from statusgen.render.context import RenderContext
from statusgen.render.environment import adopt_compiled, compiled_templates, template_problems
from statusgen.render.html import Listings, render_pages, render_site
from statusgen.render.markdown import adopt, convert_notice, prerender, remember, remember_later
from statusgen.render.outputs import merge_outputs, render_files
from statusgen.render.pages import PARALLEL_THRESHOLD, PageResolver, PendingPage, RenderedPage, keep_or_render
from statusgen.state import SiteState, derive_state, next_publication
from statusgen.write import Listing, Staging, recorded_keys, write_fresh


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    files: int
    bytes: int
    rendered: int  # pages rendered this time (the rest were unchanged and reused)
    written: int  # files whose bytes changed
    next_change: datetime | None  # when the site next changes by the clock alone: rebuild then
    state: SiteState | None  # None: nothing changed, nothing was derived
    notices: tuple[str, ...] = ()  # cache files that were ignored, and why
    clock_only: bool = False  # only the files the clock moves were rendered, from the clock record (statusgen.clock)


def check(root: Path, cache: BuildCache | None = None, jobs: int | None = None,
          read: tuple[list[IncidentFile], list, SourceIndex] | None = None, after_parse=None,
          compiled: Callable[[], None] | None = None) -> tuple[Config, Content]:
    """Validate configuration, every template and every incident file; raise StatusgenError
    listing all problems. `read`: the incident files, if read_incident_files has read them.
    `compiled`: called once the files are parsed, to adopt templates another process compiled."""
    config = load_config(root)
    problems: list = []

    def templates() -> None:
        problems.extend(template_problems(config.root))

    try:  # the templates are compiled while worker processes parse the incident files
        content = load_content(config, cache, jobs, read, after_parse, templates if compiled is None else None)
    except StatusgenError as exc:
        if compiled is not None:
            compiled()
            templates()
        raise StatusgenError(problems + exc.problems) from None
    if compiled is not None:
        compiled()
        templates()  # what the other process compiled is not compiled again
    if problems:
        raise StatusgenError(problems)
    return config, content


def rendering_problems(config: Config, content: Content, now: datetime) -> list:
    """Render one page of each kind in memory, writing nothing, so that `check` also finds a
    template that compiles but fails while rendering (an undefined name, a failing filter)."""
    pages = render_pages(RenderContext(config, content, derive_state(config, content, now)))
    samples = ["index.html", "history/index.html", "subscribe/index.html", "404.html"]
    for prefix in ("incidents/", "components/"):
        samples += [path for path in pages if path.startswith(prefix) and path.endswith("/index.html")][:1]
    problems = []
    for path in samples:
        page = pages.get(path)
        if isinstance(page, PendingPage):
            try:
                page.render()
            except StatusgenError as exc:
                problems += exc.problems
    return problems


def unchanged_site(previous: dict, inputs: str, out: Path) -> bool:
    """The site record says the build into `out` read exactly `inputs`, and the site is untouched."""
    return (previous.get("inputs") == inputs and previous.get("out") == str(out)
            and site_untouched(out, previous["files"], marker_bytes(previous["files"]), MARKER))


def build(root: Path, now: datetime, out_dir: Path | None = None, use_cache: bool = True,
          jobs: int | None = None) -> BuildResult:
    """Build the site as of `now`. With the cache, pages whose inputs are unchanged since the
    last build into the same folder are not rendered again; the output is the same either way."""
    # The build allocates millions of objects that live until it ends (the model, the caches, the
    # views) and makes few reference cycles: the collector's passes over them cost about a tenth
    # of a warm build and free next to nothing. Worker processes collect as usual (statusgen.parallel).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(root, now, out_dir, use_cache, jobs)
    finally:
        if collecting:
            gc.enable()


def _build(root: Path, now: datetime, out_dir: Path | None, use_cache: bool, jobs: int | None) -> BuildResult:
    cache = BuildCache.for_root(root) if use_cache else BuildCache.disabled()
    out = (Path(out_dir) if out_dir is not None else Path(root) / "site").resolve()
    refuse_sources(out, root, "output folder")
    settings = load_config(root)
    # Files unchanged since the last build (by their status, as git's index does) are not read again.
    validation = digest(validation_settings(settings))
    index = cache.load("sources")
    sources, unreadable, read_index = read_incident_files(
        settings, index["files"] if index.get("settings") == validation else None)
    index_changed = read_index != index.get("files")
    del index  # a copy in every worker process forked later would count in each one's memory
    keys = [key for key, *_ in sources]
    previous = cache.load("site")

    def current_inputs() -> str | None:
        """The digest of every input but the time (statusgen.inputs)."""
        if unreadable or not use_cache:
            return None
        return inputs_digest(root, settings.site.timezone, keys, out)

    static = current_inputs()
    inputs = None if static is None else at_time(static, now)
    shortcut = _unchanged_or_clock_only(cache, settings, previous, static, now, out, current_inputs, jobs)
    if shortcut is not None:  # the files' bytes are those a build that went the whole way read
        _save_index(cache, index_changed, validation, read_index)
        return shortcut
    recorded = previous.get("files", {}) if previous.get("out") == str(out) else {}
    read = (sources, unreadable, read_index)
    del sources  # `read` alone holds the files' bytes, and is let go of once they are parsed
    # A rebuild of a large site: the feeds, calendars and API are worked out by a process forked
    # here, before the history is loaded, while this one renders the pages (a process forked once
    # the history is loaded copies it page by page, as either process touches it).
    # It runs under the build's lock (taken here, not when writing) and walks the spare meanwhile.
    area = (Staging(out) if recorded and len(keys) >= PARALLEL_THRESHOLD and can_fork(jobs, 2, 2)
            and os.path.isfile(out / MARKER) else None)
    helper = _Helper(ForkedCall(partial(_helper_work, root, now, out, recorded, read, area.walk_spare))
                     if area is not None else None, area)
    with helper:
        # Every Markdown text converted once, in parallel, before anything shows it: where its file
        # is parsed, else (a notice from the cache whose HTML is not) just after. The page workers
        # fork with the results; feeds, calendars and the API read the same ones.
        previous_markdown = _MarkdownMemo(cache, helper)
        known: dict[str, Sequence[str]] = {}  # slug -> the keys of its texts, from where it was parsed

        def take(notice, text_keys, converted) -> None:
            if text_keys is not None:
                known[notice.slug] = text_keys
            if converted is not None:
                helper.parsed += 1
            if converted:
                adopt(converted)

        config, content = check(root, cache, jobs, read, (convert_notice, take),
                                helper.adopt_templates if helper.call is not None else None)
        _save_index(cache, index_changed, validation, read_index)  # a build that fails writes nothing, the cache included
        del read, read_index  # not kept through the build, nor in every worker process forked later
        # The model and the caches live through the build: collections need not scan them again.
        gc.freeze()
        try:
            state = derive_state(config, content, now)
            rendered = prerender(content.notices, known, lambda work: forked_map(work, jobs, PARALLEL_THRESHOLD))
            renders = ShardedTable(cache, "renders")
            memo = Memo(renders.entries)
            context = RenderContext(config, content, state, memo)
            # A site/ built by 0.1.0 (no marker) is recognised by the record it left, even with --no-cache.
            adoptable = recorded or BuildCache.for_root(root).legacy_site_record(out)
            owned = owned_files(out, adoptable, "output folder")
            reusable = recorded if owned is not None else {}
            rendered_site = render_site(context)
            site = rendered_site.outputs
            pending = {path: item for path, item in site.items() if isinstance(item, PendingPage)}
            seen: dict = {}  # the status of each file on disk found to hold its page
            with PageResolver(pending, recorded_keys(pending, out, reusable, seen), jobs, memo) as pages:
                ready = [(path, item) for path, item in site.items() if not isinstance(item, PendingPage)]

                def other() -> list:
                    files = helper.other_files(context, out, reusable)
                    merge_outputs(site, files)  # refuses two outputs to one path (the new tree is then dropped)
                    return list(files.items())

                # Each page is written as it arrives, while later ones still render: while worker
                # processes render them, this process works out the other files first; while the
                # helper works them out, this process renders and writes the pages first.
                if helper.waited_for():
                    items = chain(ready, pages.iter_results(), _later(other))
                else:
                    items = chain(other(), ready, pages.iter_results())
                result = write_fresh(out, items, owned, reusable, seen, helper.area, helper.spare())
            if static != current_inputs():
                static = inputs = None  # something was edited during the build: the next one goes the whole way
            upcoming = helper.next_publication(content, now)
            clock_id = _save_clock_record(cache, static if rendered_site.clock_apart else None, context,
                                          rendered_site.listings, out, upcoming, helper)
            cache.save("site", {"out": str(out), "files": result.manifest, "inputs": inputs, "next_change": upcoming,
                                "clock": clock_id})
            renders.save(memo.used)
            previous_markdown.save(rendered)
            return BuildResult(out, result.files, result.bytes, result.rendered, result.written,
                               upcoming, state, tuple(cache.notices))
        finally:
            gc.unfreeze()


def _save_index(cache: BuildCache, changed: bool, settings: str, index: SourceIndex) -> None:
    """The index of the incident files read (statusgen.content.read_incident_files), if it changed."""
    if changed:
        cache.save("sources", {"settings": settings, "files": index})


def _unchanged_or_clock_only(cache: BuildCache, config: Config, previous: dict, inputs: str | None, now: datetime,
                             out: Path, current_inputs: Callable[[], str | None], jobs: int | None) -> BuildResult | None:
    """The build's result if it need not go the whole way: every input as it was for the site
    on disk, untouched since, or only the clock moved (statusgen.clock)."""
    if inputs is None:
        return None
    if unchanged_site(previous, at_time(inputs, now), out):
        sizes = [entry[1] for entry in previous["files"].values()]
        return BuildResult(out, len(sizes), sum(sizes), 0, 0, previous["next_change"], None, tuple(cache.notices))
    return _clock_rebuild(cache, config, previous, inputs, now, out, current_inputs, jobs)


def _save_clock_record(cache: BuildCache, inputs: str | None, context: RenderContext, listed: Listings,
                       out: Path, upcoming: datetime | None, helper: _Helper) -> tuple | None:
    """The clock record of this build (statusgen.clock), saved, and what the site record keeps of
    it; None: it has none (`inputs` None: it cannot vouch for one)."""
    if inputs is None or not context.content.keys.keys() >= {notice.slug for notice in context.content.notices}:
        cache.remove("clock")  # a notice not read from a file (no key) cannot be vouched for by one
        return None
    part, held, until = helper.clock_part(context)
    record = make_record(context.content, context.state.now, listed, held, inputs, out, upcoming)
    cache.save_body("clock", encode_clock(record, part))
    return clock_gate(record, until)


def _clock_rebuild(cache: BuildCache, config: Config, previous: dict, inputs: str, now: datetime,
                   out: Path, current_inputs: Callable[[], str | None], jobs: int | None) -> BuildResult | None:
    """A rebuild that only the clock calls for (statusgen.clock), if this is one: the files that
    change with the clock alone rendered from the clock record, every other file linked as it is.
    A helper process compiles their templates and lists the spare meanwhile."""
    gate = previous.get("clock")
    if gate is None or previous.get("out") != str(out) or not applies(gate, inputs, now):
        return None
    files = previous["files"]
    seen: dict = {}
    copies: list[tuple[str, str]] = []  # files restored as copies (CI): checked by their bytes meanwhile
    with Staging(out) as area, _ClockHelper(config, area, jobs) as helper, ExitStack() as checking:
        record = cache.load("clock")
        if not (record and clock_gate(record, record["until"]) == gate
                and site_untouched(out, files, marker_bytes(files), MARKER, seen, copies)):
            return None
        hold = (checking.enter_context(ForkedCall(partial(_copies_hold, copies)))
                if copies and can_fork(jobs, 2, 2) else None)
        context = clock_context(config, record, now)
        helper.adopt_templates()
        outputs = resolve_pages(clock_outputs(context, record), {path: entry[0] for path, entry in files.items()}, jobs)
        if not (outputs.keys() <= files.keys() and _held(hold, copies)):
            return None  # a file the site on disk does not have, or other bytes: not a rebuild by the clock alone
        owned = owned_files(out, files, "output folder")
        items = [(path, outputs[path] if path in outputs else RenderedPage.kept(entry[0])) for path, entry in files.items()]
        result = write_fresh(out, items, owned, files, seen, area, helper.spare())
        if inputs == current_inputs():
            vouched = {"inputs": at_time(inputs, now), "clock": gate}
        else:  # something was edited during the build: the next one goes the whole way
            vouched = {"inputs": None, "clock": None}
        # under the build's lock, as the site it describes was written
        cache.save("site", {"out": str(out), "files": result.manifest, "next_change": record["next_change"], **vouched})
    return BuildResult(out, result.files, result.bytes, result.rendered, result.written, record["next_change"],
                       None, tuple(cache.notices), clock_only=True)


class _ClockHelper:
    """A clock rebuild's helper process (statusgen.clock.load_clock_templates), where there are
    two cores: it compiles the templates while the rebuild loads its record, then lists the spare."""

    def __init__(self, config: Config, area: Staging, jobs: int | None):
        self.call = ForkedCall(partial(load_clock_templates, config, area.walk_spare)) if can_fork(jobs, 2, 2) else None

    def __enter__(self) -> _ClockHelper:
        if self.call is not None:
            self.call.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.call is not None:
            self.call.__exit__(*exc)

    def adopt_templates(self) -> None:
        if self.call is not None:
            try:
                adopt_compiled(*self.call.told())
            except (EOFError, OSError):
                pass  # compiled here

    def spare(self) -> Listing | None:
        if self.call is not None:
            try:
                return self.call.result()
            except (EOFError, OSError):
                pass
        return None  # walked when written


def _copies_hold(copies: list[tuple[str, str]], tell) -> bool:
    return copies_hold(copies)


def _held(call: ForkedCall | None, copies: list[tuple[str, str]]) -> bool:
    """Whether each of `copies` holds the bytes recorded for it: as the process `call` found,
    else (no such process, or it died) read here."""
    if call is not None:
        try:
            return call.result() is True
        except (EOFError, OSError):
            pass
    return copies_hold(copies)


def _later(produce) -> Iterator:
    """The items `produce` returns, produced only when the first of them is asked for."""
    yield from produce()


def other_files(context: RenderContext, out: Path, recorded: dict) -> dict:
    """Feeds, calendars and the API (statusgen.render.outputs), a feed kept where the file on
    disk has its key."""
    files = render_files(context)
    on_disk = recorded_keys([path for path, item in files.items() if isinstance(item, PendingPage)], out, recorded)
    return {path: keep_or_render(item, on_disk[path]) if isinstance(item, PendingPage) else item
            for path, item in files.items()}


_UNKNOWN = object()


class _MarkdownMemo:
    """The previous build's Markdown memo (statusgen.render.markdown), loaded when a text's HTML
    is first looked for: from the helper process, if there is one and it is waited for, else
    from the cache files (so it is in a worker process forked meanwhile: it has its own copy)."""

    def __init__(self, cache: BuildCache, helper: _Helper):
        self.cache, self.helper = cache, helper
        self.table: ShardedTable | None = None
        self.process = os.getpid()
        if helper.call is None:
            remember(self.load())
        else:
            remember_later(self.load)

    def load(self) -> dict:
        if self.table is None:
            shards = self.helper.markdown(self.cache) if os.getpid() == self.process else None
            self.table = ShardedTable(self.cache, "markdown", shards)
        return self.table.entries

    def save(self, entries: Mapping[str, str]) -> None:
        self.load()
        assert self.table is not None
        self.table.save(entries)


class _Helper:
    """The rebuild's helper process (a ForkedCall of _helper_work), if there is one. It is waited
    for unless this process parsed many files (the helper parsed them too, alone, so it is likely
    still at work): then, unless it is done already, this process works out what it would have,
    and it is stopped when the build ends. So it is if the helper died."""

    def __init__(self, call: ForkedCall | None, area: Staging | None = None):
        self.call, self.area = call, area  # the area the build writes in, locked before the fork
        self.parsed = 0  # files parsed here
        self._stack = ExitStack()
        self._next_publication: object = _UNKNOWN
        self._helped = False  # the helper gave its files

    def __enter__(self) -> _Helper:
        with ExitStack() as stack:
            for entered in (self.area, self.call):
                if entered is not None:
                    stack.enter_context(entered)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self._stack.__exit__(*exc)

    def spare(self) -> Listing | None:
        """The spare's listing as the helper walked it, if it is waited for (None: walked when written)."""
        if self.call is not None and self.waited_for():
            try:
                return self.call.told(2)
            except (EOFError, OSError):
                pass
        return None

    def waited_for(self) -> bool:
        return self.call is not None and (self.parsed < PARALLEL_PARSING or self.call.ready())

    def adopt_templates(self) -> None:
        """The templates as the helper compiled them, if it is waited for (else compiled here)."""
        if self.call is not None and self.waited_for():
            try:
                adopt_compiled(*self.call.told())
            except (EOFError, OSError):
                pass

    def markdown(self, cache: BuildCache) -> dict | None:
        """The Markdown memo's files as the helper loaded them, if it is waited for (its notices
        about them join `cache`'s); None: loaded here."""
        if self.call is not None and self.waited_for():
            try:
                shards, notices = self.call.told(1)
            except (EOFError, OSError):
                return None
            cache.notices.extend(notices)
            return shards
        return None

    def next_publication(self, content: Content, now: datetime) -> datetime | None:
        """statusgen.state.next_publication, as the helper worked it out if it gave its files."""
        if self._next_publication is not _UNKNOWN:
            return self._next_publication  # type: ignore[return-value]
        return next_publication(content, now)

    def other_files(self, context: RenderContext, out: Path, recorded: dict) -> dict:
        """other_files from the helper, if it is waited for, else worked out here."""
        if self.call is not None and self.waited_for():
            try:
                files, learned, self._next_publication = self.call.told(3)
            except (EOFError, OSError):
                pass
            else:
                context.memo.adopt(learned)
                self._helped = True
                return files
        return other_files(context, out, recorded)

    def clock_part(self, context: RenderContext) -> tuple[bytes, frozenset[str], datetime | None]:
        """statusgen.clock.state_part, as the helper worked it out if it gave its files."""
        if self._helped:
            try:
                return self.call.result()  # type: ignore[union-attr]
            except (EOFError, OSError):
                pass
        return state_part(context.config, context.content, context.state)


def _helper_work(root: Path, now: datetime, out: Path, recorded: dict, read, walk_spare,
                 tell) -> tuple[bytes, frozenset[str], datetime | None]:
    """other_files, when the site next changes (next_publication) and the state part of the
    clock record (statusgen.clock.state_part), in a helper process: it reads what the build
    reads, as the build reads it, and writes nothing (its cache is read-only); the build keeps
    what it worked out for the next. First it compiles the templates, and tells the build what
    it compiled; then the Markdown memo it loaded; then the listing of the spare tree the build
    writes in (under the build's lock); then the other files and when the site next changes;
    it returns the state part, which the build needs last."""
    gc.disable()  # as in the build (see `build`): it loads the same model, and ends with the build
    template_problems(root)
    tell(compiled_templates())
    cache = BuildCache(BuildCache.for_root(root).directory, read_only=True)
    markdown = ShardedTable(cache, "markdown")
    tell((markdown.shards(), list(cache.notices)))
    remember(markdown.entries)
    tell(walk_spare())
    config = load_config(root)
    content = load_content(config, cache, 1, read)
    memo = Memo(ShardedTable(cache, "renders").entries)
    context = RenderContext(config, content, derive_state(config, content, now), memo)
    tell((other_files(context, out, recorded), memo.used, next_publication(content, now)))
    return state_part(config, content, context.state)
