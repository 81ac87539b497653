"""WebSub: the hub is advertised in feeds and pages, and pinged once after new updates."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs

import feedparser
from bs4 import BeautifulSoup

from tests.notify.conftest import NOW, channel
from tests.notify.test_webhook import INCIDENT

ATOM = "{http://www.w3.org/2005/Atom}"


def test_hub_is_advertised_and_pinged_after_a_change(nrepo, receiver):
    hub = f"{receiver.url}/hub"
    nrepo.env["A_URL"] = f"{receiver.url}/a"
    nrepo.configure(channel("a", "webhook", url_env="A_URL"), site_extra=f'websub_hub = "{hub}"\n')
    nrepo.incident("2026-11-20-api-errors", INCIDENT)
    nrepo.build(NOW)

    for path in ("feed.atom", "components/api/feed.atom"):
        atom = feedparser.parse(nrepo.read(path))
        assert [link.href for link in atom.feed.links if link.rel == "hub"] == [hub]
        assert any(link.rel == "self" for link in atom.feed.links)
    rss = ET.fromstring(nrepo.read("feed.rss").encode())
    links = {link.get("rel"): link.get("href") for link in rss.find("channel").findall(f"{ATOM}link")}
    assert links == {"self": "https://status.test.example/feed.rss", "hub": hub}
    for page in ("index.html", "incidents/2026-11-20-api-errors/index.html"):
        soup = BeautifulSoup(nrepo.read(page), "html5lib")
        assert [link["href"] for link in soup.head.find_all("link", rel="hub")] == [hub]

    assert nrepo.notify().exit_code == 0
    assert receiver.at("/hub") == []  # the first run records, it does not ping

    result = nrepo.run("update", "2026-11-20-api-errors", "--root", str(nrepo.root), "--status", "monitoring",
                       "--message", "A fix is out.", "--at", "2026-11-20T15:10:00Z")
    assert result.exit_code == 0
    nrepo.build("2026-11-20T15:20:00Z")
    notified = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert notified.exit_code == 0, notified.output
    pings = [parse_qs(r.body.decode()) for r in receiver.at("/hub")]
    assert all(p["hub.mode"] == ["publish"] for p in pings)
    assert sorted(p["hub.url"][0] for p in pings) == sorted(
        f"https://status.test.example/{path}" for path in
        ("feed.atom", "feed.rss", "components/api/feed.atom", "components/api/feed.rss"))
    assert receiver.at("/hub")[0].headers["Content-Type"] == "application/x-www-form-urlencoded"

    assert nrepo.notify(now="2026-11-20T15:30:00Z").exit_code == 0
    assert len(receiver.at("/hub")) == 4


def test_no_hub_no_link(nrepo):
    nrepo.incident("2026-11-20-api-errors", INCIDENT)
    nrepo.build(NOW)
    assert 'rel="hub"' not in nrepo.read("feed.atom") and 'rel="hub"' not in nrepo.read("feed.rss")
    assert 'rel="hub"' not in nrepo.read("index.html")
