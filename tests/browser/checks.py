"""The checks the browser tests make, each a function returning the problems it found.

Each returns a list (empty when the page is fine) of readable problems, so a failing test
says what is wrong and where; tests/browser/test_checkers.py shows each one catching a bad page.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from statusgen.publish.headers import encode
from tests.browser.harness import PROJECT_ROOT, PageLoad

AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LOCAL_SCHEMES = ("data:", "about:", "blob:")
PAGE_BYTES_BUDGET = 60 * 1024
PAGE_REQUESTS_BUDGET = 4


def _require(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `npm ci` at the project root "
                                "(python3 dev.py test does it)")
    return path


# -- network and console --------------------------------------------------------------------

def foreign_requests(load: PageLoad, origin: str) -> list[str]:
    """Every request that goes anywhere but the site's own origin."""
    return [f"{r.type} {r.url}" for r in load.requests
            if not (r.url.startswith(origin + "/") or r.url == origin or r.url.startswith(LOCAL_SCHEMES))]


def console_errors(load: PageLoad, allow: tuple[str, ...] = ()) -> list[str]:
    """Console errors and uncaught page errors (Chromium logs both as SEVERE), and failed loads."""
    problems = [entry["message"] for entry in load.console
                if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in allow)]
    problems += [f"request failed: {r.url} ({r.error or r.status})" for r in load.requests
                 if (r.error or (r.status or 0) >= 400) and not any(text in r.url for text in allow)]
    return problems


# -- layout ---------------------------------------------------------------------------------

OVERFLOW_JS = """
var limit = document.documentElement.clientWidth, wide = [];
document.querySelectorAll('body *').forEach(function (el) {
  var r = el.getBoundingClientRect();
  if (r.width && r.right > limit + 0.5) {
    var name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    wide.push(name + ' (right edge ' + Math.round(r.right) + 'px)');
  }
});
return {scrollWidth: document.documentElement.scrollWidth, width: limit, wide: wide.slice(0, 10)};
"""


def horizontal_overflow(driver) -> list[str]:
    """Whether the page scrolls sideways, and which elements stick out if it does.

    Compared with the root's clientWidth, not window.innerWidth: in phone emulation Chromium
    widens the layout viewport (and innerWidth) to fit content that is too wide, which would
    hide exactly the overflow this looks for.
    """
    layout = driver.execute_script(OVERFLOW_JS)
    if layout["scrollWidth"] <= layout["width"]:
        return []
    return [f"page is {layout['scrollWidth']}px wide in a {layout['width']}px viewport; "
            f"sticking out: {', '.join(layout['wide']) or 'nothing measurable'}"]


# -- accessibility --------------------------------------------------------------------------

AXE_RUN_JS = """
var done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(function (result) {
  done(result.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) {
      return {target: n.target.join(' '), summary: n.failureSummary};
    })};
  }));
}).catch(function (error) { done({error: String(error)}); });
"""


def axe_violations(driver, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts, one line per rule and element.

    On a page loaded with script disabled, script is turned back on first: the page's own
    script was skipped while it loaded and stays skipped, but axe's promises need to run.
    """
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(_require(AXE_JS).read_text(encoding="utf-8"))
    violations = driver.execute_async_script(AXE_RUN_JS)
    if isinstance(violations, dict):
        raise RuntimeError(f"axe-core failed: {violations['error']}")
    return [f"{v['impact']} {v['id']} ({v['help']}): {node['target']}: {node['summary']}"
            for v in violations if v["impact"] in impacts for node in v["nodes"]]


OUTLINE_JS = """
function count(selector) { return document.querySelectorAll(selector).length; }
var banner = Array.from(document.querySelectorAll('header, [role=banner]'))
  .filter(function (el) { return !el.closest('article, aside, main, nav, section'); }).length;
return {
  main: count('main, [role=main]'),
  banner: banner,
  nav: count('nav, [role=navigation]'),
  headings: Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')).map(function (h) {
    return {level: Number(h.getAttribute('aria-level') || h.tagName.slice(1)), text: h.textContent.trim().slice(0, 60)};
  })
};
"""


def outline_problems(driver) -> list[str]:
    """Landmarks (one main, a banner, a nav) and headings: one h1 first, no level skipped."""
    outline = driver.execute_script(OUTLINE_JS)
    problems = []
    if outline["main"] != 1:
        problems.append(f"expected one main landmark, found {outline['main']}")
    if outline["banner"] < 1:
        problems.append("no banner landmark (a header outside article/section/main)")
    if outline["nav"] < 1:
        problems.append("no navigation landmark")
    headings = outline["headings"]
    if not headings or headings[0]["level"] != 1:
        problems.append(f"first heading is not an h1: {headings[:1]}")
    if sum(1 for h in headings if h["level"] == 1) != 1:
        problems.append(f"expected exactly one h1, found {[h['text'] for h in headings if h['level'] == 1]}")
    for before, after in zip(headings, headings[1:]):
        if after["level"] > before["level"] + 1:
            problems.append(f"heading level skipped: h{before['level']} {before['text']!r} "
                            f"then h{after['level']} {after['text']!r}")
    return problems


FOCUS_JS = """
var el = document.activeElement, style = getComputedStyle(el), r = el.getBoundingClientRect();
var target = el.hash ? document.getElementById(el.hash.slice(1)) : null;
return {tag: el.tagName.toLowerCase(), text: el.textContent.trim(), hash: el.hash || '',
  targetTag: target ? target.tagName.toLowerCase() : null,
  outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
  shadow: style.boxShadow !== 'none',
  visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth};
"""


def skip_link_problems(driver) -> list[str]:
    """The first Tab lands on a visible, visibly focused link to the main content, which works."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).send_keys(Keys.TAB).perform()
    focused = driver.execute_script(FOCUS_JS)
    problems = []
    if focused["tag"] != "a" or not focused["hash"]:
        return [f"first focusable element is not a skip link: <{focused['tag']}> {focused['text']!r}"]
    if focused["targetTag"] != "main":
        problems.append(f"skip link {focused['hash']} points at <{focused['targetTag']}>, not <main>")
    if not focused["visible"]:
        problems.append("skip link is not visible when focused")
    if not (focused["outline"] or focused["shadow"]):
        problems.append("skip link has no visible focus indicator (outline or box-shadow)")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    landed = driver.execute_script("return document.activeElement.tagName.toLowerCase()")
    if landed != "main":
        problems.append(f"following the skip link focuses <{landed}>, not <main>")
    return problems


def focus_indicator_problems(driver, stops: int = 6) -> list[str]:
    """The next few Tab stops after the skip link each show a focus outline or shadow."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    problems = []
    for _ in range(stops):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.execute_script(FOCUS_JS)
        if focused["tag"] == "body":
            break
        if not (focused["outline"] or focused["shadow"]):
            problems.append(f"no visible focus on <{focused['tag']}> {focused['text'][:40]!r}")
    return problems


def status_text_problems(driver, attribute: str, labels: dict[str, str]) -> list[str]:
    """Every element carrying `attribute` (data-status, data-indicator) shows its label as text."""
    items = driver.execute_script(
        "var a = arguments[0]; return Array.from(document.querySelectorAll('[' + a + ']')).map("
        "function (el) { return {value: el.getAttribute(a), text: el.innerText, html: el.outerHTML.slice(0, 120)}; });",
        attribute)
    return [f"[{attribute}={item['value']}] shows no {labels.get(item['value'])!r} text: {item['html']}"
            for item in items if labels.get(item["value"]) is None or labels[item["value"]] not in item["text"]]


# -- markup ---------------------------------------------------------------------------------

def vnu_messages(paths: list[Path]) -> list[dict]:
    """The Nu Html Checker's messages for the given HTML and SVG files (one Java start for all)."""
    result = subprocess.run(
        ["java", "-jar", str(_require(VNU_JAR)), "--format", "json", "--exit-zero-always", "--also-check-svg", *map(str, paths)],
        capture_output=True, text=True, check=True, timeout=600,
    )
    return json.loads(result.stderr or result.stdout)["messages"]


def vnu_errors(paths: list[Path], root: Path | None = None) -> list[str]:
    problems = []
    for message in vnu_messages(paths):
        if message["type"] not in ("error", "non-document-error"):
            continue
        where = unquote(urlsplit(message.get("url", "")).path)
        if root is not None and where.startswith(str(root)):
            where = where[len(str(root)) + 1:]
        problems.append(f"{where}:{message.get('lastLine', '?')}: {message['message']}"
                        f" [{message.get('extract', '').strip()}]")
    return problems


# -- page weight ----------------------------------------------------------------------------

@dataclass
class PageWeight:
    """What one page load costs: HTML+CSS+JS bytes (uncompressed), every request, web fonts."""
    url: str
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bytes_by_type: dict[str, int] = field(default_factory=dict)
    fonts: list[str] = field(default_factory=list)
    gzip_by_type: dict[str, int] = field(default_factory=dict)  # as `publish` uploads with gzip

    @property
    def code_bytes(self) -> int:
        return sum(self.bytes_by_type.get(kind, 0) for kind in ("Document", "Stylesheet", "Script"))

    @property
    def code_gzip_bytes(self) -> int:
        return sum(self.gzip_by_type.get(kind, 0) for kind in ("Document", "Stylesheet", "Script"))

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes_by_type.values())


def page_weight(load: PageLoad, site_dir: Path, origin: str) -> PageWeight:
    """Sizes are those of the served files, so they are exact and uncompressed."""
    weight = PageWeight(load.url)
    for request in load.requests:
        weight.requests.append(request.url)
        if request.error or (request.status or 0) >= 400:
            weight.failed.append(f"{request.url} ({request.error or request.status})")
        if request.type == "Font":
            weight.fonts.append(request.url)
        if not request.url.startswith(origin + "/"):
            continue
        path = site_dir / unquote(urlsplit(request.url).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if request.status == 404 or not path.is_file():
            path = site_dir / "404.html"
        if not path.is_file():
            continue
        data = path.read_bytes()
        weight.bytes_by_type[request.type] = weight.bytes_by_type.get(request.type, 0) + len(data)
        weight.gzip_by_type[request.type] = weight.gzip_by_type.get(request.type, 0) + len(encode(data, "gzip"))
        if request.type in ("Document", "Stylesheet") and re.search(rb"@font-face", data, re.IGNORECASE):
            weight.fonts.append(f"@font-face in {request.url}")
    return weight


def budget_problems(weight: PageWeight, max_bytes: int = PAGE_BYTES_BUDGET,
                    max_requests: int = PAGE_REQUESTS_BUDGET) -> list[str]:
    problems = []
    if weight.code_bytes > max_bytes:
        problems.append(f"{weight.code_bytes} bytes of HTML+CSS+JS, budget {max_bytes}")
    if len(weight.requests) > max_requests:
        problems.append(f"{len(weight.requests)} requests, budget {max_requests}: {weight.requests}")
    problems += [f"web font: {font}" for font in weight.fonts]
    return problems


def weigh(browser, site_dir: Path, path: str, view=None) -> PageWeight:
    """Load one page from a server of its own: a new origin, so even the favicon is fetched anew."""
    from tests.browser.harness import StaticServer, View

    with StaticServer(site_dir) as server:
        load = browser.load(server.url(path), view or View(), wait_for_favicon=True)
        weight = page_weight(load, site_dir, server.origin)
        loaded_faces = browser.driver.execute_script("return document.fonts.size")
    if loaded_faces:
        weight.fonts.append(f"{loaded_faces} font face(s) in document.fonts")
    return weight
