"""[[notify]] channels and the [site] notify settings are validated with everything else."""

from __future__ import annotations

from datetime import timedelta

from statusgen.config import load_config
from tests.factories import incident_file, update
from tests.notify.conftest import channel


def test_every_problem_is_reported_at_once(nrepo):
    nrepo.configure(
        channel("hook", "webhook", url_env="hook-url"),
        channel("hook", "webhook", url_env="HOOK_URL"),
        channel("pager", "pagerduty"),
        channel("filtered", "slack", url_env="S", components=["apii"], notices=["outage"]),
        channel("mail", "email", smtp_host="smtp.example.com", starttls=False, to="nobody"),
        channel("toot", "mastodon", token_env="TOOT", colour="red"),
        channel("tg", "telegram", token_env="TG", chat_id="not a chat"),
        site_extra='websub_hub = "http://hub.example.com/"\nremind_before = ["24h", "soon"]\n',
    )
    result = nrepo.run("check", "--root", str(nrepo.root))
    assert result.exit_code == 1
    out = result.output
    expected = [
        "notify[0].url_env: found 'hook-url'; expected the NAME of an environment variable",
        "notify[1].name: duplicate channel name 'hook'; expected unique names",
        "notify[2].kind: found 'pagerduty'; expected one of: webhook, slack, teams, discord, google_chat, "
        "telegram, ntfy, mastodon, email",
        "notify[3].components: found 'apii'; expected one of: api, web, db",
        "notify[3].notices: found 'outage'; expected one of: incident, maintenance",
        "notify[4].starttls: found false (and tls is false) for 'smtp.example.com'; expected starttls = true or tls = true",
        "notify[4].from: missing; expected a text value",
        "notify[4].to: found 'nobody'; expected a list of addresses",
        "notify[5].colour: unknown setting 'colour' for a mastodon channel",
        "notify[5].instance: missing; expected a text value",
        "notify[6].chat_id: found 'not a chat'; expected a chat id",
        "site.websub_hub: found 'http://hub.example.com/'; expected an absolute https URL",
        "site.remind_before: found 'soon'; expected a list of durations",
    ]
    for line in expected:
        assert line in out, line
    assert "Traceback" not in out


def test_valid_channels_and_settings_are_read(nrepo):
    nrepo.configure(
        channel("ops", "webhook", url_env="OPS_URL", secret_env="OPS_SECRET", components=["api"]),
        channel("list", "email", smtp_host="smtp.example.com", **{"from": "status@example.com"},
                to=["announce@lists.example.com"], username_env="SMTP_USER", password_env="SMTP_PASSWORD"),
        site_extra='websub_hub = "https://hub.example.com/"\nremind_before = ["1h", "2d", "24h"]\n',
    )
    config = load_config(nrepo.root)
    ops, mail = config.notify
    assert (ops.kind, ops.url_env, ops.secret_env, ops.components) == ("webhook", "OPS_URL", "OPS_SECRET", ("api",))
    assert ops.notices == ("incident", "maintenance")
    assert (mail.smtp_port, mail.starttls, mail.tls, mail.to) == (587, True, False, ("announce@lists.example.com",))
    assert config.site.websub_hub == "https://hub.example.com/"
    assert [(r.label, r.before) for r in config.site.remind_before] == [
        ("2d", timedelta(days=2)), ("24h", timedelta(hours=24)), ("1h", timedelta(hours=1))]


def test_notify_key_in_front_matter_must_be_a_boolean(nrepo):
    incident_file(nrepo, "2026-11-20-x", "X", None, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:00:00Z", "investigating", "x"),
                  notify="no")
    result = nrepo.run("check", "--root", str(nrepo.root))
    assert result.exit_code == 1
    assert "incidents/2026-11-20-x.md: notify: found 'no'; expected true or false" in result.output
