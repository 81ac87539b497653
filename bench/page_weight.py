"""Page weight of each page type of the demo site, as a browser fetches it.

    python bench/page_weight.py                 # the demo site at the project root
    python bench/page_weight.py --root DIR      # another status repository
    python bench/page_weight.py --incidents 100 # bench/generate.py's repository (20 components)

Builds the site (--now 2026-11-26T21:00:00Z), serves it on loopback and loads one page of each
type in headless Chromium (/usr/bin/chromium), script on. Columns: HTML, CSS and JS bytes as
served (uncompressed), their sum (the budget counts this: 60 KB for the index), the same files
gzip-compressed as `statusgen publish` uploads them with a target's `gzip` (and brotli, only
when a brotli module happens to be installed), all requests the page made including the
favicon (budget 4), and web fonts (budget none).
The same measurement is asserted in tests/browser/test_weight.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from statusgen.config import load_config  # noqa: E402
from statusgen.content import load_content  # noqa: E402
from tests.browser.checks import PAGE_BYTES_BUDGET, PAGE_REQUESTS_BUDGET, weigh  # noqa: E402
from tests.browser.harness import build_site, copy_demo, new_browser  # noqa: E402
from tests.browser.pages import PAGE_TYPES, page_path  # noqa: E402


def brotli_compressor():
    """brotli's compress function if a brotli module is installed; statusgen does not depend on one."""
    for name in ("brotli", "brotlicffi"):
        try:
            return __import__(name).compress
        except ImportError:
            continue
    return None


def brotli_bytes(compress, site_dir: Path, weight) -> int:
    """The page's HTML, CSS and JS files (as weigh() found them on disk) brotli-compressed."""
    from urllib.parse import unquote, urlsplit

    total = 0
    for url in weight.requests:
        path = site_dir / unquote(urlsplit(url).path).lstrip("/")
        path = path / "index.html" if path.is_dir() else path
        if path.suffix in (".html", ".css", ".js") and path.is_file():
            total += len(compress(path.read_bytes()))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="status repository (default: the demo site)")
    parser.add_argument("--incidents", type=int, metavar="N",
                        help="weigh bench/generate.py's repository of N notices instead")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="statusgen-weight-"))
    browser, profile = new_browser()
    compress = brotli_compressor()
    try:
        if args.incidents:
            sys.path.insert(0, str(ROOT / "bench"))
            from generate import generate

            root = generate(work / "repo", args.incidents)
        else:
            root = args.root.resolve() if args.root else copy_demo(work / "repo")
        site_dir = build_site(root, work / "site")
        config = load_config(root)
        site = SimpleNamespace(config=config, content=load_content(config))
        header = (f"{'page type':<12} {'path':<52} {'HTML':>7} {'CSS':>6} {'JS':>6} {'sum':>7} "
                  f"{'gzip':>6}{' brotli' if compress else ''} {'HTML gz':>7} {'requests':>8} fonts")
        print(header)
        print("-" * len(header))
        for kind in PAGE_TYPES:
            path = page_path(site, kind)
            weight = weigh(browser, site_dir, path)
            sizes = weight.bytes_by_type
            brotli = f" {brotli_bytes(compress, site_dir, weight):>6}" if compress else ""
            print(f"{kind:<12} {path:<52} {sizes.get('Document', 0):>7} {sizes.get('Stylesheet', 0):>6} "
                  f"{sizes.get('Script', 0):>6} {weight.code_bytes:>7} {weight.code_gzip_bytes:>6}{brotli} "
                  f"{weight.gzip_by_type.get('Document', 0):>7} {len(weight.requests):>8} {len(weight.fonts)}")
        print(f"\nBudget for the index: {PAGE_BYTES_BUDGET} bytes of HTML+CSS+JS (uncompressed), "
              f"{PAGE_REQUESTS_BUDGET} requests, no web fonts. gzip: the same files as `statusgen publish` "
              "uploads them with a target's gzip setting" + ("" if compress else "; brotli: no module installed"))
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
