"""The HTML site: index, history, one page per incident and component, subscribe, 404, sitemap.

Links are relative to each page (computed from its depth) and name `index.html` explicitly, so
the site works from any base path, from file://, and from object storage that does not map a
folder to its index. Only the 404 page, which is served at any depth, links from the base path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
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
    config = context.config
    language = resolve_language(config.site.language, config.root)
    env = environment(override_dir(config.root), language)
    css, js = theme_assets(env)
    site = site_views(context, translations(language).gettext)
    pages = [index_page(site), *history_pages(site), *incident_pages(site), *component_pages(site),
             subscribe_page(site), embed_page()]
    renderer = KeyedRenderer(env, shared_context(site, env, language, css, js), context.memo)
    outputs: dict[str, bytes | PendingPage] = {}
    for path, template, extra in pages:
        outputs[path] = renderer.page(template, {**extra, "page_path": path, "root": _relative_root(path),
                                                 "canonical": page_url(config, path)})
    outputs["404.html"] = not_found_page(renderer, config)
    outputs["sitemap.xml"] = sitemap([page_url(config, path) for path, _, _ in pages])
    outputs["robots.txt"] = robots_txt(config)
    outputs["favicon.svg"] = static_file(env, "favicon.svg")
    outputs[css.path] = css.data
    outputs[js.path] = js.data
    return outputs


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


def shared_context(site: Site, env: Environment, language: Language, css: Asset, js: Asset) -> dict:
    """The names every page's template may read."""
    config, views = site.config, site.views
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
        "titles": {slug: view.title for slug, view in views.items()},
        "durations": {slug: view.duration for slug, view in views.items()},  # None while ongoing
        # Inline, so a first visit costs one request fewer (the freshness check takes its place).
        "favicon_uri": "data:image/svg+xml," + _data_uri_text(static_file(env, "favicon.svg")),
    }


def index_page(site: Site) -> PageSpec:
    config, state, views, gettext = site.config, site.state, site.views, site.gettext
    recent = list(islice((v for v in site.ordered if is_over(v.state)), RECENT_ON_INDEX))
    groups = [(config.group(g.id), [c for c in config.components if c.group == g.id]) for g in config.groups]
    return ("index.html", "index.html", {
        "active": [views[i.slug] for i in state.active_incidents],
        "in_progress": [views[m.slug] for m in state.maintenance_in_progress],
        "upcoming": [views[m.slug] for m in state.upcoming_maintenance[:UPCOMING_ON_INDEX]],
        "more_upcoming": max(0, len(state.upcoming_maintenance) - UPCOMING_ON_INDEX),
        "recent": recent,
        "ungrouped": [c for c in config.components if c.group is None],
        "groups": [(group, members) for group, members in groups if members],
        "schedule": _attribute_json([{**change, "description": gettext(change["description"])}
                                     for change in status_schedule(config, site.content, state.now)]),
        "last_change": _known(last_change(site.content.notices, state.now)),
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


def component_pages(site: Site) -> list[PageSpec]:
    by_component: dict[str, list[LazyView]] = {c.id: [] for c in site.config.components}
    for view in site.ordered:
        for component_id in affected_component_ids(view.notice):  # the components of view.components
            by_component[component_id].append(view)
    return [spec for component in site.config.components
            for spec in _pages_of_component(site, component, by_component[component.id])]


def _pages_of_component(site: Site, component: Component, listed: list[LazyView]) -> list[PageSpec]:
    first = f"components/{component.id}/index.html"
    pages = paginate(listed, PER_PAGE, first, f"components/{component.id}/page/{{}}/index.html")
    links = page_links(pages)
    mttr = mean_time_to_resolve(listed)
    resolved_count = sum(1 for v in listed if v.kind == "incident" and v.end is not None)
    return [(page.path, "component.html", {
        "component": component,
        # only the first page shows the current status and uptime
        "status": site.state.component_status[component.id] if page.number == 1 else None,
        "uptime": site.state.uptime[component.id] if page.number == 1 else None,
        "page": page,
        "pages": links,
        "mttr": mttr,
        "resolved_count": resolved_count,
    }) for page in pages]


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
