"""Pre-compressed uploads (a target's `gzip`): `statusgen build` then `statusgen publish` of the
demo site through the CLI, against moto's S3 on loopback, read back with boto3."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import DEMO_NOW
from tests.publish.conftest import add_targets, s3_target, site_bytes

BUCKET = "gzip-status"
MANIFEST = ".statusgen-manifest.json"


def configure(demo, s3, gzip_setting: str) -> None:
    config = demo.root / "statusgen.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("[[targets]]")], encoding="utf-8")
    s3.create_bucket(BUCKET)
    add_targets(demo, s3_target("primary", f"s3://{BUCKET}/", s3.url, f"gzip = {gzip_setting}"))


def stored(s3) -> dict[str, tuple[bytes, str | None, str]]:
    """key -> (body as stored, Content-Encoding, Content-Type), read without decompressing."""
    found = {}
    for key in s3.keys(BUCKET):
        if key == MANIFEST:
            continue
        got = s3.client.get_object(Bucket=BUCKET, Key=key)
        found[key] = (got["Body"].read(), got.get("ContentEncoding"), got["ContentType"])
    return found


def publish(demo, *args):
    result = demo.run("publish", "--root", str(demo.root), *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_gzip_true_compresses_pages_styles_scripts_and_images_but_not_api_or_feeds(demo, s3):
    configure(demo, s3, "true")
    site = site_bytes(demo.build(DEMO_NOW))
    publish(demo)
    objects = stored(s3)
    assert set(objects) == set(site)
    compressed = {path for path, (_, encoding, _) in objects.items() if encoding == "gzip"}
    assert {"index.html", "history/index.html", "404.html"} <= compressed
    assert any(p.startswith("assets/") and p.endswith(".css") for p in compressed)
    assert any(p.endswith(".js") for p in compressed) and "badges/status.svg" in compressed
    for path in compressed:
        body, _, _ = objects[path]
        assert body[:2] == b"\x1f\x8b" and gzip.decompress(body) == site[path], path
        assert len(body) < len(site[path]) or len(site[path]) < 200, path
    # Pollers (plain curl, feed readers) get the bytes as built.
    plain = set(site) - compressed
    assert {"feed.atom", "feed.rss", "maintenance.ics", "api/v2/summary.json", "badges/status.json",
            "robots.txt", "sitemap.xml"} <= plain
    assert not [p for p in compressed if p.startswith("api/") or p.endswith((".json", ".atom", ".rss", ".ics"))]
    for path in plain:
        body, encoding, _ = objects[path]
        assert encoding is None and body == site[path], path
    assert objects["index.html"][2] == "text/html; charset=utf-8"
    # The manifest records what was uploaded: the compressed size and its hash.
    manifest = json.loads(s3.client.get_object(Bucket=BUCKET, Key=MANIFEST)["Body"].read())
    entry = manifest["files"]["index.html"]
    assert entry["content_encoding"] == "gzip" and entry["size"] == len(objects["index.html"][0])
    assert "content_encoding" not in manifest["files"]["feed.atom"]


def test_republishing_a_gzip_site_uploads_nothing_and_dry_run_shows_the_encoding(demo, s3):
    configure(demo, s3, '["*.html", "api/*"]')
    demo.build(DEMO_NOW)
    dry = publish(demo, "--dry-run")
    assert "  upload index.html (new; text/html; charset=utf-8; public, max-age=60; gzip)" in dry
    assert "  upload api/v2/summary.json (new; application/json; charset=utf-8; public, max-age=60; gzip)" in dry
    assert "  upload feed.atom (new; application/atom+xml; charset=utf-8; public, max-age=60)" in dry
    assert s3.keys(BUCKET) == set()
    publish(demo)
    first = stored(s3)
    assert first["api/v2/summary.json"][1] == "gzip" and first["feed.atom"][1] is None
    # The same build compresses to the same bytes: nothing to upload, in a dry run or for real.
    demo.build(DEMO_NOW)
    again = publish(demo, "--dry-run")
    assert "would upload 0 (0 B)" in again and "  upload " not in again
    output = publish(demo)
    assert "0 uploaded, 0 deleted" in output
    assert stored(s3) == first


def test_turning_gzip_on_reuploads_the_matched_files_and_off_again_restores_plain_bytes(demo, s3):
    configure(demo, s3, "false")
    site = site_bytes(demo.build(DEMO_NOW))
    publish(demo)
    assert all(encoding is None for _, encoding, _ in stored(s3).values())

    config = demo.root / "statusgen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("gzip = false", 'gzip = ["*.html"]'),
                      encoding="utf-8")
    dry = publish(demo, "--dry-run")
    html = sorted(p for p in site if p.endswith(".html"))
    assert f"would upload {len(html)} " in dry
    assert "  upload index.html (content changed; text/html; charset=utf-8; public, max-age=60; gzip)" in dry
    publish(demo)
    objects = stored(s3)
    assert sorted(p for p, (_, encoding, _) in objects.items() if encoding == "gzip") == html
    assert gzip.decompress(objects["index.html"][0]) == site["index.html"]

    config.write_text(config.read_text(encoding="utf-8").replace('gzip = ["*.html"]', "gzip = false"),
                      encoding="utf-8")
    output = publish(demo)
    assert f"{len(html)} uploaded, 0 deleted" in output
    assert {p: (body, encoding) for p, (body, encoding, _) in stored(s3).items()} == \
        {p: (data, None) for p, data in site.items()}


@pytest.mark.parametrize("value, expected", [
    ('"yes"', "found 'yes'; expected true, false, or a list of glob patterns"),
    ('["*.html", 3]', "expected true, false, or a list of glob patterns"),
])
def test_a_bad_gzip_setting_is_named(repo, value, expected):
    add_targets(repo, s3_target("primary", "s3://gzip-status/", "http://127.0.0.1:9", f"gzip = {value}"))
    result = repo.run("publish", "--root", str(repo.root), "--dry-run")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "statusgen.toml: targets[0].gzip: " in result.output and expected in result.output


def test_gzip_on_a_file_target_is_refused_and_nothing_is_written(repo, tmp_path):
    out = tmp_path / "www"
    repo.build()
    add_targets(repo, f'[[targets]]\nname = "disk"\nurl = "file://{out}"\ngzip = true\n')
    result = repo.run("publish", "--root", str(repo.root))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "targets[0].gzip: a file:// target keeps no headers" in result.output
    assert "expected gzip only on s3:// targets" in result.output
    assert not out.exists()
