"""Connections that drop mid-publish, and which endpoints are accepted at all."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.publish.conftest import BASE_SITE, ResettingProxy, add_targets, s3_target, site_bytes, write_site

BUCKET = "status-flaky"


def run_publish(repo, *args):
    return repo.run("publish", "--root", str(repo.root), *args)


@pytest.fixture
def flaky(repo, s3):
    """A repository whose target goes through a proxy; returns a function to make the proxy."""
    s3.create_bucket(BUCKET)
    s3.put(BUCKET, "incidents/stale/index.html", b"stale")
    write_site(repo.root / "site", BASE_SITE)
    proxies = []

    def make(budget: int, persistent: bool) -> ResettingProxy:
        proxy = ResettingProxy(urlparse(s3.url).port, budget, persistent)
        proxies.append(proxy)
        add_targets(repo, s3_target("primary", f"s3://{BUCKET}/", proxy.url))
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


def stored(s3):
    return {k: v[0] for k, v in s3.objects(BUCKET).items()}


def test_a_connection_reset_mid_publish_is_retried_to_success(repo, s3, flaky):
    proxy = flaky(budget=6000, persistent=False)
    result = run_publish(repo)
    assert proxy.resets == 1  # the fault really happened, in the middle of the uploads
    assert result.exit_code == 0, result.output
    assert stored(s3) == site_bytes(repo.root / "site")
    result = run_publish(repo)
    assert "primary: 0 uploaded, 0 deleted, 21 unchanged" in result.output


def test_an_outage_mid_publish_is_a_clear_error_and_a_rerun_converges(repo, s3, flaky, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # give up quickly
    proxy = flaky(budget=6000, persistent=True)
    result = run_publish(repo)
    assert proxy.resets >= 2
    assert result.exit_code == 1
    assert "primary: FAILED: uploading s3://status-flaky/" in result.output
    assert "gave up after retrying" in result.output and "run publish again" in result.output
    assert "Traceback" not in result.output
    partial = stored(s3)
    assert "incidents/stale/index.html" in partial  # no delete before every upload succeeded
    assert set(partial) != set(BASE_SITE) | {"incidents/stale/index.html"}

    proxy.heal()
    result = run_publish(repo)
    assert result.exit_code == 0, result.output
    assert stored(s3) == site_bytes(repo.root / "site")
    assert "primary: 0 uploaded, 0 deleted, 21 unchanged" in run_publish(repo).output


def test_an_unreachable_endpoint_is_a_clear_error(repo, s3, monkeypatch):
    from tests.publish.conftest import free_port

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    add_targets(repo, s3_target("primary", f"s3://{BUCKET}/", f"http://127.0.0.1:{free_port()}"))
    write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 1
    assert "primary: FAILED: listing s3://status-flaky/: Could not connect to the endpoint URL" in result.output


@pytest.mark.parametrize("endpoint", ["http://minio.example.com:9000", "http://10.0.0.5:9000", "ftp://x.example"])
def test_plain_http_endpoints_are_refused_unless_loopback(repo, endpoint):
    add_targets(repo, s3_target("primary", "s3://bucket-x/", endpoint))
    write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 1
    assert f"statusgen.toml: targets[0].endpoint_url: found '{endpoint}'; expected an absolute https URL" \
        in result.output


def test_credentials_are_not_read_from_statusgen_toml(repo):
    add_targets(repo, '[[targets]]\nname = "p"\nurl = "s3://bucket-x/"\naws_secret_access_key = "abc"\n')
    write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 1
    assert "targets[0].aws_secret_access_key: unknown setting 'aws_secret_access_key'" in result.output


def test_no_credentials_is_a_clear_error(repo, s3, monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    s3.create_bucket(BUCKET)
    add_targets(repo, s3_target("primary", f"s3://{BUCKET}/", s3.url))
    write_site(repo.root / "site", BASE_SITE)
    result = run_publish(repo)
    assert result.exit_code == 1
    assert "no AWS credentials found; statusgen uses the standard AWS credential chain" in result.output
