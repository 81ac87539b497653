"""Screenshots of the demo's index and an incident page for the README: light, dark, phone.

Taken on every run, with the page's clock at the demo's build time and the site's timezone, so
they show what the built site shows; written to docs/screenshots/ (same names each time) only with
STATUSGEN_WRITE_SCREENSHOTS=1 (`python3 dev.py screenshots`), so a test run leaves tracked files alone.
"""

from __future__ import annotations

import os
import struct

import pytest

from tests.browser.harness import DESKTOP, PHONE, PROJECT_ROOT, View
from tests.browser.pages import page_path

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
VIEWS = {"light": View(scheme="light"), "dark": View(scheme="dark"), "mobile": View(scheme="light", width=PHONE)}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("kind", ("index", "incident"))
def test_screenshots(demo_site, demo_browser, kind, tmp_path):
    folder = SCREENSHOTS if os.environ.get("STATUSGEN_WRITE_SCREENSHOTS") == "1" else tmp_path
    shots = {}
    for name, view in VIEWS.items():
        demo_browser.load(demo_site.url(page_path(demo_site, kind)), View(scheme=view.scheme, width=view.width,
                                                                          timezone=demo_site.config.site.timezone))
        path = folder / f"{kind}-{name}.png"
        demo_browser.screenshot(path)
        shots[name] = path.read_bytes()
        width, height = png_size(shots[name])
        assert width == (PHONE if name == "mobile" else DESKTOP)
        assert height >= 400  # the whole page, not a sliver
    assert shots["light"] != shots["dark"]
