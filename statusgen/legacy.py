"""The record of written files that statusgen 0.1.0 left in `.statusgen-cache/site-0.1.0.pickle`,
read as data only, so that a `site/` it built is taken over on upgrade instead of refused.

Nothing is unpickled. The file's opcodes are walked with `pickletools` (which only parses) and
only those that build dicts, tuples, lists, text, whole numbers and None are carried out; any
other opcode (a global, a call, an object) refuses the whole file. The result is then checked
like any cache entry (statusgen.records). It is used to recognise the folder, never to reuse
a page.
"""

from __future__ import annotations

import pickletools
from pathlib import Path

from statusgen.records import InvalidRecord, decode_written

LEGACY_SITE_RECORD = "site-0.1.0.pickle"
_MAX_BYTES = 64 * 1024 * 1024
_VALUES = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "BININT", "BININT1", "BININT2", "LONG1", "LONG4"}
_TUPLES = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}


def read_legacy_site_record(cache_dir: Path) -> dict:
    """{"out": ..., "files": {...}} as statusgen 0.1.0 recorded it, or {} when absent or unusable."""
    path = Path(cache_dir) / LEGACY_SITE_RECORD
    try:
        if path.stat().st_size > _MAX_BYTES:
            return {}
        return decode_written(_data_only(path.read_bytes()))
    except (OSError, ValueError, TypeError, KeyError, IndexError, InvalidRecord):
        return {}


def _data_only(data: bytes):  # noqa: C901 - one flat branch per accepted opcode
    stack: list = []
    marks: list[int] = []
    memo: dict = {}
    for opcode, arg, _ in pickletools.genops(data):
        name = opcode.name
        if name in ("PROTO", "FRAME"):
            continue
        if name == "STOP":
            break
        if name in _VALUES:
            stack.append(arg)
        elif name == "NONE":
            stack.append(None)
        elif name in ("NEWTRUE", "NEWFALSE"):
            stack.append(name == "NEWTRUE")
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name == "MARK":
            marks.append(len(stack))
        elif name in _TUPLES:
            count = _TUPLES[name]
            items = tuple(stack[-count:])
            if len(items) != count:
                raise ValueError("stack underflow")
            del stack[-count:]
            stack.append(items)
        elif name == "TUPLE":
            start = marks.pop()
            items = tuple(stack[start:])
            del stack[start:]
            stack.append(items)
        elif name in ("SETITEM", "SETITEMS"):
            start = marks.pop() if name == "SETITEMS" else len(stack) - 2
            pairs = stack[start:]
            del stack[start:]
            target = stack[-1]
            if not isinstance(target, dict) or len(pairs) % 2:
                raise ValueError("not a dict")
            for index in range(0, len(pairs), 2):
                target[pairs[index]] = pairs[index + 1]
        elif name in ("APPEND", "APPENDS"):
            start = marks.pop() if name == "APPENDS" else len(stack) - 1
            appended = stack[start:]
            del stack[start:]
            if not isinstance(stack[-1], list):
                raise ValueError("not a list")
            stack[-1].extend(appended)
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        else:
            raise ValueError(f"refusing pickle opcode {name}")
    if len(stack) != 1:
        raise ValueError("not one value")
    return _as_lists(stack[0])


def _as_lists(value):
    """Tuples as lists, as the JSON records have them."""
    if isinstance(value, dict):
        return {key: _as_lists(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_as_lists(item) for item in value]
    return value
