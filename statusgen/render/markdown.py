"""Markdown -> sanitised HTML. Raw HTML in incident text passes an allow-list (nh3)."""

from __future__ import annotations

import re
from functools import cache

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


# Text made only of these characters, with no line starting with a space, '-' or a digit and
# none ending in a space, has no Markdown syntax in it: Python-Markdown turns it into plain
# paragraphs, and so does plain_paragraphs, about twenty times faster. Most incident updates
# are such text. tests/render/test_markdown.py checks the two agree on many random texts.
_PLAIN = re.compile(r"[A-Za-z0-9 ,.;:'\"?!()/%\n-]*\Z")
_NOT_PLAIN_LINE = re.compile(r"^[ \-0-9]|[ ]$", re.MULTILINE)


def plain_paragraphs(text: str) -> str | None:
    """Python-Markdown's HTML for text without Markdown syntax; None for any other text."""
    if not _PLAIN.match(text) or _NOT_PLAIN_LINE.search(text):
        return None
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip("\n")) if p]
    return "\n".join(f"<p>{p}</p>" for p in paragraphs)


@cache
def render_markdown(text: str) -> Markup:
    """Each distinct text is converted once per process, however many outputs show it."""
    html = plain_paragraphs(text)
    if html is None:
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
