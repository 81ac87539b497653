"""`statusgen build` then `statusgen publish` on the demo site, against moto's S3 on loopback."""

from __future__ import annotations

from statusgen.publish import Reporter, publish
from tests.conftest import DEMO_NOW
from tests.publish.conftest import Recorder, add_targets, s3_target, site_bytes

BUCKET = "demo-status"
MANIFEST = ".statusgen-manifest.json"


def configure(demo, s3):
    # The demo's own targets point at real AWS and R2; swap them for the loopback server.
    config = demo.root / "statusgen.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("[[targets]]")], encoding="utf-8")
    s3.create_bucket(BUCKET)
    add_targets(demo, s3_target("primary", f"s3://{BUCKET}/", s3.url))


def published(s3):
    return s3.objects(BUCKET)


def api_publish(demo, recorder):
    publish(demo.root, reporter=Reporter(echo=lambda text="", err=False: None),
            session_factory=recorder.session)


def test_build_then_publish_the_demo_site(demo, s3):
    configure(demo, s3)
    site = demo.build(DEMO_NOW)
    result = demo.run("publish", "--root", str(demo.root))
    assert result.exit_code == 0, result.output
    stored = published(s3)
    assert {k: v[0] for k, v in stored.items()} == site_bytes(site)
    assert stored["index.html"][1:] == ("text/html; charset=utf-8", "public, max-age=60")
    assert stored["feed.atom"][1] == "application/atom+xml; charset=utf-8"
    assert stored["maintenance.ics"][1] == "text/calendar; charset=utf-8"
    assert stored["api/v2/summary.json"][1] == "application/json; charset=utf-8"
    assert all(ctype != "application/octet-stream" for _, ctype, _ in stored.values())
    assets = [k for k in stored if k.startswith("assets/")]
    assert assets and all(stored[k][2] == "public, max-age=31536000, immutable" for k in assets)


def test_an_incident_update_reuploads_only_the_files_whose_bytes_changed(demo, s3):
    configure(demo, s3)
    site = demo.build(DEMO_NOW)
    assert demo.run("publish", "--root", str(demo.root)).exit_code == 0
    before = site_bytes(site)

    source = demo.root / "incidents/2026-11-26-webhook-delays.md"
    text = source.read_text(encoding="utf-8")
    head, _, body = text.partition("\n---\n")
    head += ("\n  - at: 2026-11-26T20:30:00Z\n    status: monitoring\n"
             "    message: A fix is deployed; we are watching the queues.")
    source.write_text(f"{head}\n---\n{body}", encoding="utf-8")
    demo.build(DEMO_NOW)
    after = site_bytes(site)
    changed = sorted(p for p in after if before.get(p) != after[p])
    assert "incidents/2026-11-26-webhook-delays/index.html" in changed

    recorder = Recorder()
    api_publish(demo, recorder)
    assert sorted(k for k in recorder.keys("PutObject") if k != MANIFEST) == changed
    assert recorder.keys("DeleteObjects") == []
    assert {k: v[0] for k, v in published(s3).items()} == after


def test_a_removed_incident_is_deleted_from_the_bucket(demo, s3):
    configure(demo, s3)
    site = demo.build(DEMO_NOW)
    assert demo.run("publish", "--root", str(demo.root)).exit_code == 0
    (demo.root / "incidents/2026-08-28-cdn-errors.md").unlink()
    demo.build(DEMO_NOW)
    result = demo.run("publish", "--root", str(demo.root))
    assert result.exit_code == 0, result.output
    keys = s3.keys(BUCKET)
    assert "incidents/2026-08-28-cdn-errors/index.html" not in keys
    assert {k: v[0] for k, v in published(s3).items()} == site_bytes(site)
