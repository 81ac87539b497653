"""End to end through the CLI: a webhook on loopback, a local ledger, a real repository."""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.factories import incident_file, update
from tests.notify.conftest import channel

SECRET = "hook-secret-Kq3NeverPrintMe"
INCIDENT = """
title: Elevated API errors
started: 2026-11-20T14:00:00Z
components:
  api: partial_outage
updates:
  - at: 2026-11-20T14:00:00Z
    status: investigating
    message: Some API requests fail.
"""


def setup(nrepo, receiver, *extra):
    nrepo.env.update(HOOK_URL=f"{receiver.url}/hook", HOOK_SECRET=SECRET, DB_URL=f"{receiver.url}/db-only")
    nrepo.configure(channel("ops-hook", "webhook", url_env="HOOK_URL", secret_env="HOOK_SECRET"),
                    channel("db-hook", "webhook", url_env="DB_URL", components=["db"]), *extra)
    nrepo.incident("2026-11-20-api-errors", INCIDENT)


def add_update(nrepo, at="2026-11-20T15:10:00Z", *extra):
    result = nrepo.run("update", "2026-11-20-api-errors", "--root", str(nrepo.root), "--status", "identified",
                       "--message", "A bad deploy; rolling back.", "--at", at, *extra)
    assert result.exit_code == 0, result.output
    nrepo.build("2026-11-20T15:20:00Z")


def test_baseline_then_one_update_then_nothing(nrepo, receiver):
    setup(nrepo, receiver)
    first = nrepo.notify()
    assert first.exit_code == 0, first.output
    assert receiver.requests == []
    assert "ops-hook: first run: recorded 1 updates already public, sent nothing" in first.output

    add_update(nrepo)
    second = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert second.exit_code == 0, second.output
    assert "ops-hook: sent 1 messages" in second.output
    [got] = receiver.at("/hook")
    assert receiver.at("/db-only") == []  # filtered to db: the incident touches only api
    document = got.json()
    assert document["meta"]["delivery_id"] == "2026-11-20-api-errors-20261120T151000Z"
    assert got.headers["X-Statusgen-Delivery"] == document["meta"]["delivery_id"]
    assert document["meta"]["generated_at"] == "2026-11-20T15:20:00.000Z"
    assert document["page"] == {"id": "status.test.example", "status_indicator": "major",
                                "status_description": "Partial System Outage"}
    incident = document["incident"]
    assert incident["id"] == "2026-11-20-api-errors" and incident["status"] == "identified"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    assert incident["incident_updates"][0]["body"] == "A bad deploy; rolling back."
    assert incident["shortlink"] == "https://status.test.example/incidents/2026-11-20-api-errors/"
    assert incident["components"] == [{"id": "api", "name": "API", "status": "partial_outage"}]

    third = nrepo.notify(now="2026-11-20T15:30:00Z")
    assert third.exit_code == 0, third.output
    assert len(receiver.requests) == 1
    assert "ops-hook: nothing new" in third.output


def test_signature_verifies_over_the_exact_body(nrepo, receiver):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    assert nrepo.notify(now="2026-11-20T15:20:00Z").exit_code == 0
    [got] = receiver.at("/hook")
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["X-Statusgen-Signature"], expected)
    # the delivery id and send time are inside the signed bytes
    assert json.loads(got.body)["meta"]["delivery_id"] in got.body.decode()
    unsigned = [r for r in receiver.requests if r.path == "/db-only"]
    assert all("X-Statusgen-Signature" not in r.headers for r in unsigned)


def test_component_change_sends_component_update_to_matching_filter(nrepo, receiver):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo, "2026-11-20T15:10:00Z", "--component", "db=degraded_performance")
    assert nrepo.notify(now="2026-11-20T15:20:00Z").exit_code == 0
    kinds = sorted(r.json()["meta"]["event"] for r in receiver.at("/hook"))
    assert kinds.count("incident_update") == 1 and "component_update" in kinds
    db = [r.json() for r in receiver.at("/db-only")]
    # db is now affected: the filtered channel gets the incident and db's own change only
    assert sorted(d["meta"]["event"] for d in db) == ["component_update", "incident_update"]
    [change] = [d for d in db if d["meta"]["event"] == "component_update"]
    assert change["component_update"]["component_id"] == "db"
    assert change["component_update"]["old_status"] == "operational"
    assert change["component_update"]["new_status"] == "degraded_performance"
    assert change["component"]["name"] == "Database"


def test_500_twice_then_200_is_delivered_once(nrepo, receiver, no_waiting):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    receiver.script["/hook"] = [500, 500]
    result = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert result.exit_code == 0, result.output
    attempts = receiver.at("/hook")
    assert [r.status for r in attempts] == [500, 500, 200]
    assert len({r.json()["meta"]["delivery_id"] for r in attempts}) == 1
    assert len(no_waiting) == 2  # backed off twice, without really waiting
    assert nrepo.notify(now="2026-11-20T15:30:00Z").exit_code == 0
    assert len(receiver.delivered("/hook")) == 1


def test_channel_failing_the_whole_run_gets_it_next_run_and_others_still_go(nrepo, receiver):
    nrepo.env["OTHER_URL"] = f"{receiver.url}/other"
    setup(nrepo, receiver, channel("other", "webhook", url_env="OTHER_URL"))
    nrepo.notify()
    add_update(nrepo)
    receiver.script["/hook"] = [503] * 4
    failed = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert failed.exit_code == 1
    assert "ops-hook (HTTP 503 after 4 attempts)" in failed.output
    assert len(receiver.delivered("/other")) == 1  # the failing channel did not stop this one
    again = nrepo.notify(now="2026-11-20T15:25:00Z")
    assert again.exit_code == 0, again.output
    assert len(receiver.delivered("/hook")) == 1 and len(receiver.delivered("/other")) == 1
    assert nrepo.notify(now="2026-11-20T15:30:00Z").exit_code == 0
    assert len(receiver.delivered("/hook")) == 1


def test_retry_after_is_honoured(nrepo, receiver, no_waiting):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    receiver.script["/hook"] = [(429, {"Retry-After": "17"})]
    assert nrepo.notify(now="2026-11-20T15:20:00Z").exit_code == 0
    assert 17.0 in no_waiting
    assert len(receiver.delivered("/hook")) == 1


def test_other_4xx_is_a_configuration_error_and_not_retried(nrepo, receiver):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    receiver.script["/hook"] = [404]
    result = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert result.exit_code == 1
    assert "ops-hook (HTTP 404: configuration error" in result.output
    assert len(receiver.at("/hook")) == 1
    assert receiver.url not in result.output and SECRET not in result.output


def test_since_backfills_a_first_run(nrepo, receiver):
    setup(nrepo, receiver)
    result = nrepo.notify("--since", "2026-11-20T13:00:00Z", "--channel", "ops-hook")
    assert result.exit_code == 0, result.output
    assert [r.json()["meta"]["delivery_id"] for r in receiver.at("/hook")] == [
        "2026-11-20-api-errors-20261120T140000Z", "2026-11-20-api-errors-20261120T140000Z/api"]


def test_dry_run_prints_titles_and_sends_nothing(nrepo, receiver):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    before = nrepo.ledger.read_bytes()
    result = nrepo.notify("--dry-run", now="2026-11-20T15:20:00Z")
    assert result.exit_code == 0, result.output
    assert "ops-hook (webhook): would send 1 messages:" in result.output
    assert "Identified: Elevated API errors  [2026-11-20-api-errors-20261120T151000Z]" in result.output
    assert receiver.requests == [] and nrepo.ledger.read_bytes() == before
    assert receiver.url not in result.output


def test_notify_false_is_never_pushed(nrepo, receiver):
    setup(nrepo, receiver)
    nrepo.notify()
    incident_file(nrepo, "2026-11-20-old-outage", "Imported outage", {"api": "major_outage"}, "2026-11-20T15:05:00Z",
                  update("2026-11-20T15:05:00Z", "investigating", "Added after the fact."),
                  notify=False)
    assert nrepo.notify(now="2026-11-20T15:20:00Z").exit_code == 0
    assert receiver.requests == []


def test_test_message_goes_to_one_channel_and_is_marked(nrepo, receiver):
    setup(nrepo, receiver)
    result = nrepo.notify("--test", "ops-hook", ledger=False)
    assert result.exit_code == 0, result.output
    [got] = receiver.requests
    document = got.json()
    assert document["meta"]["event"] == "test"
    assert document["incident"]["name"] == "Test message for channel ops-hook"
    assert not nrepo.ledger.exists()


def test_missing_secret_names_the_variable_not_a_value(nrepo, receiver):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    del nrepo.env["HOOK_URL"]
    result = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert result.exit_code == 1
    assert "environment variable HOOK_URL is not set" in result.output
    assert len(receiver.delivered("/db-only")) == 0


def test_no_channels_is_not_an_error(nrepo):
    result = nrepo.notify()
    assert result.exit_code == 0, result.output
    assert "nothing to send" in result.output


def test_init_workflow_notifies_after_publish(tmp_path, nrepo):
    import yaml

    assert nrepo.run("init", str(tmp_path / "new")).exit_code == 0
    workflow = yaml.safe_load((tmp_path / "new/.github/workflows/status.yml").read_text())
    runs = [step.get("run") for step in workflow["jobs"]["publish"]["steps"]]
    assert runs.index("statusgen notify") == runs.index("statusgen publish") + 1


def test_an_unusable_secret_url_is_named_by_its_variable_only(nrepo, receiver):
    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    nrepo.env["HOOK_URL"] = "ftp://user:pa55word@hooks.example.com/T0/B1/xyz"
    result = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert result.exit_code == 1
    assert "ops-hook (HOOK_URL: the value (not shown) is not usable; expected an absolute https URL" in result.output
    assert "pa55word" not in result.output and "hooks.example.com" not in result.output


def test_an_unreachable_receiver_is_reported_without_its_url(nrepo, receiver, no_waiting):
    from tests.publish.conftest import free_port

    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    nrepo.env["HOOK_URL"] = f"http://127.0.0.1:{free_port()}/secret-path-XYZ"
    result = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert result.exit_code == 1
    assert "ops-hook (cannot connect (Connection refused) after 4 attempts)" in result.output
    assert "secret-path-XYZ" not in result.output
    assert no_waiting[:3] == [2.0, 8.0, 30.0]  # bounded backoff


def test_progress_lines_per_channel(nrepo, receiver):
    from statusgen.notify.run import notify
    from statusgen.times import parse_time

    setup(nrepo, receiver)
    nrepo.notify()
    add_update(nrepo)
    lines: list[str] = []
    notify(nrepo.root, parse_time("2026-11-20T15:20:00Z", None), ledger_file=nrepo.ledger, echo=lines.append,
           progress=True, environ=nrepo.env)
    assert "ops-hook: 1/1 sent" in lines and "ops-hook: sent 1 messages" in lines
