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



def day_count(classes: list[str]) -> int:
    """How many days an uptime bar item covers: the digit classes h, t and u (hundreds, tens,
    units) that the style sheet and the page script read; none for one day."""
    scale = {"h": 100, "t": 10, "u": 1}
    return sum(scale[name[0]] * int(name[1]) for name in classes
               if len(name) == 2 and name[0] in scale and name[1].isdigit()) or 1


def bar_days(bars) -> list:
    """The items of an `ol.bars`, one entry per day: an item covering several days appears that often."""
    return [item for item in bars.select(":scope > li") for _ in range(day_count(item.get("class", [])))]
