"""Writing the rendered site to disk, all or nothing.

Every build fills a complete tree beside the output folder and swaps it in with one atomic
exchange, so a build stopped at any point (even by SIGKILL) leaves the previous site or the new
one, never a mix. Files whose bytes did not change are hard-linked from the previous tree: they
keep their inode and timestamp (which `serve`, rsync-style tools and publishing benefit from),
and a page whose input key matches the file the previous build recorded, still untouched on
disk, is linked without rendering. Files in the output folder that statusgen did not write (a
CNAME) are carried into the new tree; they are never statusgen's to delete.

The tree a swap takes out is kept as the spare (statusgen.spare): the next build brings it up
to date, touching only what changed, instead of making and removing a whole tree of folders.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from statusgen.errors import StatusgenError
from statusgen.files import file_sha256
from statusgen.folders import MARKER, files_under, marker_bytes, output_path_text, walk
from statusgen.render.pages import RenderedPage
from statusgen.spare import Tree, remove


@dataclass(frozen=True)
class WriteResult:
    files: int
    bytes: int
    rendered: int  # pages rendered (the others were reused)
    written: int  # files whose bytes changed
    # path -> (page key or None, size, mtime_ns, inode, SHA-256 of the bytes or None)
    manifest: dict


def write_site(outputs: dict[str, bytes | RenderedPage], out: Path, owned: set[str] | None = None) -> WriteResult:
    """Write every output; a RenderedPage without data reuses the file already on disk."""
    return write_fresh(out, outputs.items(), owned)


def write_fresh(out: Path, items: Iterable[tuple[str, bytes | RenderedPage]],
                owned: set[str] | None = None, previous: dict | None = None,
                seen: dict[str, os.stat_result] | None = None, area: Staging | None = None,
                spare: Listing | None = None) -> WriteResult:
    """Write a whole site beside the output folder (into the tree the last swap took out, else
    a new folder) and swap it in, each file as soon as it is ready (pages can arrive from worker
    processes while earlier ones are written). `owned` lists the files of the current folder
    that statusgen wrote; any other file there is kept. `previous` is the record of the folder's
    files (WriteResult.manifest of the build that wrote them); `seen`, the status of the files
    `recorded_keys` found untouched. `area`: the Staging the caller entered already (else it is
    entered here), and `spare`: the listing of its spare, walked since it was entered."""
    out = Path(out).resolve()
    with nullcontext(area) if area is not None else Staging(out) as entered:
        try:
            return entered.fill(items, owned or set(), previous or {}, seen or {}, spare)
        except OSError as exc:
            where = exc.filename or out
            raise StatusgenError(f"cannot write the site: {where}: {exc.strerror or exc}; "
                                 f"{out} was left as it was") from None


Listing = tuple[list[str], list[str], dict[str, int]]  # (files, folders, inode of each file)

# The build locks this process holds (Staging): a process forked while one is held (a helper, a
# worker) closes its copy at once, so that the lock goes with this process even if a child of
# it lives on (killed parent, lingering worker).
_HELD: set[int] = set()


def _close_held() -> None:
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held)


def recorded_keys(paths, out: Path, previous: dict,
                  seen: dict[str, os.stat_result] | None = None) -> dict[str, str | None]:
    """For each path, the key of the page the previous build wrote there, if that file is
    untouched; `seen` gets the status of each file found untouched."""
    folder = str(Path(out).resolve())
    seen = {} if seen is None else seen
    return {relative: _key_on_disk(previous.get(relative), output_path_text(folder, relative), seen, relative)
            for relative in paths}


class Staging:
    """A hidden folder beside the output (`.site.statusgen-build/`), holding the new tree while
    it is written and, between builds, the tree the last swap took out (`previous/`, the spare
    the next build fills). It carries a `.gitignore` so nothing in it can be committed and a lock
    so two builds never share it; a killed build's leftovers are reused or removed by the next
    one."""

    def __init__(self, out: Path):
        self.out = out
        self.holding = out.parent / f".{out.name}.statusgen-build"
        self.spare = self.holding / "previous"
        self.lock_fd: int | None = None

    def __enter__(self) -> Staging:
        try:
            self._lock()
            self._clean_leftovers()
        except OSError as exc:
            self._unlock()
            try:
                self.holding.rmdir()  # only when empty: another build may be using it
            except OSError:
                pass
            raise StatusgenError(f"cannot prepare the output folder: {exc.filename or self.holding}: "
                                 f"{exc.strerror or exc}; {self.out} was left as it was") from None
        return self

    def _lock(self) -> None:
        for _ in range(10):
            self.holding.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.holding / "lock", os.O_CREAT | os.O_RDWR, 0o644)
            except FileNotFoundError:  # another build just removed the folder
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise StatusgenError(f"another statusgen build is writing {self.out}; "
                                     "wait for it to finish, then build again") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.holding / "lock").st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.lock_fd = fd
                _HELD.add(fd)
                ignore = self.holding / ".gitignore"
                if not ignore.exists():
                    ignore.write_text("*\n")
                return
            os.close(fd)  # locked a lock file that was removed meanwhile: take the new one
        raise StatusgenError(f"{self.holding}: could not take the build lock; try again")

    def _unlock(self) -> None:
        if self.lock_fd is not None:
            _HELD.discard(self.lock_fd)
            os.close(self.lock_fd)
            self.lock_fd = None

    def walk_spare(self) -> Listing | None:
        """The spare's listing (statusgen.folders.walk), for `fill`; None without a spare."""
        if not os.path.isdir(self.spare) or os.path.islink(self.spare):
            return None
        inodes: dict[str, int] = {}
        files, folders = walk(str(self.spare), inodes)
        return files, folders, inodes

    def _clean_leftovers(self) -> None:
        """Deal with trees left by killed builds. A build killed between the two renames of the
        fallback swap left no output folder: its previous tree is put back first. Without a
        spare, one leftover becomes it (every entry of a spare is checked before it is reused);
        the others are removed."""
        leftovers = sorted(p for p in self.holding.iterdir() if p.name.startswith(("new-", "old-")))
        old = [p for p in leftovers if p.name.startswith("old-")]
        if old and not os.path.lexists(self.out):
            old[-1].rename(self.out)
            leftovers.remove(old[-1])
        for path in leftovers:
            if not os.path.lexists(self.spare) and path.is_dir() and not path.is_symlink():
                path.rename(self.spare)
            else:
                remove(str(path))

    def _take_spare(self, staging: str) -> bool:
        """Move the spare, if any, to the staging name (onto the empty folder made for it)."""
        try:
            info = os.lstat(self.spare)
        except FileNotFoundError:
            return False
        if S_ISDIR(info.st_mode):
            os.rename(self.spare, staging)
            return True
        remove(str(self.spare))
        return False

    def _keep_spare(self, swapped: Path | None) -> None:
        """The tree the swap took out becomes the spare. The site is already swapped: a failure
        here is no failure of the build (the next one reuses or removes the tree)."""
        if swapped is not None:
            try:
                swapped.rename(self.spare)
            except OSError:
                pass

    def fill(self, items, owned: set[str], previous: dict, seen: dict, spare: Listing | None = None) -> WriteResult:
        staging = tempfile.mkdtemp(prefix="new-", dir=self.holding)
        taken = self._take_spare(staging)
        base, old_base = staging, str(self.out)
        tree = Tree(base, old_base, spare if taken else None)
        manifest, total, rendered, written = {}, 0, 0, 0
        for relative, item in items:
            data, key = (item.data, item.key) if isinstance(item, RenderedPage) else (item, None)
            rendered += isinstance(item, RenderedPage) and item.page and data is not None
            target, old = tree.path(relative)
            try:
                if data is None and relative in seen and tree.keep(relative, target, seen[relative]):
                    stat = seen[relative]  # as recorded_keys found it, and as the spare has it
                elif data is None or _same_bytes(old, data):
                    stat = tree.link(relative, target, old)
                else:
                    stat = tree.write(relative, target, data)
                    written += 1
            except OSError as exc:  # named as the user knows it, not by its staging path
                raise OSError(exc.errno, exc.strerror, old) from None
            total += stat.st_size
            # Recorded as the file will be once swapped in: a rename keeps inode and time.
            manifest[relative] = (key, stat.st_size, stat.st_mtime_ns, stat.st_ino,
                                  _content_hash(data, previous.get(relative), target))
        if os.path.isdir(old_base):
            for relative in files_under(old_base):
                if relative not in manifest and relative not in owned:
                    try:
                        tree.carry(relative)
                    except OSError as exc:  # named as the user knows it, not by its staging path
                        raise OSError(exc.errno, exc.strerror, tree.path(relative)[1]) from None
        marker, (new_marker, old_marker) = marker_bytes(manifest), tree.path(MARKER)
        if _same_bytes(old_marker, marker):
            tree.link(MARKER, new_marker, old_marker)
        else:
            tree.write(MARKER, new_marker, marker)
        tree.prune()
        os.chmod(staging, 0o755)
        self._keep_spare(_swap(Path(staging), self.out, self.holding))
        return WriteResult(len(manifest), total, rendered, written, manifest)

    def __exit__(self, *exc) -> None:
        """Remove the tree of a build that failed (it may hold a disk's worth of new files)."""
        try:
            for path in self.holding.iterdir():
                if path.name.startswith(("new-", "old-")):
                    remove(str(path))
        except OSError:
            pass  # the next build removes what is left
        finally:
            self._unlock()


def _swap(staging: Path, out: Path, holding: Path) -> Path | None:
    """Put `staging` in place of `out`; where the old tree went, if there was one."""
    if not os.path.lexists(out):
        staging.rename(out)
        return None
    if _exchange(staging, out):
        return staging  # the old tree is now at `staging`
    # Without an atomic exchange: move the old tree aside, then the new one in. A build killed
    # between the two renames is repaired by the next one (see _clean_leftovers).
    old = Path(tempfile.mkdtemp(prefix="old-", dir=holding))
    old.rmdir()
    out.rename(old)
    try:
        _rename(staging, out)
    except BaseException:
        old.rename(out)
        raise
    return old


def _rename(source: Path, target: Path) -> None:
    source.rename(target)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # an old kernel, or a file system without exchange
    raise OSError(code, os.strerror(code), str(b))


def _key_on_disk(recorded, path: str, seen: dict, relative: str) -> str | None:
    """The key of the page the previous build wrote at `path`, if that file still holds what was
    written: untouched (same size, time and inode), or a copy with the same bytes, as when CI
    restores the output folder from its cache into a fresh checkout."""
    if recorded is None or recorded[0] is None:
        return None
    try:
        stat = os.lstat(path)
    except OSError:
        return None
    if (stat.st_size, stat.st_mtime_ns, stat.st_ino) == tuple(recorded[1:4]) or (
            len(recorded) > 4 and recorded[4] is not None and stat.st_size == recorded[1]
            and S_ISREG(stat.st_mode) and file_sha256(path) == recorded[4]):
        seen[relative] = stat
        return recorded[0]
    return None


def _content_hash(data: bytes | None, recorded, path: str) -> str | None:
    """The SHA-256 of a file's bytes: a keyed page is reused by it, and a site restored as a copy
    (CI) is recognised by it (statusgen.inputs.site_untouched)."""
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    if recorded is not None and len(recorded) > 4 and recorded[4] is not None:
        return recorded[4]  # the bytes this build reused were checked against it
    return file_sha256(path)


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        stat = os.lstat(path)
        if not S_ISREG(stat.st_mode) or stat.st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False
