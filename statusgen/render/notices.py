"""Facts about incidents and maintenance that the feeds, the calendar and the API all publish."""

from __future__ import annotations

from datetime import datetime, timezone

from statusgen.model import Notice, Update

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # "nothing published yet"


def published_updates(notice: Notice, now: datetime) -> tuple[Update, ...]:
    return tuple(update for update in notice.updates if update.at <= now)


def update_ids(notice: Notice) -> list[str]:
    """Stable ids from the update times; a second update at the same second gets a -2 suffix."""
    ids, seen = [], {}
    for update in notice.updates:
        stamp = update.at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        seen[stamp] = seen.get(stamp, 0) + 1
        ids.append(f"{notice.slug}-{stamp}" + (f"-{seen[stamp]}" if seen[stamp] > 1 else ""))
    return ids


def affected_component_ids(notice: Notice) -> tuple[str, ...]:
    """The notice's components, then any that only an update names, each once."""
    ids = list(notice.component_ids)
    for update in notice.updates:
        ids += [component_id for component_id, _ in update.components if component_id not in ids]
    return tuple(ids)
