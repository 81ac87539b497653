"""Where the ledger lives, and that it keeps two runs from sending the same message."""

from __future__ import annotations

import json
import threading

from statusgen.notify import ledger as ledger_module
from statusgen.notify.run import notify
from statusgen.times import parse_time
from tests.notify.conftest import NOW, channel
from tests.notify.test_webhook import INCIDENT
from tests.publish.conftest import moto_url, s3, s3_target  # noqa: F401  (fixtures)

LEDGER_KEY = "status/.statusgen-notify-ledger.json"
UPDATE_AT = "2026-11-20T15:10:00Z"


def add_update(nrepo):
    result = nrepo.run("update", "2026-11-20-api-errors", "--root", str(nrepo.root), "--status", "identified",
                       "--message", "Rolling back.", "--at", UPDATE_AT)
    assert result.exit_code == 0, result.output


def test_ledger_on_s3_two_concurrent_runs_send_once(nrepo, receiver, s3, moto_url, monkeypatch):  # noqa: F811
    s3.create_bucket("status-site")
    nrepo.env.update(A_URL=f"{receiver.url}/a", B_URL=f"{receiver.url}/b")
    nrepo.configure(channel("a", "webhook", url_env="A_URL"), channel("b", "slack", url_env="B_URL"),
                    s3_target("live", "s3://status-site/status/", moto_url))
    nrepo.incident("2026-11-20-api-errors", INCIDENT)
    first = nrepo.notify(ledger=False)
    assert first.exit_code == 0, first.output
    assert LEDGER_KEY in s3.keys("status-site")
    add_update(nrepo)

    # Both runs read the same version of the ledger before either writes: a real race.
    runners, waited = set(), set()
    barrier = threading.Barrier(2, timeout=20)
    original = ledger_module.S3Store.read

    def read(store):
        got = original(store)
        me = threading.get_ident()
        if me in runners and me not in waited:
            waited.add(me)
            barrier.wait()
        return got

    monkeypatch.setattr(ledger_module.S3Store, "read", read)
    outputs: list[list[str]] = [[], []]
    errors: list[BaseException] = []

    def run(index: int):
        runners.add(threading.get_ident())
        try:
            notify(nrepo.root, parse_time("2026-11-20T15:20:00Z", None), echo=outputs[index].append,
                   environ=nrepo.env)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(waited) == 2
    assert [r.json()["meta"]["delivery_id"] for r in receiver.delivered("/a")] == \
        ["2026-11-20-api-errors-20261120T151000Z"]
    assert len(receiver.delivered("/b")) == 1
    lines = outputs[0] + outputs[1]
    assert "a: sent 1 messages" in lines and "b: sent 1 messages" in lines
    assert any("skipped: another notify run is sending to it" in line for line in lines)

    again = nrepo.notify(now="2026-11-20T15:30:00Z", ledger=False)
    assert again.exit_code == 0, again.output
    assert len(receiver.requests) == 2

    # publishing leaves the ledger alone: not listed, not deleted
    nrepo.build("2026-11-20T15:30:00Z")
    published = nrepo.run("publish", "--root", str(nrepo.root))
    assert published.exit_code == 0, published.output
    assert LEDGER_KEY in s3.keys("status-site")


def test_ledger_in_a_file_target_survives_publish(nrepo, receiver, tmp_path):
    public = tmp_path / "public"
    nrepo.env["A_URL"] = f"{receiver.url}/a"
    nrepo.configure(channel("a", "webhook", url_env="A_URL"),
                    f'[[targets]]\nname = "disk"\nurl = "file://{public}"\n')
    nrepo.incident("2026-11-20-api-errors", INCIDENT)
    nrepo.build(NOW)
    assert nrepo.run("publish", "--root", str(nrepo.root)).exit_code == 0
    assert nrepo.notify(ledger=False).exit_code == 0
    ledger_file = public / ".statusgen-notify-ledger.json"
    assert ledger_file.is_file()
    add_update(nrepo)
    nrepo.build("2026-11-20T15:20:00Z")
    dry = nrepo.run("publish", "--root", str(nrepo.root), "--dry-run")
    assert "statusgen-notify" not in dry.output
    assert nrepo.run("publish", "--root", str(nrepo.root)).exit_code == 0
    assert ledger_file.is_file()
    assert nrepo.notify(now="2026-11-20T15:20:00Z", ledger=False).exit_code == 0
    assert len(receiver.delivered("/a")) == 1


def test_an_unreadable_ledger_is_refused_not_overwritten(nrepo, receiver):
    nrepo.env["A_URL"] = f"{receiver.url}/a"
    nrepo.configure(channel("a", "webhook", url_env="A_URL"))
    nrepo.ledger.write_text("{not json")
    result = nrepo.notify()
    assert result.exit_code == 1
    assert "not a notify ledger that this statusgen can read" in result.output
    assert nrepo.ledger.read_text() == "{not json"


def test_no_target_and_no_ledger_file_is_a_clear_error(nrepo, receiver):
    nrepo.env["A_URL"] = f"{receiver.url}/a"
    nrepo.configure(channel("a", "webhook", url_env="A_URL"))
    result = nrepo.notify(ledger=False)
    assert result.exit_code == 1
    assert "nowhere to keep the notify ledger" in result.output and "--ledger FILE" in result.output


def test_ledger_round_trip_groups_ids_by_notice_and_stores_a_shared_baseline_once():
    from datetime import datetime, timezone

    ids = {"2026-11-20-api-errors-20261120T140000Z", "2026-11-20-api-errors-20261120T140000Z/api",
           "2026-11-20-api-errors-20261120T140000Z-2", "2026-12-01-db-upgrade-reminder-24h", "odd id"}
    baseline = frozenset({"2026-11-19-db-20261119T080000Z", "2026-11-19-db-20261119T090000Z"})
    state = ledger_module.LedgerState(
        {"a": ledger_module.ChannelRecord(baseline, ids), "b": ledger_module.ChannelRecord(frozenset(baseline)),
         "c": ledger_module.ChannelRecord()},
        {"a": ledger_module.Claim("run1", datetime(2026, 11, 20, tzinfo=timezone.utc))})
    data = ledger_module.encode(state)
    assert b'"2026-11-20-api-errors":["20261120T140000Z","20261120T140000Z-2","20261120T140000Z/api"]' in data
    document = json.loads(data)
    assert document["baselines"] == ["2026-11-19-db-20261119T080000Z\n2026-11-19-db-20261119T090000Z"]
    assert document["channels"]["a"]["baseline"] == document["channels"]["b"]["baseline"] == 0
    assert "baseline" not in document["channels"]["c"]
    again = ledger_module.decode(data, "x")
    assert again.channels == state.channels and again.claims == state.claims
    assert again.channels["a"].baseline is again.channels["b"].baseline
    assert ledger_module.encode(again) == data


def test_channels_starting_together_share_one_baseline(nrepo, receiver):
    nrepo.env.update(A_URL=f"{receiver.url}/a", B_URL=f"{receiver.url}/b")
    nrepo.configure(channel("a", "webhook", url_env="A_URL"), channel("b", "slack", url_env="B_URL", components=["db"]))
    nrepo.incident("2026-11-20-api-errors", INCIDENT)
    result = nrepo.notify()
    assert result.exit_code == 0, result.output
    assert "a: first run: recorded 1 updates already public, sent nothing" in result.output
    document = json.loads(nrepo.ledger.read_bytes())
    assert document["version"] == 2
    assert document["baselines"] == ["2026-11-20-api-errors-20261120T140000Z"]
    assert document["channels"]["a"]["baseline"] == document["channels"]["b"]["baseline"] == 0
    assert receiver.requests == []


# What statusgen 0.1 wrote: every message id one by one. Here the webhook confirmed the
# incident's first update but not yet the component update that goes with it.
FIRST_FORMAT = {"format": "statusgen-notify-ledger", "version": 1, "claims": {}, "channels": {
    "ops-hook": {"settled": {"2026-11-20-api-errors": ["20261120T140000Z"]}},
    "db-hook": {"settled": {"2026-11-20-api-errors": ["20261120T140000Z"]}}}}


def test_a_ledger_of_the_first_format_is_read_and_nothing_it_recorded_is_lost_or_resent(nrepo, receiver):
    nrepo.env.update(HOOK_URL=f"{receiver.url}/hook", DB_URL=f"{receiver.url}/db-only")
    nrepo.configure(channel("ops-hook", "webhook", url_env="HOOK_URL"),
                    channel("db-hook", "webhook", url_env="DB_URL", components=["db"]))
    nrepo.incident("2026-11-20-api-errors", INCIDENT)
    nrepo.ledger.write_text(json.dumps(FIRST_FORMAT))
    add_update(nrepo)
    result = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert result.exit_code == 0, result.output
    # the component update it had not confirmed, then the new update; the confirmed one not again
    assert [r.json()["meta"]["delivery_id"] for r in receiver.delivered("/hook")] == [
        "2026-11-20-api-errors-20261120T140000Z/api", "2026-11-20-api-errors-20261120T151000Z"]
    assert receiver.at("/db-only") == []
    document = json.loads(nrepo.ledger.read_bytes())
    assert document["version"] == 2
    assert document["channels"]["ops-hook"]["settled"] == {"2026-11-20-api-errors": [
        "20261120T140000Z", "20261120T140000Z/api", "20261120T151000Z"]}
    assert document["channels"]["db-hook"]["settled"] == {"2026-11-20-api-errors": [
        "20261120T140000Z", "20261120T151000Z"]}
    again = nrepo.notify(now="2026-11-20T15:30:00Z")
    assert again.exit_code == 0, again.output
    assert len(receiver.requests) == 2


def test_a_component_update_that_failed_after_its_incident_update_is_sent_next_run(nrepo, receiver):
    nrepo.env["HOOK_URL"] = f"{receiver.url}/hook"
    nrepo.configure(channel("ops-hook", "webhook", url_env="HOOK_URL"))
    nrepo.incident("2026-11-20-api-errors", INCIDENT)
    assert nrepo.notify().exit_code == 0
    changed = nrepo.run("update", "2026-11-20-api-errors", "--root", str(nrepo.root), "--status", "identified",
                        "--message", "Rolling back.", "--at", UPDATE_AT, "--component", "api=major_outage")
    assert changed.exit_code == 0, changed.output
    receiver.script["/hook"] = [200, 404]  # the incident update gets through, its component update not
    failed = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert failed.exit_code == 1
    again = nrepo.notify(now="2026-11-20T15:25:00Z")
    assert again.exit_code == 0, again.output
    assert [r.json()["meta"]["delivery_id"] for r in receiver.delivered("/hook")] == [
        "2026-11-20-api-errors-20261120T151000Z", "2026-11-20-api-errors-20261120T151000Z/api"]


def test_a_file_target_not_yet_published_is_refused(nrepo, receiver, tmp_path):
    nrepo.env["A_URL"] = f"{receiver.url}/a"
    nrepo.configure(channel("a", "webhook", url_env="A_URL"),
                    f'[[targets]]\nname = "disk"\nurl = "file://{tmp_path / "public"}"\n')
    result = nrepo.notify(ledger=False)
    assert result.exit_code == 1
    assert "has not been published to yet; run 'statusgen publish' first" in result.output
    assert not (tmp_path / "public").exists()
