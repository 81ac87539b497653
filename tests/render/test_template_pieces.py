"""The shared pieces of the theme: the built-in pages write times, statuses and a notice's summary
line with filters, and the documented macros of _macros.html, which overrides may call, still give
the same markup; each template is parsed once per build."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import DEMO_NOW, PROJECT_ROOT
from tests.render.html_helpers import one, soup, text

HISTORY_OVERRIDE = """
    {% extends "!history.html" %}
    {% block footer_extra %}
    {% for g in month_groups %}{% for n in g.notices %}
    <div class="own" data-slug="{{ n.slug }}"><span class="own-attrs"{{ ui.notice_attrs(n) }}></span>{{ ui.notice_meta(n) }}<span class="own-time">{{ ui.time(n.start) }}</span>
    {{ ui.summary(n, "h4", true) }}</div>
    {% endfor %}{% endfor %}
    <p class="own-status">{{ ui.status_text("major_outage") }} {{ ui.icon("✓") }}</p>
    <p class="own-escaped">{{ _("%(who)s & co", who="<b>") }}</p>
    <p class="own-raw">{% autoescape false %}{{ _("%(who)s & co", who="<i>raw</i>") }}{% endautoescape %}</p>
    {% endblock %}
"""


def test_an_override_calling_the_documented_macros_gets_what_the_built_in_pages_show(demo):
    demo.write("templates/history.html", HISTORY_OVERRIDE)
    page = soup(demo.build(DEMO_NOW), "history/index.html")
    own = page.select("div.own")
    assert len(own) == len(page.select("main article.notice")) >= 10
    kinds = set()
    for piece in own:
        slug = piece["data-slug"]
        built_in = one(page, f'main article.notice[data-incident="{slug}"]')
        kinds.add((built_in["class"][1], "maintenance-state" in str(built_in), bool(built_in.select("a.pm"))))
        attrs = one(piece, "span.own-attrs").attrs
        assert {k: v for k, v in attrs.items() if k.startswith("data-")} == \
               {k: v for k, v in built_in.attrs.items() if k.startswith("data-")}
        assert str(one(piece, ":scope > p.meta")) == str(one(built_in, "p.meta"))
        assert one(piece, "span.own-time time")["datetime"] == built_in.select("p.meta time")[0]["datetime"]
        summary = one(piece, "article.notice")
        assert summary.h4.a["href"] == built_in.h3.a["href"] and text(summary.h4) == text(built_in.h3)
        assert str(one(summary, "p.meta")) == str(one(built_in, "p.meta"))
        assert one(summary, "div.update p.update-head time")["datetime"]  # the latest update, with its time
    # incidents and maintenance, with and without a postmortem
    assert {kind for kind, _, _ in kinds} == {"incident", "maintenance"} and {pm for _, _, pm in kinds} == {True, False}
    status = one(page, "p.own-status")
    assert [icon.get_text() for icon in status.select("span.icon[aria-hidden=true]")] == ["✕", "✓"]
    assert one(status, "span.label").get_text() == "Major outage"
    # `_()`: the message is markup, its placeholders escaped, except where autoescaping is off
    assert one(page, "p.own-escaped").get_text() == "<b> & co" and not page.select("p.own-escaped b")
    assert one(page, "p.own-raw i").get_text() == "raw"


PARSE_COUNTER = """
import collections, json, sys
from datetime import datetime, timezone
from pathlib import Path
import jinja2.parser
from statusgen.build import build

parsed = collections.Counter()
original = jinja2.parser.Parser.parse
def counting(self):
    parsed[self.filename] += 1
    return original(self)
jinja2.parser.Parser.parse = counting
now = datetime(2026, 11, 26, 21, 0, tzinfo=timezone.utc)
build(Path(sys.argv[1]), now, jobs=1)
first = dict(parsed)
parsed.clear()
build(Path(sys.argv[1]), now, out_dir=Path(sys.argv[1]) / "again", jobs=1)
print(json.dumps([first, dict(parsed)]))
"""


def test_each_template_is_parsed_once_per_build_whatever_the_language(demo):
    """`check` compiles every template before anything renders; the pages (here in German, which
    needs an environment of its own), their keys and a second build reuse that one parse."""
    config = demo.root / "statusgen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('language = "en"', 'language = "de"'), encoding="utf-8")
    demo.write("templates/history.html", '{% extends "!history.html" %}{% block title %}Verlauf{% endblock %}\n')
    done = subprocess.run([sys.executable, "-c", PARSE_COUNTER, str(demo.root)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, check=True)
    first, second = json.loads(done.stdout)
    theme = PROJECT_ROOT / "statusgen" / "theme"
    files = {str(path) for path in theme.glob("*.html")} | {str(path) for path in (demo.root / "templates").glob("*.html")}
    assert set(first) == files and all(count == 1 for count in first.values()), first
    assert second == {}
    assert one(soup(demo.root / "site", "history/index.html"), "title").get_text() == "Verlauf"
    assert "Nachbetrachtung veröffentlicht" in text(soup(demo.root / "site", "history/index.html"))


def test_the_words_of_the_built_in_pages_follow_each_build_language_in_one_process(repo):
    """The built-in templates are compiled with their constant words translated: once per language."""
    config = repo.root / "statusgen.toml"
    plain = config.read_text(encoding="utf-8")
    for language, heading, other in (("de", "Komponenten", "Components"), ("en", "Components", "Komponenten"),
                                     ("de", "Komponenten", "Components")):
        config.write_text(plain.replace('timezone = "UTC"', f'timezone = "UTC"\nlanguage = "{language}"'), encoding="utf-8")
        page = soup(repo.build(), "index.html")
        assert text(one(page, "#components-h")) == heading
        assert other not in text(page) and one(page, "html")["lang"] == language
