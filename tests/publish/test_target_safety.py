"""Targets that would destroy each other, links out of the site, and URLs that slip past the rules."""

from __future__ import annotations

import pytest

from tests.publish.conftest import BASE_SITE, add_targets, site_bytes, write_site


def check(repo):
    return repo.run("check", "--root", str(repo.root))


def publish(repo, *args, env=None):
    return repo.run("publish", "--root", str(repo.root), *args, env=env)


def target(name: str, url: str, extra: str = "") -> str:
    return f'[[targets]]\nname = "{name}"\nurl = "{url}"\n{extra}'


NESTED = {
    "prefix inside a prefix": ("s3://acme/www/", "s3://acme/www/status/"),
    "the same prefix": ("s3://acme/www/", "s3://acme/www"),
    "the whole bucket and a prefix": ("s3://acme/", "s3://acme/status/"),
    "directory inside a directory": ("file://public", "file://public/status"),
    "the same directory, spelt two ways": ("file://public", "file://./public/"),
}


@pytest.mark.parametrize("case", NESTED)
def test_check_refuses_targets_inside_one_another(repo, case):
    outer, inner = NESTED[case]
    add_targets(repo, target("outer", outer), target("inner", inner))
    result = check(repo)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (f"statusgen.toml: targets[1].url: {inner} overlaps targets[0] (outer: {outer}); expected targets "
            "that neither equal nor lie inside one another") in result.output


def test_nested_targets_are_refused_before_anything_is_published(repo, tmp_path):
    add_targets(repo, target("outer", f"file://{tmp_path / 'www'}"),
                target("inner", f"file://{tmp_path / 'www' / 'status'}"))
    write_site(repo.root / "site", BASE_SITE)
    result = publish(repo, "--allow-deletes")
    assert result.exit_code == 1 and "overlaps targets[0]" in result.output
    assert not (tmp_path / "www").exists()


SEPARATE = {
    "sibling prefixes": ("s3://acme/www/", "s3://acme/www-status/"),
    "other buckets": ("s3://acme/", "s3://acme-mirror/"),
    "the same bucket name on another store": ("s3://acme/", "s3://acme/",
                                              'endpoint_url = "https://r2.example.com"\n'),
    "sibling directories": ("file://public", "file://public-mirror"),
}


@pytest.mark.parametrize("case", SEPARATE)
def test_separate_targets_are_accepted(repo, case):
    first, second, *extra = SEPARATE[case]
    add_targets(repo, target("one", first), target("two", second, *extra))
    result = check(repo)
    assert result.exit_code == 0, result.output


# Links inside the built site


def test_a_link_out_of_the_site_is_never_published(repo, tmp_path):
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = do-not-publish\n")
    site = write_site(repo.root / "site", BASE_SITE)
    (site / "assets").mkdir(exist_ok=True)
    (site / "assets" / "creds.txt").symlink_to(secret)
    mirror = tmp_path / "www"
    add_targets(repo, target("disk", f"file://{mirror}"))
    result = publish(repo)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{site / 'assets' / 'creds.txt'}: a symbolic link to {secret}, outside the site; statusgen does " \
           "not publish what lies outside the built site" in result.output
    assert not mirror.exists()


def test_a_linked_folder_out_of_the_site_is_never_published(repo, tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    (private / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    site = write_site(repo.root / "site", BASE_SITE)
    (site / "more").symlink_to(private, target_is_directory=True)
    mirror = tmp_path / "www"
    add_targets(repo, target("disk", f"file://{mirror}"))
    result = publish(repo)
    assert result.exit_code == 1 and "a symbolic link to" in result.output
    assert not mirror.exists()


def test_a_link_within_the_site_is_published_with_its_content(repo, tmp_path):
    site = write_site(repo.root / "site", BASE_SITE)
    (site / "status.html").symlink_to(site / "index.html")
    mirror = tmp_path / "www"
    add_targets(repo, target("disk", f"file://{mirror}"))
    result = publish(repo)
    assert result.exit_code == 0, result.output
    assert (mirror / "status.html").read_bytes() == site_bytes(site)["index.html"]


# One strict URL parser for url and endpoint_url


BAD_ENDPOINTS = {
    "backslash before @localhost": ("http://evil.example\\\\@localhost/", "user name or password"),
    "a subdomain of localhost": ("http://x.localhost:9000", "plain http is only for localhost"),
    "a line break": ("https://s3.example.com\\n", "line break or control character"),
    "a query": ("https://s3.example.com/?x=1", "query"),
    "credentials": ("https://AKIAEXAMPLE:Zq8vX1sNeverPrintMe@s3.example.com", "user name or password"),
    "an unparsable port": ("https://s3.example.com:99999", "cannot be parsed"),
}


@pytest.mark.parametrize("case", BAD_ENDPOINTS)
def test_a_bad_endpoint_url_is_a_config_error(repo, case):
    endpoint, why = BAD_ENDPOINTS[case]
    add_targets(repo, target("p", "s3://acme/", f'endpoint_url = "{endpoint}"\n'))
    result = check(repo)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "statusgen.toml: targets[0].endpoint_url: found " in result.output
    assert "expected an absolute https URL (http only for localhost)" in result.output and why in result.output
    assert "Zq8vX1sNeverPrintMe" not in result.output and "AKIAEXAMPLE" not in result.output


@pytest.mark.parametrize("endpoint", ["http://localhost:9000", "http://127.0.0.1:9000", "http://[::1]:9000",
                                      "https://s3.example.com", "https://minio.example.com:9443/"])
def test_good_endpoint_urls_are_accepted(repo, endpoint):
    add_targets(repo, target("p", "s3://acme/", f'endpoint_url = "{endpoint}"\n'))
    assert check(repo).exit_code == 0


BAD_URLS = {
    "credentials in an s3 url": ("s3://key:Zq8vX1sNeverPrintMe@acme/", "user name or password"),
    "an upper-case bucket": ("s3://Acme/", "expected a bucket name"),
    "a parent segment in the prefix": ("s3://acme/www/../other/", "'..' segment"),
    "a line break": ("s3://acme/www\\n", "line break"),
    "a backslash": ("file://C:\\\\www", "backslash"),
    "a query": ("s3://acme/www/?x", "query"),
    "another scheme": ("https://acme.example/", "does not start with s3:// or file://"),
    "no directory": ("file://", "expected a directory"),
}


@pytest.mark.parametrize("case", BAD_URLS)
def test_a_bad_target_url_is_a_config_error(repo, case):
    url, why = BAD_URLS[case]
    add_targets(repo, target("p", url))
    result = check(repo)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "statusgen.toml: targets[0].url: found " in result.output and why in result.output
    assert "Zq8vX1sNeverPrintMe" not in result.output


def test_a_missing_aws_profile_is_a_clear_error(repo, tmp_path):
    empty = tmp_path / "aws-config"
    empty.write_text("")
    add_targets(repo, target("p", "s3://acme/", 'endpoint_url = "http://127.0.0.1:9"\n'))
    write_site(repo.root / "site", BASE_SITE)
    result = publish(repo, env={"AWS_PROFILE": "no-such-profile", "AWS_CONFIG_FILE": str(empty),
                                "AWS_SHARED_CREDENTIALS_FILE": str(empty)})
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "p: FAILED: the AWS profile 'no-such-profile' (from AWS_PROFILE) is not in the AWS config files" \
        in result.output


# The delete guard counts every delete since the last publish allowed to delete


def test_deletes_add_up_across_publishes_until_one_is_allowed(repo, tmp_path):
    mirror = tmp_path / "www"
    add_targets(repo, target("disk", f"file://{mirror}"))
    pages = sorted(BASE_SITE)
    assert len(pages) == 21
    site = write_site(repo.root / "site", BASE_SITE)
    assert publish(repo).exit_code == 0

    def without(count):
        gone = [p for p in pages if p != "index.html"][:count]
        write_site(site, {k: v for k, v in BASE_SITE.items() if k not in gone})

    without(4)  # 4 of 21: fine on its own
    result = publish(repo)
    assert result.exit_code == 0 and "disk: 0 uploaded, 4 deleted" in result.output
    without(8)  # 4 more: 8 of 21 since the last allowed delete
    result = publish(repo)
    assert result.exit_code == 1
    assert ("disk: FAILED: refusing to delete 4 of 21 files (more than 25% of the site, counting 4 deleted "
            "since the last --allow-deletes)") in result.output
    assert mirror_paths(mirror) == sorted(set(BASE_SITE) - set([p for p in pages if p != "index.html"][:4]))
    result = publish(repo, "--allow-deletes")
    assert result.exit_code == 0 and "4 deleted" in result.output
    without(10)  # 2 more after an allowed publish: the count starts again (2 of 13)
    result = publish(repo)
    assert result.exit_code == 0, result.output
    manifest = (mirror / ".statusgen-manifest.json").read_text()
    assert '"deletes_since_allowed":2' in manifest and '"largest_since_allowed":13' in manifest


def mirror_paths(mirror):
    return sorted(k for k in site_bytes(mirror) if not k.startswith(".statusgen"))
