"""Status badges, built through the CLI: SVG parsed as XML, shields.io endpoint JSON."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from tests.conftest import DEMO_NOW, MINIMAL_CONFIG
from tests.factories import incident_file, update

SVG = "{http://www.w3.org/2000/svg}"
NOW = "2026-11-20T15:00:00Z"
SHIELDS_KEYS = {"schemaVersion", "label", "message", "color", "cacheSeconds"}


def svg(site, name):
    root = ElementTree.fromstring((site / "badges" / f"{name}.svg").read_bytes())
    assert root.tag == SVG + "svg"
    return root


def texts(root) -> list[str]:
    return [el.text for el in root.iter(SVG + "text")]


def contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def assert_accessible(root, label: str, message: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-label") == f"{label}: {message}"
    assert root.find(SVG + "title").text == f"{label}: {message}"
    assert texts(root) == [label, message]
    fills = [rect.get("fill") for rect in root.iter(SVG + "rect")]
    text_fill = root.find(SVG + "g").get("fill")
    assert all(contrast(text_fill, fill) >= 4.5 for fill in fills), fills
    # nothing fetched from elsewhere: no links, images, stylesheets or web fonts
    raw = ElementTree.tostring(root, encoding="unicode")
    assert "href" not in raw and "url(" not in raw and "@import" not in raw and "@font-face" not in raw


def endpoint(site, name) -> dict:
    document = json.loads((site / "badges" / f"{name}.json").read_text(encoding="utf-8"))
    assert set(document) == SHIELDS_KEYS
    assert document["schemaVersion"] == 1 and document["cacheSeconds"] >= 300
    return document


def test_demo_has_a_badge_pair_for_the_site_and_every_component(demo):
    site = demo.build(DEMO_NOW)
    names = {"status", "api", "dashboard", "auth", "db", "storage", "webhooks", "email", "cdn"}
    written = {p.name for p in (site / "badges").iterdir()}
    assert written == {f"{n}.svg" for n in names} | {f"{n}.json" for n in names}
    # At DEMO_NOW webhooks are degraded and the CDN is under maintenance.
    assert_accessible(svg(site, "status"), "status", "minor service outage")
    assert_accessible(svg(site, "webhooks"), "Webhooks", "degraded performance")
    assert_accessible(svg(site, "cdn"), "CDN", "under maintenance")
    assert_accessible(svg(site, "api"), "Public API", "operational")
    assert endpoint(site, "cdn") == {"schemaVersion": 1, "label": "CDN", "message": "under maintenance",
                                     "color": "blue", "cacheSeconds": 300}
    assert endpoint(site, "status")["message"] == "minor service outage"


def test_badges_follow_each_status(repo):
    incident_file(repo, "2026-11-20-outage", "Outage", {"api": "major_outage", "web": "partial_outage"},
                  "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "Down."))
    site = repo.build(NOW)
    assert_accessible(svg(site, "status"), "status", "major system outage")
    assert_accessible(svg(site, "api"), "API", "major outage")
    assert_accessible(svg(site, "web"), "Website", "partial outage")
    assert_accessible(svg(site, "db"), "Database", "operational")
    assert [endpoint(site, n)["color"] for n in ("status", "api", "web", "db")] == [
        "red", "red", "orange", "brightgreen"]
    # different statuses never share a colour in the SVG either
    fills = {n: [r.get("fill") for r in svg(site, n).iter(SVG + "rect")][1] for n in ("api", "web", "db")}
    assert len(set(fills.values())) == 3

    resolved = repo.build("2026-11-19T15:00:00Z")  # before the outage began
    assert_accessible(svg(resolved, "status"), "status", "all systems operational")
    assert endpoint(resolved, "api")["message"] == "operational"


def test_names_are_escaped_in_svg_and_kept_as_data_in_json(repo):
    repo.write("statusgen.toml", MINIMAL_CONFIG.replace(
        'name = "API"', 'name = "<script>alert(1)</script> & \\"API\\""'))
    site = repo.build(NOW)
    raw = (site / "badges/api.svg").read_bytes()
    assert b"<script" not in raw
    root = svg(site, "api")
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert_accessible(root, '<script>alert(1)</script> & "API"', "operational")
    assert endpoint(site, "api")["label"] == '<script>alert(1)</script> & "API"'


def test_badges_are_byte_identical_across_builds(repo):
    first = {p.name: p.read_bytes() for p in (repo.build(NOW) / "badges").iterdir()}
    again = {p.name: p.read_bytes() for p in (repo.build(NOW) / "badges").iterdir()}
    assert first == again
