"""The optional page script (issue 5) in Chromium: the reader's timezone, and maintenance on time.

The page's clock is the fake one of harness.FAKE_CLOCK_JS, installed before any page script
runs: it starts at the build's `now`, and `__clock.advance(ms)` moves it on and runs the
script's own interval timer, as the passing of time would.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from statusgen.render.filters import local_time
from statusgen.vocabulary import INDICATOR_DESCRIPTIONS, STATUS_LABELS
from tests.browser.harness import DEMO_NOW, StaticServer, View, build_site, epoch_millis
from tests.conftest import MINIMAL_CONFIG, Repo
from tests.factories import maintenance_file, update

# CLDR's short names as Chromium's Intl gives them for English.
# New York's are the usual EST/EDT (as Python's tzname); Tokyo's is "GMT+9", not "JST".
ZONE_NAMES = {"America/New_York": None, "Asia/Tokyo": "GMT+9"}
STATE_TEXT = {"scheduled": "Scheduled", "in_progress": "In progress", "completed": "Completed", "cancelled": "Cancelled"}


def times_on_page(driver) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('main time[datetime]')).map(function (t) {"
        "  return {datetime: t.getAttribute('datetime'), text: t.textContent, site: t.getAttribute('data-site-time')}; });")


def advance_to(driver, moment: datetime, *, plus_one_tick: bool = True) -> None:
    """Move the page's clock to moment, then on by the script's check interval: the script
    promises a change within one interval of its time, not at the exact millisecond."""
    now = driver.execute_script("return window.__clock.now()")
    if plus_one_tick:
        (period,) = driver.execute_script("return window.__clock.intervals()")
        moment += timedelta(milliseconds=period)
    target = int(moment.timestamp() * 1000)
    assert target >= now
    driver.execute_script("window.__clock.advance(arguments[0])", target - now)


def notice_state(driver, slug: str) -> tuple[str, str]:
    return tuple(driver.execute_script(
        "var el = document.querySelector('main [data-incident=\"' + arguments[0] + '\"]');"
        "return [el.getAttribute('data-maintenance-state'), el.querySelector('.state').textContent];", slug))


def banner(driver) -> tuple[str, str]:
    return tuple(driver.execute_script(
        "var b = document.querySelector('[data-indicator]'); return [b.getAttribute('data-indicator'), b.innerText];"))


def component_status(driver, component: str) -> tuple[str, str]:
    return tuple(driver.execute_script(
        "var el = document.querySelector('main [data-component=\"' + arguments[0] + '\"][data-status]');"
        "return [el.getAttribute('data-status'), el.querySelector('.status .label').textContent];", component))


@pytest.mark.parametrize("zone", sorted(ZONE_NAMES))
def test_times_shown_in_the_readers_timezone(demo_site, demo_browser, zone):
    demo_browser.load(demo_site.url("index.html"), View(timezone=zone))
    now = datetime.fromisoformat(DEMO_NOW.replace("Z", "+00:00"))
    times = times_on_page(demo_browser.driver)
    assert len(times) >= 5
    for item in times:
        moment = datetime.fromisoformat(item["datetime"].replace("Z", "+00:00"))
        local = moment.astimezone(ZoneInfo(zone))
        # the build's own form, "26 Nov 2026, 16:00 EST", in the reader's zone
        expected = f"{local.day} {local:%b} {local.year}, {local:%H:%M} {ZONE_NAMES[zone] or local.tzname()}"
        assert item["text"].startswith(expected), (item, expected)
        site_zone = moment.astimezone(demo_site.config.site.tz).tzname()  # CET or CEST
        assert site_zone not in item["text"]
        assert item["site"] == local_time(moment, demo_site.config.site.tz)  # the build's text, kept as a tooltip
        if abs(moment - now) < timedelta(days=30):
            assert "(" in item["text"] and item["text"].endswith(")"), item


def test_recent_times_read_relative(demo_site, demo_browser):
    demo_browser.load(demo_site.url("index.html"), View(timezone="America/New_York"))
    by_time = {item["datetime"]: item["text"] for item in times_on_page(demo_browser.driver)}
    incident = demo_site.state.active_incidents[0]
    latest = incident.latest_update.at
    minutes = round((datetime.fromisoformat(DEMO_NOW.replace("Z", "+00:00")) - latest).total_seconds() / 60)
    assert 1 < minutes < 60  # the demo's newest update is some minutes before its build time
    stamp = latest.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert by_time[stamp].endswith(f"({minutes} minutes ago)")


def test_maintenance_starts_and_ends_on_time_in_the_open_page(demo_site, demo_browser):
    driver = demo_browser.driver
    state = demo_site.state
    upcoming = sorted((m for m in state.upcoming_maintenance if state.state_of(m) == "scheduled"),
                      key=lambda m: m.scheduled_start)[0]
    running = state.maintenance_in_progress[0]
    demo_browser.load(demo_site.url("index.html"), View())
    assert len(driver.execute_script("return window.__clock.intervals()")) == 1  # the script's own timer
    assert notice_state(driver, upcoming.slug) == ("scheduled", STATE_TEXT["scheduled"])
    assert notice_state(driver, running.slug) == ("in_progress", STATE_TEXT["in_progress"])

    advance_to(driver, running.actual_end - timedelta(seconds=1), plus_one_tick=False)
    assert notice_state(driver, running.slug) == ("in_progress", STATE_TEXT["in_progress"])
    advance_to(driver, running.actual_end + timedelta(seconds=1))
    assert notice_state(driver, running.slug) == ("completed", STATE_TEXT["completed"])

    advance_to(driver, upcoming.scheduled_start - timedelta(seconds=1), plus_one_tick=False)
    assert notice_state(driver, upcoming.slug) == ("scheduled", STATE_TEXT["scheduled"])
    advance_to(driver, upcoming.scheduled_start + timedelta(seconds=1))
    assert notice_state(driver, upcoming.slug) == ("in_progress", STATE_TEXT["in_progress"])
    for component, status in upcoming.components:
        assert component_status(driver, component) == (status, STATUS_LABELS[status])


def test_cancelled_maintenance_never_starts(demo_site, demo_browser):
    state = demo_site.state
    cancelled = next(m for m in demo_site.content.maintenances
                     if state.state_of(m) == "cancelled" and m.scheduled_start > state.now)
    demo_browser.load(demo_site.url(f"incidents/{cancelled.slug}/index.html"), View())
    driver = demo_browser.driver
    assert notice_state(driver, cancelled.slug) == ("cancelled", STATE_TEXT["cancelled"])
    advance_to(driver, cancelled.scheduled_start + timedelta(minutes=1))
    assert notice_state(driver, cancelled.slug) == ("cancelled", STATE_TEXT["cancelled"])


@pytest.fixture(scope="module")
def maintenance_site(tmp_path_factory):
    """One maintenance, 10 to 70 minutes after the build, nothing else: the banner will change."""
    root = tmp_path_factory.mktemp("maintenance-repo")
    (root / "statusgen.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    (root / "incidents").mkdir()
    maintenance_file(Repo(root), "2026-12-01-db-upgrade", "Database upgrade", {"db": "under_maintenance"},
                     "2026-12-01T02:10:00Z", "2026-12-01T03:10:00Z",
                     update("2026-11-30T09:00:00Z", "scheduled", "We will upgrade the database."))
    out = build_site(root, root / "site", now="2026-12-01T02:00:00Z")
    with StaticServer(out) as server:
        yield server


def test_banner_follows_the_maintenance(maintenance_site, browser):
    start = datetime(2026, 12, 1, 2, 10, tzinfo=timezone.utc)
    browser.set_clock("2026-12-01T02:00:00Z")
    try:
        browser.load(maintenance_site.url("index.html"), View(timezone="UTC"))
        driver = browser.driver
        assert driver.execute_script("return window.__clock.now()") >= epoch_millis("2026-12-01T02:00:00Z")
        assert banner(driver)[0] == "none" and INDICATOR_DESCRIPTIONS["none"] in banner(driver)[1]
        assert component_status(driver, "db") == ("operational", STATUS_LABELS["operational"])
        assert notice_state(driver, "2026-12-01-db-upgrade")[0] == "scheduled"

        advance_to(driver, start + timedelta(seconds=5))
        indicator, text = banner(driver)
        assert indicator == "maintenance" and INDICATOR_DESCRIPTIONS["maintenance"] in text
        assert component_status(driver, "db") == ("under_maintenance", STATUS_LABELS["under_maintenance"])
        assert notice_state(driver, "2026-12-01-db-upgrade") == ("in_progress", STATE_TEXT["in_progress"])

        advance_to(driver, start + timedelta(hours=1, seconds=5))
        indicator, text = banner(driver)
        assert indicator == "none" and INDICATOR_DESCRIPTIONS["none"] in text
        assert component_status(driver, "db") == ("operational", STATUS_LABELS["operational"])
        assert notice_state(driver, "2026-12-01-db-upgrade") == ("completed", STATE_TEXT["completed"])
    finally:
        browser.set_clock(None)
