"""`statusgen serve` in Chromium: the open page follows the files without anyone reloading it.

Edit a file and the page reloads by itself; break a file and the page turns into the error
(naming the file and the field); fix it and the site comes back. The pages carry a
Content-Security-Policy of default-src 'self', so the reload script works without inline script.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from statusgen.serve import Server
from tests.browser.harness import View
from tests.conftest import MINIMAL_CONFIG
from tests.test_serve import simple_incident

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
SECONDS = 30  # an upper bound for a rebuild and a reload on a loaded machine, not a timing

CSP_OVERRIDE = """{% extends "!base.html" %}
{% block head %}<meta http-equiv="Content-Security-Policy" content="default-src 'self'">{% endblock %}
"""

PAGE_STATE = """
var errors = document.querySelector('[data-build-errors]');
var indicator = document.querySelector('[data-indicator]');
var title = document.querySelector('[data-incident] a, [data-incident]');
return {
  marked: window.__beforeChange === true,
  errors: errors ? Array.from(errors.querySelectorAll('li')).map(function (li) { return li.textContent; }) : null,
  indicator: indicator ? indicator.getAttribute('data-indicator') : null,
  text: document.body ? document.body.textContent : ''
};
"""


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "repo"
    (root / "incidents").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "statusgen.toml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    (root / "templates" / "base.html").write_text(CSP_OVERRIDE, encoding="utf-8")
    incident = root / "incidents" / "2026-11-20-api.md"
    incident.write_text(simple_incident("API slow", {"api": "degraded_performance"}), encoding="utf-8")
    server = Server(root, port=0, clock=lambda: NOW, echo=lambda message: None)
    url = server.start()
    try:
        yield url, incident
    finally:
        server.stop()


def wait_for_reload(driver, condition, what: str) -> dict:
    """Wait until the page was reloaded (the mark set before the change is gone) and shows what is wanted."""
    seen: list[dict] = []

    def reloaded(d):
        state = d.execute_script(PAGE_STATE)
        seen.append(state)
        return state if not state["marked"] and condition(state) else False

    try:
        return WebDriverWait(driver, SECONDS, poll_frequency=0.2).until(reloaded)
    except Exception:
        last = seen[-1] if seen else None
        pytest.fail(f"the page did not reload to {what}; last seen: {last and {k: last[k] for k in ('marked', 'errors', 'indicator')}}")


def mark(driver) -> None:
    driver.execute_script("window.__beforeChange = true;")


def test_the_open_page_reloads_on_edit_shows_a_broken_file_and_comes_back(browser, served):
    url, incident = served
    browser.set_clock(None)
    browser.apply(View())
    driver = browser.driver
    driver.get_log("browser")
    driver.get(url)
    state = driver.execute_script(PAGE_STATE)
    assert state["indicator"] == "minor" and "API slow" in state["text"]
    assert driver.execute_script("return document.querySelector('meta[http-equiv=Content-Security-Policy]').content") \
        .startswith("default-src 'self';")  # every page's own policy, ahead of the override's

    mark(driver)
    incident.write_text(simple_incident("API down", {"api": "major_outage"}), encoding="utf-8")
    state = wait_for_reload(driver, lambda s: s["indicator"] == "critical", "the edited incident")
    assert "API down" in state["text"] and "API slow" not in state["text"]

    mark(driver)
    incident.write_text(simple_incident("API down", {"apii": "major_outage"}), encoding="utf-8")
    state = wait_for_reload(driver, lambda s: s["errors"] is not None, "the build error")
    assert state["errors"] == ["incidents/2026-11-20-api.md: components.apii: unknown component 'apii' "
                               "(known: api, web, db)"]
    assert state["indicator"] is None

    mark(driver)
    incident.write_text(simple_incident("API back", {"api": "degraded_performance"}), encoding="utf-8")
    state = wait_for_reload(driver, lambda s: s["indicator"] == "minor", "the site after the fix")
    assert "API back" in state["text"] and state["errors"] is None

    # Nothing was blocked by the page's policy; the error page's own 500 is the only complaint.
    problems = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert [p for p in problems if "status of 500" not in p] == []
