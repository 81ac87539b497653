"""Build orchestration: load, derive, render everything in memory, then write and swap in."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from statusgen.cache import BuildCache
from statusgen.config import Config, load_config
from statusgen.content import load_content
from statusgen.errors import StatusgenError
from statusgen.model import Content
from statusgen.render import render_site
from statusgen.state import SiteState, derive_state, next_change


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    files: int
    bytes: int
    next_change: datetime | None
    state: SiteState


def check(root: Path, cache: BuildCache | None = None) -> tuple[Config, Content]:
    """Validate configuration and every incident file; raise StatusgenError listing all problems."""
    config = load_config(root)
    return config, load_content(config, cache)


def build(root: Path, now: datetime, out_dir: Path | None = None, use_cache: bool = True) -> BuildResult:
    cache = BuildCache.for_root(root) if use_cache else BuildCache.disabled()
    config, content = check(root, cache)
    state = derive_state(config, content, now)
    outputs = render_site(config, content, state)
    out = Path(out_dir) if out_dir is not None else Path(root) / "site"
    write_site(outputs, out)
    return BuildResult(out, len(outputs), sum(len(b) for b in outputs.values()),
                       next_change(content, now), state)


def safe_output_path(base: Path, relative: str) -> Path:
    """Refuse any output path that is absolute or climbs out of the output directory."""
    parts = relative.split("/")
    if relative.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in relative:
        raise StatusgenError(f"refusing to write {relative!r}: outside the output directory")
    return base.joinpath(*parts)


def write_site(outputs: dict[str, bytes], out: Path) -> None:
    """Write into a temporary sibling directory, then swap it in: a failure leaves `out` as it was."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for relative, data in sorted(outputs.items()):
            target = safe_output_path(staging, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chmod(staging, 0o755)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


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
