"""The build cache's entries as plain JSON data, and back, checking every field on the way in.

Only data is ever read back (text, numbers, lists, maps): a cache file cannot make statusgen run
code, and a damaged or foreign one is refused as a whole (`InvalidRecord`), never half-used.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from datetime import datetime, timezone

from statusgen.model import Incident, Maintenance, Notice, Update


class InvalidRecord(ValueError):
    pass


def schema() -> str:
    """The shape of every record, as text: any change to it invalidates old cache files."""
    return repr([(cls.__name__, [(f.name, str(f.type)) for f in dataclasses.fields(cls)])
                 for cls in (Update, Incident, Maintenance)])


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise InvalidRecord(what)


def _text(value, nullable: bool = False):
    _check(isinstance(value, str) or (nullable and value is None), "expected text")
    return value


def _int(value) -> int:
    _check(isinstance(value, int) and not isinstance(value, bool), "expected a whole number")
    return value


def _time(value) -> datetime:
    _check(isinstance(value, str), "expected a time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRecord("expected a time") from None
    _check(moment.tzinfo is timezone.utc, "expected a UTC time")
    return moment


def _maybe_time(value) -> datetime | None:
    return None if value is None else _time(value)


def _pairs(value) -> tuple[tuple[str, str], ...]:
    _check(isinstance(value, list), "expected a list")
    for pair in value:
        _check(isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair),
               "expected [id, status] pairs")
    return tuple((a, b) for a, b in value)


def encode_notice(notice: Notice) -> dict:
    data: dict[str, object] = {
        "kind": notice.kind, "slug": notice.slug, "source": notice.source, "title": notice.title,
        "components": [list(p) for p in notice.components], "body": notice.body, "notify": notice.notify,
        "updates": [{"at": u.at.isoformat(), "status": u.status, "message": u.message,
                     "components": [list(p) for p in u.components]} for u in notice.updates],
    }
    if isinstance(notice, Incident):
        data.update(started=notice.started.isoformat(), impact=notice.impact,
                    resolved=notice.resolved.isoformat() if notice.resolved else None)
    else:
        assert isinstance(notice, Maintenance)
        data.update(scheduled_start=notice.scheduled_start.isoformat(),
                    scheduled_end=notice.scheduled_end.isoformat(), cancelled=notice.cancelled,
                    completed=notice.completed.isoformat() if notice.completed else None)
    return data


def decode_notice(data) -> Notice:
    _check(isinstance(data, dict), "expected a notice")
    try:
        updates = data["updates"]
        _check(isinstance(updates, list) and bool(updates), "expected updates")
        common = dict(
            slug=_text(data["slug"]), source=_text(data["source"]), title=_text(data["title"]),
            components=_pairs(data["components"]), body=_text(data["body"]),
            updates=tuple(Update(_time(u["at"]), _text(u["status"]), _text(u["message"]),
                                 _pairs(u["components"])) for u in updates),
            notify=data["notify"],
        )
        _check(isinstance(data["notify"], bool), "expected true or false")
        if data["kind"] == "incident":
            _check(len(data) == 11, "unexpected fields")
            return Incident(**common, started=_time(data["started"]),
                            resolved=_maybe_time(data["resolved"]),
                            impact=_text(data["impact"], nullable=True))
        _check(data["kind"] == "maintenance" and len(data) == 12, "unexpected fields")
        _check(isinstance(data["cancelled"], bool), "expected true or false")
        return Maintenance(**common, scheduled_start=_time(data["scheduled_start"]),
                           scheduled_end=_time(data["scheduled_end"]),
                           completed=_maybe_time(data["completed"]), cancelled=data["cancelled"])
    except (KeyError, TypeError):
        raise InvalidRecord("expected a notice") from None


def encode_output(value) -> dict | None:
    """A memoised output (bytes, or {path: bytes}); None when it is neither."""
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, bytes) for k, v in value.items()):
        return {"files": {k: base64.b64encode(v).decode("ascii") for k, v in value.items()}}
    return None


def decode_output(data):
    _check(isinstance(data, dict) and len(data) == 1, "expected an output")
    try:
        if "bytes" in data:
            return base64.b64decode(_text(data["bytes"]), validate=True)
        files = data["files"]
        _check(isinstance(files, dict), "expected files")
        return {_text(k): base64.b64decode(_text(v), validate=True) for k, v in files.items()}
    except (KeyError, binascii.Error):
        raise InvalidRecord("expected an output") from None


def encode_written(out: str, files: dict) -> dict:
    return {"out": out, "files": {path: list(entry) for path, entry in files.items()}}


def decode_written(data) -> dict:
    """{"out": folder, "files": {path: (page key or None, size, mtime_ns, inode)}}"""
    _check(isinstance(data, dict) and set(data) == {"out", "files"}, "expected a site record")
    files = data["files"]
    _check(isinstance(files, dict), "expected files")
    decoded = {}
    for path, entry in files.items():
        _check(isinstance(entry, list) and len(entry) == 4, "expected [key, size, time, inode]")
        decoded[path] = (_text(entry[0], nullable=True), *(_int(v) for v in entry[1:]))
    return {"out": _text(data["out"]), "files": decoded}
