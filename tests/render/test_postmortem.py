"""Postmortems: first on the incident page, flagged in lists, and in the API as Statuspage has them."""

from __future__ import annotations

import json

from tests.factories import incident_file, update
from tests.render.html_helpers import one, soup, text

WRITE_UP = "A certificate expired.\n\nWe now renew them a month ahead.\n"


def write_incident(repo, body: str = "") -> None:
    incident_file(repo, "2026-11-10-login", "Login failures", {"api": "major_outage"}, "2026-11-10T10:00:00Z",
                  update("2026-11-10T10:05:00Z", "investigating", "Looking into it."),
                  update("2026-11-10T11:00:00Z", "resolved", "Fixed."),
                  update("2026-11-12T09:00:00Z", "postmortem", "Our postmortem is out."),
                  resolved="2026-11-10T11:00:00Z", body=body)


def api_incident(repo) -> dict:
    (incident,) = json.loads(repo.read("api/v2/incidents.json"))["incidents"]
    return incident


def test_postmortem_comes_first_on_the_page_and_is_flagged_in_history(repo):
    write_incident(repo, body=WRITE_UP)
    site = repo.build("2026-11-20T15:00:00Z")
    page = soup(site, "incidents/2026-11-10-login/index.html")
    section = one(page, "section#postmortem")
    assert text(one(section, "h2")) == "Postmortem"
    assert "Published · 12 Nov 2026, 09:00 UTC" in text(section)
    assert "Our postmortem is out." in text(section) and "renew them a month ahead" in text(section)
    # before the affected components and the timeline of updates
    order = [s.get("id") or s.get("aria-labelledby") for s in page.select("article section")]
    assert order == ["postmortem", "affected-h", "updates-h"]
    facts = dict(zip((text(dt) for dt in page.select(".facts dt")), (text(dd) for dd in page.select(".facts dd"))))
    assert facts["Postmortem"] == "Published 12 Nov 2026, 09:00 UTC"
    for relative, link in (("history/index.html", "../incidents/2026-11-10-login/index.html#postmortem"),
                           ("index.html", "incidents/2026-11-10-login/index.html#postmortem"),
                           ("components/api/index.html", "../../incidents/2026-11-10-login/index.html#postmortem")):
        flag = one(soup(site, relative), "[data-incident='2026-11-10-login'] a.pm")
        assert text(flag) == "Postmortem published" and flag["href"] == link, relative

    incident = api_incident(repo)
    assert incident["status"] == "postmortem"
    assert incident["incident_updates"][0]["status"] == "postmortem"
    assert incident["postmortem_body"] == WRITE_UP.strip()
    assert incident["postmortem_published_at"] == "2026-11-12T09:00:00.000Z"


def test_a_postmortem_update_without_a_body_is_the_postmortem(repo):
    write_incident(repo)
    site = repo.build("2026-11-20T15:00:00Z")
    assert "Our postmortem is out." in text(one(soup(site, "incidents/2026-11-10-login/index.html"), "#postmortem"))
    assert api_incident(repo)["postmortem_body"] == "Our postmortem is out."


def test_no_postmortem_before_it_is_published(repo):
    write_incident(repo, body=WRITE_UP)
    site = repo.build("2026-11-11T15:00:00Z")
    page = soup(site, "incidents/2026-11-10-login/index.html")
    assert page.select("#postmortem") == [] and page.select(".pm") == []
    assert "Postmortem" not in [text(dt) for dt in page.select(".facts dt")]
    # the write-up is shown as the incident's details, at the end
    assert text(one(page, "section.body h2")) == "Details"
    assert soup(site, "history/index.html").select(".pm") == []
    incident = api_incident(repo)
    assert incident["status"] == "resolved"
    assert incident["postmortem_body"] is None and incident["postmortem_published_at"] is None
