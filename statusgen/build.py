"""Build orchestration: load and validate, derive the state, render, then write (statusgen.write)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path

from statusgen.cache import BuildCache, Memo
from statusgen.config import Config, load_config
from statusgen.content import load_content
from statusgen.errors import StatusgenError
from statusgen.folders import owned_files, refuse_sources
from statusgen.model import Content
from statusgen.parallel import forked_map
from statusgen.render.context import RenderContext
from statusgen.render.environment import template_problems
from statusgen.render.html import render_pages
from statusgen.render.markdown import prerender, remember
from statusgen.render.outputs import merge_outputs, render_files
from statusgen.render.pages import PARALLEL_THRESHOLD, PageResolver, PendingPage
from statusgen.state import SiteState, derive_state, next_change
from statusgen.write import recorded_keys, write_fresh


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    files: int
    bytes: int
    rendered: int  # pages rendered this time (the rest were unchanged and reused)
    written: int  # files whose bytes changed
    next_change: datetime | None
    state: SiteState
    notices: tuple[str, ...] = ()  # cache files that were ignored, and why


def check(root: Path, cache: BuildCache | None = None, jobs: int | None = None) -> tuple[Config, Content]:
    """Validate configuration, every template and every incident file; raise StatusgenError
    listing all problems."""
    config = load_config(root)
    problems = template_problems(config.root)
    try:
        content = load_content(config, cache, jobs)
    except StatusgenError as exc:
        raise StatusgenError(problems + exc.problems) from None
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


def build(root: Path, now: datetime, out_dir: Path | None = None, use_cache: bool = True,
          jobs: int | None = None) -> BuildResult:
    """Build the site as of `now`. With the cache, pages whose inputs are unchanged since the
    last build into the same folder are not rendered again; the output is the same either way."""
    cache = BuildCache.for_root(root) if use_cache else BuildCache.disabled()
    out = (Path(out_dir) if out_dir is not None else Path(root) / "site").resolve()
    refuse_sources(out, root, "output folder")
    config, content = check(root, cache, jobs)
    state = derive_state(config, content, now)
    # Every Markdown text converted once, in parallel, before anything shows it: the page
    # workers fork with the results, feeds, calendars and the API read the same ones.
    previous_markdown = cache.load("markdown")
    remember(previous_markdown)
    texts = (text for notice in content.notices for text in (notice.body, *(u.message for u in notice.updates))
             if text.strip())
    rendered = prerender(texts, lambda work: forked_map(work, jobs, PARALLEL_THRESHOLD))
    memo = Memo(cache.load("renders"))
    context = RenderContext(config, content, state, memo)
    previous = cache.load("site")
    recorded = previous.get("files", {}) if previous.get("out") == str(out) else {}
    # A site/ built by 0.1.0 (no marker) is recognised by the record it left, even with --no-cache.
    adoptable = recorded or BuildCache.for_root(root).legacy_site_record(out)
    owned = owned_files(out, adoptable, "output folder")
    reusable = recorded if owned is not None else {}
    site = render_pages(context)
    pending = {path: item for path, item in site.items() if isinstance(item, PendingPage)}
    with PageResolver(pending, recorded_keys(pending, out, reusable), jobs) as pages:
        files = render_files(context)  # while the pages render in other processes
        outputs = merge_outputs(site, files)  # refuses two outputs to one path before writing
        # Each page is written as it arrives, while later ones still render.
        ready = ((path, item) for path, item in outputs.items() if not isinstance(item, PendingPage))
        result = write_fresh(out, chain(ready, pages.iter_results()), owned)
    cache.save("site", {"out": str(out), "files": result.manifest})
    if memo.changed:
        cache.save("renders", memo.used)
    if rendered.keys() != previous_markdown.keys():
        cache.save("markdown", rendered)
    return BuildResult(out, result.files, result.bytes, result.rendered, result.written,
                       next_change(content, now), state, tuple(cache.notices))
