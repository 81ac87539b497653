"""Incident and maintenance files written from arguments, for tests that need a notice on disk and
not a particular way of writing one. Tests of hand-written files (hostile input, exact formatting,
edits that keep the rest of a file as written) keep their raw text.

    incident_file(repo, "2026-11-20-api", "API errors", {"api": "partial_outage"}, "2026-11-20T14:00:00Z",
                  update("2026-11-20T14:05:00Z", "investigating", "Looking into it."),
                  resolved="2026-11-20T15:00:00Z")
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_TIME = re.compile(r"\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d)?)?")


def update(at: str, status: str, message: str = "m", **components: str) -> dict:
    """One entry of `updates`; keyword arguments are the component statuses it sets."""
    entry: dict = {"at": at, "status": status, "message": message}
    if components:
        entry["components"] = components
    return entry


def incident_file(repo, slug: str, title: str, components: dict[str, str] | None, started: str, *updates: dict,
                  resolved: str | None = None, body: str = "", **fields) -> Path:
    """incidents/<slug>.md; `fields` are further top-level fields (impact, notify, ...)."""
    return repo.incident(slug, _incident_front(title, components, started, updates, resolved, fields), body)


def incident_text(title: str, components: dict[str, str] | None, started: str, *updates: dict,
                  resolved: str | None = None, **fields) -> str:
    """The text of an incident file, for tests that write it somewhere themselves."""
    return f"---\n{_incident_front(title, components, started, updates, resolved, fields)}\n---\n"


def maintenance_file(repo, slug: str, title: str, components: dict[str, str] | None, start: str, end: str,
                     *updates: dict, body: str = "", **fields) -> Path:
    """incidents/<slug>.md of type maintenance; `fields` are further top-level fields (completed,
    cancelled, ...)."""
    head = {"title": title, "type": "maintenance", "components": components, "scheduled_start": start,
            "scheduled_end": end}
    return repo.incident(slug, _front({**head, **fields, "updates": updates}), body)


def _incident_front(title, components, started, updates, resolved, fields) -> str:
    head = {"title": title, "components": components, "started": started, "resolved": resolved}
    return _front({**head, **fields, "updates": updates})


def _front(fields: dict) -> str:
    lines = []
    for key, value in fields.items():
        if key == "updates":
            lines += (["updates:"] + [f"  - {_yaml(entry)}" for entry in value]) if value else []
        elif value is not None:
            lines.append(f"{key}: {_yaml(value)}")
    return "\n".join(lines)


def _yaml(value) -> str:
    """Flow-style YAML: times plain (as people write them), other text quoted."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_yaml(item)}" for key, item in value.items()) + "}"
    if isinstance(value, str) and _TIME.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)
