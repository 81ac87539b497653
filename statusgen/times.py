"""Parsing and formatting of times. A time with no offset is read in the site timezone."""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo


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
    return parsed.astimezone(timezone.utc)


def iso_utc(moment: datetime) -> str:
    """2026-11-20T14:02:00Z: the form used in files, datetime attributes and feeds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_utc_millis(moment: datetime) -> str:
    """2026-11-20T14:02:00.000Z: the form Statuspage's API uses."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
