"""Maintenance reminders: sent once each, with stable ids, only before the window starts."""

from __future__ import annotations

from tests.factories import maintenance_file, update
from tests.notify.conftest import channel

SLUG = "2026-12-01-db-upgrade"


def write_window(nrepo, *later: dict, **fields) -> None:
    maintenance_file(nrepo, SLUG, "Database upgrade", {"db": "under_maintenance"}, "2026-12-01T02:00:00Z",
                     "2026-12-01T04:00:00Z", update("2026-11-20T10:00:00Z", "scheduled", "We will upgrade the database."),
                     *later, **fields)


def test_reminders_before_the_window(nrepo, receiver):
    nrepo.env.update(HOOK_URL=f"{receiver.url}/hook", INC_URL=f"{receiver.url}/incidents-only")
    nrepo.configure(channel("hook", "webhook", url_env="HOOK_URL"),
                    channel("incidents", "webhook", url_env="INC_URL", notices=["incident"]),
                    site_extra='remind_before = ["24h", "1h", "30d"]\n')
    write_window(nrepo)
    assert nrepo.notify(now="2026-11-20T11:00:00Z").exit_code == 0  # first run: records the announcement
    assert nrepo.notify(now="2026-11-30T01:59:00Z").exit_code == 0
    assert receiver.requests == []  # the 24h reminder is not due yet

    dry = nrepo.notify("--dry-run", now="2026-11-30T02:30:00Z")
    assert "Reminder: Database upgrade  [2026-12-01-db-upgrade-reminder-24h]" in dry.output
    assert receiver.requests == []

    assert nrepo.notify(now="2026-11-30T02:30:00Z").exit_code == 0
    assert nrepo.notify(now="2026-11-30T03:00:00Z").exit_code == 0
    assert nrepo.notify(now="2026-12-01T01:30:00Z").exit_code == 0
    assert nrepo.notify(now="2026-12-01T02:30:00Z").exit_code == 0  # started: no late reminder
    documents = [r.json() for r in receiver.at("/hook")]
    # the window's start is announced by its automatic in_progress update (and the db's change)
    started = f"{SLUG}-20261201T020000Z"
    assert [d["meta"]["delivery_id"] for d in documents] == [f"{SLUG}-reminder-24h", f"{SLUG}-reminder-1h",
                                                             started, f"{started}/db"]
    assert all(d["meta"]["event"] == "reminder" for d in documents[:2])
    assert documents[0]["meta"]["reminder_before"] == "24h"
    assert documents[0]["incident"]["scheduled_for"] == "2026-12-01T02:00:00.000Z"
    # the 30-day reminder would have fallen before the announcement: never sent
    assert receiver.at("/incidents-only") == []


def test_no_reminder_for_a_cancelled_window(nrepo, receiver):
    nrepo.env.update(HOOK_URL=f"{receiver.url}/hook")
    nrepo.configure(channel("hook", "webhook", url_env="HOOK_URL"), site_extra='remind_before = ["24h"]\n')
    write_window(nrepo, cancelled=True)
    assert nrepo.notify(now="2026-11-20T11:00:00Z").exit_code == 0
    assert nrepo.notify(now="2026-11-30T03:00:00Z").exit_code == 0
    assert receiver.requests == []


def test_reminder_text_in_chat(nrepo, receiver):
    nrepo.env.update(SLACK_URL=f"{receiver.url}/slack")
    nrepo.configure(channel("slack", "slack", url_env="SLACK_URL"), site_extra='remind_before = ["2h"]\n')
    write_window(nrepo)
    assert nrepo.notify(now="2026-11-20T11:00:00Z").exit_code == 0
    assert nrepo.notify(now="2026-12-01T00:30:00Z").exit_code == 0
    [got] = receiver.at("/slack")
    blocks = got.json()["blocks"]
    assert blocks[0]["text"]["text"] == "Reminder: Database upgrade"
    assert blocks[1]["text"]["text"] == ("Scheduled maintenance starts in 2 hours: "
                                         "2026-12-01 02:00 to 2026-12-01 04:00 UTC.")


def test_a_cancellation_is_announced_as_cancelled(nrepo, receiver):
    nrepo.env.update(SLACK_URL=f"{receiver.url}/slack")
    nrepo.configure(channel("slack", "slack", url_env="SLACK_URL"), site_extra='remind_before = ["24h"]\n')
    write_window(nrepo)
    assert nrepo.notify(now="2026-11-20T11:00:00Z").exit_code == 0
    write_window(nrepo, update("2026-11-25T09:00:00Z", "scheduled", "This maintenance is cancelled."), cancelled=True)
    assert nrepo.notify(now="2026-11-30T03:00:00Z").exit_code == 0  # and no reminder for it
    [got] = receiver.at("/slack")
    assert got.json()["blocks"][0]["text"]["text"] == "Cancelled: Database upgrade"


def test_automatic_start_and_end_of_a_window_are_pushed(nrepo, receiver):
    nrepo.env.update(HOOK_URL=f"{receiver.url}/hook")
    nrepo.configure(channel("hook", "webhook", url_env="HOOK_URL"))
    write_window(nrepo)
    assert nrepo.notify(now="2026-11-20T11:00:00Z").exit_code == 0
    assert nrepo.notify(now="2026-12-01T02:05:00Z").exit_code == 0
    assert nrepo.notify(now="2026-12-01T04:05:00Z").exit_code == 0
    assert nrepo.notify(now="2026-12-01T05:00:00Z").exit_code == 0
    documents = [r.json() for r in receiver.at("/hook")]
    start, end = f"{SLUG}-20261201T020000Z", f"{SLUG}-20261201T040000Z"
    assert [d["meta"]["delivery_id"] for d in documents] == [start, f"{start}/db", end, f"{end}/db"]
    assert documents[0]["incident"]["status"] == "in_progress"
    assert documents[2]["incident"]["status"] == "completed"
    assert (documents[1]["component_update"]["old_status"], documents[1]["component_update"]["new_status"]) == \
        ("operational", "under_maintenance")
    assert (documents[3]["component_update"]["old_status"], documents[3]["component_update"]["new_status"]) == \
        ("under_maintenance", "operational")
