"""Day details on the uptime bars: hover, keyboard focus and tap reveal a day's incidents and
maintenance (linked titles, duration, worst status) without moving anything; without script the
day is a link to its row on the component page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from statusgen.vocabulary import STATUS_LABELS
from tests.browser.checks import axe_violations, horizontal_overflow
from tests.browser.harness import DESKTOP, PHONE, View

LAYOUT_JS = """
return Array.from(document.querySelectorAll('main h2, main h3, main .figure, main .bars, footer')).map(function (el) {
  var r = el.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)];
}).concat([[document.documentElement.scrollWidth, document.documentElement.scrollHeight]]);
"""
TIP_JS = """
var tip = arguments[0].parentNode.querySelector('.tip');
return {shown: tip.checkVisibility(), text: tip.innerText,
        links: Array.from(tip.querySelectorAll('a')).map(function (a) { return [a.innerText, a.href]; })};
"""


def busiest_day(site):
    """(component id, day) of a day with an incident on the demo's first component that has one."""
    for component in site.config.components:
        for day in site.state.uptime[component.id].days:
            if day.incidents and day.worst_status != "operational":
                return component.id, day
    raise AssertionError("the demo has no day with an incident")


def day_link(driver, component: str, day):
    return driver.find_element(By.CSS_SELECTOR, f"[data-component='{component}'] .bars a[href$='#d-{day.day.isoformat()}']")


def tip(driver, link) -> dict:
    return driver.execute_script(TIP_JS, link)


def expected_details(site, day) -> tuple[list[str], list[str]]:
    notices = {n.slug: n for n in site.content.notices}
    titles = [notices[slug].title for slug in day.incidents]
    return titles, [site.url(f"incidents/{slug}/index.html") for slug in day.incidents]


VIEWS = [View(js=True, scheme="light", width=DESKTOP), View(js=True, scheme="dark", width=PHONE),
         View(js=False, scheme="dark", width=DESKTOP), View(js=False, scheme="light", width=PHONE)]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.label)
def test_hover_reveals_the_days_details_without_moving_anything(demo_site, demo_browser, view):
    driver = demo_browser.driver
    component, day = busiest_day(demo_site)
    demo_browser.load(demo_site.url("index.html"), view)
    link = day_link(driver, component, day)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    before = driver.execute_script(LAYOUT_JS)
    assert not tip(driver, link)["shown"]
    ActionChains(driver).move_to_element(link).perform()
    shown = tip(driver, link)
    assert shown["shown"]
    titles, hrefs = expected_details(demo_site, day)
    assert shown["links"] == [list(pair) for pair in zip(titles, hrefs)]
    assert STATUS_LABELS[day.worst_status] in shown["text"]
    assert "(" in shown["text"] and ("min" in shown["text"] or " h" in shown["text"] or "ongoing" in shown["text"])
    assert driver.execute_script(LAYOUT_JS) == before  # drawn over the page: no layout shift
    assert horizontal_overflow(driver) == []
    assert axe_violations(driver) == []


@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_keyboard_focus_reveals_and_escape_hides(demo_site, demo_browser, scheme):
    driver = demo_browser.driver
    component, day = busiest_day(demo_site)
    demo_browser.load(demo_site.url("index.html"), View(scheme=scheme))
    link = day_link(driver, component, day)
    driver.execute_script("arguments[0].focus()", link)
    assert tip(driver, link)["shown"]
    # Tab moves into the details: they stay open while focus is inside them
    ActionChains(driver).send_keys(Keys.TAB).perform()
    focused = driver.execute_script("return [document.activeElement.href, document.activeElement.closest('.tip') !== null]")
    assert focused == [expected_details(demo_site, day)[1][0], True]
    assert tip(driver, link)["shown"]
    assert axe_violations(driver) == []
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    assert not tip(driver, link)["shown"]


def tap(driver, element) -> None:
    finger = PointerInput(interaction.POINTER_TOUCH, "finger")
    actions = ActionBuilder(driver, mouse=finger)
    actions.pointer_action.move_to(element).pointer_down().pointer_up()
    actions.perform()


def test_tap_opens_the_details_and_a_second_tap_follows_the_link(demo_site, demo_browser):
    driver = demo_browser.driver
    component, day = busiest_day(demo_site)
    demo_browser.load(demo_site.url("index.html"), View(width=PHONE))
    link = day_link(driver, component, day)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    tap(driver, link)
    assert driver.current_url == demo_site.url("index.html")
    assert tip(driver, link)["shown"]
    tap(driver, link)
    assert driver.current_url == demo_site.url(f"components/{component}/index.html#d-{day.day.isoformat()}")


@pytest.mark.parametrize("width", (DESKTOP, PHONE))
def test_without_script_the_day_links_to_its_row_on_the_component_page(demo_site, browser, width):
    driver = browser.driver
    component, day = busiest_day(demo_site)
    browser.load(demo_site.url("index.html"), View(js=False, width=width))
    link = day_link(driver, component, day)
    href = link.get_attribute("href")
    assert href == demo_site.url(f"components/{component}/index.html#d-{day.day.isoformat()}")
    browser.load(href, View(js=False, width=width))
    row = driver.execute_script(
        "var row = document.querySelector(':target'); return row && [row.tagName, row.innerText,"
        " Array.from(row.querySelectorAll('a')).map(function (a) { return a.href; })];")
    assert row is not None and row[0] == "TR"
    titles, hrefs = expected_details(demo_site, day)
    assert row[2] == hrefs and all(title in row[1] for title in titles)
    assert STATUS_LABELS[day.worst_status] in row[1]
    assert axe_violations(driver) == []
