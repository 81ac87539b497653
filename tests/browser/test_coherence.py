"""With the script on, the index stays coherent: a window it flips moves to the section of its new
state (an emptied section hides), and the footer names the zone the times are shown in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.browser.checks import axe_violations, horizontal_overflow
from tests.browser.harness import DESKTOP, PHONE, View
from tests.browser.test_script import advance_to, maintenance_site  # noqa: F401 - a shared fixture

LISTS_JS = """
return Array.from(document.querySelectorAll('main section[data-list]')).map(function (s) {
  return {list: s.getAttribute('data-list'), heading: s.querySelector('h2').textContent, shown: s.checkVisibility(),
          none: s.querySelector('.none') ? s.querySelector('.none').checkVisibility() : null,
          items: Array.from(s.querySelectorAll('[data-incident]')).map(function (el) {
            return {slug: el.getAttribute('data-incident'), state: el.getAttribute('data-maintenance-state'),
                    label: el.querySelector('.state').textContent};
          })};
});
"""
LABELS = {"scheduled": "Scheduled", "in_progress": "In progress", "completed": "Completed"}


def lists(driver) -> dict[str, dict]:
    return {found["list"]: found for found in driver.execute_script(LISTS_JS)}


def incoherent(driver) -> list[str]:
    """Every window sits under the heading of its state; a section shows exactly when it lists something."""
    problems = []
    for name, found in lists(driver).items():
        for item in found["items"]:
            if item["state"] is not None and (item["state"] != name or item["label"] != LABELS[name]):
                problems.append(f"{item['slug']} ({item['state']}, {item['label']!r}) under {found['heading']!r}")
        if found["none"] is None and found["shown"] != bool(found["items"]):
            problems.append(f"{found['heading']!r} shown={found['shown']} with {len(found['items'])} items")
        if found["none"] is not None and found["none"] == bool(found["items"]):
            problems.append(f"{found['heading']!r}: 'none' shown={found['none']} with {len(found['items'])} items")
    return problems


def footer_zone(driver) -> str:
    return driver.execute_script("return document.querySelector('footer .zone').innerText")


VIEWS = [View(scheme="light", width=DESKTOP), View(scheme="dark", width=PHONE)]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.label)
def test_demo_windows_move_to_the_section_of_their_state(demo_site, demo_browser, view):
    state = demo_site.state
    running = state.maintenance_in_progress[0]
    upcoming = state.upcoming_maintenance[0]
    driver = demo_browser.driver
    demo_browser.load(demo_site.url("index.html"), view)
    assert incoherent(driver) == []
    assert running.slug in [i["slug"] for i in lists(driver)["in_progress"]["items"]]

    advance_to(driver, running.actual_end + timedelta(seconds=1))
    assert incoherent(driver) == []
    found = lists(driver)
    assert running.slug not in [i["slug"] for i in found["in_progress"]["items"]]
    assert found["completed"]["items"][0]["slug"] == running.slug  # newest first among the resolved

    advance_to(driver, upcoming.scheduled_start + timedelta(seconds=1))
    assert incoherent(driver) == []
    assert upcoming.slug in [i["slug"] for i in lists(driver)["in_progress"]["items"]]
    assert lists(driver)["in_progress"]["shown"]
    assert horizontal_overflow(driver) == []
    assert axe_violations(driver) == []


def test_without_script_sections_are_as_built(demo_site, browser):
    browser.load(demo_site.url("index.html"), View(js=False))
    driver = browser.driver
    assert incoherent(driver) == []
    found = lists(driver)
    assert [i["slug"] for i in found["in_progress"]["items"]] == [m.slug for m in demo_site.state.maintenance_in_progress]
    assert footer_zone(driver) == "Times are shown in Europe/Berlin."


@pytest.mark.parametrize("view", [View(scheme="dark", width=DESKTOP), View(scheme="light", width=PHONE)],
                         ids=lambda v: v.label)
def test_an_emptied_section_hides_and_a_filled_one_shows(maintenance_site, browser, view):  # noqa: F811
    start = datetime(2026, 12, 1, 2, 10, tzinfo=timezone.utc)
    browser.set_clock("2026-12-01T02:00:00Z")
    try:
        browser.load(maintenance_site.url("index.html"), view)
        driver = browser.driver
        found = lists(driver)
        assert not found["in_progress"]["shown"] and found["scheduled"]["shown"] and found["completed"]["none"]
        assert incoherent(driver) == []

        advance_to(driver, start + timedelta(seconds=5))
        found = lists(driver)
        assert found["in_progress"]["shown"] and not found["scheduled"]["shown"]
        assert [i["slug"] for i in found["in_progress"]["items"]] == ["2026-12-01-db-upgrade"]
        assert incoherent(driver) == []

        advance_to(driver, start + timedelta(hours=1, seconds=5))
        found = lists(driver)
        assert not found["in_progress"]["shown"] and not found["scheduled"]["shown"]
        assert [i["slug"] for i in found["completed"]["items"]] == ["2026-12-01-db-upgrade"]
        assert found["completed"]["none"] is False  # "No incidents recorded." gone
        assert incoherent(driver) == []
        assert axe_violations(driver) == []
    finally:
        browser.set_clock(None)


@pytest.mark.parametrize("zone, expected", [
    ("America/New_York", "Times are shown in your time zone, America/New_York; days are counted in Europe/Berlin."),
    ("Europe/Berlin", "Times are shown in Europe/Berlin."),
])
@pytest.mark.parametrize("path", ("index.html", "history/index.html"))
def test_footer_names_the_zone_displayed(demo_site, demo_browser, zone, expected, path):
    demo_browser.load(demo_site.url(path), View(timezone=zone))
    assert footer_zone(demo_browser.driver) == expected
