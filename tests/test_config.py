"""statusgen.toml's [site], [[groups]] and [[components]]: hostile and broken values, end to end
through the CLI. Each is refused by `check` and `build` with the file, the setting, the value
(escaped) and what is expected; exit 1, no traceback, the previous site kept."""

from __future__ import annotations

import os

import pytest

from tests.conftest import MINIMAL_CONFIG
from tests.test_content import assert_refused


def built_site(repo) -> dict[str, bytes]:
    site = repo.build()
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def with_setting(repo, old: str, new: str) -> None:
    assert old in MINIMAL_CONFIG
    repo.write("statusgen.toml", MINIMAL_CONFIG.replace(old, new, 1))


TEXT_CASES = {
    "escape in site.title": ('title = "Test Status"', 'title = "Test \\u001b[31mStatus"',
                             "site.title: found 'Test \\x1b[31mStatus'; contains the control character '\\x1b' at character 6"),
    "NEL in site.title": ('title = "Test Status"', 'title = "Test\\u0085Status"',
                          "site.title: found 'Test\\x85Status'; contains the control character '\\x85' at character 5"),
    "bare CR in site.title": ('title = "Test Status"', 'title = "Test\\rStatus"',
                              "site.title: found 'Test\\rStatus'; contains the line break '\\r' at character 5"),
    "CRLF in a component name": ('name = "API"', 'name = "A\\r\\nPI"',
                                 "components[0].name: found 'A\\r\\nPI'; contains the line break '\\r' at character 2"),
    "escape in a group name": ('name = "Core"', 'name = "Co\\u001bre"',
                               "groups[0].name: found 'Co\\x1bre'; contains the control character '\\x1b'"),
    "NUL in site.description": ('description = "Status of test services"', 'description = "Status\\u0000"',
                                "site.description: found 'Status\\x00'; contains the control character '\\x00'"),
}


@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_control_characters_in_settings_are_refused(repo, case):
    before = built_site(repo)
    old, new, message = TEXT_CASES[case]
    with_setting(repo, old, new)
    assert_refused(repo, before, f"statusgen.toml: {message}", "expected text without control characters")


def test_a_multi_line_description_is_fine(repo):
    with_setting(repo, 'description = "Status of test services"', 'description = """Status of\r\ntest services"""')
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 0, result.output


BASE_URL_CASES = {
    "query and fragment": ('"https://status.test.example/?a=b#frag"', "found 'https://status.test.example/?a=b#frag'",
                           "it has a query (?…) or fragment (#…)"),
    "broken IPv6 host": ('"https://[::1/"', "found 'https://[::1/'", "it cannot be parsed (Invalid IPv6 URL)"),
    "trailing //": ('"https://status.test.example//"', "found 'https://status.test.example//'",
                    "its path contains an empty segment ('//')"),
    "empty segment inside": ('"https://status.test.example/a//b/"', "found 'https://status.test.example/a//b/'",
                             "its path contains an empty segment ('//')"),
    "bad port": ('"https://status.test.example:99999/"', "found 'https://status.test.example:99999/'",
                 "it cannot be parsed (Port out of range 0-65535)"),
    "user info": ('"https://user:pw@status.test.example/"', "found 'https://user:pw@status.test.example/'",
                  "it carries a user name or password"),
    "bad host": ('"https://status_test!.example/"', "found 'https://status_test!.example/'",
                 "its host 'status_test!.example' is not a valid host name"),
    "no host": ('"https:///status/"', "found 'https:///status/'", "it does not start with https://HOST"),
}


@pytest.mark.parametrize("case", sorted(BASE_URL_CASES))
def test_bad_base_urls_are_refused_with_what_is_expected(repo, case):
    before = built_site(repo)
    value, found, why = BASE_URL_CASES[case]
    with_setting(repo, 'base_url = "https://status.test.example/"', f"base_url = {value}")
    assert_refused(repo, before, f"statusgen.toml: site.base_url: {found}; expected an absolute https URL "
                                 "(http only for localhost) without query or fragment", why)


@pytest.mark.parametrize("field", ["base_url", "support_url"])
def test_a_line_break_in_a_url_is_refused(repo, field):
    before = built_site(repo)
    with_setting(repo, 'timezone = "UTC"', f'timezone = "UTC"\n{field} = "https://status.test.example/\\n"')
    if field == "base_url":
        repo.write("statusgen.toml", (repo.root / "statusgen.toml").read_text().replace(
            'base_url = "https://status.test.example/"\n', "", 1))
    assert_refused(repo, before, f"statusgen.toml: site.{field}: found 'https://status.test.example/\\n'; "
                                 "contains the line break '\\n' at character 29")


@pytest.mark.parametrize("value", ["https://status.test.example", "https://status.test.example/status/",
                                   "http://localhost:8000/", "http://127.0.0.1/", "https://[2001:db8::1]/",
                                   "https://bücher.example/"])
def test_good_base_urls_are_accepted(repo, value):
    with_setting(repo, 'base_url = "https://status.test.example/"', f'base_url = "{value}"')
    result = repo.run("check", "--root", str(repo.root))
    assert result.exit_code == 0, result.output


def test_mailto_support_url_is_accepted_and_links_to_the_address(repo):
    from bs4 import BeautifulSoup

    with_setting(repo, 'timezone = "UTC"', 'timezone = "UTC"\nsupport_url = "mailto:support@example.com"')
    site = repo.build()
    page = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    assert page.find("a", string="Report a problem")["href"] == "mailto:support@example.com"


@pytest.mark.parametrize("value, why", [
    ("mailto://support@example.com", "'mailto:' is followed directly by the address, without '//'"),
    ("mailto:", "no valid address follows 'mailto:'"),
    ("mailto:support", "no valid address follows 'mailto:'"),
    ("javascript:alert(1)", "it does not start with https://HOST"),
    ("https://example.com/support ", "it contains a space, line break or control character"),
])
def test_bad_support_urls_are_refused_with_what_is_expected(repo, value, why):
    before = built_site(repo)
    with_setting(repo, 'timezone = "UTC"', f'timezone = "UTC"\nsupport_url = "{value}"')
    assert_refused(repo, before, f"statusgen.toml: site.support_url: found {value!r}; expected an absolute https "
                                 "URL such as 'https://example.com/support', or mailto:ADDRESS such as "
                                 f"'mailto:support@example.com' ({why})")


def test_config_that_is_a_folder_a_pipe_or_huge_is_refused(repo):
    from tests import cli_process

    before = built_site(repo)
    config = repo.root / "statusgen.toml"
    config.unlink()
    config.mkdir()
    assert_refused(repo, before, "statusgen.toml: a folder; expected a file")
    config.rmdir()
    os.mkfifo(config)
    result = cli_process.run("check", "--root", str(repo.root))  # raises if it hangs
    assert result.returncode == 1
    assert "statusgen.toml: not a regular file (a named pipe, socket or device); expected a file" in result.stderr
    config.unlink()
    repo.write("statusgen.toml", MINIMAL_CONFIG + "#" * (1024 * 1024))
    assert_refused(repo, before, "statusgen.toml: 1,048,", "bytes; expected at most 1,048,576 bytes (1 MiB)")


def test_a_dangling_config_link_is_a_clear_error(repo, tmp_path):
    before = built_site(repo)
    config = repo.root / "statusgen.toml"
    config.unlink()
    config.symlink_to(tmp_path / "gone.toml")
    assert_refused(repo, before, "statusgen.toml: a symbolic link to", "which does not exist; expected a file")


def test_deeply_nested_toml_is_a_clear_error(repo):
    before = built_site(repo)
    repo.write("statusgen.toml", MINIMAL_CONFIG + "x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert_refused(repo, before, "statusgen.toml: nested too deeply; expected plain tables and arrays")


def test_a_huge_value_is_shown_cut_short(repo):
    before = built_site(repo)
    with_setting(repo, 'timezone = "UTC"', 'timezone = "' + "Z" * 200_000 + '"')
    output = assert_refused(repo, before, "statusgen.toml: site.timezone: found 'ZZZ",
                            "expected an IANA time zone such as 'Europe/Berlin' or 'UTC'")
    assert len(output) < 1500
