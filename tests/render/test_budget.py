"""Components have a start (`since`), and an error budget where they have an SLO."""

from __future__ import annotations

import json

import pytest

from tests.factories import incident_file, update
from tests.render.html_helpers import bar_days, one, soup, text

NOW = "2026-11-20T12:00:00Z"


def outage(repo, slug: str, start: str, end: str) -> None:
    """The API down from `start` to `end`."""
    incident_file(repo, slug, "API down", {"api": "major_outage"}, start, update(start, "investigating", "Down."),
                  update(end, "resolved", "Up."), resolved=end)


def with_since(repo, since: str = "2026-11-10") -> None:
    config = (repo.root / "statusgen.toml").read_text()
    repo.write("statusgen.toml", config.replace('id = "api"\nname = "API"', f'id = "api"\nname = "API"\nsince = {since}'))


def uptime(repo, component: str = "api") -> dict:
    return next(c for c in json.loads(repo.read("api/v2/uptime.json"))["components"] if c["id"] == component)


def test_days_before_since_have_no_data_and_uptime_counts_from_it(repo):
    with_since(repo)
    # before the component existed: not counted
    outage(repo, "2026-11-05-early", "2026-11-05T10:00:00Z", "2026-11-05T12:00:00Z")
    outage(repo, "2026-11-15-down", "2026-11-15T10:00:00Z", "2026-11-15T11:00:00Z")
    site = repo.build(NOW)
    api = uptime(repo)
    assert api["start_date"] == "2026-11-10"
    days = {d["date"]: d for d in api["days"]}
    assert len(api["days"]) == 30
    assert [d["date"] for d in api["days"] if d["percent"] is None] == [d for d in sorted(days) if d < "2026-11-10"]
    assert days["2026-11-05"]["incidents"] == [] and days["2026-11-05"]["downtime_seconds"] == 0
    elapsed = 10 * 86400 + 12 * 3600  # 10 Nov 00:00 to 20 Nov 12:00: what the percentage divides by
    assert api["window_seconds"] == 11 * 86400 and api["downtime_seconds"] == 3600  # the window: 10 to 20 Nov
    assert api["percent"] == round(100 * (1 - 3600 / elapsed), 3)
    others = uptime(repo, "web")
    assert others["start_date"] is None and others["window_seconds"] == 30 * 86400

    components = json.loads(repo.read("api/v2/components.json"))["components"]
    assert {c["id"]: c["start_date"] for c in components} == {"core": None, "api": "2026-11-10", "web": None, "db": None}

    page = soup(site, "components/api/index.html")
    bars = bar_days(one(page, "ol.bars"))
    assert len(bars) == 30
    no_data = [text(li) for li in bars if "b-n" in li.get("class", [])]
    assert len(no_data) == 19  # 22 Oct to 9 Nov, one item
    assert set(no_data) == {"22 Oct 2026 – 9 Nov 2026: no data"}
    assert text(bars[19]).startswith("10 Nov 2026 – 14 Nov 2026: 100%")
    assert text(one(page, ".figure")).startswith(f"{api['percent']:.3f}% uptime in 11 days")  # the days with data
    assert page.select_one("[data-component=api]")["data-uptime"] == f"{api['percent']:.3f}"


def test_error_budget_on_the_component_page_and_in_uptime_json(repo):
    with_since(repo)
    outage(repo, "2026-11-15-down", "2026-11-15T10:00:00Z", "2026-11-15T10:10:00Z")
    site = repo.build(NOW)
    api = uptime(repo)
    # 0.1 % of the 11-day window (10 to 20 Nov) = 950.4 s; 600 s used
    assert api["error_budget"] == {"budget_seconds": 950, "used_seconds": 600, "left_seconds": 350}
    assert api["percent"] == 99.934  # 1 - 600 / (10 d 12 h): the same downtime, over the time so far
    section = one(soup(site, "components/api/index.html"), "section[aria-labelledby=budget-h]")
    rows = dict(zip((text(dt) for dt in section.select("dt")), (text(dd) for dd in section.select("dd"))))
    assert rows == {"Budget": "15 min 50 s (0.1% · 11 d)", "Used": "10 min (63%)", "Left": "5 min 50 s"}
    # no SLO, no budget
    assert uptime(repo, "web")["error_budget"] is None
    assert soup(site, "components/web/index.html").select("section[aria-labelledby=budget-h]") == []


def test_an_overspent_budget_says_so_and_agrees_with_the_slo(repo):
    outage(repo, "2026-11-15-down", "2026-11-15T10:00:00Z", "2026-11-15T11:00:00Z")
    site = repo.build(NOW)
    api = uptime(repo)
    assert api["slo_missed"] and api["error_budget"]["left_seconds"] < 0
    section = one(soup(site, "components/api/index.html"), "section[aria-labelledby=budget-h]")
    over = 3600 - 0.001 * 30 * 86400  # 1,008 s
    left = dict(zip((text(dt) for dt in section.select("dt")), (text(dd) for dd in section.select("dd"))))["Left"]
    assert left == f"✕ −{int(round(over)) // 60} min {int(round(over)) % 60} s"


@pytest.mark.parametrize("value", ['"yesterday"', "2026-11-01T00:00:00Z", "20261101"])
def test_since_must_be_a_date(repo, value):
    with_since(repo, value)
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 1
    assert "statusgen.toml: components[0].since: found" in result.output
    assert "expected a date such as 2026-11-01" in result.output
