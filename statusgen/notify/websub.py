"""WebSub: tell the hub named in `[site] websub_hub` that the feeds changed, so subscribed
feed readers get an update within seconds instead of at their next poll.

The hub is kept in the ledger like a channel (under a name no channel can have), so it is
pinged once per batch of new updates, and not on the first run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from statusgen.config import Config
from statusgen.notify.plan import Event, Public, oldest_first

if TYPE_CHECKING:
    from statusgen.notify.ledger import ChannelRecord

WEBSUB_KEY = "@websub"


@dataclass(frozen=True)
class HubPlan:
    first_run: bool
    baseline: tuple[str, ...]  # the first run's: every event public now
    send: tuple[Event, ...]


def websub_plan(public: list[Public], entry: ChannelRecord | None) -> HubPlan:
    if entry is None:
        return HubPlan(True, tuple(item.id for item in public), ())
    return HubPlan(False, (), tuple(item.event() for item in oldest_first(public)
                                    if item.id not in entry.baseline and item.id not in entry.settled))


def feed_urls(config: Config, changed: tuple[Event, ...]) -> list[str]:
    urls = [config.url("feed.atom"), config.url("feed.rss")]
    components = dict.fromkeys(cid for event in changed for cid in event.components)
    for cid in components:
        urls += [config.url(f"components/{cid}/feed.atom"), config.url(f"components/{cid}/feed.rss")]
    return urls


def ping_hub(config: Config, hub: str, changed: tuple[Event, ...]) -> int:
    """One `hub.mode=publish` request per changed feed (hubs differ on several URLs in one)."""
    from statusgen.notify.formats import HttpRequest  # only when pinging: it loads the page renderer
    from statusgen.notify.send import post

    urls = feed_urls(config, changed)
    for url in urls:
        body = urlencode({"hub.mode": "publish", "hub.url": url}).encode("ascii")
        post(HttpRequest(hub, body, (("Content-Type", "application/x-www-form-urlencoded"),)))
    return len(urls)
