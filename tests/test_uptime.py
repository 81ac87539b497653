"""Uptime (SPEC §4) with hand-computed expectations."""

from __future__ import annotations

from datetime import date

import pytest

from statusgen.build import check as load
from statusgen.uptime import component_uptime
from tests.test_state import at, incident, maintenance


def uptime(repo, component, now):
    config, content = load(repo.root)
    return component_uptime(config, content, component, at(now))


def day(result, which: str):
    return next(d for d in result.days if d.day == date.fromisoformat(which))


def use_config(repo, timezone="UTC", days=30):
    text = (repo.root / "statusgen.toml").read_text()
    text = text.replace('timezone = "UTC"', f'timezone = "{timezone}"').replace("uptime_days = 30", f"uptime_days = {days}")
    repo.write("statusgen.toml", text)


def test_incident_crossing_midnight_counts_on_both_days(repo):
    incident(repo, "a", {"api": "major_outage"}, "2026-11-19T23:00:00Z", "2026-11-20T01:00:00Z")
    result = uptime(repo, "api", "2026-11-21T12:00:00Z")
    assert len(result.days) == 30
    assert result.days[-1].day == date(2026, 11, 21)
    assert day(result, "2026-11-19").percent == pytest.approx(100 * (1 - 1 / 24))
    assert day(result, "2026-11-20").percent == pytest.approx(100 * (1 - 1 / 24))
    assert day(result, "2026-11-19").incidents == ("a",)
    assert day(result, "2026-11-21").percent == 100.0
    # window: 2026-10-23T00:00Z .. now = 29.5 days = 708 h, 2 h down
    assert result.percent == pytest.approx(100 * (1 - 2 / 708))
    assert result.slo == 99.9 and result.slo_missed is True


def test_incident_crossing_window_start_counts_only_inside(repo):
    incident(repo, "a", {"api": "partial_outage"}, "2026-10-22T22:00:00Z", "2026-10-23T02:00:00Z")
    result = uptime(repo, "api", "2026-11-21T12:00:00Z")
    assert result.days[0].day == date(2026, 10, 23)
    # 2 h inside the window at weight 0.3
    assert result.days[0].percent == pytest.approx(100 * (1 - 0.6 / 24))
    assert result.percent == pytest.approx(100 * (1 - 0.6 / 708))


def test_dst_day_in_site_timezone_is_one_25_hour_day(repo):
    use_config(repo, "Europe/Berlin", 30)
    # 2026-10-25 is the end of summer time in Berlin: 25 hours long. Naive times read in Berlin time.
    incident(repo, "a", {"api": "major_outage"}, "2026-10-25 12:00", "2026-10-25 13:00")
    result = uptime(repo, "api", "2026-11-01T11:00:00Z")  # 12:00 CET
    assert day(result, "2026-10-25").percent == pytest.approx(100 * (1 - 1 / 25))
    assert day(result, "2026-10-25").incidents == ("a",)
    assert day(result, "2026-10-24").percent == 100.0
    # window starts 2026-10-03T00:00 CEST = 2026-10-02T22:00Z; to 2026-11-01T11:00Z is 709 h
    assert result.days[0].day == date(2026, 10, 3)
    assert result.percent == pytest.approx(100 * (1 - 1 / 709))


def test_ongoing_incident_counts_up_to_now(repo):
    incident(repo, "a", {"api": "major_outage"}, "2026-11-21T06:00:00Z")
    result = uptime(repo, "api", "2026-11-21T12:00:00Z")
    assert day(result, "2026-11-21").percent == pytest.approx(50.0)
    assert day(result, "2026-11-21").worst_status == "major_outage"
    assert result.percent == pytest.approx(100 * (1 - 6 / 708))


def test_overlapping_incidents_count_the_worst_status_once(repo):
    incident(repo, "a", {"api": "partial_outage"}, "2026-11-20T10:00:00Z", "2026-11-20T12:00:00Z")
    incident(repo, "b", {"api": "major_outage"}, "2026-11-20T11:00:00Z", "2026-11-20T13:00:00Z")
    incident(repo, "c", {"api": "major_outage"}, "2026-11-20T11:30:00Z", "2026-11-20T12:30:00Z")
    result = uptime(repo, "api", "2026-11-21T12:00:00Z")
    # 10-11 partial (0.3 h) + 11-13 major (2 h), not 0.6 + 2 + 1
    assert day(result, "2026-11-20").percent == pytest.approx(100 * (1 - 2.3 / 24))
    assert day(result, "2026-11-20").incidents == ("a", "b", "c")


def test_maintenance_and_degraded_performance_are_not_downtime(repo):
    maintenance(repo, "m", {"api": "under_maintenance"}, "2026-11-20T02:00:00Z", "2026-11-20T06:00:00Z")
    incident(repo, "d", {"api": "degraded_performance"}, "2026-11-19T02:00:00Z", "2026-11-19T06:00:00Z")
    result = uptime(repo, "api", "2026-11-21T12:00:00Z")
    assert day(result, "2026-11-20").percent == 100.0
    assert day(result, "2026-11-20").incidents == ("m",)
    assert day(result, "2026-11-19").worst_status == "degraded_performance"
    assert result.percent == 100.0


def test_weights_are_configurable(repo):
    text = (repo.root / "statusgen.toml").read_text() + "\n[uptime]\nunder_maintenance = 1.0\npartial_outage = 0.5\n"
    repo.write("statusgen.toml", text)
    maintenance(repo, "m", {"api": "under_maintenance"}, "2026-11-20T02:00:00Z", "2026-11-20T08:00:00Z")
    incident(repo, "p", {"api": "partial_outage"}, "2026-11-19T00:00:00Z", "2026-11-19T12:00:00Z")
    result = uptime(repo, "api", "2026-11-21T12:00:00Z")
    assert day(result, "2026-11-20").percent == pytest.approx(75.0)
    assert day(result, "2026-11-19").percent == pytest.approx(75.0)
    assert result.percent == pytest.approx(100 * (1 - 12 / 708))


def test_notices_over_before_the_window_are_left_out_without_changing_any_figure(demo, tmp_path):
    """derive_state skips the timelines of notices whose every period ended before the uptime
    window; every component's uptime is the one computed from every notice, at times where
    notices straddle the window's start."""
    import sys
    from datetime import timedelta

    from statusgen.state import derive_state
    from tests.conftest import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    # long ago and never resolved: it still holds a status, so it is never left out
    incident(demo, "2026-01-05-forgotten", {"api": "degraded_performance"}, "2026-01-05T10:00:00Z")
    for root in (demo.root, generate(tmp_path / "generated", 300)):
        config, content = load(root)
        for now in (at("2026-11-26T21:00:00Z"), at("2026-11-26T21:00:00Z") - timedelta(days=200)):
            state = derive_state(config, content, now)
            for component in config.components:
                assert state.uptime[component.id] == component_uptime(config, content, component.id, now), \
                    (root.name, now, component.id)


def _segments_by_brute_force(intervals):
    """Each stretch between two consecutive ends, with the worst status of the intervals covering it."""
    from statusgen.vocabulary import severity

    points = sorted({p for start, end, *_ in intervals for p in (start, end)})
    found = []
    for left, right in zip(points, points[1:]):
        covering = [status for start, end, status, *_ in intervals if start <= left and end >= right]
        if covering:
            found.append((left, right, max(covering, key=severity)))
    return found


def test_worst_segments_agree_with_checking_every_interval_at_every_stretch():
    """Random overlaps: nested, equal, touching, zero-length, sharing ends, every status."""
    import random
    from datetime import timedelta

    from statusgen.uptime import worst_segments

    statuses = ["degraded_performance", "partial_outage", "major_outage", "under_maintenance", "operational"]
    rng = random.Random(7)
    base = at("2026-11-01T00:00:00Z")
    for _ in range(400):
        intervals = []
        for slug in range(rng.randint(0, 12)):
            start = base + timedelta(hours=rng.randint(0, 30))
            end = start + timedelta(hours=rng.choice([0, 1, 2, 5, 24]))
            intervals.append((start, end, rng.choice(statuses), f"n{slug}"))
        if intervals and rng.random() < 0.3:
            intervals.append(intervals[0])
        assert worst_segments(intervals) == _segments_by_brute_force(intervals)


def test_uptime_of_a_generated_history_agrees_with_a_day_by_day_count(tmp_path):
    """Every day of every component of a generated history (500 incidents, ongoing ones among
    them), in a zone with a DST change, against counting each day over every segment."""
    import sys

    from statusgen.uptime import day_bounds, intervals_by_component, worst_segments
    from statusgen.vocabulary import severity
    from tests.conftest import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import NOW, generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    root = generate(tmp_path / "generated", 500)
    config, content = load(root)
    assert config.site.timezone == "Europe/Berlin"
    now = NOW
    intervals = intervals_by_component(content, now)
    checked = 0
    for component in config.components:
        result = component_uptime(config, content, component.id, now)
        segments = worst_segments(intervals.get(component.id, []))
        for d in result.days:
            if d.percent is None:
                continue
            start, end = day_bounds(d.day, config.site.tz)
            end = min(end, now)
            overlaps = [(s, e, st) for s, e, st in segments if min(e, end) > max(s, start)]
            weights = dict(config.uptime_weights)
            down = sum((min(e, end) - max(s, start)).total_seconds() * weights.get(st, 0.0) for s, e, st in overlaps)
            assert d.downtime_seconds == pytest.approx(down, abs=1e-6)
            assert d.worst_status == max([st for *_, st in overlaps] + ["operational"], key=severity)
            touching = [(s, slug) for s, e, _, slug in intervals.get(component.id, []) if s < end and e > start]
            assert set(d.incidents) == {slug for _, slug in touching}
            checked += 1
    assert checked > 1000
