"""The build cache's entries as plain JSON data, and back, checking every field on the way in.

Only data is ever read back (text, numbers, lists, maps): a cache file cannot make statusgen run
code, and a damaged or foreign one is refused as a whole (`InvalidRecord`), never half-used.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial

import orjson

from statusgen.model import Incident, Maintenance, Notice, Update
from statusgen.vocabulary import MaintenanceState


class InvalidRecord(ValueError):
    pass


def schema() -> str:
    """The shape of every record, as text: any change to it invalidates old cache files."""
    return repr([(cls.__name__, [(f.name, str(f.type)) for f in dataclasses.fields(cls)])
                 for cls in (Update, Incident, Maintenance)])


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise InvalidRecord(what)


# The checks below run for every field of every cached notice, so each is a type test and
# nothing more on the way through (the types of JSON values are exact: no subclasses).

def _text(value, nullable: bool = False):
    if type(value) is str or (nullable and value is None):
        return value
    raise InvalidRecord("expected text")


_WHOLE = {int}  # the types of a list of whole numbers (a bool's type is bool)


def _int(value) -> int:
    _check(isinstance(value, int) and not isinstance(value, bool), "expected a whole number")
    return value


def _time(value, nullable: bool = False) -> datetime | None:
    if nullable and value is None:
        return None
    if type(value) is not str:
        raise InvalidRecord("expected a time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRecord("expected a time") from None
    if moment.tzinfo is not timezone.utc:
        raise InvalidRecord("expected a UTC time")
    return moment


def _pairs(value) -> tuple[tuple[str, str], ...]:
    if type(value) is not list:
        raise InvalidRecord("expected a list")
    for pair in value:
        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str or type(pair[1]) is not str:
            raise InvalidRecord("expected [id, status] pairs")
    return tuple(map(tuple, value))


def _bool(value) -> bool:
    if type(value) is bool:
        return value
    raise InvalidRecord("expected true or false")


def _updates(value) -> tuple[Update, ...]:
    _check(type(value) is list and bool(value), "expected updates")
    return tuple([_update(item) for item in value])


_UPDATE_FIELDS = frozenset(("at", "status", "message", "components", "automatic"))


def _update(data) -> Update:
    """What _decode_record(Update, data) gives, each field checked the same way, written out:
    a long history holds tens of thousands of updates (tests/test_records.py keeps the two equal)."""
    if type(data) is not dict or data.keys() != _UPDATE_FIELDS:
        raise InvalidRecord("expected the fields of Update")
    update = object.__new__(Update)
    update.__dict__.update(at=_time(data["at"]), status=_text(data["status"]), message=_text(data["message"]),
                           components=_pairs(data["components"]), automatic=_bool(data["automatic"]))
    return update


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# Each field type of the records: (to JSON, from JSON). A field of any other type makes the
# record unstorable (the cache then skips it), never wrongly stored.
_FIELD_TYPES: dict[str, tuple[Callable, Callable]] = {
    "str": (lambda v: v, _text),
    "str | None": (lambda v: v, partial(_text, nullable=True)),
    "bool": (lambda v: v, _bool),
    "datetime": (_iso, _time),
    "datetime | None": (_iso, partial(_time, nullable=True)),
    "tuple[tuple[str, str], ...]": (lambda v: [list(p) for p in v], _pairs),
    "tuple[Update, ...]": (lambda v: [_encode_record(u) for u in v], _updates),
}
_KINDS = {"incident": Incident, "maintenance": Maintenance}


_CODECS: dict[type, tuple[tuple[tuple[str, Callable, Callable], ...], frozenset[str]]] = {}


def _codec(cls: type) -> tuple[tuple[tuple[str, Callable, Callable], ...], frozenset[str]]:
    """((field name, to JSON, from JSON) for each field, the set of names): looked up once per class."""
    if cls not in _CODECS:
        fields = tuple((f.name, *_FIELD_TYPES[str(f.type)]) for f in dataclasses.fields(cls))
        _CODECS[cls] = fields, frozenset(name for name, _, _ in fields)
    return _CODECS[cls]


def _encode_record(record) -> dict:
    return {name: encode(getattr(record, name)) for name, encode, _ in _codec(type(record))[0]}


def _decode_record(cls, data):
    try:
        fields, names = _codec(cls)
    except KeyError:
        raise InvalidRecord(f"{cls.__name__} has a field this format cannot carry") from None
    if type(data) is not dict or data.keys() != names:
        raise InvalidRecord(f"expected the fields of {cls.__name__}")
    # Every field is set, so the record is what __init__ makes (the records have no __post_init__),
    # without a frozen dataclass's object.__setattr__ for each field.
    record = object.__new__(cls)
    record.__dict__.update([(name, decode(data[name])) for name, _, decode in fields])
    return record


def encode_notice(notice: Notice, remembered: list[str] | tuple[str, ...] | None = None) -> dict:
    """Raises KeyError for a record with a field type this module does not know. `remembered`:
    strings worked out where the notice was parsed, kept with it (None: nothing was)."""
    return {"kind": notice.kind, "fields": _encode_record(notice),
            "remembered": None if remembered is None else list(remembered)}


_ENTRY = frozenset(("kind", "fields", "remembered"))


def decode_notice(data) -> tuple[Notice, tuple[str, ...] | None]:
    """(the notice, what was remembered with it)."""
    _check(type(data) is dict and data.keys() == _ENTRY and data["kind"] in _KINDS, "expected a notice")
    remembered = data["remembered"]
    if remembered is not None:
        _check(type(remembered) is list and all(type(item) is str for item in remembered), "expected a list of text")
        remembered = tuple(remembered)
    return _decode_record(_KINDS[data["kind"]], data["fields"]), remembered


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


def encode_written(out: str, files: dict, inputs: str | None = None, next_change: datetime | None = None,
                   clock: tuple | None = None) -> dict:
    gate = None if clock is None else [clock[0], clock[1], _iso(clock[2]), _iso(clock[3])]
    return {"out": out, "files": {path: list(entry) for path, entry in files.items()},
            "inputs": inputs, "next_change": _iso(next_change), "clock": gate}


def _gate(value) -> tuple | None:
    """(the clock record's id, the digest of its inputs, its time, its next moment or None)."""
    if value is None:
        return None
    _check(type(value) is list and len(value) == 4, "expected [id, inputs, time, until]")
    return _text(value[0]), _text(value[1]), _time(value[2]), _time(value[3], nullable=True)


def decode_written(data) -> dict:
    """{"out": folder, "files": {path: (page key or None, size, mtime_ns, inode, SHA-256 of the
    bytes or None)}, "inputs": the
    digest of the build's inputs (statusgen.inputs) or None, "next_change": time or None, "clock":
    what the clock record this site was built from says of when it applies (statusgen.clock), or None}"""
    _check(isinstance(data, dict) and set(data) in ({"out", "files"}, {"out", "files", "inputs", "next_change", "clock"}),
           "expected a site record")  # 0.1.0's record (statusgen.legacy) has no inputs
    files = data["files"]
    _check(isinstance(files, dict), "expected files")
    decoded = {}
    for path, entry in files.items():
        # 0.1.0 recorded no content hash: [key, size, time, inode]
        _check(isinstance(entry, list) and len(entry) in (4, 5), "expected [key, size, time, inode, hash]")
        _check(set(map(type, entry[1:4])) == _WHOLE, "expected a whole number")  # not a bool: see _int
        decoded[path] = (_text(entry[0], nullable=True), entry[1], entry[2], entry[3],
                         _text(entry[4] if len(entry) > 4 else None, nullable=True))
    return {"out": _text(data["out"]), "files": decoded, "inputs": _text(data.get("inputs"), nullable=True),
            "next_change": _time(data.get("next_change"), nullable=True), "clock": _gate(data.get("clock"))}


def encode_sources(settings: str, index: dict) -> dict:
    """The index of the incident files read (statusgen.content.SourceIndex), for `settings`."""
    return {"settings": settings, "files": {source: [*signature, key] for source, (signature, key) in index.items()}}


def decode_sources(data) -> dict:
    """{"settings": text, "files": {source: ((device, inode, size, mtime_ns, ctime_ns), content key)}}"""
    _check(isinstance(data, dict) and data.keys() == {"settings", "files"} and isinstance(data["files"], dict),
           "expected an index of files")
    files = {}
    for source, entry in data["files"].items():
        _check(type(entry) is list and len(entry) == 6, "expected [device, inode, size, mtime, ctime, key]")
        signature = tuple(entry[:5])
        _check(set(map(type, signature)) == _WHOLE, "expected a whole number")  # not a bool: see _int
        files[source] = (signature, _text(entry[5]))
    return {"settings": _text(data["settings"]), "files": files}


def _span(value: timedelta | None) -> list[int] | None:
    return None if value is None else [value.days, value.seconds, value.microseconds]


def _unspan(value) -> timedelta | None:
    if value is None:
        return None
    _check(type(value) is list and len(value) == 3 and set(map(type, value)) <= _WHOLE, "expected a duration")
    return timedelta(*value)


def _texts(value) -> tuple[str, ...]:
    _check(type(value) is list and all(type(item) is str for item in value), "expected a list of text")
    return tuple(value)


def _table(value, decode: Callable) -> dict:
    _check(type(value) is dict, "expected a table")
    return {key: decode(item) for key, item in value.items()}


_CLOCK = frozenset(("out", "inputs", "now", "next_change", "titles", "durations", "recent", "last_change",
                    "components", "named", "state"))
_CLOCK_STATE = frozenset(("until", "api_updated_at", "maintenance_states", "notices", "markdown"))


def encode_clock_state(until: datetime | None, api_updated_at: datetime, maintenance_states: dict,
                       notices: dict, markdown: dict[str, str]) -> dict:
    """The part of a clock record (statusgen.clock.state_part) worked out from the state and the
    whole history, possibly in another process."""
    return {"until": _iso(until), "api_updated_at": _iso(api_updated_at),
            "maintenance_states": {slug: str(state) for slug, state in maintenance_states.items()},
            "notices": {key: encode_notice(notice) for key, notice in notices.items()}, "markdown": markdown}


def encode_clock(record: dict, state: bytes) -> bytes:
    """A clock record (statusgen.clock.make_record) as the body of its cache file; `state`:
    encode_clock_state's JSON."""
    head = orjson.dumps({
        "out": record["out"], "inputs": record["inputs"], "now": _iso(record["now"]),
        "next_change": _iso(record["next_change"]),
        "titles": record["titles"], "durations": {slug: _span(span) for slug, span in record["durations"].items()},
        "recent": list(record["recent"]), "last_change": _iso(record["last_change"]),
        "components": {cid: [count, list(first), _span(mttr), resolved]
                       for cid, (count, first, mttr, resolved) in record["components"].items()},
        "named": {key: encode_notice(notice) for key, notice in record["named"].items()},
    })
    return head[:-1] + b',"state":' + state + b"}"


def _component_listing(value) -> tuple[int, tuple[str, ...], timedelta | None, int]:
    _check(type(value) is list and len(value) == 4, "expected [count, slugs, mean time to resolve, resolved]")
    return _int(value[0]), _texts(value[1]), _unspan(value[2]), _int(value[3])


def _maintenance_state(value) -> MaintenanceState:
    try:
        return MaintenanceState(_text(value))
    except ValueError:
        raise InvalidRecord("expected a maintenance state") from None


def _notice(entry) -> Notice:
    return decode_notice(entry)[0]


def decode_clock(data) -> dict:
    """encode_clock's data back, every field checked, as one table: "notices" holds those of
    "named" and of the state part, by content key."""
    _check(type(data) is dict and data.keys() == _CLOCK, "expected a clock record")
    state = data["state"]
    _check(type(state) is dict and state.keys() == _CLOCK_STATE, "expected a clock record")
    markdown = _table(state["markdown"], _text)
    _check(all(len(key) == 64 for key in markdown), "expected {text hash: HTML}")
    return {
        "out": _text(data["out"]), "inputs": _text(data["inputs"]), "now": _time(data["now"]),
        "until": _time(state["until"], nullable=True), "next_change": _time(data["next_change"], nullable=True),
        "titles": _table(data["titles"], _text), "durations": _table(data["durations"], _unspan),
        "recent": _texts(data["recent"]), "last_change": _time(data["last_change"], nullable=True),
        "api_updated_at": _time(state["api_updated_at"]),
        "components": _table(data["components"], _component_listing),
        "maintenance_states": _table(state["maintenance_states"], _maintenance_state),
        "notices": {**_table(state["notices"], _notice), **_table(data["named"], _notice)},
        "markdown": markdown,
    }
