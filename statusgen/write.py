"""Writing the rendered site to disk, all or nothing.

Two ways, same result:
- a full write renders into a temporary sibling folder and swaps it in;
- an incremental write, used when the previous build's manifest says exactly what is on disk
  and few files changed, replaces just those files in place and removes the ones that are gone,
  undoing everything if any step fails.
Either way, a file whose bytes did not change keeps its inode and timestamp (which `serve`,
rsync-style tools and publishing benefit from), and a pending page whose input key matches the
file recorded in the manifest, still untouched on disk, is reused without rendering.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from statusgen.errors import StatusgenError
from statusgen.files import atomic_write
from statusgen.render.pages import RenderedPage

# Above this share of changed files, one fresh folder is cheaper than many replacements.
INCREMENTAL_LIMIT = 0.2


@dataclass(frozen=True)
class WriteResult:
    files: int
    bytes: int
    rendered: int  # pages rendered (the others were reused)
    written: int  # files whose bytes changed
    manifest: dict  # path -> (page key or None, size, mtime_ns, inode) of each file on disk


def safe_output_path(base: Path, relative: str) -> Path:
    """Refuse any output path that is absolute or climbs out of the output directory."""
    return Path(_joined(str(base), relative))


def _joined(base: str, relative: str) -> str:
    """`base/relative` as text (a site has thousands of paths: no Path objects on the hot path)."""
    parts = relative.split("/")
    if relative.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in relative:
        raise StatusgenError(f"refusing to write {relative!r}: outside the output directory")
    return os.path.join(base, *parts)


def write_site(outputs: dict[str, bytes | RenderedPage], out: Path, previous: dict | None = None) -> WriteResult:
    """Write every output; a RenderedPage without data reuses the file already on disk."""
    out = Path(out).resolve()
    targets = {relative: _joined(str(out), relative) for relative in outputs}
    contents = {relative: item.data if isinstance(item, RenderedPage) else item
                for relative, item in outputs.items()}  # None: reuse the file on disk
    rendered = sum(1 for item in outputs.values() if isinstance(item, RenderedPage) and item.data is not None)
    changed = [r for r, data in contents.items() if data is not None and not _same_bytes(targets[r], data)]
    if not (previous and out.is_dir() and len(changed) <= INCREMENTAL_LIMIT * len(outputs)):
        return write_fresh(out, outputs.items())
    _write_in_place(out, targets, contents, changed)
    manifest, total = {}, 0
    for relative, item in outputs.items():
        stat = os.stat(targets[relative])
        total += stat.st_size
        key = item.key if isinstance(item, RenderedPage) else None
        manifest[relative] = (key, stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return WriteResult(len(outputs), total, rendered, len(changed), manifest)


def write_fresh(out: Path, items: Iterable[tuple[str, bytes | RenderedPage]]) -> WriteResult:
    """Write a whole site into a new folder and swap it in, each file as soon as it is ready
    (pages can arrive from worker processes while earlier ones are written). A file with the
    same bytes as the one it replaces, or a page whose key matched it, is linked from it,
    keeping its timestamp."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    base, old_base = str(staging), str(out)
    manifest, total, rendered, written = {}, 0, 0, 0
    try:
        made: set[str] = set()
        for relative, item in items:
            data, key = (item.data, item.key) if isinstance(item, RenderedPage) else (item, None)
            rendered += isinstance(item, RenderedPage) and data is not None
            target, old = _joined(base, relative), _joined(old_base, relative)
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            if data is None or _same_bytes(old, data):
                _link_or_copy(old, target)
            else:
                with open(target, "wb") as handle:
                    handle.write(data)
                written += 1
            stat = os.stat(target)
            total += stat.st_size
            # Recorded as the file will be once swapped in: a rename keeps inode and time.
            manifest[relative] = (key, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        os.chmod(staging, 0o755)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteResult(len(manifest), total, rendered, written, manifest)


def recorded_keys(paths, out: Path, previous: dict) -> dict[str, str | None]:
    """For each path, the key of the page the previous build wrote there, if that file is untouched."""
    out = str(Path(out).resolve())
    return {relative: _key_on_disk(previous.get(relative), _joined(out, relative)) for relative in paths}


def _write_in_place(out: Path, targets: dict[str, str], contents: dict[str, bytes | None],
                    changed: list[str]) -> None:
    """Replace changed files and remove stray ones; on any failure put every old file back."""
    expected = set(targets.values())
    stray = [Path(path) for path in _files_under(str(out)) if path not in expected]
    undo: list[tuple[Path, bytes | None]] = []  # (path, its old bytes or None if it was new)
    try:
        for relative in changed:
            target = Path(targets[relative])
            old = target.read_bytes() if target.exists() else None
            target.parent.mkdir(parents=True, exist_ok=True)
            undo.append((target, old))
            _atomic_write(target, contents[relative])
        for path in stray:
            undo.append((path, path.read_bytes()))
            path.unlink()
    except BaseException:
        for path, old in reversed(undo):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                _atomic_write(path, old)
        raise
    for path in stray:
        _remove_empty_parents(path.parent, out)


def _files_under(folder: str) -> list[str]:
    found, pending = [], [folder]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                (pending if entry.is_dir(follow_symlinks=False) else found).append(entry.path)
    return found


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _atomic_write(target: Path, data: bytes) -> None:
    atomic_write(target, data)


def _key_on_disk(recorded, path: str) -> str | None:
    """The key of the page the previous build wrote at `path`, if that file is still untouched."""
    if recorded is None or recorded[0] is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return recorded[0] if (stat.st_size, stat.st_mtime_ns, stat.st_ino) == tuple(recorded[1:]) else None


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def _link_or_copy(source: Path | str, target: Path | str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
