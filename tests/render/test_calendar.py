"""The maintenance calendar, built through the CLI and parsed with icalendar."""

from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar

from tests.conftest import DEMO_NOW
from tests.factories import incident_file, maintenance_file, update

NOW = "2026-11-20T15:00:00Z"
BASE = "https://status.test.example/"
UTC = timezone.utc



def write_db_upgrade(repo, *later: dict, end: str = "2026-11-22T04:00:00Z", **fields) -> None:
    maintenance_file(repo, "2026-11-22-db-upgrade", "Database upgrade",
                     {"db": "under_maintenance", "api": "degraded_performance"}, "2026-11-22T02:00:00Z", end,
                     update("2026-11-18T09:00:00+01:00", "scheduled", "We will upgrade the *database*; writes pause briefly."),
                     *later, **fields)


def events(path) -> dict[str, dict]:
    calendar = Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def write_corpus(repo) -> None:
    write_db_upgrade(repo)
    maintenance_file(repo, "2026-11-19-web-deploy", "Website deploy", {"web": "under_maintenance"},
                     "2026-11-19T08:00:00Z", "2026-11-19T10:00:00Z",
                     update("2026-11-17T09:00:00Z", "scheduled", "A new website."),
                     update("2026-11-19T08:00:00Z", "in_progress", "Started."),
                     update("2026-11-19T09:15:00Z", "completed", "Done early."))
    maintenance_file(repo, "2026-11-23-api-move", "API move", {"api": "under_maintenance"},
                     "2026-11-23T08:00:00Z", "2026-11-23T09:00:00Z",
                     update("2026-11-17T09:00:00Z", "scheduled", "We will move the API."),
                     update("2026-11-19T12:00:00Z", "scheduled", "Cancelled; a new date will follow."),
                     cancelled=True)
    incident_file(repo, "2026-11-20-api-errors", "API errors", {"api": "partial_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "Incidents are not calendar events."))


def test_demo_calendars_parse_and_hold_every_window(demo):
    site = demo.build(DEMO_NOW)
    from statusgen.build import check  # the expected windows come from the incident files

    _, content = check(demo.root)
    every = events(site / "maintenance.ics")
    assert set(every) == {f"{m.slug}@status.acme.example" for m in content.maintenances}
    for component in ("api", "dashboard", "auth", "db", "storage", "webhooks", "email", "cdn"):
        own = events(site / f"components/{component}/maintenance.ics")
        expected = {f"{m.slug}@status.acme.example" for m in content.maintenances
                    if component in dict(m.components)}
        assert set(own) == expected, component


def test_each_window_is_one_event_with_utc_times_and_status(repo):
    write_corpus(repo)
    site = repo.build(NOW)
    calendar = Calendar.from_ical((site / "maintenance.ics").read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "Test Status: maintenance"
    assert str(calendar["PRODID"]).startswith("-//statusgen//")
    every = events(site / "maintenance.ics")
    assert list(every) == ["2026-11-19-web-deploy@status.test.example",
                           "2026-11-22-db-upgrade@status.test.example",
                           "2026-11-23-api-move@status.test.example"]

    db = every["2026-11-22-db-upgrade@status.test.example"]
    assert db.decoded("DTSTART") == datetime(2026, 11, 22, 2, tzinfo=UTC)
    assert db.decoded("DTEND") == datetime(2026, 11, 22, 4, tzinfo=UTC)
    assert db.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert str(db["SUMMARY"]) == "Database upgrade"
    assert str(db["STATUS"]) == "CONFIRMED"
    assert str(db["URL"]) == BASE + "incidents/2026-11-22-db-upgrade/"
    assert db.decoded("LAST-MODIFIED") == datetime(2026, 11, 18, 8, tzinfo=UTC)
    assert db.decoded("DTSTAMP") == datetime(2026, 11, 18, 8, tzinfo=UTC)
    assert int(db["SEQUENCE"]) == 0
    description = str(db["DESCRIPTION"])
    assert description.startswith("We will upgrade the database; writes pause briefly.")
    assert "Affected components: Database, API" in description

    web = every["2026-11-19-web-deploy@status.test.example"]
    assert web.decoded("DTEND") == datetime(2026, 11, 19, 9, 15, tzinfo=UTC)  # the actual end
    assert str(web["DESCRIPTION"]).startswith("Done early.")
    # three updates (+2) and an end other than the scheduled one (+1)
    assert int(web["SEQUENCE"]) == 3

    move = every["2026-11-23-api-move@status.test.example"]
    assert str(move["STATUS"]) == "CANCELLED"
    assert str(move["SUMMARY"]) == "Cancelled: API move"
    assert move.decoded("DTEND") == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert int(move["SEQUENCE"]) == 2  # two updates (+1), cancelled (+1)


def test_component_calendars_hold_only_that_components_windows(repo):
    write_corpus(repo)
    site = repo.build(NOW)
    assert list(events(site / "components/api/maintenance.ics")) == [
        "2026-11-22-db-upgrade@status.test.example", "2026-11-23-api-move@status.test.example"]
    assert list(events(site / "components/web/maintenance.ics")) == [
        "2026-11-19-web-deploy@status.test.example"]
    calendar = Calendar.from_ical((site / "components/db/maintenance.ics").read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "Test Status: Database maintenance"


def test_sequence_grows_and_uid_stays_when_a_window_changes(repo):
    write_corpus(repo)
    uid = "2026-11-22-db-upgrade@status.test.example"
    before = events(repo.build(NOW) / "maintenance.ics")[uid]
    longer = update("2026-11-20T10:00:00Z", "scheduled", "The window is one hour longer.")
    write_db_upgrade(repo, longer, end="2026-11-22T05:00:00Z")
    after = events(repo.build(NOW) / "maintenance.ics")[uid]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTEND") == datetime(2026, 11, 22, 5, tzinfo=UTC)
    assert after.decoded("LAST-MODIFIED") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert str(after["DESCRIPTION"]).startswith("The window is one hour longer.")

    write_db_upgrade(repo, longer, cancelled=True)
    cancelled = events(repo.build(NOW) / "maintenance.ics")[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(after["SEQUENCE"])


def test_markup_in_titles_and_messages_stays_text(repo):
    maintenance_file(repo, "2026-11-22-html", "<script>alert(1)</script> & co", {"db": "under_maintenance"},
                     "2026-11-22T02:00:00Z", "2026-11-22T04:00:00Z",
                     update("2026-11-18T09:00:00Z", "scheduled",
                            "<script>alert(2)</script><img src=x onerror=alert(3)> a < b, c; d"))
    site = repo.build(NOW)
    raw = (site / "maintenance.ics").read_bytes()
    event = events(site / "maintenance.ics")["2026-11-22-html@status.test.example"]
    # iCalendar text is plain text: the title is carried as the characters written, nothing more.
    assert str(event["SUMMARY"]) == "<script>alert(1)</script> & co"
    description = str(event["DESCRIPTION"])
    assert description.startswith("a < b, c; d")
    assert "alert(2)" not in description and "<img" not in description and "onerror" not in description
    assert b"alert(2)" not in raw and b"onerror" not in raw


def test_calendars_are_byte_identical_across_builds(repo):
    write_corpus(repo)
    names = ["maintenance.ics", "components/api/maintenance.ics", "components/web/maintenance.ics"]
    first = {n: (repo.build(NOW) / n).read_bytes() for n in names}
    again = {n: (repo.build(NOW) / n).read_bytes() for n in names}
    later = {n: (repo.build("2026-11-20T18:00:00Z") / n).read_bytes() for n in names}
    assert first == again == later


def test_an_event_is_serialised_as_icalendar_would_fold_it():
    """Lines just under, at and over the 75-byte limit, with multi-byte characters on the
    boundary and escapes: each event is written exactly as icalendar's own to_ical writes it."""
    import random

    from icalendar import Event

    from statusgen.render.calendar import serialised_event

    rng = random.Random(3)
    pieces = ["a", "é", "日本", "🙂", ",", ";", "\\", "\n", " ", "^", "x" * 10]
    checked = 0
    for _ in range(300):
        item = Event()
        item.add("uid", "u@example.test")
        item.add("dtstart", datetime(2026, 11, 22, 2, tzinfo=UTC))
        for name in ("summary", "description", "location"):
            item.add(name, "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))))
        item.add("url", "https://status.test.example/incidents/" + "y" * rng.randint(20, 60) + "/")
        assert serialised_event(item) == item.to_ical()
        checked += 1
    assert checked == 300
