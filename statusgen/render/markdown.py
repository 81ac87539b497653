"""Markdown -> sanitised HTML. Raw HTML in incident text passes an allow-list (nh3)."""

from __future__ import annotations

from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "s", "small",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
_md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")


@lru_cache(maxsize=None)
def render_markdown(text: str) -> Markup:
    """Each distinct text is converted once per process, however many outputs show it."""
    html = _md.reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)


def plain_text(text: str) -> str:
    """The text of rendered Markdown without any markup (for feed titles, calendar descriptions)."""
    return nh3.clean(str(render_markdown(text)), tags=set()).strip()
