"""A persistent build cache in `.statusgen-cache/`: safe to delete, never a source of stale output.

Every entry is keyed by a hash of all of its inputs, and each cache file's name carries the
statusgen version, so a new version starts empty. An unreadable cache file counts as empty.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Callable

from statusgen import __version__
from statusgen.files import atomic_write

CACHE_DIR = ".statusgen-cache"


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class BuildCache:
    def __init__(self, directory: Path | None):
        self.directory = Path(directory) if directory is not None else None

    @classmethod
    def for_root(cls, root: Path) -> "BuildCache":
        return cls(Path(root) / CACHE_DIR)

    @classmethod
    def disabled(cls) -> "BuildCache":
        return cls(None)

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}-{__version__}.pickle"

    def load(self, name: str) -> dict:
        if self.directory is None:
            return {}
        try:
            with open(self._path(name), "rb") as handle:
                data = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, name: str, data: dict) -> None:
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        gitignore = self.directory / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
        atomic_write(self._path(name), pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


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

    def get(self, key: str, compute: Callable[[], object]):
        value = self.previous[key] if key in self.previous else compute()
        self.used[key] = value
        return value

    @property
    def changed(self) -> bool:
        return self.used.keys() != self.previous.keys()
