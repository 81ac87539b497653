"""A persistent build cache in `.statusgen-cache/`: safe to delete, never a source of stale output.

Every entry is keyed by a hash of all of its inputs. Each file is data only (JSON, read and
written with orjson, about a third faster than the json module; see statusgen.records): a
one-line header naming the format version, statusgen's version, a hash of the record shapes,
of statusgen's own code and of the versions of Python and the installed libraries, and a
SHA-256 of the body. A file that fails any check (damaged, written by other code, hand-edited)
is ignored as a whole: the build goes on without it, gives the same bytes, and says so in one
line.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import site
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import orjson

from statusgen import __version__
from statusgen.files import atomic_write
from statusgen.legacy import read_legacy_site_record
from statusgen.records import (
    InvalidRecord,
    decode_clock,
    decode_notice,
    decode_output,
    decode_sources,
    decode_written,
    encode_notice,
    encode_output,
    encode_sources,
    encode_written,
    schema,
)

CACHE_DIR = ".statusgen-cache"
_FORMAT = "statusgen-cache"
_VERSION = 2  # 2: a content entry holds what was remembered with its notice


_LENGTHS = [length.to_bytes(8, "big") for length in range(256)]  # most parts are short: made once


def digest(*parts: bytes | str) -> str:
    chunks: list[bytes] = []
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        length = len(data)
        chunks += (_LENGTHS[length] if length < 256 else length.to_bytes(8, "big"), data)
    return hashlib.sha256(b"".join(chunks)).hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of statusgen's record shapes, of its Python sources, and of the versions of Python
    and of every installed library: a cache written by any other code, even under the same
    statusgen version number, is not used (an upgraded Markdown, Jinja or Babel may write other
    bytes from the same inputs)."""
    package = Path(__file__).resolve().parent
    parts: list[bytes | str] = [schema(), sys.version, *installed_libraries()]
    for source in sorted(package.rglob("*.py")):
        parts += [source.relative_to(package).as_posix(), source.read_bytes()]
    return digest(*parts)


def installed_libraries() -> list[str]:
    """The libraries installed in this Python's site-packages folders, each by its metadata
    folder, which is named after its version (name-1.2.3.dist-info). The same however statusgen
    is started (a script's folder or the working folder on sys.path do not count)."""
    folders = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    names = []
    for folder in folders:
        try:
            names += [n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
    return sorted(set(names))


SHARDS = "0123456789abcdef"  # a large table is kept in sixteen files, by its keys' first hex digit


def _kind(name: str) -> str:
    return name.partition("-")[0]  # "markdown-3" holds markdown


def _encode(name: str, data: dict):
    name = _kind(name)
    if name == "site":
        return encode_written(data["out"], data["files"], data.get("inputs"), data.get("next_change"), data.get("clock"))
    if name == "markdown":
        return data  # {text key: sanitised HTML}
    if name == "sources":
        return encode_sources(data["settings"], data["files"])
    if name == "renders":
        encoded = {key: encode_output(value) for key, value in data.items()}
        return {key: value for key, value in encoded.items() if value is not None}
    return {key: encode_notice(*entry) for key, entry in data.items()}  # content-*: (notice, remembered)


def _json(value) -> str:
    return orjson.dumps(value).decode("utf-8")  # compact, UTF-8 as it is: as json.dumps(..., ensure_ascii=False)


def content_entry(notice, remembered: list[str] | tuple[str, ...] | None = None) -> str | None:
    """A notice (and what was remembered with it) as the text of its entry in a content-* file
    (None: this format cannot carry it)."""
    try:
        return _json(encode_notice(notice, remembered))
    except (KeyError, TypeError, ValueError):
        return None


def _decode(name: str, body) -> dict:
    name = _kind(name)
    if name == "site":
        return decode_written(body)
    if name == "sources":
        return decode_sources(body)
    if name == "clock":
        return decode_clock(body)
    if not isinstance(body, dict):
        raise InvalidRecord("expected a table of entries")
    if name == "markdown":
        if not all(isinstance(k, str) and len(k) == 64 and isinstance(v, str) for k, v in body.items()):
            raise InvalidRecord("expected {text hash: HTML}")
        return body
    decode = decode_output if name == "renders" else decode_notice
    return {key: decode(value) for key, value in body.items()}


class BuildCache:
    def __init__(self, directory: Path | None, read_only: bool = False):
        self.directory = Path(directory) if directory is not None else None
        self.read_only = read_only  # reads, never writes: a helper process beside the build's own
        self.notices: list[str] = []  # cache files that were ignored, and why

    @classmethod
    def for_root(cls, root: Path) -> BuildCache:
        return cls(Path(root) / CACHE_DIR)

    @classmethod
    def disabled(cls) -> BuildCache:
        return cls(None)

    def _path(self, name: str) -> Path:
        assert self.directory is not None, "a disabled cache has no files"
        return self.directory / f"{name}.json"

    def _header(self, body: bytes) -> dict:
        return {"format": _FORMAT, "version": _VERSION, "statusgen": __version__,
                "schema": digest(schema()), "code": code_digest(),
                "sha256": hashlib.sha256(body).hexdigest()}

    def load(self, name: str) -> dict:
        if self.directory is None:
            return {}
        try:
            raw = self._path(name).read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            return self._ignore(name, exc.strerror or str(exc))
        head, _, body = raw.partition(b"\n")
        expected = self._header(body)
        try:
            header = json.loads(head)
            if not isinstance(header, dict) or header.get("format") != _FORMAT:
                return self._ignore(name, "not a statusgen cache file")
            for field in ("version", "statusgen", "schema", "code"):
                if header.get(field) != expected[field]:
                    return self._ignore(name, "written by another version of statusgen or of a library it uses")
            if header != expected:
                return self._ignore(name, "damaged (its checksum does not match)")
            return _decode(name, orjson.loads(body))
        except InvalidRecord as exc:
            return self._ignore(name, f"unexpected content ({exc})")
        except (ValueError, RecursionError):
            return self._ignore(name, "unreadable")

    def _ignore(self, name: str, why: str) -> dict:
        self.notices.append(f"{CACHE_DIR}/{self._path(name).name}: {why}")
        return {}

    def legacy_site_record(self, out: Path) -> dict:
        """The files statusgen 0.1.0 recorded writing into `out` (statusgen.legacy), or {}."""
        if self.directory is None:
            return {}
        record = read_legacy_site_record(self.directory)
        return record["files"] if record.get("out") == str(out) else {}

    def remove(self, name: str) -> None:
        if self.directory is not None and not self.read_only:
            try:
                self._path(name).unlink(missing_ok=True)
            except OSError:
                pass

    def save(self, name: str, data: dict) -> None:
        if self.directory is None:
            return
        try:
            body = orjson.dumps(_encode(name, data))
        except (KeyError, TypeError, ValueError):
            return  # a record this format cannot carry: no cache file rather than a wrong one
        self._write(name, body)

    def save_entries(self, name: str, entries: dict[str, str | None]) -> None:
        """A table whose entries are encoded already (content_entry); none if one could not be."""
        if self.directory is None or any(entry is None for entry in entries.values()):
            return
        body = "{" + ",".join(f"{_json(key)}:{entry}" for key, entry in entries.items()) + "}"
        self._write(name, body.encode("utf-8"))

    def save_body(self, name: str, body: bytes) -> None:
        """A file whose body is encoded already (statusgen.records.encode_clock)."""
        if self.directory is not None:
            self._write(name, body)

    def _write(self, name: str, body: bytes) -> None:
        assert self.directory is not None, "a disabled cache writes nothing"
        if self.read_only:
            return
        header = json.dumps(self._header(body), sort_keys=True).encode("ascii")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n")
            atomic_write(self._path(name), header + b"\n" + body)
        except OSError:
            pass  # a cache that cannot be written only costs the next build time


def shard_of(key: str) -> str:
    return key[:1] if key[:1] in SHARDS else SHARDS[0]


def _by_shard(entries: Mapping) -> dict[str, dict]:
    shards: dict[str, dict] = {digit: {} for digit in SHARDS}
    for key, value in entries.items():
        shards[shard_of(key)][key] = value
    return shards


class ShardedTable:
    """A table of the build cache in sixteen files: a build that adds or drops a few entries
    rewrites the files holding them, not the whole table. Under a key, the value never changes
    (keys hash their inputs), so a file is written again only when its keys change."""

    def __init__(self, cache: BuildCache, name: str, shards: dict[str, dict] | None = None):
        """`shards`: the table's files as another process loaded them (`shards()`), instead of
        loading them here."""
        self.cache, self.name = cache, name
        self.loaded: dict[str, frozenset] = {}
        self.entries: dict = {}
        for digit in SHARDS:
            shard = cache.load(f"{name}-{digit}") if shards is None else shards[digit]
            self.loaded[digit] = frozenset(shard)
            self.entries.update(shard)

    def shards(self) -> dict[str, dict]:
        return _by_shard(self.entries)

    def save(self, entries: Mapping) -> None:
        self.cache.remove(self.name)  # the one file an earlier statusgen kept it in
        if entries.keys() == self.entries.keys():  # then each file's keys are the ones it holds
            return
        for digit, shard in _by_shard(entries).items():
            if shard.keys() != self.loaded[digit]:
                self.cache.save(f"{self.name}-{digit}", shard)


def pickled_digest(*values) -> str:
    """A key for values made of the model's frozen records, tuples, strings and times."""
    return digest(__version__, pickle.dumps(values, protocol=5))


class Memo:
    """Results of pure computations from the previous build, by a key hashing all their inputs.

    Only entries used by this build are kept for the next one, so it never grows without bound.
    """

    def __init__(self, previous: dict | None = None):
        self.previous = previous or {}
        self.used: dict = {}
        self._new: dict = {}  # computed since `learned` was last called

    def get(self, key: str, compute: Callable[[], object]):
        if key in self.previous:
            value = self.previous[key]
        else:
            value = self._new[key] = compute()
        self.used[key] = value
        return value

    def learned(self) -> dict:
        """The entries computed since the last call: what a worker process sends back (`adopt`)."""
        new, self._new = self._new, {}
        return new

    def adopt(self, entries: dict) -> None:
        self.used.update(entries)
