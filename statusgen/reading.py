"""Reading what an operator wrote, defensively: files of the expected kind and size, and YAML
without alias bombs, runaway nesting or duplicate keys.

The repository may come from a pull request, so nothing read here is trusted: a named pipe
must not hang a build, a symbolic link must not publish a file from outside the repository,
and 600 bytes of YAML must not expand into gigabytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from statusgen.text import shown

MAX_FILE_BYTES = 1024 * 1024  # statusgen.toml and each incident file (documented in docs/format.md)
MAX_ALIASES = 50  # YAML `*alias` references in one file
MAX_DEPTH = 32  # nested lists and mappings
MAX_VALUES = 20_000  # values once every alias is expanded


class SourceError(Exception):
    """A file that cannot be read as a source; the message says what was found and expected."""


class YamlError(Exception):
    """YAML refused by `load_yaml`; `line` is the file's line number."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def describe_file_problem(path: Path, root: Path) -> str | None:
    """Why `path` is not a regular file inside `root` that statusgen may read, or None.

    Checks the kind of file before anything opens it: opening a named pipe would block.
    """
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        target = os.readlink(path)
        try:
            resolved = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            return (f"a symbolic link to {shown(target)}, which does not exist; expected a file "
                    "(remove the link or restore its target)")
        if not resolved.is_relative_to(Path(root).resolve()):
            return (f"a symbolic link to {shown(str(resolved))}, outside the status repository; expected a file "
                    "inside the repository (statusgen does not read files through links that leave it)")
        info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        return "a folder; expected a file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a named pipe, socket or device); expected a file"
    if info.st_size > MAX_FILE_BYTES:
        return f"{info.st_size:,} bytes; expected at most {MAX_FILE_BYTES:,} bytes (1 MiB)"
    return None


def unlistable_folders(folder: Path | str, recursive: bool = True, hidden: bool = True) -> list[tuple[str, str]]:
    """(folder, why) for `folder`, or each folder below it, that cannot be listed. Path.glob and
    rglob pass such a folder over without a word, and what the operator wrote in it with it;
    the callers refuse instead. A folder that does not exist is not one of them, nor, with
    `hidden` false, a hidden one (for callers that do not read what is in those)."""
    found: list[tuple[str, str]] = []

    def refused(error: OSError) -> None:
        if not isinstance(error, FileNotFoundError):
            found.append((str(error.filename), error.strerror or str(error)))

    if recursive:
        for _, folders, _ in os.walk(folder, onerror=refused):
            if not hidden:
                folders[:] = [name for name in folders if not name.startswith(".")]
    else:
        try:
            with os.scandir(folder):
                pass
        except OSError as error:
            refused(error)
    return found


def read_source(path: Path, root: Path) -> bytes:
    """The bytes of a regular file inside `root`, at most MAX_FILE_BYTES; else SourceError."""
    return read_source_and_stat(path, root)[0]


def read_source_and_stat(path: Path, root: Path) -> tuple[bytes, os.stat_result]:
    """read_source's bytes, and the status of the file they were read from, taken before reading."""
    problem = describe_file_problem(path, root)
    if problem:
        raise SourceError(problem)
    try:
        # O_NONBLOCK: should the file have been swapped for a pipe since the check, open() still returns.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SourceError(f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("not a regular file; expected a file")
        # Reads of the size the file has (asking for the whole limit at once costs a 1 MiB buffer
        # per file), until the end or past the limit, should the file be growing meanwhile.
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(info.st_size, MAX_FILE_BYTES) + 1)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks) if len(chunks) != 1 else chunks[0]
    except OSError as exc:
        raise SourceError(f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"more than {MAX_FILE_BYTES:,} bytes; expected at most 1 MiB")
    return data, info


def load_yaml(text: str, loader: type, first_line: int = 1) -> object:
    """Parse one YAML document with `loader` (a SafeLoader), refusing what could not be meant.

    Raises YamlError for aliases beyond MAX_ALIASES, nesting beyond MAX_DEPTH, more than
    MAX_VALUES values once aliases are expanded, and a key given twice in one mapping (YAML
    would silently keep the last); yaml.YAMLError for invalid YAML. Line numbers in messages
    count from `first_line`, the file line holding the YAML's first line.
    """
    offset = first_line
    depth = aliases = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError(f"nested more than {MAX_DEPTH} levels deep; expected plain fields and lists",
                                event.start_mark.line + offset)
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlError(f"more than {MAX_ALIASES} YAML aliases (*name); expected the values written out",
                                event.start_mark.line + offset)
    parser = loader(text)
    try:
        node = parser.get_single_node()
        if node is None:
            return None
        _check_nodes(node, offset)
        return parser.construct_document(node)
    finally:
        parser.dispose()


def _check_nodes(root: Node, offset: int) -> None:
    checked: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    values = 0
    while stack:
        node, path = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise YamlError(f"expands to more than {MAX_VALUES:,} values through YAML anchors and aliases; "
                            "expected the values written out", root.start_mark.line + offset)
        if isinstance(node, SequenceNode):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(node.value))
        elif isinstance(node, MappingNode):
            first_seen = id(node) not in checked
            checked.add(id(node))
            first_lines: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, ScalarNode) else "?"
                if first_seen and isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    identity = (key.tag, key.value)
                    if identity in first_lines:
                        field = f"{path}.{name}" if path else name
                        raise YamlError(f"{shown(field)} given twice (first on line "
                                        f"{first_lines[identity] + offset}); expected each field once, "
                                        "as YAML would silently keep only the last", key.start_mark.line + offset)
                    first_lines[identity] = key.start_mark.line
                stack.append((key, path))
                stack.append((value, f"{path}.{name}" if path else str(name)))
