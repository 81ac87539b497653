"""The tree a build fills before it is swapped in: a new empty folder, or the spare.

The spare is the tree the previous swap took out of the output folder. Most of its files are
hard links to the live site's files, and its folders are the ones the next site needs, so
bringing it up to date touches only what changed. Nothing in it is trusted: a file is kept only
when it is the live file itself (same inode), anything the new site does not have is removed,
and a file of the spare is never opened for writing (it may be the live site's file): new bytes
go to a new file in its place.
"""

from __future__ import annotations

import os
import shutil
from stat import S_ISDIR, S_ISLNK, S_ISREG

from statusgen.folders import MARKER, output_path_text, walk


class Tree:
    """Fills `base` (empty, or a spare) with the files of a site, beside the live one at `live`."""

    def __init__(self, base: str, live: str, listing: tuple[list[str], list[str], dict[str, int]] | None = None):
        """`listing`: (files, folders, inodes) of `base` as `walk` gives them, walked since the
        build took its lock (by its helper process), else walked here."""
        self.base, self.live = base, live
        if listing is None:
            self.inodes: dict[str, int] = {}
            self.files, folders = walk(base, self.inodes)
        else:
            self.files, folders, self.inodes = listing
        self.device = os.lstat(base).st_dev
        self.folders = [os.path.join(base, folder) for folder in folders]
        self.made = {base, *self.folders}  # real folders, never links
        self.used = {base}  # folders the new site has, with their parents
        self.placed: set[str] = set()

    def path(self, relative: str) -> tuple[str, str]:
        """Where `relative` goes in this tree, and where it is in the live site."""
        source = os.path.join(self.live, MARKER) if relative == MARKER else output_path_text(self.live, relative)
        return self.base + source[len(self.live.rstrip(os.sep)):], source

    def link(self, relative: str, target: str, source: str) -> os.stat_result:
        """The live file `source` at `relative` (`target`), shared: a hard link, or a copy."""
        self._place(relative, target)
        return self._unlocked(target, _share, source, target)

    def keep(self, relative: str, target: str, live: os.stat_result) -> bool:
        """Whether the file at `relative` (`target`) is already the live file, as `live` found
        it: the same inode, by the folder listing (a hard link made by an earlier build). Then
        it stays, with no further look at either file."""
        if not S_ISREG(live.st_mode) or live.st_dev != self.device or self.inodes.get(relative) != live.st_ino:
            return False
        self._place(relative, target)
        return True

    def write(self, relative: str, target: str, data: bytes) -> os.stat_result:
        """New bytes at `relative` (`target`), in a new file."""
        self._place(relative, target)
        return self._unlocked(target, _write_new, target, data)

    def carry(self, relative: str) -> None:
        """A live file statusgen did not write, as it is (a link stays a link)."""
        target, source = self.path(relative)
        if not S_ISLNK(os.lstat(source).st_mode):
            self.link(relative, target, source)
            return
        self._place(relative, target)
        pointed = os.readlink(source)
        try:
            same = os.readlink(target) == pointed
        except OSError:  # not a link, or no file at all
            same = False
        if not same:
            self._unlocked(target, _symlink, pointed, target)

    def prune(self) -> None:
        """Remove what the new site does not have: the folder of each such file or folder is
        one the site keeps (what lies in a removed folder goes with it)."""
        used, placed = self.used, self.placed
        for relative in self.files:
            if relative in placed:  # most of them: the new site has the file
                continue
            path = os.path.join(self.base, relative)
            if path not in used and os.path.dirname(path) in used:
                self._unlocked(path, remove, path)
        for path in self.folders:
            if path not in used and os.path.dirname(path) in used \
                    and os.path.relpath(path, self.base).replace(os.sep, "/") not in placed:
                self._unlocked(path, remove, path)

    def _place(self, relative: str, target: str) -> None:
        self._folder(os.path.dirname(target))
        self.placed.add(relative)

    def _folder(self, folder: str) -> None:
        if folder in self.used:
            return
        self._folder(os.path.dirname(folder))
        if folder not in self.made:
            self._unlocked(folder, _make_folder, folder)
            self.made.add(folder)
        self.used.add(folder)

    def _unlocked(self, path: str, action, *args):
        """Run `action`; where a folder of the spare was made read-only, make it writable (a
        folder is never shared with the live site) and run it again."""
        try:
            return action(*args)
        except PermissionError:
            folder = os.path.dirname(path)
            while folder in self.made:
                os.chmod(folder, 0o755)
                folder = os.path.dirname(folder)
            return action(*args)


def _share(source: str, target: str) -> os.stat_result:
    live = os.lstat(source)
    try:
        here = os.lstat(target)
    except FileNotFoundError:
        here = None
    if here is not None:
        if S_ISREG(here.st_mode) and (here.st_ino, here.st_dev) == (live.st_ino, live.st_dev):
            return here  # the live file itself
        remove(target)
    link_or_copy(source, target)
    return os.stat(target)


def _write_new(target: str, data: bytes) -> os.stat_result:
    remove(target)
    write_file(target, data)
    return os.stat(target)


def _symlink(pointed: str, target: str) -> None:
    remove(target)
    os.symlink(pointed, target)


def _make_folder(folder: str) -> None:
    try:
        os.mkdir(folder)
    except FileExistsError:
        if S_ISDIR(os.lstat(folder).st_mode):
            return
        os.unlink(folder)  # a file or a link where a folder goes
        os.mkdir(folder)


def write_file(path: str, data: bytes) -> None:
    """Write a new file; never an existing one, which could be the live site's."""
    with open(path, "xb") as handle:
        handle.write(data)


def link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def remove(path: str) -> None:
    """Remove a file, a link or a whole folder, if there."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if S_ISDIR(info.st_mode):
        shutil.rmtree(path, onerror=_writable_and_retry)
    else:
        os.unlink(path)


def _writable_and_retry(function, path, _exc_info) -> None:
    """A read-only folder cannot be emptied: make it writable (only then: it costs a write
    per folder) and try again."""
    os.chmod(os.path.dirname(path), 0o755)
    function(path)
