"""The HTML site: index, history, one page per incident and component, subscribe, 404, sitemap.

Links are relative to each page (computed from its depth) and name `index.html` explicitly, so
the site works from any base path, from file://, and from object storage that does not map a
folder to its index. Only the 404 page, which is served at any depth, links from the base path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from itertools import islice
from urllib.parse import quote, urlparse

from jinja2 import Environment
from markupsafe import Markup

from statusgen.config import Component, Config
from statusgen.i18n import N_, Language, resolve_language, translations
from statusgen.model import Content
from statusgen.render.api import API_FILES
from statusgen.render.assets import Asset, static_file, theme_assets
from statusgen.render.context import RenderContext
from statusgen.render.environment import environment, override_dir
from statusgen.render.pages import KeyedRenderer, PendingPage, plain_digest
from statusgen.render.views import (
    LazyView,
    Page,
    group_by_month,
    mean_time_to_resolve,
    month_index,
    month_of,
    paginate,
    status_schedule,
)
from statusgen.state import NOTHING_YET, SiteState, affected_component_ids, is_over, last_change, moments_passed
from statusgen.vocabulary import (
    IMPACT_LABELS,
    INDICATOR_ICONS,
    MAINTENANCE_STATE_LABELS,
    STATUS_ICONS,
    STATUS_LABELS,
    UPDATE_LABELS,
)

PER_PAGE = 50
RECENT_ON_INDEX = 5
UPCOMING_ON_INDEX = 10  # the soonest; the calendar and the API list them all


@dataclass(frozen=True)
class Site:
    """What every page builder reads: the render context and one view per notice."""

    config: Config
    content: Content
    state: SiteState
    gettext: Callable[[str], str]
    views: dict[str, LazyView]  # by slug
    ordered: list[LazyView]  # newest first


PageSpec = tuple[str, str, dict]  # (site path, template, what only this page's template reads)


def render_pages(context: RenderContext) -> dict[str, bytes | PendingPage]:
    """The HTML site: its pages pending (rendered when needed, maybe in parallel), assets as bytes."""
    return render_site(context).outputs


@dataclass(frozen=True)
class ComponentListing:
    """What a component's first page says of all the notices its pages list."""

    count: int
    first: tuple[str, ...]  # the slugs the first page lists, newest first
    mttr: timedelta | None
    resolved: int  # the incidents among them with an end


@dataclass(frozen=True)
class Listings:
    """What the index and the components' first pages show of the whole history. It changes
    only when a notice's file does or one of its moments comes, so a rebuild that only the
    clock calls for reads it from the build cache (statusgen.clock) instead of every notice."""

    titles: dict[str, str]  # by slug, newest first: the uptime bars name any notice of the window
    durations: dict[str, timedelta | None]  # None while ongoing
    recent: tuple[str, ...]  # the newest notices that are over
    last_change: datetime | None
    components: dict[str, ComponentListing]


@dataclass(frozen=True)
class SiteRender:
    outputs: dict[str, bytes | PendingPage]
    listings: Listings
    # No page but the clock pages (clock_page_paths) reads a value that changes with the clock
    # alone (the state, with its uptime, or `now`), and each of them can be keyed.
    clock_apart: bool


def render_site(context: RenderContext) -> SiteRender:
    config = context.config
    site, make_renderer, css, js = _site_renderer(context)
    by_component = _listed_by_component(site)
    listed = listings(site, by_component)
    renderer = make_renderer(listed)
    pages = [index_page(site, listed), *history_pages(site), *incident_pages(site),
             *component_pages(site, by_component, listed), subscribe_page(site), embed_page()]
    outputs: dict[str, bytes | PendingPage] = {}
    for path, template, extra in pages:
        outputs[path] = _page(renderer, config, path, template, extra)
    outputs["404.html"] = not_found_page(renderer, config)
    outputs["sitemap.xml"] = sitemap([page_url(config, path) for path, _, _ in pages])
    outputs["robots.txt"] = robots_txt(config)
    outputs["favicon.svg"] = static_file(renderer.env, "favicon.svg")
    outputs[css.path] = css.data
    outputs[js.path] = js.data
    clock = set(clock_page_paths(config))
    others = {template for path, template, _ in pages if path not in clock} | {"404.html"}
    return SiteRender(outputs, listed, all(_apart_from_clock(renderer.reads(t)) for t in others))


def clock_pages(context: RenderContext, listed: Listings) -> dict[str, PendingPage]:
    """The pages that change with the clock alone: the index and each component's first page
    (their uptime grows while an incident goes on, and the window moves each day). The content
    need only hold the notices the state reads and those the listings name."""
    config = context.config
    site, make_renderer, _, _ = _site_renderer(context)
    renderer = make_renderer(listed)
    pages = [index_page(site, listed), *(_first_component_page(site, c, listed.components[c.id])
                                          for c in config.components)]
    return {path: _page(renderer, config, path, template, extra) for path, template, extra in pages}


def compile_clock_templates(config: Config) -> None:
    """Compiles the clock pages' templates, with all they pull in (as a helper process does,
    for statusgen.render.environment.compiled_templates to hand them over)."""
    language = resolve_language(config.site.language, config.root)
    renderer = KeyedRenderer(environment(override_dir(config.root), language), {})
    for template in ("index.html", "component.html"):
        renderer.reads(template)


def clock_page_paths(config: Config) -> list[str]:
    return ["index.html", *(f"components/{c.id}/index.html" for c in config.components)]


def _apart_from_clock(names: frozenset[str] | None) -> bool:
    """A template reading neither the state (whose uptime changes with the clock alone) nor
    `now`: its pages change only when a notice's file does or one of its moments comes."""
    return names is not None and names.isdisjoint(("state", "now"))


def _site_renderer(context: RenderContext) -> tuple[Site, Callable[[Listings], KeyedRenderer], Asset, Asset]:
    """(the site's views, what makes the renderer for the given listings, the CSS, the script)."""
    config = context.config
    language = resolve_language(config.site.language, config.root)
    env = environment(override_dir(config.root), language)
    css, js = theme_assets(env)
    site = site_views(context, translations(language).gettext)

    def renderer(listed: Listings) -> KeyedRenderer:
        return KeyedRenderer(env, shared_context(site, env, language, css, js, listed), context.memo)

    return site, renderer, css, js


def _page(renderer: KeyedRenderer, config: Config, path: str, template: str, extra: dict) -> PendingPage:
    return renderer.page(template, {**extra, "page_path": path, "root": _relative_root(path),
                                    "canonical": page_url(config, path)})


def site_views(context: RenderContext, gettext: Callable[[str], str]) -> Site:
    config, content, state = context.config, context.content, context.state
    # A notice's view depends only on its file, the configuration and which of its moments have come.
    settings = plain_digest(config)
    views = {notice.slug: LazyView(config, state, notice, _view_key(content, notice, state.now, settings))
             for notice in content.notices}
    ordered = [views[n.slug] for n in content.notices]
    return Site(config, content, state, gettext, views, ordered)


def _view_key(content: Content, notice, now, settings: str | None) -> str | None:
    key = content.keys.get(notice.slug)
    if key is None or settings is None:
        return None
    # Not hashed again: it is only ever a part of a page's key. The file's key is prefixed with
    # its length and the settings' digest has a fixed one, so two different views never have
    # the same text.
    return f"view {len(key)}:{key}{settings}{moments_passed(notice, now)}"


def shared_context(site: Site, env: Environment, language: Language, css: Asset, js: Asset, listed: Listings) -> dict:
    """The names every page's template may read."""
    config = site.config
    return {
        "config": config,
        "site": config.site,
        "state": site.state,
        "tz": config.site.tz,
        "now": site.state.now,
        "css_path": css.path,
        "js_path": js.path,
        "status_labels": STATUS_LABELS,
        "status_icons": STATUS_ICONS,
        "indicator_icons": INDICATOR_ICONS,
        "update_labels": UPDATE_LABELS,
        "impact_labels": IMPACT_LABELS,
        "lang": language,
        "script_labels": _attribute_json(script_labels(site.gettext)),
        "abs_url": config.url,
        "titles": listed.titles,
        "durations": listed.durations,
        # Inline, so a first visit costs one request fewer (the freshness check takes its place).
        "favicon_uri": "data:image/svg+xml," + _data_uri_text(static_file(env, "favicon.svg")),
    }


def listings(site: Site, by_component: dict[str, list[LazyView]]) -> Listings:
    views = site.views
    return Listings(
        titles={slug: view.title for slug, view in views.items()},
        durations={slug: view.duration for slug, view in views.items()},
        recent=tuple(v.slug for v in islice((v for v in site.ordered if is_over(v.state)), RECENT_ON_INDEX)),
        last_change=_known(last_change(site.content.notices, site.state.now)),
        components={cid: ComponentListing(len(listed), tuple(v.slug for v in listed[:PER_PAGE]),
                                          mean_time_to_resolve(listed),
                                          sum(1 for v in listed if v.kind == "incident" and v.end is not None))
                    for cid, listed in by_component.items()})


def index_page(site: Site, listed: Listings) -> PageSpec:
    config, state, views, gettext = site.config, site.state, site.views, site.gettext
    groups = [(config.group(g.id), [c for c in config.components if c.group == g.id]) for g in config.groups]
    return ("index.html", "index.html", {
        "active": [views[i.slug] for i in state.active_incidents],
        "in_progress": [views[m.slug] for m in state.maintenance_in_progress],
        "upcoming": [views[m.slug] for m in state.upcoming_maintenance[:UPCOMING_ON_INDEX]],
        "more_upcoming": max(0, len(state.upcoming_maintenance) - UPCOMING_ON_INDEX),
        "recent": [views[slug] for slug in listed.recent],
        "ungrouped": [c for c in config.components if c.group is None],
        "groups": [(group, members) for group, members in groups if members],
        "schedule": _attribute_json([{**change, "description": gettext(change["description"])}
                                     for change in status_schedule(config, site.content, state.now)]),
        "last_change": listed.last_change,
    })


def history_pages(site: Site) -> list[PageSpec]:
    tz = site.config.site.tz
    past = [v for v in site.ordered if v.start <= site.state.now]
    history = paginate(past, PER_PAGE, "history/index.html", "history/page/{}/index.html")
    months = month_index(history, tz)
    links = page_links(history)
    specs = []
    for page in history:
        previous = month_of(history[page.number - 2].items[-1].start, tz) if page.number > 1 else None
        specs.append((page.path, "history.html", {
            "page": page, "pages": links, "months": months,
            "month_groups": group_by_month(page.items, tz, previous),
        }))
    return specs


def incident_pages(site: Site) -> list[PageSpec]:
    return [(view.path, "incident.html", {"notice": view}) for view in site.ordered]


def _listed_by_component(site: Site) -> dict[str, list[LazyView]]:
    by_component: dict[str, list[LazyView]] = {c.id: [] for c in site.config.components}
    for view in site.ordered:
        for component_id in affected_component_ids(view.notice):  # the components of view.components
            by_component[component_id].append(view)
    return by_component


def component_pages(site: Site, by_component: dict[str, list[LazyView]], listed: Listings) -> list[PageSpec]:
    specs = []
    for component in site.config.components:
        listing = listed.components[component.id]
        links = _component_links(component, listing.count)  # one tuple for all: hashed once (pages._Digests)
        specs.append(_first_component_page(site, component, listing, links))
        later = paginate(by_component[component.id], PER_PAGE, "", f"components/{component.id}/page/{{}}/index.html")
        specs += [_component_page(site, component, page, listing, links) for page in later[1:]]
    return specs


def _first_component_page(site: Site, component: Component, listing: ComponentListing,
                          links: tuple[Page, ...] | None = None) -> PageSpec:
    """Only the first page shows the current status and uptime."""
    views = site.views
    page = Page(1, f"components/{component.id}/index.html", tuple(views[slug] for slug in listing.first))
    return _component_page(site, component, page, listing, links or _component_links(component, listing.count))


def _component_page(site: Site, component: Component, page: Page, listing: ComponentListing,
                    links: tuple[Page, ...]) -> PageSpec:
    first = page.number == 1
    return (page.path, "component.html", {
        "component": component,
        "status": site.state.component_status[component.id] if first else None,
        "uptime": site.state.uptime[component.id] if first else None,
        "page": page,
        "pages": links,
        "mttr": listing.mttr,
        "resolved_count": listing.resolved,
    })


def _component_links(component: Component, count: int) -> tuple[Page, ...]:
    """page_links of the component's pages, from how many notices they list."""
    pages = max(1, -(-count // PER_PAGE))
    return tuple(Page(n, f"components/{component.id}/index.html" if n == 1
                      else f"components/{component.id}/page/{n}/index.html", ()) for n in range(1, pages + 1))


def subscribe_page(site: Site) -> PageSpec:
    return ("subscribe/index.html", "subscribe.html",
            {"api_files": [(f"api/v2/{name}", site.gettext(what)) for name, what in API_FILES.items()]})


def embed_page() -> PageSpec:
    return ("embed/index.html", "embed.html", {})


def not_found_page(renderer: KeyedRenderer, config: Config) -> PendingPage:
    """Served at any depth, so its links start from the base path instead of the page."""
    return renderer.page("404.html", {"page_path": "404.html", "canonical": None,
                                      "root": urlparse(config.site.base_url).path})


def robots_txt(config: Config) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.url('sitemap.xml')}\n".encode()


def script_labels(gettext) -> dict:
    """The words the page script writes, from the catalog (the script itself holds none)."""
    return {
        "states": {key: gettext(label) for key, label in MAINTENANCE_STATE_LABELS.items()},
        "statuses": {key: gettext(label) for key, label in STATUS_LABELS.items()},
        "zone_site": gettext(N_("Times are shown in %(tz)s.")),
        "zone_reader": gettext(N_("Times are shown in your time zone, %(zone)s; days are counted in %(site)s.")),
        "stale": gettext(N_("Last updated %(relative)s (%(time)s); this page may be out of date.")),
        "built": gettext(N_("page built %(relative)s")),
    }


def _attribute_json(value) -> Markup:
    """JSON for a single-quoted attribute: far smaller than escaping every double quote."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;"))


def page_url(config, path: str) -> str:
    """A page's one public address, the form feeds and the API use: a folder ends in '/'."""
    return config.url(path.removesuffix("index.html"))


def _data_uri_text(svg: bytes) -> Markup:
    # quote() leaves only letters, digits and :=',.- as they are: safe in a double-quoted attribute
    return Markup(quote(svg.decode("utf-8").strip().replace('"', "'"), safe=":=',.-"))


def _known(moment):
    return None if moment == NOTHING_YET else moment


def _relative_root(path: str) -> str:
    return "../" * path.count("/")


def page_links(pages: list[Page]) -> tuple[Page, ...]:
    """The pages without their items: what a pager needs, and cheap to hash into every page's key."""
    return tuple(Page(page.number, page.path, ()) for page in pages)


def sitemap(urls: list[str]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    # &, < and > escaped, as xml.sax.saxutils.escape does (which imports urllib.request and ssl)
    lines += [f"  <url><loc>{escape(url, quote=False)}</loc></url>" for url in urls]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")
