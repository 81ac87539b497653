"""Markdown -> sanitised HTML. Raw HTML in incident text passes an allow-list (nh3)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import nh3
from markupsafe import Markup

if TYPE_CHECKING:
    import markdown

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
_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


@cache
def _whole_engine() -> markdown.Markdown:
    """Python-Markdown with all its patterns. It is imported when a text is first converted: a
    rebuild finds nearly every text's HTML in its memo, and may convert none."""
    import markdown

    return markdown.Markdown(extensions=_EXTENSIONS, output_format="html")


# Python-Markdown tries each of its inline patterns on every run of text. A pattern cannot match
# a text that lacks all of the marks it needs, so leaving it out gives the same HTML
# for that text, and most texts need only a few of them: each text is converted by an instance
# holding only the patterns it might need (tests/render/test_markdown.py compares the two on
# many texts). The line break pattern ('  \n') is kept for any double space, tab or CR, which
# Python-Markdown's whitespace clean-up can turn into one; the entity pattern also for '<', as
# automatic e-mail links spell addresses with entities.
_NEEDS = {
    "backtick": ("`",), "escape": ("\\",),
    "link": ("[",), "image_link": ("![",),
    # references resolve only to a definition in the same text ('[id]: url')
    "reference": ("]:",), "image_reference": ("]:",), "short_reference": ("]:",), "short_image_ref": ("]:",),
    "autolink": ("<",), "automail": ("<",), "html": ("<",), "entity": ("&", "<"),
    "linebreak": ("  ", "\t", "\r"), "em_strong": ("*", "_"),
}
_PRUNED: dict[frozenset[str], markdown.Markdown] = {}


def _engine_for(text: str) -> markdown.Markdown:
    unused = frozenset(name for name, marks in _NEEDS.items() if not any(mark in text for mark in marks))
    engine = _PRUNED.get(unused)
    if engine is None:
        import markdown

        engine = _PRUNED[unused] = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
        patterns = engine.inlinePatterns
        if len(patterns) != len(_NEEDS) or not all(name in patterns for name in _NEEDS):
            engine = _PRUNED[unused] = _whole_engine()  # another Python-Markdown's patterns: all of them, always
        else:
            for name in unused:
                engine.inlinePatterns.deregister(name)
    return engine


# Most incident texts are paragraphs of words with a few inline marks (`code`, *emphasis*,
# **strong**, [links](https://…)), some with a list, a heading or a fenced block of code. For
# such a text Python-Markdown's whole pipeline (about 80 µs a text before it reads a word)
# gives HTML that simple_markdown writes directly, several times faster. It takes only a
# narrow, unambiguous form; any other block (an underscore, '&', a quote, a table, a list item
# of two lines, a mark it is unsure of) goes through Python-Markdown on its own where the blocks
# cannot change each other, and the whole text does otherwise. tests/render/test_markdown.py
# checks that the two agree on many random texts built from Markdown's tricky pieces.
_SPECIAL = set("\\`*_[]<>&|~")  # outside a mark below, any of these means: not simple
# Whitespace but space and line feed (tabs, CR: Python-Markdown normalises them), control characters
_NOT_SIMPLE = re.compile(r"[^\S \n]|[\x00-\x08\x0b-\x1f\x7f]")
# A paragraph's line (or a list item's text) starting with anything else may open a block
# (-, +, #, >, =, a digit, a space): left to Python-Markdown.
_BLOCK_START = re.compile(r"^(?![^\W\d_]|[(\"'`\[*,.;:?!/%])", re.MULTILINE)
_CHARACTER = r"[^\s\\`*_\[\]<>&|~]"  # one character of text that is neither a space nor special
_TEXT = rf"{_CHARACTER}(?:[^\n\\`*_\[\]<>&|~]*{_CHARACTER})?"  # on one line, not starting or ending with a space
# Each mark starts with its character: a search skips the text between marks quickly. The
# lookbehinds then check what comes before that character.
_MARK = re.compile(
    r"`(?<!``)(?P<code>[^`\n]*[^`\s][^`\n]*)`(?!`)"  # a single backtick each side: two open another span
    # emphasis only between spaces, brackets, quotes or punctuation: never inside a word
    rf"|\*\*(?<![^\s(\"']\*\*)(?P<strong>{_TEXT})\*\*(?![^\s.,;:!?)\"'])"
    rf"|\*(?<![^\s(\"']\*)(?P<em>{_TEXT})\*(?![^\s.,;:!?)\"'])"
    rf"|\[(?P<label>{_TEXT})\]\((?P<url>https?://[A-Za-z0-9\-._~/%#?=+:@,;]+)\)")
_HEADING = re.compile(r"(#{1,6}) (?![#\s])([^\n]*[^#\s])\Z")
# one line of a list: a bullet, or a number in ASCII digits without a leading zero
_ITEM = re.compile(r"(?:(- )|([1-9][0-9]{0,8})\. )([^\n]*)\Z")
_FENCE = re.compile(r"```\n((?:(?!```|~~~)[^\n]*\S[^\n]*\n)+)```\Z")  # no blank line inside: blocks split there


# A line that starts a list or a quote: a block holding one may be read with the block before
# or after it (two lists with a blank line between are one loose list; so are two quotes).
_JOINS = re.compile(r"^[ ]*(?:[-*+][ \n]|\d+[.)][ \n]|>)", re.MULTILINE)
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z0-9]+);")
_DIGIT = re.compile(r"[0-9]")
# 11 placeholders (code spans) before a block: a placeholder's number changes in its last two digits
_OFFSET, _OFFSET_HTML = " ".join(["`o`"] * 11) + "\n\n", "<p>" + " ".join(["<code>o</code>"] * 11) + "</p>\n"


def simple_markdown(text: str, full: Callable[[str], str] | None = None) -> str | None:
    """Python-Markdown's HTML for a text of paragraphs, one-line headings, lists of one-line
    items and fenced code, with only inline code, *emphasis*, **strong** and [text](https://…)
    links, each within a line; None for any other text.

    With `full` (Python-Markdown), a block that is not simple is converted by it on its own, where
    the text's blocks cannot change each other: no reference definitions (']:'), raw HTML,
    fences across blank lines, blocks that start indented, or lists or quotes next to each other."""
    # a trailing space (two make a line break), an image, '&#' (Python-Markdown's raw HTML pass
    # reads character references everywhere, even in code)
    if " \n" in text or text.endswith(" ") or "![" in text or "&#" in text or _NOT_SIMPLE.search(text):
        return None
    html: list[str] = []
    joins = False  # the previous block holds a list or a quote
    for block in re.split(r"\n\n+", text.strip("\n")):
        first = block[:1]
        part: str | None = None
        if first == "`" and (code := _FENCE.match(block)):
            escaped = code.group(1).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            part = f"<pre><code>{escaped}</code></pre>"
        elif first == "#" and (heading := _HEADING.match(block)):
            level = len(heading.group(1))
            part = _inline(heading.group(2), f"<h{level}>", f"</h{level}>")
        elif (first == "-" or first.isdigit()) and all(items := [_ITEM.match(line) for line in block.split("\n")]):
            part = _list(items)
        elif not _BLOCK_START.search(block):
            part = _inline(block, "<p>", "</p>")
        if part is None:
            if full is None or not _apart(text, block):
                return None
            part = full(block)
            # Python-Markdown numbers its placeholders across the whole text, and now and then
            # leaks one into its HTML (with or without its markers). Only digits can show it:
            # HTML with digits must not change when the block follows 11 more placeholders
            # (which changes a number's last two digits).
            if _DIGIT.search(part) and full(_OFFSET + block) != _OFFSET_HTML + part:
                return None
        block_joins = _JOINS.search(block) is not None
        if joins and block_joins:
            return None
        html.append(part)
        joins = block_joins
    return "\n".join(html)


def _apart(text: str, block: str) -> bool:
    """Whether Python-Markdown gives `block` of `text` the HTML it gives the block alone."""
    # Backslash escapes and entities: Python-Markdown leaks placeholder numbers into its HTML
    # most often next to them. Quotes nested hundreds deep: Python-Markdown stops nesting near
    # the recursion limit, which a block converted on its own reaches a frame later.
    return not (block[:1].isspace() or "```" in block or "~~~" in block or "]:" in text or "<" in text
                or "\\" in text or _ENTITY.search(text) or block.count(">") > 100)


def _list(items: list) -> str | None:
    bullets = {item.group(1) is not None for item in items}
    if len(bullets) != 1:
        return None  # bullets and numbers in one block
    entries = []
    for item in items:
        entry = None if _BLOCK_START.match(item.group(3)) else _inline(item.group(3), "<li>", "</li>")
        if entry is None:
            return None
        entries.append(entry)
    first = items[0].group(2)
    opening = "<ul>" if first is None else "<ol>" if first == "1" else f'<ol start="{first}">'
    return "\n".join([opening, *entries, "</ul>" if first is None else "</ol>"])


def _inline(text: str, opening: str, closing: str) -> str | None:
    """The HTML of one block's text between `opening` and `closing`; None unless simple."""
    html = [opening]
    done = 0
    for mark in _MARK.finditer(text):
        between = text[done:mark.start()]
        if not _SPECIAL.isdisjoint(between):
            return None
        html.append(between)
        code, strong, em = mark.group("code", "strong", "em")
        if code is not None:
            html.append(f"<code>{code.strip().replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</code>")
        elif strong is not None:
            html.append(f"<strong>{strong}</strong>")
        elif em is not None:
            html.append(f"<em>{em}</em>")
        else:
            html.append(f'<a href="{mark.group("url")}">{mark.group("label")}</a>')
        done = mark.end()
    if not _SPECIAL.isdisjoint(text[done:]):
        return None
    html += [text[done:], closing]
    return "".join(html)


_RULES: dict[str, Any] = {"tags": ALLOWED_TAGS, "attributes": ALLOWED_ATTRIBUTES, "url_schemes": {"http", "https", "mailto"},
                         "link_rel": "noopener noreferrer"}
# A Cleaner (recent nh3) is built once; nh3.clean builds the rules again for every text.
_cleaner = nh3.Cleaner(**_RULES) if hasattr(nh3, "Cleaner") else None


def _sanitise(html: str) -> str:
    return _cleaner.clean(html) if _cleaner is not None else nh3.clean(html, **_RULES)


def _convert(text: str) -> str:
    html = simple_markdown(text, _full)
    return _sanitise(_full(text) if html is None else html)


def _full(text: str) -> str:
    return _engine_for(text).reset().convert(text)


# The content-keyed memo every output reads (pages in worker processes, feeds, calendars, the
# API, mail): text hash -> sanitised HTML. `prerender` fills it before the page workers fork,
# so they inherit it; the build cache carries it to the next build.
_MEMO: dict[str, str] = {}
_LOADED: dict[str, str] = {}  # from the build cache, sanitised again when first read
_PENDING: list[Callable[[], dict[str, str]]] = []  # what gives it, called when first needed


@cache
def _engine() -> str:
    """The libraries' versions: their upgrade changes the HTML, so it changes every text's key."""
    return f"markdown {version('Markdown')} nh3 {version('nh3')}"


def text_key(text: str) -> str:
    return hashlib.sha256(f"{_engine()}\0{text}".encode()).hexdigest()


def remember(entries: dict[str, str]) -> None:
    """Sanitised HTML from the build cache, by text key. It is sanitised again when read (nh3
    gives clean HTML back unchanged), so a planted cache file cannot put markup on a page that
    Markdown could not."""
    _PENDING.clear()
    _LOADED.update(entries)


def remember_later(load: Callable[[], dict[str, str]]) -> None:
    """As `remember`, with the entries `load` gives, called when a text's HTML is first looked
    for (in whichever process that is)."""
    _PENDING[:] = [load]


def _loaded() -> dict[str, str]:
    while _PENDING:
        _LOADED.update(_PENDING.pop()())
    return _LOADED


@cache
def render_markdown(text: str) -> Markup:
    """Each distinct text is converted once per build, however many outputs and processes show it."""
    key = text_key(text)
    if key not in _MEMO:
        loaded = _loaded()
        _MEMO[key] = _sanitise(loaded[key]) if key in loaded else _convert(text)
    return Markup(_MEMO[key])


def html_of(text: str) -> tuple[str, str]:
    """(the text's key, its HTML as the memo holds it, else converted here): for a cache file,
    where it is sanitised again when read (`remember`)."""
    key = text_key(text)
    if key in _MEMO:
        return key, _MEMO[key]
    loaded = _loaded()
    return key, loaded[key] if key in loaded else _convert(text)


def prerender(notices: Iterable, known: dict[str, Sequence[str]],
              run: Callable[[Sequence[Callable[[], str]]], list]) -> Mapping[str, str]:
    """Converts every text of the notices not yet in the memo, with `run` (e.g. spread over
    worker processes), and returns {text key: HTML} for all of them: what the next build can
    start from. `known`: the text keys of a notice's texts by its slug, as convert_notice gave
    them (kept in the build cache with the notice), so its texts need not be hashed again. A
    key only ever finds HTML here: a page shows a text by hashing it (render_markdown), so a
    wrong list costs time, never a wrong page."""
    unknown: list = []
    listed: list[str] = []
    for notice in notices:
        remembered = known.get(notice.slug)
        if remembered is None:
            unknown.append(notice)
        else:
            listed += remembered
    loaded = _loaded()
    absent = set(listed) - _MEMO.keys() - loaded.keys()
    if absent:  # a damaged memo, or keys of other texts: those notices' texts are hashed
        unknown += [n for n in notices if n.slug in known and not absent.isdisjoint(known[n.slug])]
        listed = [key for key in listed if key not in absent]
    keys: dict[str, str | None] = dict.fromkeys(listed)  # text key -> the text, where it was hashed
    for notice in unknown:
        for text in notice_texts(notice):
            keys[text_key(text)] = text
    missing = [(key, text) for key, text in keys.items() if text is not None and key not in _MEMO and key not in loaded]
    for (key, _), html in zip(missing, run([_Convert(text) for _, text in missing])):
        _MEMO[key] = html
    return _Converted(keys, loaded)


class _Converted(Mapping):
    """{text key: HTML} for the given keys, each looked up when read: a rebuild whose texts are
    those of the last build saves none of them (statusgen.cache.ShardedTable.save)."""

    def __init__(self, keys: dict[str, str | None], loaded: dict[str, str]):
        self._keys, self._loaded = keys, loaded

    def __getitem__(self, key: str) -> str:
        if key not in self._keys:
            raise KeyError(key)
        return _MEMO[key] if key in _MEMO else self._loaded[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def keys(self):
        return self._keys.keys()  # a dict's view: compared with another in C


def notice_texts(notice) -> Iterator[str]:
    """The notice's Markdown: its body and each update's message (the empty ones have no HTML)."""
    return (text for text in (notice.body, *(u.message for u in notice.updates)) if text.strip())


def convert_notice(notice) -> tuple[list[str], dict[str, str]]:
    """(the keys of the notice's texts, {text key: HTML} of those not yet in the memo, converted
    here: in the process that parsed the notice, see statusgen.content.load_content); the keys
    go to the build cache with the notice, the HTML to `adopt`. While the previous build's
    memo is still to come (remember_later), nothing is converted here: waiting for it would hold
    up the parsing, and converting without it would redo texts it holds; `prerender` converts
    what it lacks once it has come."""
    keys = {text_key(text): text for text in notice_texts(notice)}
    if _PENDING:
        return list(keys), {}
    loaded = _loaded()
    return list(keys), {key: _convert(text) for key, text in keys.items() if key not in _MEMO and key not in loaded}


def adopt(converted: dict[str, str]) -> None:
    _MEMO.update(converted)


class _Convert:
    def __init__(self, text: str):
        self.text = text

    def __call__(self) -> str:
        return _convert(self.text)


def plain_text(text: str) -> str:
    """The text of rendered Markdown without any markup (for feed titles, calendar descriptions)."""
    return nh3.clean(str(render_markdown(text)), tags=set()).strip()
