"""Facts about incidents and maintenance that the feeds, the calendar and the API all publish.

What a notice said when (its timeline, its automatic updates, update ids) is decided in
statusgen.timeline; these are the names the renderers use for it.
"""

from __future__ import annotations

from datetime import datetime

from statusgen.model import Notice, Update
from statusgen.state import NOTHING_YET
from statusgen.timeline import affected_component_ids, public_updates, update_ids  # noqa: F401

EPOCH = NOTHING_YET  # "nothing published yet"


def published_updates(notice: Notice, now: datetime) -> tuple[Update, ...]:
    """Hand-written updates dated at or before `now`, and a window's automatic ones."""
    return public_updates(notice, now)
