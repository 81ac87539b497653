"""Everything a build reads, as one digest: when it equals the digest recorded with the site on
disk, and that site is untouched, a build would write the very same bytes again, so it stops there.

The parts: statusgen itself (every file of the package, the Python version and every installed
library's version), the repository's statusgen.toml, templates/ and locale/ (every file, by
content), every incident file (by its content key, as statusgen.content reads it: by content,
or from the index of files, whose change time sees any edit) and the output folder; `at_time`
adds `now`. An edit that keeps a file's size and modification time is still seen. Anything that
cannot be vouched for this way (a symbolic link, a file that is not a regular one) means no
digest, so the build goes the whole way.
"""

from __future__ import annotations

import os
import stat
import zoneinfo
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from statusgen.cache import code_digest, digest
from statusgen.files import file_sha256
from statusgen.folders import output_path_text
from statusgen.i18n import REPOSITORY_LOCALE_DIR

CONFIG_FILE = "statusgen.toml"
REPOSITORY_FOLDERS = ("templates", REPOSITORY_LOCALE_DIR)  # besides incidents/


class _Unvouched(Exception):
    pass


@lru_cache(maxsize=1)
def installation_digest() -> str:
    """statusgen's files (templates, catalogs, code), Python's version and every library's."""
    package = Path(__file__).resolve().parent
    parts: list[bytes | str] = [code_digest()]  # which holds Python's version and the libraries'
    for folder, folders, files in os.walk(package):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            parts += [os.path.relpath(path, package), Path(path).read_bytes()]
    return digest(*parts)


def _regular_bytes(path: str) -> bytes:
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise _Unvouched(path)
    with open(path, "rb") as handle:
        return handle.read()


def _raise(error: OSError) -> None:
    raise error


def _folder_parts(root: Path, name: str) -> list[bytes | str]:
    base = os.path.join(root, name)
    if not os.path.lexists(base):
        return [name, "-"]
    if not stat.S_ISDIR(os.lstat(base).st_mode):
        raise _Unvouched(base)
    parts: list[bytes | str] = [name]
    for folder, folders, files in os.walk(base, onerror=_raise):  # a folder that cannot be listed: unvouched
        for entry in folders:
            if os.path.islink(os.path.join(folder, entry)):
                raise _Unvouched(entry)
        folders.sort()
        for entry in sorted(files):
            path = os.path.join(folder, entry)
            parts += [os.path.relpath(path, base), _regular_bytes(path)]
    return parts


def _zone_parts(timezone: str) -> list[bytes | str]:
    """The site's time zone rules, from the system's database (the tzdata library's version,
    where they come from it instead, is counted with the other libraries)."""
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, *timezone.split("/"))
        if os.path.isfile(path):
            return [path, Path(path).read_bytes()]
    return [timezone, "-"]


def inputs_digest(root: Path, timezone: str, incident_keys: list[str], out: Path) -> str | None:
    """The digest of every input of a build into `out` but the time; None when some input cannot
    be vouched for by its content. `incident_keys`: each incident file's content key, in order."""
    try:
        parts: list[bytes | str] = [installation_digest(), _regular_bytes(os.path.join(root, CONFIG_FILE))]
        for name in REPOSITORY_FOLDERS:
            parts += _folder_parts(root, name)
        parts += _zone_parts(timezone)
    except (OSError, _Unvouched):
        return None
    return digest(*parts, "incidents", *incident_keys, "out", str(out))


def at_time(inputs: str, now: datetime) -> str:
    """The digest of every input of a build (inputs_digest) at `now`."""
    return digest(inputs, "now", now.isoformat())


def site_untouched(out: Path, files: dict, marker: bytes, marker_name: str, seen: dict | None = None,
                   copies: list[tuple[str, str]] | None = None) -> bool:
    """Every file the previous build recorded is still there as it was written (same size, time
    and inode), or a copy of the same bytes (its SHA-256), as when CI restores the output folder
    from its cache into a fresh checkout; and so is the folder's marker. `seen` gets the status
    of each file. `copies`: where the copies' (path, SHA-256) go for the caller to check with
    `copies_hold`, instead of being read here."""
    folder = str(out)
    unchecked: list[tuple[str, str]] = [] if copies is None else copies
    for relative, (_, size, mtime_ns, inode, sha256) in files.items():
        path = output_path_text(folder, relative)
        try:
            info = os.lstat(path)
        except OSError:
            return False
        if (info.st_size, info.st_mtime_ns, info.st_ino) != (size, mtime_ns, inode) or not stat.S_ISREG(info.st_mode):
            if not (stat.S_ISREG(info.st_mode) and info.st_size == size and sha256 is not None):
                return False
            unchecked.append((path, sha256))
        if seen is not None:
            seen[relative] = info
    try:
        if _regular_bytes(os.path.join(folder, marker_name)) != marker:
            return False
    except (OSError, _Unvouched):
        return False
    return copies is not None or copies_hold(unchecked)


def copies_hold(copies: list[tuple[str, str]]) -> bool:
    """Each file holds the bytes of the SHA-256 given (hashing lets other threads run)."""
    return all(file_sha256(path) == sha256 for path, sha256 in copies)
