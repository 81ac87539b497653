"""Several targets, and CloudFront invalidation, against moto's S3 and CloudFront on loopback."""

from __future__ import annotations

from tests.publish.conftest import BASE_SITE, add_targets, s3_target, site_bytes, write_site


def run_publish(repo, *args):
    return repo.run("publish", "--root", str(repo.root), *args)


def bodies(s3, bucket, prefix=""):
    return {k: v[0] for k, v in s3.objects(bucket, prefix).items()}


def test_two_targets_both_converge(repo, s3):
    s3.create_bucket("status-primary")
    s3.create_bucket("status-mirror")
    add_targets(repo, s3_target("primary", "s3://status-primary/", s3.url),
                s3_target("mirror", "s3://status-mirror/site/", s3.url))
    site = write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    write_site(site, {**BASE_SITE, "index.html": "<p>Partial outage</p>", "incidents/x/index.html": "<p>x</p>"})
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    assert bodies(s3, "status-primary") == site_bytes(site)
    assert bodies(s3, "status-mirror", "site/") == site_bytes(site)
    assert "primary: 2 uploaded, 0 deleted, 20 unchanged" in result.output
    assert "mirror: 2 uploaded, 0 deleted, 20 unchanged" in result.output


def test_one_failing_target_does_not_stop_the_others(repo, s3):
    s3.create_bucket("status-mirror")
    add_targets(repo, s3_target("primary", "s3://bucket-that-is-missing/", s3.url),
                s3_target("mirror", "s3://status-mirror/", s3.url))
    site = write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 1
    assert "primary: FAILED: listing s3://bucket-that-is-missing/: NoSuchBucket" in result.output
    assert "Error: publishing failed for 1 of 2 targets: primary" in result.output
    assert bodies(s3, "status-mirror") == site_bytes(site)
    result = run_publish(repo, "--target", "mirror")
    assert result.exit_code == 0 and "mirror: 0 uploaded, 0 deleted, 21 unchanged" in result.output


def test_cloudfront_invalidates_exactly_the_changed_paths(repo, s3):
    s3.create_bucket("status-cdn")
    distribution = s3.create_distribution("status-cdn")
    add_targets(repo, s3_target("primary", "s3://status-cdn/", s3.url,
                                f'cloudfront_distribution_id = "{distribution}"'))
    site = write_site(repo.root / "site", BASE_SITE)
    assert run_publish(repo).exit_code == 0
    assert s3.invalidations(distribution) == []  # only new files: nothing cached to invalidate

    changed = {k: v for k, v in BASE_SITE.items() if k != "incidents/2026-10-15-login/index.html"}
    changed.update({"index.html": "<p>Partial outage</p>", "feed.atom": "<feed/>",
                    "incidents/2026-11-20-api-errors/index.html": "<p>update</p>",
                    "incidents/brand-new/index.html": "<p>new</p>"})
    write_site(site, changed)
    result = run_publish(repo, "--dry-run")
    assert result.exit_code == 0 and "  invalidate /feed.atom" in result.output
    assert s3.invalidations(distribution) == []  # never on a dry run

    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    assert s3.invalidations(distribution) == [sorted([
        "/", "/index.html", "/feed.atom",
        "/incidents/2026-11-20-api-errors/", "/incidents/2026-11-20-api-errors/index.html",
        "/incidents/2026-10-15-login/", "/incidents/2026-10-15-login/index.html",
    ])]
    assert "invalidation" in result.output and "requested for 7 paths" in result.output

    assert run_publish(repo).exit_code == 0  # unchanged: no new invalidation
    assert len(s3.invalidations(distribution)) == 1


def test_a_failed_invalidation_is_retried_by_the_next_publish(repo, s3):
    s3.create_bucket("status-cdn")
    distribution = s3.create_distribution("status-cdn")
    add_targets(repo, s3_target("primary", "s3://status-cdn/", s3.url,
                                'cloudfront_distribution_id = "EWRONGID12345"'))
    site = write_site(repo.root / "site", BASE_SITE)
    assert run_publish(repo).exit_code == 0
    write_site(site, {**BASE_SITE, "index.html": "<p>changed</p>"})
    result = run_publish(repo)
    assert result.exit_code == 1
    assert "invalidating 2 paths on CloudFront distribution EWRONGID12345: NoSuchDistribution" in result.output
    assert bodies(s3, "status-cdn")["index.html"] == b"<p>changed</p>"  # the upload itself went out

    config = (repo.root / "statusgen.toml").read_text().replace("EWRONGID12345", distribution)
    (repo.root / "statusgen.toml").write_text(config)
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    assert "primary: 0 uploaded, 0 deleted, 21 unchanged" in result.output
    assert s3.invalidations(distribution) == [["/", "/index.html"]]
    assert run_publish(repo).exit_code == 0
    assert len(s3.invalidations(distribution)) == 1  # done once, then forgotten
