"""`statusgen publish` against a real S3 server on loopback, through the CLI."""

from __future__ import annotations

import json

from statusgen.publish import Reporter, publish
from statusgen.publish.headers import GROUP_NAMES, upload_group
from tests.publish.conftest import (
    BASE_SITE,
    EXPECTED_HEADERS,
    SECRET,
    Recorder,
    add_targets,
    s3_target,
    site_bytes,
    write_site,
)

BUCKET = "status-site"


def setup(repo, s3, extra: str = "", url: str = f"s3://{BUCKET}/"):
    s3.create_bucket(BUCKET)
    add_targets(repo, s3_target("primary", url, s3.url, extra))
    return write_site(repo.root / "site", BASE_SITE)


def run_publish(repo, *args):
    return repo.run("publish", "--root", str(repo.root), *args)


def api_publish(repo, recorder, **options):
    lines = []
    publish(repo.root, reporter=Reporter(echo=lambda text="", err=False: lines.append(text)),
            session_factory=recorder.session, **options)
    return lines


def test_first_publish_equals_the_site_exactly(repo, s3):
    site = setup(repo, s3)
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    stored = s3.objects(BUCKET)
    assert set(stored) == set(BASE_SITE)
    for path, (body, ctype, cache) in stored.items():
        assert body == (site / path).read_bytes(), path
        assert (ctype, cache) == EXPECTED_HEADERS[path], path
    assert f"primary: {len(BASE_SITE)} uploaded, 0 deleted, 0 unchanged" in result.output
    assert SECRET not in result.output


def test_uploads_go_in_groups_and_deletes_come_after_every_upload(repo, s3):
    setup(repo, s3)
    s3.put(BUCKET, "incidents/gone/index.html", b"old")
    recorder = Recorder()
    api_publish(repo, recorder)
    puts = [k for k in recorder.keys("PutObject") if k != ".statusgen-manifest.json"]
    groups = [upload_group(k) for k in puts]
    assert groups == sorted(groups)
    assert [GROUP_NAMES[g] for g in sorted(set(groups))] == ["assets", "pages", "index", "feeds", "api"]
    assert puts[0].startswith("assets/") and upload_group(puts[-1]) == upload_group("api/v2/summary.json")
    operations = [name for name, _ in recorder.calls]
    last_put = max(i for i, (name, key) in enumerate(recorder.calls)
                   if name == "PutObject" and key != ".statusgen-manifest.json")
    assert operations.index("DeleteObjects") > last_put
    assert "incidents/gone/index.html" not in s3.keys(BUCKET)


def test_republishing_unchanged_uploads_nothing(repo, s3):
    setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    recorder = Recorder()
    lines = api_publish(repo, recorder)
    assert recorder.keys("PutObject") == [] and recorder.keys("DeleteObjects") == []
    assert recorder.keys("HeadObject") == []  # the manifest vouches for every object
    assert f"primary: 0 uploaded, 0 deleted, {len(BASE_SITE)} unchanged, 0 B" in "\n".join(lines)


def test_one_changed_file_reuploads_only_that_file(repo, s3):
    site = setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    changed = {**BASE_SITE, "incidents/2026-11-20-api-errors/index.html": "<p>resolved</p>",
               "feed.atom": "<feed xmlns='http://www.w3.org/2005/Atom'><title>new</title></feed>"}
    write_site(site, changed)
    recorder = Recorder()
    lines = "\n".join(api_publish(repo, recorder))
    assert sorted(k for k in recorder.keys("PutObject") if k != ".statusgen-manifest.json") == \
        ["feed.atom", "incidents/2026-11-20-api-errors/index.html"]
    assert "uploaded incidents/2026-11-20-api-errors/index.html (content changed)" in lines
    assert s3.objects(BUCKET)["feed.atom"][0] == changed["feed.atom"].encode()


def test_a_removed_incident_page_is_deleted(repo, s3):
    site = setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    fewer = {k: v for k, v in BASE_SITE.items() if k != "incidents/2026-10-15-login/index.html"}
    write_site(site, fewer)
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    assert set(s3.objects(BUCKET)) == set(fewer)
    assert "primary: 0 uploaded, 1 deleted" in result.output


def test_dry_run_prints_the_plan_and_changes_nothing(repo, s3):
    site = setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    before = s3.objects(BUCKET)
    manifest_before = s3.client.get_object(Bucket=BUCKET, Key=".statusgen-manifest.json")["Body"].read()
    write_site(site, {**{k: v for k, v in BASE_SITE.items() if k != "incidents/2026-10-15-login/index.html"},
                      "index.html": "<p>changed</p>", "incidents/new/index.html": "<p>new</p>"})
    result = run_publish(repo, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "  upload index.html (content changed; text/html; charset=utf-8; public, max-age=60)" in result.output
    assert "  upload incidents/new/index.html (new;" in result.output
    assert "  delete incidents/2026-10-15-login/index.html" in result.output
    assert "primary: dry run, nothing changed" in result.output
    assert s3.objects(BUCKET) == before
    assert s3.client.get_object(Bucket=BUCKET, Key=".statusgen-manifest.json")["Body"].read() == manifest_before


def test_delete_guard_refuses_mass_delete_until_allowed(repo, s3):
    site = setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    kept = dict(list(BASE_SITE.items())[:10])  # 11 of 21 files gone: more than a quarter
    kept["index.html"] = "<p>broken build</p>"
    write_site(site, kept)
    result = run_publish(repo)
    assert result.exit_code == 1
    assert "refusing to delete 11 of 21 files (more than 25% of the site)" in result.output
    assert "--allow-deletes" in result.output and "Traceback" not in result.output
    assert set(s3.objects(BUCKET)) == set(BASE_SITE)
    assert s3.objects(BUCKET)["index.html"][0] == BASE_SITE["index.html"].encode()  # nothing uploaded either
    result = run_publish(repo, "--allow-deletes")
    assert result.exit_code == 0, result.output
    assert {k: v[0] for k, v in s3.objects(BUCKET).items()} == site_bytes(site)


def test_max_delete_fraction_is_configurable_per_target(repo, s3):
    site = setup(repo, s3, extra="max_delete_fraction = 0.0")
    assert run_publish(repo).exit_code == 0
    write_site(site, {k: v for k, v in BASE_SITE.items() if k != "robots.txt"})
    result = run_publish(repo)
    assert result.exit_code == 1 and "refusing to delete 1 of 21 files" in result.output


def test_header_only_change_reuploads_just_the_affected_files(repo, s3):
    setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    text = (repo.root / "statusgen.toml").read_text()
    (repo.root / "statusgen.toml").write_text(
        text + '[targets.cache_control]\n"api/*" = "public, max-age=10"\n"*.atom" = "no-cache"\n')
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    uploaded = sorted(line.split()[1] for line in result.output.splitlines() if line.startswith("  uploaded "))
    assert uploaded == ["api/v2/status.json", "api/v2/summary.json", "components/api/feed.atom", "feed.atom"]
    assert "(headers changed)" in result.output
    stored = s3.objects(BUCKET)
    assert stored["api/v2/summary.json"][2] == "public, max-age=10"
    assert stored["feed.atom"][1:] == ("application/atom+xml; charset=utf-8", "no-cache")
    assert stored["badges/api.json"][2] == "public, max-age=60"


def test_prefix_isolation(repo, s3):
    setup(repo, s3, url=f"s3://{BUCKET}/status/")
    for key in ("other/keep.html", "status-old/index.html", "root.html", "status/stale.html"):
        s3.put(BUCKET, key, b"x")
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    keys = s3.keys(BUCKET)
    assert {"other/keep.html", "status-old/index.html", "root.html"} <= keys
    assert "status/stale.html" not in keys
    assert {k for k in keys if k.startswith("status/")} == \
        {f"status/{p}" for p in BASE_SITE} | {"status/.statusgen-manifest.json"}


def test_lost_manifest_is_recovered_from_object_metadata_without_uploads(repo, s3):
    setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    s3.client.delete_object(Bucket=BUCKET, Key=".statusgen-manifest.json")
    recorder = Recorder()
    api_publish(repo, recorder)
    assert recorder.keys("PutObject") == [".statusgen-manifest.json"]
    assert sorted(recorder.keys("HeadObject")) == sorted(BASE_SITE)
    recorder = Recorder()
    api_publish(repo, recorder)
    assert recorder.calls == [("ListObjectsV2", None), ("GetObject", ".statusgen-manifest.json")]


def test_an_object_changed_behind_statusgens_back_is_replaced(repo, s3):
    setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    s3.put(BUCKET, "index.html", b"defaced", ContentType="text/html")
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    assert "uploaded index.html (no statusgen hash on the stored object)" in result.output
    assert s3.objects(BUCKET)["index.html"] == (BASE_SITE["index.html"].encode(), *EXPECTED_HEADERS["index.html"])


def test_manifest_records_hashes_and_headers(repo, s3):
    setup(repo, s3)
    assert run_publish(repo).exit_code == 0
    manifest = json.loads(s3.client.get_object(Bucket=BUCKET, Key=".statusgen-manifest.json")["Body"].read())
    assert set(manifest["files"]) == set(BASE_SITE)
    head = s3.client.head_object(Bucket=BUCKET, Key="feed.atom")
    assert head["Metadata"]["statusgen-sha256"] == manifest["files"]["feed.atom"]["sha256"]
    assert manifest["files"]["feed.atom"]["cache_control"] == "public, max-age=60"


def test_only_named_targets_and_unknown_target(repo, s3):
    setup(repo, s3)
    result = run_publish(repo, "--target", "nope")
    assert result.exit_code == 1 and "--target: unknown target 'nope' (known: primary)" in result.output
    assert s3.keys(BUCKET) == set()


def test_missing_or_empty_site_is_refused(repo, s3):
    setup(repo, s3)
    result = run_publish(repo, "--site", str(repo.root / "nowhere"))
    assert result.exit_code == 1 and "no such folder; run 'statusgen build' first" in result.output
    (repo.root / "empty").mkdir()
    result = run_publish(repo, "--site", str(repo.root / "empty"))
    assert result.exit_code == 1 and "empty; run 'statusgen build' first" in result.output
    assert s3.keys(BUCKET) == set()


def test_missing_bucket_is_a_clear_error(repo, s3):
    add_targets(repo, s3_target("primary", "s3://no-such-bucket/", s3.url))
    write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 1
    assert "primary: FAILED: listing s3://no-such-bucket/: NoSuchBucket" in result.output
    assert "Traceback" not in result.output and SECRET not in result.output
