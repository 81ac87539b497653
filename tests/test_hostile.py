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
    result = repo.run("build", "--root", str(repo.root), "--now", "2026-11-21T00:00:00Z")
    assert result.exit_code == 1
    assert "Error: templates/incident.html: line 3: rendering incidents/2026-11-20-api" in result.output
    assert "ZeroDivisionError" in result.output
    assert "Traceback" not in result.output
    assert site_files(repo) == before
