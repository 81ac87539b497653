"""The ledger: per channel, the delivery ids it confirmed (or that were settled without sending).

It lives where a fresh CI runner finds it: next to the publish manifest of the first target
(`s3://bucket/prefix/.statusgen-notify-ledger.json`, or in a file:// target's folder), or in a
local file (`--ledger FILE`). Every write is conditional on the version that was read
(If-Match / If-None-Match on S3, a compare under a lock for files), so two runs at once cannot
overwrite each other's record; before sending, a run *claims* its channels in the ledger, so
the other run leaves them alone instead of sending the same notices again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from statusgen.config import Config
from statusgen.errors import StatusgenError
from statusgen.files import atomic_write
from statusgen.times import iso_utc

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the CI workflow's concurrency group still holds
    fcntl = None  # type: ignore[assignment]

LEASE = timedelta(minutes=15)  # a claim older than this is from a run that died
_FORMAT = "statusgen-notify-ledger"
_VERSION = 2  # 2 added shared baselines; version 1 ledgers are still read
_ATTEMPTS = 10


class Conflict(Exception):
    """The ledger changed since it was read."""


class Store(Protocol):
    description: str

    def read(self) -> tuple[bytes | None, str | None]: ...  # (data, version token)
    def write(self, data: bytes, token: str | None) -> None: ...  # raises Conflict


@dataclass(frozen=True)
class Claim:
    run: str
    at: datetime


@dataclass
class ChannelRecord:
    """What one channel has settled.

    `baseline`: event ids settled whole, with every message an event makes (a webhook's
    component updates too), when the channel started: its first run records what is already
    public that way, without working out each event's messages. `settled`: message ids
    confirmed (or recorded) one by one.
    """

    baseline: frozenset[str] = frozenset()
    settled: set[str] = field(default_factory=set)


@dataclass
class LedgerState:
    channels: dict[str, ChannelRecord] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)

    def claimed_by_other(self, channel: str, run: str, now: datetime) -> bool:
        claim = self.claims.get(channel)
        return claim is not None and claim.run != run and now - claim.at < LEASE

    def settle(self, channel: str, ids: Iterable[str] = (), baseline: Iterable[str] = ()) -> None:
        """Record message `ids` and whole events `baseline` as settled for `channel`."""
        entry = self.channels.setdefault(channel, ChannelRecord())
        entry.settled.update(ids)
        added = frozenset(baseline)
        if not added <= entry.baseline:
            whole = entry.baseline | added
            # Channels that started together share one baseline, stored once.
            entry.baseline = next((other.baseline for other in self.channels.values() if other.baseline == whole),
                                  whole)


# A delivery id is "<slug>-<UTC time>[-n][/component]" or "<slug>-reminder-<before>"; the ledger
# stores them grouped by slug, which halves its size (a 10,000-notice site has ~60,000 ids).
_ID = re.compile(r"^(.+)-(\d{8}T\d{6}Z(?:-\d+)?(?:/.*)?|reminder-[0-9]+[mhd])$")


def _split(delivery_id: str) -> tuple[str, str]:
    head, sep, component = delivery_id.partition("/")
    # the common case without a regular expression: "<slug>-20261120T141000Z"
    if len(head) > 17 and head[-17] == "-" and head[-8] == "T" and head[-1] == "Z" and head[-16:-8].isdigit():
        return head[:-17], head[-16:] + sep + component
    match = _ID.match(delivery_id)
    return (match.group(1), match.group(2)) if match else ("", delivery_id)


def _grouped(ids: set[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for delivery_id in ids:
        slug, rest = _split(delivery_id)
        groups.setdefault(slug, []).append(rest)
    return {slug: sorted(rests) for slug, rests in sorted(groups.items())}


def _ungrouped(groups: dict) -> set[str]:
    ids: set[str] = set()
    for slug, rests in groups.items():
        if not isinstance(rests, list) or not all(isinstance(rest, str) for rest in rests):
            raise TypeError("expected lists of text")
        ids.update(f"{slug}-{rest}" if slug else rest for rest in rests)
    return ids


def encode(state: LedgerState) -> bytes:
    baselines: list[frozenset[str]] = []
    channels: dict[str, dict] = {}
    for name, entry in sorted(state.channels.items()):
        channels[name] = {"settled": _grouped(entry.settled)}
        if entry.baseline:
            if entry.baseline not in baselines:
                baselines.append(entry.baseline)
            channels[name]["baseline"] = baselines.index(entry.baseline)
    document = {
        "format": _FORMAT, "version": _VERSION,
        # one line per event id: sorting and joining 30,000 ids is quick, grouping them is not
        "baselines": ["\n".join(sorted(ids)) for ids in baselines],
        "channels": channels,
        "claims": {name: {"run": c.run, "at": iso_utc(c.at)} for name, c in sorted(state.claims.items())},
    }
    return (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def decode(data: bytes | None, description: str) -> LedgerState:
    """Reads this version's ledger and the first version's (which had no baselines)."""
    if data is None:
        return LedgerState()
    try:
        document = json.loads(data)
        if document.get("format") != _FORMAT or document.get("version") not in (1, _VERSION):
            raise ValueError
        baselines = [frozenset(_lines(text)) for text in document.get("baselines", [])]
        channels = {name: ChannelRecord(baselines[entry["baseline"]] if "baseline" in entry else frozenset(),
                                        _ungrouped(entry["settled"]))
                    for name, entry in document["channels"].items()}
        claims = {name: Claim(c["run"], datetime.fromisoformat(c["at"].replace("Z", "+00:00")))
                  for name, c in document.get("claims", {}).items()}
    except (ValueError, AttributeError, KeyError, TypeError, IndexError):
        # Never overwrite a record we cannot read: it would make every channel start over.
        raise StatusgenError(f"{description}: not a notify ledger that this statusgen can read; "
                             "expected the file statusgen notify writes (move it aside to start over)") from None
    return LedgerState(channels, claims)


def _lines(text: str) -> list[str]:
    if not isinstance(text, str):
        raise TypeError("expected text")
    return text.split("\n") if text else []


class Ledger:
    """Read-modify-write transactions on a store, retried when another run got there first."""

    def __init__(self, store: Store):
        self.store = store

    def read(self) -> LedgerState:
        data, _ = self.store.read()
        return decode(data, self.store.description)

    def update(self, change: Callable[[LedgerState], object]):
        """Apply `change` to the current ledger and write it back; returns what `change` returned."""
        for _ in range(_ATTEMPTS):
            data, token = self.store.read()
            state = decode(data, self.store.description)
            result = change(state)
            encoded = encode(state)
            if encoded == data:
                return result
            try:
                self.store.write(encoded, token)
            except Conflict:
                continue
            return result
        raise StatusgenError(f"{self.store.description}: changed {_ATTEMPTS} times while this run tried to write it; "
                             "another notify run is busy, try again later")


class FileStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.description = str(self.path)

    def read(self) -> tuple[bytes | None, str | None]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            raise StatusgenError(f"{self.description}: cannot read the notify ledger: {exc.strerror}") from None
        return data, hashlib.sha256(data).hexdigest()

    def write(self, data: bytes, token: str | None) -> None:
        try:
            with self._locked():
                current, current_token = self.read()
                if current_token != token:
                    raise Conflict()
                atomic_write(self.path, data, durable=True)
        except OSError as exc:
            raise StatusgenError(f"{self.description}: cannot write the notify ledger: {exc.strerror}") from None

    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.parent / (self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


class S3Store:
    """The ledger object in the first target's bucket, written only if unchanged since read."""

    def __init__(self, client, bucket: str, key: str):
        self.client, self.bucket, self.key = client, bucket, key
        self.description = f"s3://{bucket}/{key}"

    def read(self) -> tuple[bytes | None, str | None]:
        from botocore.exceptions import ClientError

        from statusgen.publish.buckets import s3_errors

        with s3_errors(f"reading {self.description}"):
            try:
                got = self.client.get_object(Bucket=self.bucket, Key=self.key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None, None
                raise
            return got["Body"].read(), got["ETag"]

    def write(self, data: bytes, token: str | None) -> None:
        from botocore.exceptions import ClientError

        from statusgen.publish.buckets import s3_errors

        condition = {"IfMatch": token} if token else {"IfNoneMatch": "*"}
        with s3_errors(f"writing {self.description}"):
            try:
                self.client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=data, ContentType="application/json",
                    CacheControl="no-store",
                    ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode("ascii"), **condition)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
                    raise Conflict() from None
                raise


def open_store(config: Config, ledger_file: Path | None, session_factory=None) -> Store:
    """`--ledger FILE`, else the first target's ledger object."""
    if ledger_file is not None:
        return FileStore(ledger_file)
    if not config.targets:
        raise StatusgenError("statusgen.toml: targets: none configured, so there is nowhere to keep the notify "
                             "ledger; expected a [[targets]] entry, or pass --ledger FILE")
    # The publish machinery is loaded only here: a run with --ledger FILE does without it.
    from statusgen.publish.buckets import S3Bucket, new_session
    from statusgen.publish.manifest import MANIFEST_NAME, NOTIFY_LEDGER_PREFIX

    name = NOTIFY_LEDGER_PREFIX + "ledger.json"  # publish leaves names with this prefix alone
    target = config.targets[0]
    if target.scheme == "file":
        directory = Path(target.bucket).expanduser()
        if not directory.is_absolute():
            directory = config.root / directory
        if not (directory / MANIFEST_NAME).is_file():
            # Writing into a folder that publish has not made its own would make publish refuse it.
            raise StatusgenError(f"target {target.name!r}: {directory} has not been published to yet; run "
                                 "'statusgen publish' first (the ledger is kept next to its manifest), "
                                 "or pass --ledger FILE")
        return FileStore(directory / name)
    session = (session_factory or new_session)(target.region)
    return S3Store(S3Bucket(target, session, 1).client, target.bucket, target.prefix + name)
