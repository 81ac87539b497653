"""Hostile and broken input, end to end: template overrides that do not compile or fail while
rendering, and a site built from hostile content whose every output is parsed with a real
parser to show nothing executable and nothing outside the output folder came of it."""

from __future__ import annotations

import pytest

from tests.test_content import GOOD_INCIDENT


def site_files(repo) -> dict[str, bytes]:
    site = repo.root / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def built_site(repo) -> dict[str, bytes]:
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    repo.build("2026-11-21T00:00:00Z")
    return site_files(repo)


TEMPLATE_CASES = {
    "unknown end tag in an override": (
        "templates/base.html", '{% extends "!base.html" %}\n{% block footer_extra %}\n<p>x</p>\n{% endblok %}\n',
        "templates/base.html: line 4: Encountered unknown tag 'endblok'"),
    "unclosed expression in a page": (
        "templates/index.html", '{% extends "base.html" %}\n{% block content %}\n{{ state.now \n{% endblock %}\n',
        "templates/index.html: line 4: expected token 'end of print statement'"),
    "missing parent": (
        "templates/history.html", '{% extends "!nope.html" %}\n',
        "templates/history.html: uses the template '!nope.html', which does not exist"),
}


@pytest.mark.parametrize("case", sorted(TEMPLATE_CASES))
def test_check_and_build_compile_every_template_and_name_file_and_line(repo, case):
    before = built_site(repo)
    relative, source, message = TEMPLATE_CASES[case]
    repo.write(relative, source)
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Traceback" not in result.output and "<unknown>" not in result.output
    assert site_files(repo) == before


@pytest.mark.parametrize("folder", ["templates", "templates/partials"])
def test_a_templates_folder_that_cannot_be_listed_is_refused(repo, unlistable, folder):
    # As for a folder this user may not read: its overrides would otherwise be passed over
    # without a word, and the pages built with the built-in templates instead.
    before = built_site(repo)
    repo.write("templates/partials/_note.html", "<p>Ours</p>\n")
    repo.write("templates/base.html", '{% extends "!base.html" %}\n{% block footer_extra %}'
                                      '{% include "partials/_note.html" %}{% endblock %}\n')
    unlistable(str((repo.root / folder).resolve()))
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1, result.output
        assert result.output == (f"Error: {folder}/: cannot be read (Permission denied); expected a folder of "
                                 "templates statusgen can list, or none\n")
    assert site_files(repo) == before


def test_a_file_where_the_templates_folder_goes_is_refused(repo):
    before = built_site(repo)
    repo.write("templates", "my notes on the theme\n")
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1
        assert result.output == "Error: templates: not a folder; expected a folder of templates, or none\n"
    assert site_files(repo) == before


def test_a_template_that_cannot_be_read_is_refused(repo, monkeypatch):
    import jinja2.loaders

    before = built_site(repo)
    repo.write("templates/base.html", '{% extends "!base.html" %}\n')
    unreadable = str((repo.root / "templates/base.html").resolve())

    def refusing(path, *args, **kwargs):
        if str(path) == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(jinja2.loaders, "open", refusing, raising=False)
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1, result.output
        assert result.output == "Error: templates/base.html: cannot be read (Permission denied)\n"
    assert site_files(repo) == before


def test_hidden_files_beside_the_templates_are_not_templates(repo, unlistable):
    # Vim's swap file beside a template being edited (binary), Emacs' lock (a link to nowhere):
    # `serve`, `check` and `build` go on while someone edits an override.
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    repo.write("templates/base.html", '{% extends "!base.html" %}{% block footer_extra %}<p>Ours</p>{% endblock %}\n')
    (repo.root / "templates/.base.html.swp").write_bytes(b"b0VIM 9.0\x00\x00\xff\xfe")
    (repo.root / "templates/.#base.html").symlink_to("oncall@laptop.4242:1795183320")
    (repo.root / "templates/.cache").mkdir()  # a tool's hidden folder, which this user may not list
    unlistable(repo.root.resolve() / "templates/.cache")
    repo.write("templates/base.html~", "{% extends \"!base.html\" %}{% block footer_extra %}{% endblok %}\n")  # a backup
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    assert "<p>Ours</p>" in (repo.build("2026-11-21T00:00:00Z") / "index.html").read_text(encoding="utf-8")


def test_a_template_that_is_not_utf8_is_named(repo):
    before = built_site(repo)
    (repo.root / "templates").mkdir()
    (repo.root / "templates/extra.html").write_bytes(b"<p>caf\xe9</p>\n")
    for command in (["check"], ["build", "--now", "2026-11-21T00:00:00Z"]):
        result = repo.run(*command, "--root", str(repo.root))
        assert result.exit_code == 1
        assert result.output == "Error: templates/extra.html: not UTF-8 text\n"
    assert site_files(repo) == before


def test_an_unused_broken_template_is_reported_with_the_content_errors(repo):
    repo.incident("2026-11-20-api", GOOD_INCIDENT)
    repo.incident("2026-11-21-bad", GOOD_INCIDENT.replace("status: investigating", "status: looking"))
    repo.write("templates/extra.html", "{% if %}\n")
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 1
    assert "2 problems found" in result.output
    assert "templates/extra.html: line 1:" in result.output
    assert "incidents/2026-11-21-bad.md: updates[0].status: found 'looking'" in result.output


def test_a_template_failing_while_rendering_names_file_line_and_page(repo):
    before = built_site(repo)
    repo.write("templates/incident.html",
               '{% extends "!incident.html" %}\n{% block footer_extra %}\n{{ 1 // 0 }}\n{% endblock %}\n')
    result = repo.run("check", "--root", str(repo.root))  # check renders one page of each kind
    assert result.exit_code == 1
    assert "Error: templates/incident.html: line 3: rendering incidents/2026-11-20-api" in result.output
    assert "Traceback" not in result.output
    result = repo.run("build", "--root", str(repo.root), "--now", "2026-11-21T00:00:00Z")
    assert result.exit_code == 1
    assert "Error: templates/incident.html: line 3: rendering incidents/2026-11-20-api" in result.output
    assert "ZeroDivisionError" in result.output
    assert "Traceback" not in result.output
    assert site_files(repo) == before


# -- the hostile-input scan ------------------------------------------------------------------

SCRIPT = '<script>alert("x")</script>'
BREAKOUT = '"\'><img src=x onerror=alert(1)>'
BIDI = "\u202eevil\u202c \u2066isolated\u2069"
HOSTILE_TITLE = f"{SCRIPT} {BREAKOUT} & {BIDI} ]]> </title> -->"
HOSTILE_MARKDOWN = f"""Text {SCRIPT} and {BREAKOUT}

[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox)
<a href="JaVaScRiPt:alert(1)">mixed case</a> <a href="&#106;avascript:alert(1)">entity</a>
<a href=" javascript:alert(1)">space</a> <a href="java&#x09;script:alert(1)">tab</a>
<svg onload=alert(1)></svg> <iframe src="https://evil.example/"></iframe> <object data=x></object>
<form action="https://evil.example/"><input name=x></form> <style>body{{display:none}}</style>
<details open ontoggle=alert(1)><summary onclick=alert(1)>s</summary>d</details>
<p style="background:url(javascript:alert(1))" onmouseover="alert(1)">styled</p>
<base href="https://evil.example/"> <meta http-equiv="refresh" content="0;url=https://evil.example/">
<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>
{BIDI} ]]> </script> <!-- -->
"""
HUGE = "Long but legal. " * 20_000  # 320 kB of text in one message



def _q(text: str) -> str:
    """A TOML or YAML double-quoted string (both read JSON's escapes)."""
    import json

    return json.dumps(text)


HOSTILE_CONFIG = f"""\
[site]
title = {_q(HOSTILE_TITLE)}
base_url = "https://status.test.example/sub/"
description = {_q("Site " + BREAKOUT)}
timezone = "UTC"
language = "en"  # validated against the known languages
support_url = {_q('https://example.com/support?a="><script>alert(1)</script>')}

[[groups]]
id = "core"
name = {_q("Group " + SCRIPT)}
description = {_q(HOSTILE_MARKDOWN)}

[[components]]
id = "api"
name = {_q("API " + BREAKOUT + " " + BIDI)}
group = "core"
description = {_q("javascript:alert(1) " + SCRIPT)}

[[components]]
id = "web"
name = "Website"
"""

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "form", "style", "base", "meta", "svg", "math",
                  "img", "frame", "frameset", "applet", "link"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}


def hostile_incident(repo, slug: str, title: str, message: str, body: str) -> None:
    import json

    repo.incident(slug, f"""
title: {json.dumps(title)}
components:
  api: major_outage
started: 2026-11-20T14:00:00Z
updates:
  - at: 2026-11-20T14:00:00Z
    status: investigating
    message: {json.dumps(message)}
""", body=body)


def build_hostile_site(repo):
    repo.write("statusgen.toml", HOSTILE_CONFIG)
    hostile_incident(repo, "2026-11-20-hostile", HOSTILE_TITLE, HOSTILE_MARKDOWN, HOSTILE_MARKDOWN)
    hostile_incident(repo, "2026-11-20-huge", "H" * 5000 + HOSTILE_TITLE, HUGE, HUGE)
    repo.incident("2026-12-01-window", f"""
title: {_q(HOSTILE_TITLE)}
type: maintenance
components:
  api: under_maintenance
scheduled_start: 2026-12-01T02:00:00Z
scheduled_end: 2026-12-01T04:00:00Z
updates:
  - at: 2026-11-20T09:00:00Z
    status: scheduled
    message: {_q(HOSTILE_MARKDOWN)}
""")
    return repo.build("2026-11-20T15:00:00Z")


def assert_url_is_safe(url: str, where: str) -> None:
    import re

    # What a browser ignores inside a scheme (controls, whitespace) must not hide one.
    scheme_text = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    assert not scheme_text.startswith(("javascript:", "vbscript:", "data:")), (where, url)


def assert_html_is_inert(markup: str, where: str, page: bool) -> None:
    """No executable markup: the only script is statusgen's own file, no event handlers, no
    dangerous tags or URL schemes, nothing loaded from another origin."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html5lib")
    for element in soup.find_all(True):
        name = element.name
        if name == "script" and page:
            assert not element.string, (where, element)
            assert element["src"].startswith(("assets/statusgen.", "../assets/statusgen.", "../../assets/statusgen.",
                                              "/sub/assets/statusgen.")) or \
                (where == "embed/index.html" and element["src"] == "../embed/status.js"), (where, element)
            continue
        if name == "link" and page:
            assert element.get("rel") and not element["href"].startswith(("http:", "https:", "//")) or \
                element["href"].startswith("https://status.test.example/sub/"), (where, element)
            continue
        if name == "meta" and page:
            assert "refresh" not in str(element.get("http-equiv", "")).lower(), (where, element)
            continue
        assert name not in DANGEROUS_TAGS, (where, str(element)[:200])
        for attribute, value in element.attrs.items():
            assert not attribute.lower().startswith("on"), (where, attribute, str(element)[:200])
            if attribute == "style":
                assert "javascript" not in value.lower() and "url(" not in value.lower(), (where, value)
            if attribute in URL_ATTRIBUTES:
                assert_url_is_safe(value, where)


def test_a_site_built_from_hostile_content_has_no_executable_markup_in_any_output(repo):
    import json
    import xml.etree.ElementTree as ElementTree

    import feedparser
    import icalendar

    site = build_hostile_site(repo)
    files = sorted(p for p in site.rglob("*") if p.is_file())
    kinds = {p.suffix for p in files}
    assert {".html", ".atom", ".rss", ".ics", ".json", ".svg", ".xml", ".css", ".js", ".txt"} <= kinds
    escaped_title_seen = 0
    for path in files:
        where = path.relative_to(site).as_posix()
        data = path.read_bytes()
        text = data.decode("utf-8")
        if path.suffix == ".html":
            assert_html_is_inert(text, where, page=True)
            from bs4 import BeautifulSoup

            if SCRIPT in BeautifulSoup(text, "html5lib").get_text():
                escaped_title_seen += 1  # the hostile text arrived, as text
        elif path.suffix in (".atom", ".rss"):
            ElementTree.fromstring(data)  # well-formed XML
            feed = feedparser.parse(data, sanitize_html=False)
            assert not feed.bozo, (where, feed.bozo_exception)
            for entry in feed.entries:
                for content in [entry.get("summary", "")] + [c.value for c in entry.get("content", [])]:
                    assert_html_is_inert(content, where, page=False)
                assert_url_is_safe(entry.link, where)
                assert entry.link.startswith("https://status.test.example/sub/")
            titles = [e.title for e in feed.entries]
            if where == "feed.atom":
                assert any(t.endswith(": " + HOSTILE_TITLE) for t in titles), titles  # escaped, not lost
        elif path.suffix == ".ics":
            calendar = icalendar.Calendar.from_ical(data)
            events = list(calendar.walk("VEVENT"))
            expected = [] if where == "components/web/maintenance.ics" else [HOSTILE_TITLE]
            assert [str(e["summary"]) for e in events] == expected, where
            for event in events:
                assert str(event["uid"]).endswith("@status.test.example")
                if "url" in event:
                    assert str(event["url"]).startswith("https://status.test.example/sub/")
                assert "<script" not in str(event.get("description", "")).lower()
            # no property smuggled in by a line break: each line is a known property or folded
            assert not any(line.upper().startswith(("ATTACH", "ALARM", "BEGIN:VALARM")) for line in text.splitlines())
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix in (".svg", ".xml"):
            root = ElementTree.fromstring(data)
            for element in root.iter():
                tag = element.tag.rsplit("}", 1)[-1]
                assert tag not in ("script", "foreignObject", "iframe"), where
                for attribute, value in element.attrib.items():
                    assert not attribute.rsplit("}", 1)[-1].lower().startswith("on"), (where, attribute)
                    if attribute.endswith("href"):
                        assert_url_is_safe(value, where)
            if path.name == "sitemap.xml":
                locations = [e.text for e in root.iter() if e.tag.endswith("loc")]
                assert locations and all(u.startswith("https://status.test.example/sub/") for u in locations)
    assert escaped_title_seen >= 3
    incidents = json.loads((site / "api/v2/incidents.json").read_text())["incidents"]
    assert HOSTILE_TITLE in [i["name"] for i in incidents]
    components = json.loads((site / "api/v2/components.json").read_text())["components"]
    assert "API " + BREAKOUT + " " + BIDI in [c["name"] for c in components]


def test_nothing_is_written_outside_the_output_folder(repo):
    import os

    before = {p for p in repo.root.parent.rglob("*")}
    site = build_hostile_site(repo)
    after = {p for p in repo.root.parent.rglob("*")}
    created = {p.relative_to(repo.root).as_posix().split("/")[0] for p in after - before if p.is_relative_to(repo.root)}
    # .site.statusgen-build: the site's hidden holding folder (lock, .gitignore; no tree after a first build)
    assert created <= {"site", ".site.statusgen-build", ".statusgen-cache", "incidents", "statusgen.toml"}
    assert sorted(p.name for p in (repo.root / ".site.statusgen-build").iterdir()) == [".gitignore", "lock"]
    assert all(p.is_relative_to(repo.root) for p in after - before)
    for path in site.rglob("*"):
        assert not path.is_symlink()
        assert os.path.realpath(path).startswith(str(site.resolve()) + os.sep)


@pytest.mark.parametrize("name, message", [
    ("incidents/..md", "slug: found '.'"),
    ("incidents/sub/..%2f..%2fx.md", "slug: found '..%2f..%2fx'"),
    ("incidents/.hidden.md", "slug: found '.hidden'"),
    ("incidents/a b.md", "slug: found 'a b'"),
    ("incidents/sub/%2e%2e%2fx.md", "slug: found '%2e%2e%2fx'"),
])
def test_file_names_that_would_make_odd_paths_are_refused(repo, name, message):
    repo.write(name, "---\n" + GOOD_INCIDENT.strip() + "\n---\n")
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.parametrize("field, value", [("id", "../../etc"), ("id", "api/../../x"), ("group", "../core")])
def test_component_ids_that_would_make_paths_are_refused(repo, field, value):
    from tests.conftest import MINIMAL_CONFIG

    repo.write("statusgen.toml", MINIMAL_CONFIG.replace(f'{field} = "{"api" if field == "id" else "core"}"',
                                                        f'{field} = "{value}"', 1))
    result = repo.run("build", "--root", str(repo.root), "--now", "2026-11-20T15:00:00Z")
    assert result.exit_code == 1
    assert f"found '{value}'" in result.output or f"unknown group '{value}'" in result.output
    assert not (repo.root / "site").exists()
