"""The words every part of statusgen shares: component statuses, update statuses, impacts, the
page indicator and the states a notice passes through, each with its order, label and icon.

Members are `str`s, so they compare equal to what the incident files say and serialise as it.
Labels are catalog msgids (N_): each output translates them in its own language. The page script
gets the part it needs as JSON (`script_vocabulary`), never a copy of its own.
"""

from __future__ import annotations

import json
from enum import StrEnum

from statusgen.i18n import N_


class ComponentStatus(StrEnum):
    """In the order error messages list them; `severity` orders them worst-last."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"

    @property
    def severity(self) -> int:
        return STATUS_SEVERITY[self]

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def icon(self) -> str:
        return STATUS_ICONS[self]

    @property
    def impact(self) -> Impact:
        """What the status weighs in the overall indicator."""
        return _STATUS_IMPACT.get(self, Impact.NONE)


class IncidentUpdateStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"

    @property
    def label(self) -> str:
        return UPDATE_LABELS[self]


class MaintenanceUpdateStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return UPDATE_LABELS[self]


class Impact(StrEnum):
    """An incident's impact, in rising order."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Impact).index(self)

    @property
    def label(self) -> str:
        return IMPACT_LABELS[self]

    @property
    def icon(self) -> str:
        return INDICATOR_ICONS[self]


class Indicator(StrEnum):
    """The page's overall indicator: the worst impact, or maintenance when nothing else shows."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"

    @property
    def description(self) -> str:
        return INDICATOR_DESCRIPTIONS[self]

    @property
    def icon(self) -> str:
        return INDICATOR_ICONS[self]


class IncidentState(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"
    UPCOMING = "upcoming"  # its start is still to come

    @property
    def label(self) -> str:
        return INCIDENT_STATE_LABELS[self]


class MaintenanceState(StrEnum):
    """In the order a window passes through them (cancelled is apart: it never moves on)."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return MAINTENANCE_STATE_LABELS[self]


# The tables the templates and outputs look words up in (a plain string finds its member).
# Worst is the larger number.
STATUS_SEVERITY: dict[str, int] = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
_STATUS_IMPACT: dict[str, Impact] = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
}
STATUS_LABELS: dict[str, str] = {
    ComponentStatus.OPERATIONAL: N_("Operational"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: N_("Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: N_("Major outage"),
    ComponentStatus.UNDER_MAINTENANCE: N_("Under maintenance"),
}
STATUS_ICONS: dict[str, str] = {
    ComponentStatus.OPERATIONAL: "✓",
    ComponentStatus.DEGRADED_PERFORMANCE: "▲",
    ComponentStatus.PARTIAL_OUTAGE: "◆",
    ComponentStatus.MAJOR_OUTAGE: "✕",
    ComponentStatus.UNDER_MAINTENANCE: "⚙\ufe0e",
}

COMPONENT_STATUSES: tuple[ComponentStatus, ...] = tuple(ComponentStatus)
INCIDENT_UPDATE_STATUSES: tuple[IncidentUpdateStatus, ...] = tuple(IncidentUpdateStatus)
MAINTENANCE_UPDATE_STATUSES: tuple[MaintenanceUpdateStatus, ...] = tuple(MaintenanceUpdateStatus)
UPDATE_LABELS: dict[str, str] = {
    IncidentUpdateStatus.INVESTIGATING: N_("Investigating"),
    IncidentUpdateStatus.IDENTIFIED: N_("Identified"),
    IncidentUpdateStatus.MONITORING: N_("Monitoring"),
    IncidentUpdateStatus.RESOLVED: N_("Resolved"),
    IncidentUpdateStatus.POSTMORTEM: N_("Postmortem"),
    MaintenanceUpdateStatus.SCHEDULED: N_("Scheduled"),
    MaintenanceUpdateStatus.IN_PROGRESS: N_("In progress"),
    MaintenanceUpdateStatus.VERIFYING: N_("Verifying"),
    MaintenanceUpdateStatus.COMPLETED: N_("Completed"),
}
IMPACTS: tuple[Impact, ...] = tuple(Impact)
IMPACT_LABELS: dict[str, str] = {
    Impact.NONE: N_("None"), Impact.MINOR: N_("Minor"), Impact.MAJOR: N_("Major"), Impact.CRITICAL: N_("Critical"),
}
INDICATOR_DESCRIPTIONS: dict[str, str] = {
    Indicator.CRITICAL: N_("Major System Outage"),
    Indicator.MAJOR: N_("Partial System Outage"),
    Indicator.MINOR: N_("Minor Service Outage"),
    Indicator.MAINTENANCE: N_("Service Under Maintenance"),
    Indicator.NONE: N_("All Systems Operational"),
}
# Also the icons of an incident's impact (the same words, bar maintenance).
INDICATOR_ICONS: dict[str, str] = {
    Indicator.NONE: "✓", Indicator.MINOR: "▲", Indicator.MAJOR: "◆", Indicator.CRITICAL: "✕",
    Indicator.MAINTENANCE: "⚙\ufe0e",
}
INCIDENT_STATE_LABELS: dict[str, str] = {
    IncidentState.ACTIVE: N_("Ongoing"), IncidentState.RESOLVED: N_("Resolved"), IncidentState.UPCOMING: N_("Not started"),
}
MAINTENANCE_STATE_LABELS: dict[str, str] = {
    MaintenanceState.SCHEDULED: N_("Scheduled"), MaintenanceState.IN_PROGRESS: N_("In progress"),
    MaintenanceState.COMPLETED: N_("Completed"), MaintenanceState.CANCELLED: N_("Cancelled"),
}
# The update statuses that close an incident, and those that (after one) reopen it.
CLOSING_INCIDENT_STATUSES = (IncidentUpdateStatus.RESOLVED, IncidentUpdateStatus.POSTMORTEM)
REOPENING_STATUSES = (IncidentUpdateStatus.INVESTIGATING, IncidentUpdateStatus.IDENTIFIED,
                      IncidentUpdateStatus.MONITORING)
# The update statuses that say a window has begun.
STARTED_MAINTENANCE_STATUSES = (MaintenanceUpdateStatus.IN_PROGRESS, MaintenanceUpdateStatus.VERIFYING,
                                MaintenanceUpdateStatus.COMPLETED)


def severity(status: str) -> int:
    """Worst is the larger number."""
    return STATUS_SEVERITY[status]


def component_entry_problem(known_ids, component_id, status, where: str = "") -> str | None:
    """What is wrong with one `component: status` entry as written, or None; `where` names the
    entry in the message (the content files and the authoring commands say it differently)."""
    if component_id not in known_ids:
        return f"unknown component {component_id!r}{where} (known: {', '.join(known_ids)})"
    if status not in COMPONENT_STATUSES:
        return f"unknown status {status!r}{where} (expected one of: {', '.join(COMPONENT_STATUSES)})"
    return None


# The marker in statusgen.js that the build replaces with `script_vocabulary_json()`.
SCRIPT_VOCABULARY_MARKER = "/* statusgen:vocabulary */{}"


def script_vocabulary() -> dict:
    """What the page script needs to switch statuses on time: icons, and the order of a window's
    states (the labels come translated, per page, with the script's data-labels)."""
    return {
        "status_icons": dict(STATUS_ICONS),
        "indicator_icons": dict(INDICATOR_ICONS),
        "maintenance_order": [MaintenanceState.SCHEDULED, MaintenanceState.IN_PROGRESS, MaintenanceState.COMPLETED],
    }


def script_vocabulary_json() -> str:
    return json.dumps(script_vocabulary(), sort_keys=True, separators=(",", ":"))
