"""Parsing helpers for the HTML tests: real HTML5 parsing, no string matching on markup."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup


def soup(site: Path, relative: str) -> BeautifulSoup:
    return BeautifulSoup((site / relative).read_text(encoding="utf-8"), "html5lib")


def html_pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))


def text(element) -> str:
    return " ".join(element.get_text().split())


def one(page: BeautifulSoup, selector: str):
    found = page.select(selector)
    assert len(found) == 1, f"{selector!r}: expected exactly one element, found {len(found)}"
    return found[0]
