"""Headless Chromium (Debian's) against a built site served on loopback, for tests and bench/.

Every page load records the requests it made and the console errors it raised, so checks can
look at what really happened in a browser rather than at the HTML source alone.
"""

from __future__ import annotations

import base64
import functools
import json
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from statusgen.cli import cli

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEMO_NOW = "2026-11-26T21:00:00Z"
DESKTOP, PHONE = 1280, 375

# Anything not on loopback goes to a proxy that is not there: a page's foreign request shows
# up in the network log and fails on this machine, it never reaches the internet.
CHROMIUM_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--proxy-server=http://127.0.0.1:9",
    "--lang=en-US", "--font-render-hinting=none",
)

# A clock for page scripts: starts at a given moment, runs on, and jumps forward on request.
# setInterval callbacks run only when the test advances the clock, so a page never changes
# under a test by itself.
FAKE_CLOCK_JS = """
(function (start) {
  var RealDate = Date, offset = start - RealDate.now(), timers = [], nextId = 1;
  function now() { return RealDate.now() + offset; }
  class ClockDate extends RealDate {
    constructor(...args) { if (args.length === 0) { super(now()); } else { super(...args); } }
    static now() { return now(); }
  }
  window.Date = ClockDate;
  window.setInterval = function (fn, ms) {
    var id = nextId++;
    timers.push({id: id, fn: fn, ms: Math.max(Number(ms) || 0, 1), due: now() + (Number(ms) || 0)});
    return id;
  };
  window.clearInterval = function (id) { timers = timers.filter(function (t) { return t.id !== id; }); };
  window.__clock = {
    now: now,
    intervals: function () { return timers.map(function (t) { return t.ms; }); },
    advance: function (ms) {
      offset += ms;
      var t = now();
      timers.slice().forEach(function (timer) {
        if (timer.due <= t) { timer.due = t + timer.ms; timer.fn(); }
      });
      return t;
    }
  };
})(%d);
"""


def epoch_millis(moment: str) -> int:
    return int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() * 1000)


# -- building and serving -------------------------------------------------------------------

def copy_demo(dest: Path) -> Path:
    """The demo status repository at the project root, copied so a build cannot touch it."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "statusgen.toml", dest / "statusgen.toml")
    shutil.copytree(PROJECT_ROOT / "incidents", dest / "incidents")
    if (PROJECT_ROOT / "templates").is_dir():
        shutil.copytree(PROJECT_ROOT / "templates", dest / "templates")
    return dest


def build_site(root: Path, out: Path, now: str = DEMO_NOW) -> Path:
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--now", now, "--out", str(out)])
    if result.exit_code != 0:
        raise RuntimeError(f"statusgen build failed ({result.exit_code}):\n{result.output}")
    return out


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves a folder like an object store's website endpoint: 404.html for what is missing."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class StaticServer:
    """A folder served over HTTP on a loopback address, port chosen by the OS, in a thread."""

    def __init__(self, directory: Path, host: str = "127.0.0.1"):
        self.directory = Path(directory)
        handler = functools.partial(SiteHandler, directory=str(self.directory))
        self.httpd = ThreadingHTTPServer((host, 0), handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "") -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


# -- the browser ----------------------------------------------------------------------------

@dataclass
class Request:
    url: str
    type: str
    status: int | None = None
    error: str | None = None
    finished: bool = False


@dataclass
class PageLoad:
    url: str
    requests: list[Request] = field(default_factory=list)
    console: list[dict] = field(default_factory=list)

    @property
    def document(self) -> Request:
        return next(r for r in self.requests if r.type == "Document")


@dataclass(frozen=True)
class View:
    """How the page is looked at: script on or off, colour scheme, viewport width, timezone."""
    js: bool = True
    scheme: str = "light"
    width: int = DESKTOP
    timezone: str = "Europe/Berlin"
    reduced_motion: bool = False
    media: str = ""  # "" for screen, "print"

    @property
    def label(self) -> str:
        return f"{'js' if self.js else 'nojs'}-{self.scheme}-{self.width}"


class Browser:
    """One Chromium for many page loads; each load sets the view it needs."""

    def __init__(self, profile_dir: Path):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in CHROMIUM_ARGS:
            options.add_argument(arg)
        options.add_argument(f"--user-data-dir={profile_dir}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_script_timeout(60)
        self.driver.set_page_load_timeout(60)
        self._cdp("Network.enable", {})
        self._cdp("Network.setCacheDisabled", {"cacheDisabled": True})
        self._clock_script: str | None = None
        self._timezone: str | None = None
        self._drain()

    def close(self) -> None:
        self.driver.quit()

    def _cdp(self, command: str, params: dict) -> dict:
        return self.driver.execute_cdp_cmd(command, params)

    def _drain(self) -> list[dict]:
        return [json.loads(entry["message"])["message"] for entry in self.driver.get_log("performance")]

    def set_clock(self, moment: str | None) -> None:
        """Page scripts of later loads see this moment as now (None: the real clock)."""
        if self._clock_script is not None:
            self._cdp("Page.removeScriptToEvaluateOnNewDocument", {"identifier": self._clock_script})
            self._clock_script = None
        if moment is not None:
            added = self._cdp("Page.addScriptToEvaluateOnNewDocument", {"source": FAKE_CLOCK_JS % epoch_millis(moment)})
            self._clock_script = added["identifier"]

    def apply(self, view: View) -> None:
        self._cdp("Emulation.setScriptExecutionDisabled", {"value": not view.js})
        features = [{"name": "prefers-color-scheme", "value": view.scheme},
                    {"name": "prefers-reduced-motion", "value": "reduce" if view.reduced_motion else "no-preference"}]
        self._cdp("Emulation.setEmulatedMedia", {"media": view.media, "features": features})
        phone = view.width < 600
        self._cdp("Emulation.setDeviceMetricsOverride", {
            "width": view.width, "height": 812 if phone else 900, "deviceScaleFactor": 1, "mobile": phone,
        })
        if view.timezone != self._timezone:
            self._cdp("Emulation.setTimezoneOverride", {"timezoneId": view.timezone})
            self._timezone = view.timezone

    def load(self, url: str, view: View = View(), *, wait_for_favicon: bool = False) -> PageLoad:
        """Open url as seen in view; return once the page and every request it started are done."""
        self.apply(view)
        self._drain()
        self.driver.get_log("browser")
        self.driver.get(url)
        load = PageLoad(url)
        by_id: dict[str, Request] = {}
        favicon = _favicon_url(self.driver) if wait_for_favicon else None
        if favicon is not None and favicon.startswith("data:"):
            favicon = None  # inline: nothing to fetch
        deadline = time.monotonic() + 10
        while True:
            for event in self._drain():
                _record(event, by_id, load)
            pending = [r for r in load.requests if not r.finished]
            favicon_due = favicon is not None and not any(r.url == favicon and r.finished for r in load.requests)
            if (not pending and not favicon_due) or time.monotonic() > deadline:
                break
        load.console = self.driver.get_log("browser")
        return load

    def screenshot(self, path: Path, full_page: bool = True) -> None:
        shot = self._cdp("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full_page})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


def _favicon_url(driver) -> str:
    """The icon the browser fetches for this page: the declared one, else /favicon.ico."""
    return driver.execute_script(
        "var l = document.querySelector('link[rel~=icon]');"
        "return l ? l.href : new URL('/favicon.ico', location.href).href;")


def _record(event: dict, by_id: dict[str, Request], load: PageLoad) -> None:
    method, params = event["method"], event.get("params", {})
    request_id = params.get("requestId")
    if method == "Network.requestWillBeSent":
        if params.get("redirectResponse") and request_id in by_id:
            by_id[request_id].finished = True
        request = Request(params["request"]["url"], params.get("type", "Other"))
        by_id[request_id] = request
        load.requests.append(request)
    elif request_id in by_id:
        request = by_id[request_id]
        if method == "Network.responseReceived":
            request.status = params["response"]["status"]
        elif method == "Network.loadingFinished":
            request.finished = True
        elif method == "Network.loadingFailed":
            request.error = params.get("errorText") or "failed"
            request.finished = True


def new_browser() -> tuple[Browser, Path]:
    profile = Path(tempfile.mkdtemp(prefix="statusgen-chromium-"))
    return Browser(profile), profile
