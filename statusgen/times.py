"""Parsing and formatting of times. A time with no offset is read in the site timezone."""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo

# Builds look up to a year and a day before and after a time (uptime windows, calendar days);
# inside these bounds none of that leaves the years datetime can hold (1-9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9997, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
RANGE = "a time from 1970-01-01T00:00:00Z to 9997-12-31T23:59:59Z"


def parse_time(value: object, tz: tzinfo) -> datetime:
    """Return an aware UTC datetime, or raise ValueError with what was expected."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        raise ValueError("a date and time, e.g. 2026-11-20T14:02:00Z (found a date only)")
    elif isinstance(value, str):
        text = value.strip()
        if "T" not in text and " " not in text:
            raise ValueError("an ISO 8601 date and time, e.g. 2026-11-20T14:02:00Z")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("an ISO 8601 date and time, e.g. 2026-11-20T14:02:00Z") from None
    else:
        raise ValueError("an ISO 8601 date and time, e.g. 2026-11-20T14:02:00Z")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    try:
        return in_range(parsed.astimezone(timezone.utc))
    except OverflowError:
        raise ValueError(f"{RANGE} (this one falls outside the years 1-9999 in UTC)") from None


def in_range(moment: datetime) -> datetime:
    """`moment`, or ValueError when it lies outside the times statusgen can build for."""
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(RANGE)
    return moment


def iso_utc(moment: datetime) -> str:
    """2026-11-20T14:02:00Z: the form used in files, datetime attributes and feeds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_utc_millis(moment: datetime) -> str:
    """2026-11-20T14:02:00.000Z: the form Statuspage's API uses."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
