"""Session fixtures: the demo site built once and served on loopback, and one Chromium."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from statusgen.config import load_config
from statusgen.content import load_content
from statusgen.state import derive_state
from tests.browser.harness import DEMO_NOW, Browser, StaticServer, build_site, copy_demo, new_browser


def pytest_collection_modifyitems(items):
    """Every test in this folder drives Chromium: marked `browser`, so `dev.py test --quick` skips them."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


class DemoSite:
    """The built demo site, where it is served, and the state it was built from."""

    def __init__(self, root: Path, out: Path, server: StaticServer):
        self.root = root
        self.dir = out
        self.server = server
        self.origin = server.origin
        config = load_config(root)
        self.config = config
        self.content = load_content(config)
        self.state = derive_state(config, self.content, _parse(DEMO_NOW))

    def url(self, path: str = "") -> str:
        return self.server.url(path)


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> DemoSite:
    work = tmp_path_factory.mktemp("browser-demo")
    root = copy_demo(work / "repo")
    out = build_site(root, work / "site")
    with StaticServer(out) as server:
        yield DemoSite(root, out, server)


@pytest.fixture(scope="session")
def browser() -> Browser:
    chromium, profile = new_browser()
    try:
        yield chromium
    finally:
        chromium.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def demo_browser(browser: Browser) -> Browser:
    """The session's browser with page scripts seeing the demo's build time as now."""
    browser.set_clock(DEMO_NOW)
    yield browser
    browser.set_clock(None)
