"""The page types of a built site, chosen from the demo's own content."""

from __future__ import annotations

from statusgen.model import Incident, Maintenance

PAGE_TYPES = ("index", "history", "incident", "maintenance", "component", "subscribe", "404")
MISSING_PAGE = "incidents/no-such-incident/index.html"


def page_path(site, kind: str) -> str:
    """Site-relative path of one page of the given type (a missing page for 404).

    site: anything with the demo's `config` and `content`.
    """
    notices = site.content.notices  # newest first
    if kind == "index":
        return "index.html"
    if kind == "history":
        return "history/index.html"
    if kind == "incident":
        incident = next(n for n in notices if isinstance(n, Incident))
        return f"incidents/{incident.slug}/index.html"
    if kind == "maintenance":
        maintenance = next(n for n in notices if isinstance(n, Maintenance))
        return f"incidents/{maintenance.slug}/index.html"
    if kind == "component":
        return f"components/{site.config.components[0].id}/index.html"
    if kind == "subscribe":
        return "subscribe/index.html"
    if kind == "404":
        return MISSING_PAGE
    raise ValueError(kind)
