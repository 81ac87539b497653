"""Each checker catches the defect it is for, on a small page that has only that defect.

good.html passes every check; each bad page is good.html with one thing changed, so a
failure here can only come from that one change.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from statusgen.vocabulary import STATUS_LABELS
from tests.browser.checks import (
    axe_violations,
    budget_problems,
    console_errors,
    focus_indicator_problems,
    foreign_requests,
    horizontal_overflow,
    outline_problems,
    skip_link_problems,
    status_text_problems,
    vnu_errors,
    weigh,
)
from tests.browser.harness import PHONE, StaticServer, View

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MARKER = "<!-- extra -->"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The fixture pages served at 127.0.0.1, and the same folder at 127.0.0.2: another origin."""
    folder = tmp_path_factory.mktemp("checker-pages")
    for path in FIXTURES.iterdir():
        shutil.copy(path, folder / path.name)
    with StaticServer(folder) as site, StaticServer(folder, host="127.0.0.2") as other:
        yield SimpleNamespace(dir=folder, site=site, other=other)


@pytest.fixture
def plain_browser(browser):
    browser.set_clock(None)
    return browser


def make_page(pages, name: str, extra: str = "", replace: tuple[tuple[str, str], ...] = ()) -> str:
    text = (FIXTURES / "good.html").read_text(encoding="utf-8").replace(MARKER, extra)
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    (pages.dir / name).write_text(text, encoding="utf-8")
    return name


def open_page(browser, pages, name: str, view: View | None = None):
    return browser.load(pages.site.url(name), view or View())


def test_good_page_passes_every_check(pages, plain_browser):
    load = open_page(plain_browser, pages, "good.html", View(width=PHONE))
    driver = plain_browser.driver
    assert foreign_requests(load, pages.site.origin) == []
    assert console_errors(load) == []
    assert horizontal_overflow(driver) == []
    assert outline_problems(driver) == []
    assert status_text_problems(driver, "data-status", STATUS_LABELS) == []
    assert axe_violations(driver) == []
    assert skip_link_problems(driver) == []
    assert focus_indicator_problems(driver) == []
    assert vnu_errors([pages.dir / "good.html"]) == []
    assert budget_problems(weigh(plain_browser, pages.dir, "good.html")) == []


def test_foreign_request_is_caught(pages, plain_browser):
    other = f"{pages.other.origin}/icon.svg"
    load = open_page(plain_browser, pages, make_page(pages, "foreign.html", f'<img src="{other}" alt="">'))
    assert foreign_requests(load, pages.site.origin) == [f"Image {other}"]
    assert [r.status for r in load.requests if r.url == other] == [200]  # really fetched, not only declared


def test_request_off_the_machine_is_caught_and_goes_nowhere(pages, plain_browser):
    remote = "http://203.0.113.1/pixel.png"  # TEST-NET-3: never routed
    load = open_page(plain_browser, pages, make_page(pages, "remote.html", f'<img src="{remote}" alt="">'))
    assert foreign_requests(load, pages.site.origin) == [f"Image {remote}"]
    # The browser's dead proxy for non-loopback hosts stopped it on this machine.
    assert [r.error for r in load.requests if r.url == remote] == ["net::ERR_PROXY_CONNECTION_FAILED"]


def test_page_error_and_missing_resource_are_caught(pages, plain_browser):
    page = make_page(pages, "errors.html",
                     '<script>throw new Error("fixture boom")</script><img src="missing.png" alt="missing">')
    problems = console_errors(open_page(plain_browser, pages, page))
    assert any("fixture boom" in p for p in problems), problems
    assert any(p.startswith(f"request failed: {pages.site.url('missing.png')} (404)") for p in problems), problems


def test_sideways_scroll_is_caught(pages, plain_browser):
    page = make_page(pages, "wide.html", '<div class="too-wide" style="width:600px">wide</div>')
    open_page(plain_browser, pages, page, View(width=PHONE))
    problems = horizontal_overflow(plain_browser.driver)
    assert len(problems) == 1 and "div.too-wide" in problems[0], problems


def test_axe_serious_violations_are_caught(pages, plain_browser):
    page = make_page(pages, "axe.html", '<img src="icon.svg"><button></button>'
                                        '<p style="color:#777;background:#888">faint</p>')
    open_page(plain_browser, pages, page, View(js=False, scheme="dark"))
    rules = {line.split()[1] for line in axe_violations(plain_browser.driver)}
    assert rules == {"image-alt", "button-name", "color-contrast"}


def test_outline_problems_are_caught(pages, plain_browser):
    page = make_page(pages, "outline.html", replace=(
        ('<main id="main" tabindex="-1">', '<div id="main">'), ("</main>", "</div>"),
        ("<h2>Components</h2>", "<h4>Components</h4>"), ("<header>", "<div>"), ("</header>", "</div>"),
    ))
    open_page(plain_browser, pages, page)
    problems = outline_problems(plain_browser.driver)
    assert problems == [
        "expected one main landmark, found 0",
        "no banner landmark (a header outside article/section/main)",
        "heading level skipped: h1 'All good' then h4 'Components'",
    ]


def test_missing_skip_link_and_invisible_focus_are_caught(pages, plain_browser):
    no_skip = make_page(pages, "noskip.html", replace=(('<a class="skip" href="#main">Skip to content</a>', ""),))
    open_page(plain_browser, pages, no_skip)
    assert skip_link_problems(plain_browser.driver) == ["first focusable element is not a skip link: <a> 'Home'"]

    no_focus = make_page(pages, "nofocus.html", replace=(("</head>", "<style>a:focus,a:focus-visible{outline:none}</style></head>"),))
    open_page(plain_browser, pages, no_focus)
    assert skip_link_problems(plain_browser.driver) == ["skip link has no visible focus indicator (outline or box-shadow)"]
    open_page(plain_browser, pages, no_focus)
    plain_browser.driver.execute_script("document.querySelector('.skip').remove()")
    assert focus_indicator_problems(plain_browser.driver, stops=1) == ["no visible focus on <a> 'Home'"]


def test_status_by_colour_alone_is_caught(pages, plain_browser):
    page = make_page(pages, "colour.html", '<p data-status="major_outage" style="color:#b3261e">&#9632;</p>')
    open_page(plain_browser, pages, page)
    problems = status_text_problems(plain_browser.driver, "data-status", STATUS_LABELS)
    assert len(problems) == 1 and problems[0].startswith("[data-status=major_outage] shows no 'Major outage' text")


def test_html_errors_are_caught(pages):
    page = make_page(pages, "invalid.html", '<div><p id="dup">one</p><p id="dup">two</p>')
    problems = vnu_errors([pages.dir / page], pages.dir)
    assert any(p.startswith("invalid.html:") and "Duplicate ID “dup”" in p for p in problems), problems
    assert any("Unclosed element “div”" in p or "open elements" in p for p in problems), problems


def test_page_over_budget_is_caught(pages, plain_browser):
    filler = "<p>" + "status " * 9000 + "</p>"  # 63 KB of text
    heavy = weigh(plain_browser, pages.dir, make_page(pages, "heavy.html", filler))
    assert [p.split(" bytes")[0].isdigit() for p in budget_problems(heavy)] == [True]
    assert heavy.code_bytes > 60 * 1024

    images = "".join(f'<img src="icon.svg?{n}" alt="">' for n in range(2))
    busy = weigh(plain_browser, pages.dir, make_page(pages, "busy.html", images))
    # page, stylesheet, favicon and two images: one over the budget of 4
    assert budget_problems(busy) == [f"5 requests, budget 4: {busy.requests}"]


def test_web_font_is_caught(pages, plain_browser):
    (pages.dir / "font.woff2").write_bytes(b"wOF2 not really a font")
    page = make_page(pages, "font.html", replace=(
        ("</head>", "<style>@font-face{font-family:Fixture;src:url(font.woff2)}"
                    "body{font-family:Fixture,sans-serif}</style></head>"),))
    weight = weigh(plain_browser, pages.dir, page)
    problems = budget_problems(weight)
    assert f"web font: {weight.url.rsplit('/', 1)[0]}/font.woff2" in problems
    assert any("@font-face in" in p for p in problems)
