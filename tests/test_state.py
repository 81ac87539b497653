"""The rules of SPEC §4 as pure functions of (config, content, now)."""

from __future__ import annotations

from datetime import datetime, timezone

import feedparser
import pytest

from statusgen.build import check as load
from statusgen.schedule import ScheduledChange, status_schedule
from statusgen.state import (
    derive_state,
    incident_api_status,
    incident_impact,
    maintenance_api_status,
    maintenance_closed_at,
    next_change,
    next_publication,
    notice_state,
    page_status_at,
    shown_end,
)
from tests.factories import incident_file, maintenance_file, update


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def incident(repo, slug, components, started, resolved=None, impact=None):
    """Titled with its slug; investigating at the start, resolved at `resolved`."""
    closing = [update(resolved, "resolved")] if resolved else []
    incident_file(repo, slug, slug, components or None, started, update(started, "investigating"), *closing,
                  resolved=resolved, impact=impact)


def maintenance(repo, slug, components, start, end, updates=(), **fields):
    """Titled with its slug; scheduled on 1 November, then `updates` as (time, status)."""
    maintenance_file(repo, slug, slug, components or None, start, end, update("2026-11-01T00:00:00Z", "scheduled"),
                     *(update(at, status) for at, status in updates), **fields)


def state(repo, now):
    config, content = load(repo.root)
    return derive_state(config, content, at(now))


def test_incident_active_between_start_and_resolution(repo):
    incident(repo, "a", {"api": "partial_outage"}, "2026-11-20T14:00:00Z", "2026-11-20T15:00:00Z")
    assert state(repo, "2026-11-20T13:59:59Z").active_incidents == ()
    assert [i.slug for i in state(repo, "2026-11-20T14:00:00Z").active_incidents] == ["a"]
    assert [i.slug for i in state(repo, "2026-11-20T14:59:59Z").active_incidents] == ["a"]
    assert state(repo, "2026-11-20T15:00:00Z").active_incidents == ()


def test_ongoing_incident_stays_active(repo):
    incident(repo, "a", {"api": "major_outage"}, "2026-11-20T14:00:00Z")
    s = state(repo, "2027-01-01T00:00:00Z")
    assert [i.slug for i in s.active_incidents] == ["a"]
    assert s.component_status["api"] == "major_outage"
    assert s.indicator == "critical"
    assert s.indicator_description == "Major System Outage"


def test_maintenance_states_and_actual_end(repo):
    maintenance(repo, "planned", {"db": "under_maintenance"}, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z")
    maintenance(repo, "early", {"db": "under_maintenance"}, "2026-12-02T02:00:00Z", "2026-12-02T04:00:00Z",
                updates=[("2026-12-02T03:00:00Z", "completed")])
    maintenance(repo, "late", {"db": "under_maintenance"}, "2026-12-03T02:00:00Z", "2026-12-03T04:00:00Z",
                completed="2026-12-03T05:00:00Z", updates=[("2026-12-03T03:00:00Z", "completed")])
    maintenance(repo, "dropped", {"db": "under_maintenance"}, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z",
                cancelled=True)
    states = lambda now: state(repo, now).maintenance_states  # noqa: E731
    assert states("2026-12-01T01:59:59Z")["planned"] == "scheduled"
    assert states("2026-12-01T02:00:00Z")["planned"] == "in_progress"
    assert states("2026-12-01T04:00:00Z")["planned"] == "completed"
    # the completed update ends it early
    assert states("2026-12-02T02:59:00Z")["early"] == "in_progress"
    assert states("2026-12-02T03:00:00Z")["early"] == "completed"
    # the completed field wins over the update
    assert states("2026-12-03T04:30:00Z")["late"] == "in_progress"
    assert states("2026-12-03T05:00:00Z")["late"] == "completed"
    # cancelled whatever the time, never in progress
    for now in ("2026-11-30T00:00:00Z", "2026-12-01T03:00:00Z", "2026-12-05T00:00:00Z"):
        assert states(now)["dropped"] == "cancelled"
    during = state(repo, "2026-12-01T03:00:00Z")
    assert [m.slug for m in during.maintenance_in_progress] == ["planned"]
    assert during.component_status["db"] == "under_maintenance"
    assert during.indicator == "maintenance"
    assert during.indicator_description == "Service Under Maintenance"


def test_component_status_is_the_worst_given(repo):
    incident(repo, "a", {"api": "degraded_performance"}, "2026-11-20T14:00:00Z")
    incident(repo, "b", {"api": "partial_outage", "web": "degraded_performance"}, "2026-11-20T14:30:00Z")
    maintenance(repo, "m", {"api": "under_maintenance", "web": "under_maintenance", "db": "under_maintenance"},
                "2026-11-20T14:00:00Z", "2026-11-20T18:00:00Z")
    s = state(repo, "2026-11-20T15:00:00Z")
    assert s.component_status == {"api": "partial_outage", "web": "degraded_performance", "db": "under_maintenance"}
    # partial_outage -> major; the maintenance does not lower it
    assert s.indicator == "major"
    before_b = state(repo, "2026-11-20T14:10:00Z")
    assert before_b.component_status["api"] == "degraded_performance"
    assert before_b.indicator == "minor"


@pytest.mark.parametrize("statuses,expected", [
    ({"api": "major_outage", "web": "degraded_performance"}, "critical"),
    ({"api": "partial_outage"}, "major"),
    ({"api": "degraded_performance"}, "minor"),
    ({"api": "under_maintenance"}, "none"),
    ({}, "none"),
])
def test_default_impact(repo, statuses, expected):
    incident(repo, "a", statuses, "2026-11-20T14:00:00Z")
    _, content = load(repo.root)
    assert incident_impact(content.incidents[0]) == expected


def test_indicator_takes_the_highest_of_status_and_incident_impact(repo):
    # an explicit impact raises the indicator above what the statuses say
    incident(repo, "a", {"api": "degraded_performance"}, "2026-11-20T14:00:00Z", impact="critical")
    assert state(repo, "2026-11-20T15:00:00Z").indicator == "critical"


def test_incident_with_no_impact_and_maintenance_in_progress_shows_maintenance(repo):
    incident(repo, "a", {}, "2026-11-20T14:00:00Z")
    maintenance(repo, "m", {"db": "under_maintenance"}, "2026-11-20T14:00:00Z", "2026-11-20T18:00:00Z")
    s = state(repo, "2026-11-20T15:00:00Z")
    assert [i.slug for i in s.active_incidents] == ["a"]
    assert s.indicator == "maintenance"
    assert state(repo, "2026-11-20T19:00:00Z").indicator == "none"
    assert state(repo, "2026-11-20T19:00:00Z").indicator_description == "All Systems Operational"


def test_next_change_is_the_next_scheduled_moment(repo):
    incident(repo, "a", {"api": "partial_outage"}, "2026-11-20T14:00:00Z", "2026-11-20T15:00:00Z")
    maintenance(repo, "m", {"db": "under_maintenance"}, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z")
    maintenance(repo, "c", {"db": "under_maintenance"}, "2026-11-25T02:00:00Z", "2026-11-25T04:00:00Z",
                cancelled=True)
    _, content = load(repo.root)
    assert next_change(content, at("2026-11-20T14:30:00Z")) == at("2026-11-20T15:00:00Z")
    assert next_change(content, at("2026-11-21T00:00:00Z")) == at("2026-12-01T02:00:00Z")
    assert next_change(content, at("2026-12-01T03:00:00Z")) == at("2026-12-01T04:00:00Z")
    assert next_change(content, at("2026-12-02T00:00:00Z")) is None


def test_state_and_shown_end_of_an_incident_over_time(repo):
    incident(repo, "a", {"api": "partial_outage"}, "2026-11-20T14:00:00Z", "2026-11-20T15:00:00Z")
    _, content = load(repo.root)
    [a] = content.incidents
    seen = {now: (notice_state(a, at(now)), shown_end(a, notice_state(a, at(now)), at(now)))
            for now in ("2026-11-20T13:00:00Z", "2026-11-20T14:30:00Z", "2026-11-20T15:00:00Z")}
    assert seen == {
        "2026-11-20T13:00:00Z": ("upcoming", None),
        # the recorded end is still to come: not shown yet
        "2026-11-20T14:30:00Z": ("active", None),
        "2026-11-20T15:00:00Z": ("resolved", at("2026-11-20T15:00:00Z")),
    }


def test_shown_end_of_a_window_is_its_actual_end_once_completed(repo):
    maintenance(repo, "early", {"db": "under_maintenance"}, "2026-12-02T02:00:00Z", "2026-12-02T04:00:00Z",
                updates=[("2026-12-02T03:00:00Z", "completed")])
    maintenance(repo, "dropped", {"db": "under_maintenance"}, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z",
                cancelled=True)
    _, content = load(repo.root)
    early, dropped = sorted(content.maintenances, key=lambda m: m.slug, reverse=True)
    for now, expected in (("2026-12-02T02:30:00Z", None), ("2026-12-02T03:00:00Z", at("2026-12-02T03:00:00Z"))):
        assert shown_end(early, notice_state(early, at(now)), at(now)) == expected
    assert shown_end(dropped, notice_state(dropped, at("2026-12-05T00:00:00Z")), at("2026-12-05T00:00:00Z")) is None


def test_api_status_of_an_incident_follows_its_published_updates(repo):
    incident_file(repo, "a", "a", {"api": "partial_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:00:00Z", "investigating"), update("2026-11-20T15:00:00Z", "identified"),
                  update("2026-11-20T16:00:00Z", "resolved"), update("2026-11-21T10:00:00Z", "postmortem"),
                  resolved="2026-11-20T16:00:00Z")
    _, content = load(repo.root)
    [a] = content.incidents
    statuses = [incident_api_status(a, at(now)) for now in (
        "2026-11-20T14:30:00Z", "2026-11-20T15:30:00Z", "2026-11-20T16:00:00Z", "2026-11-21T10:00:00Z")]
    assert statuses == ["investigating", "identified", "resolved", "postmortem"]


def test_api_status_and_close_of_windows(repo):
    maintenance(repo, "planned", {"db": "under_maintenance"}, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z",
                updates=[("2026-12-01T03:00:00Z", "verifying")])
    maintenance(repo, "dropped", {"db": "under_maintenance"}, "2026-12-03T02:00:00Z", "2026-12-03T04:00:00Z",
                cancelled=True, updates=[("2026-11-30T09:00:00Z", "scheduled")])
    _, content = load(repo.root)
    planned = next(m for m in content.maintenances if m.slug == "planned")
    dropped = next(m for m in content.maintenances if m.slug == "dropped")
    seen = [(maintenance_api_status(planned, at(now)), maintenance_closed_at(planned, at(now))) for now in (
        "2026-12-01T01:00:00Z", "2026-12-01T02:30:00Z", "2026-12-01T03:30:00Z", "2026-12-01T04:00:00Z")]
    assert seen == [("scheduled", None), ("in_progress", None), ("verifying", None),
                    ("completed", at("2026-12-01T04:00:00Z"))]
    # Statuspage has no "cancelled": completed, closed by the cancelling update
    now = at("2026-12-01T00:00:00Z")
    assert (maintenance_api_status(dropped, now), maintenance_closed_at(dropped, now)) == (
        "completed", at("2026-11-30T09:00:00Z"))


def test_schedule_is_the_state_at_each_coming_change(repo):
    incident(repo, "a", {"api": "partial_outage"}, "2026-11-20T14:00:00Z", "2026-11-20T16:00:00Z")
    maintenance(repo, "m", {"db": "under_maintenance"}, "2026-11-20T18:00:00Z", "2026-11-20T19:00:00Z")
    maintenance(repo, "old", {"db": "under_maintenance"}, "2026-11-19T18:00:00Z", "2026-11-19T19:00:00Z")
    config, content = load(repo.root)
    now = at("2026-11-20T15:00:00Z")
    assert status_schedule(config, content, now) == [
        ScheduledChange(at("2026-11-20T16:00:00Z"), "none", {"api": "operational"}),
        ScheduledChange(at("2026-11-20T18:00:00Z"), "maintenance", {"db": "under_maintenance"}),
        ScheduledChange(at("2026-11-20T19:00:00Z"), "none", {"db": "operational"}),
    ]
    # each step says what deriving the whole state then would say
    for change in status_schedule(config, content, now):
        s = derive_state(config, content, change.at)
        assert page_status_at(config, content, change.at) == (s.component_status, s.indicator)
    assert status_schedule(config, content, now, limit=1) == status_schedule(config, content, now)[:1]


def test_a_settled_notice_shows_the_same_at_any_later_time(demo, tmp_path):
    """settled_by is what lets a rebuild remember a notice's view across builds: checked on the
    demo site and on a generated history, at the notice's last moment and long after."""
    import pickle
    import sys
    from datetime import timedelta

    from statusgen.render.views import notice_view
    from statusgen.state import settled_by
    from tests.conftest import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    # a postmortem published days after the end: not settled until it is
    incident_file(demo, "2026-11-20-late-postmortem", "Late postmortem", {"api": "major_outage"},
                  "2026-11-20T10:00:00Z", update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T11:00:00Z", "resolved"), update("2026-11-26T22:00:00Z", "postmortem"),
                  resolved="2026-11-20T11:00:00Z")
    settled = unsettled = 0
    for root in (demo.root, generate(tmp_path / "generated", 300)):
        config, content = load(root)
        now = at("2026-11-26T21:00:00Z")
        state = derive_state(config, content, now)
        laters = [derive_state(config, content, now + later)
                  for later in (timedelta(seconds=1), timedelta(days=1), timedelta(days=3650))]
        for notice in content.notices:
            if not settled_by(notice, now):
                unsettled += 1
                continue
            settled += 1
            shown = pickle.dumps(notice_view(config, state, notice))
            for later in laters:
                assert pickle.dumps(notice_view(config, later, notice)) == shown, (notice.slug, later.now)
    assert settled > 250 and unsettled > 10  # both kinds were really there


def test_a_notice_shows_the_same_until_one_of_its_moments_comes(demo, tmp_path):
    """moments_passed is what a view's key holds besides the notice and the configuration: at
    the start and at the very end of each span between two moments of the history, every notice
    (ongoing, settled, upcoming, cancelled) shows the same, and a moment that comes changes it."""
    import pickle
    import random
    import sys
    from datetime import timedelta

    from statusgen.render.views import notice_view
    from statusgen.state import moments_passed
    from tests.conftest import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    maintenance(demo, "2026-12-02-later", {"api": "under_maintenance"}, "2026-12-02T01:00:00Z", "2026-12-02T03:00:00Z",
                updates=[("2026-12-01T09:00:00Z", "scheduled")])
    compared = changed = 0
    for root in (demo.root, generate(tmp_path / "generated", 150)):
        config, content = load(root)
        moments = sorted({m for n in content.notices for m in _moments(n)})
        spans = list(zip(moments, moments[1:]))
        for start, end in random.Random(7).sample(spans, 25) + spans[-3:]:
            last = end - timedelta(microseconds=1)
            early, late = derive_state(config, content, start), derive_state(config, content, last)
            for notice in content.notices:
                assert moments_passed(notice, start) == moments_passed(notice, last)
                shown = pickle.dumps(notice_view(config, early, notice))
                assert pickle.dumps(notice_view(config, late, notice)) == shown, (notice.slug, start)
                compared += 1
                if end in _moments(notice):
                    assert moments_passed(notice, end) != moments_passed(notice, start)
                    later = derive_state(config, content, end)
                    changed += pickle.dumps(notice_view(config, later, notice)) != shown
    assert compared > 3000 and changed > 10  # views were compared, and some did change at a moment


def _moments(notice) -> set:
    times = {notice.started, notice.resolved} if hasattr(notice, "started") else {
        notice.scheduled_start, notice.scheduled_end, notice.completed}
    return {m for m in times | {u.at for u in notice.updates} if m is not None}


def test_a_notice_with_any_moment_after_now_is_not_settled(demo):
    """Each time a notice or one of its updates names, moved after `now` on its own, unsettles it:
    a time field settled_by overlooked would let a rebuild show a stale view."""
    from dataclasses import fields, replace
    from datetime import timedelta

    from statusgen.state import settled_by

    _, content = load(demo.root)
    now = max(n.latest_update.at for n in content.notices) + timedelta(days=3650)
    checked = set()
    for notice in content.notices:
        assert settled_by(notice, now)
        for field in fields(notice):
            if field.type in ("datetime", "datetime | None") and getattr(notice, field.name) is not None:
                assert not settled_by(replace(notice, **{field.name: now + timedelta(seconds=1)}), now)
                checked.add((type(notice).__name__, field.name))
        last = notice.updates[-1]
        later = replace(last, at=now + timedelta(seconds=1))
        assert not settled_by(replace(notice, updates=notice.updates[:-1] + (later,)), now)
    assert {("Incident", "started"), ("Incident", "resolved"), ("Maintenance", "scheduled_start"),
            ("Maintenance", "scheduled_end")} <= checked


def test_schedule_agrees_with_the_whole_state_on_a_generated_history(demo, tmp_path):
    """Ongoing incidents whose every update is past (worked out once) mixed with windows and
    updates still to come: each step is what deriving the whole state at that moment says."""
    import sys

    from tests.conftest import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import NOW, generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    # ongoing, nothing to come, a written impact worse than its components say
    incident_file(demo, "2026-11-20-steady", "Steady", {"api": "degraded_performance"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "identified"), impact="critical")
    steps = 0
    for root, now in ((demo.root, at("2026-11-20T15:00:00Z")), (generate(tmp_path / "generated", 400), NOW)):
        config, content = load(root)
        previous = derive_state(config, content, now).component_status
        changes = status_schedule(config, content, now, limit=40)
        for change in changes:
            whole = derive_state(config, content, change.at)
            assert change.indicator == whole.indicator, change.at
            assert change.components == {cid: s for cid, s in whole.component_status.items() if previous[cid] != s}
            previous = whole.component_status
            steps += 1
        assert all(a.at < b.at for a, b in zip(changes, changes[1:]))
    assert steps >= 8


def test_coming_changes_are_next_change_again_and_again(demo, tmp_path):
    """One pass over the notices gives what asking next_change from each change in turn gives,
    also where an update still to come holds a timeline change only until it is published."""
    import sys
    from datetime import timedelta
    from itertools import islice

    from statusgen.state import coming_changes, next_change
    from tests.conftest import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import NOW, generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    # an update still to come that changes a component's status
    incident_file(demo, "2026-11-20-later-change", "Later change", {"api": "major_outage"}, "2026-11-20T10:00:00Z",
                  update("2026-11-20T10:00:00Z", "investigating"),
                  update("2026-11-20T18:00:00Z", "identified", api="degraded_performance"),
                  update("2026-11-21T09:00:00Z", "resolved"), resolved="2026-11-21T09:00:00Z")
    asked = 0
    generated = generate(tmp_path / "generated", 400)
    for root, now in ((demo.root, at("2026-11-20T12:00:00Z")), (generated, NOW), (generated, NOW - timedelta(days=30))):
        _, content = load(root)
        expected, moment = [], now
        while (moment := next_change(content, moment)) is not None and len(expected) < 60:
            expected.append(moment)
        assert list(islice(coming_changes(content, now), 60)) == expected
        asked += len(expected)
    assert asked > 100

def test_an_update_dated_later_is_the_next_publication_even_without_a_status_change(repo):
    incident_file(repo, "a", "API errors", {"api": "partial_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:00:00Z", "investigating", "Looking into it."),
                  update("2026-11-20T14:40:00Z", "investigating", "Still looking."))
    maintenance(repo, "m", {"db": "under_maintenance"}, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z")
    _, content = load(repo.root)
    now = at("2026-11-20T14:10:00Z")
    assert next_change(content, now) == at("2026-12-01T02:00:00Z")  # no status changes at 14:40
    assert next_publication(content, now) == at("2026-11-20T14:40:00Z")
    assert next_publication(content, at("2026-11-20T14:40:00Z")) == at("2026-12-01T02:00:00Z")
    assert next_publication(content, at("2026-12-02T00:00:00Z")) is None


def test_build_says_when_an_update_written_ahead_comes_out_and_shows_it_from_then(repo):
    incident_file(repo, "a", "API errors", {"api": "partial_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:00:00Z", "identified", "Found the cause."),
                  update("2026-11-20T14:40:00Z", "identified", "Rollback half done."))
    result = repo.run("build", "--root", str(repo.root), "--now", "2026-11-20T14:10:00Z")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("Next change: 2026-11-20T14:40:00Z"), result.output

    def published() -> list[str]:
        return [entry.title for entry in feedparser.parse(repo.read("feed.atom")).entries]

    assert published() == ["Identified: API errors"]  # feeds and the API carry an update from its time
    repo.build("2026-11-20T14:40:00Z")
    assert published() == ["Identified: API errors"] * 2
