"""Byte-identity of the built output: the SHA-256 of every file of two fixed sites.

The committed lists (tests/digests/*.txt) say exactly what the demo site at its test time and a
small generated bench corpus build to. A change that alters any output on purpose updates the
list in the same commit and says why in the message; any other difference is a regression.

Regenerate both lists (after checking the difference is intended):

    .venv/bin/python -m tests.test_output_digests
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from click.testing import CliRunner

from statusgen.cli import cli
from tests.conftest import DEMO_NOW, PROJECT_ROOT

DIGESTS = Path(__file__).resolve().parent / "digests"
BENCH_NOTICES = 120
BENCH_SEED = 8  # a seed whose corpus has past windows with no hand-written in_progress update
BENCH_NOW = "2026-11-26T12:00:00Z"  # bench/generate.py's NOW


def site_digests(site: Path) -> str:
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(site).as_posix()}"
             for p in sorted(site.rglob("*")) if p.is_file()]
    return "\n".join(sorted(lines, key=lambda line: line.split("  ", 1)[1])) + "\n"


def build(root: Path, now: str, out: Path) -> str:
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--now", now, "--no-cache", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return site_digests(out)


def demo_copy(where: Path) -> Path:
    where.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "statusgen.toml", where / "statusgen.toml")
    shutil.copytree(PROJECT_ROOT / "incidents", where / "incidents")
    if (PROJECT_ROOT / "templates").is_dir():
        shutil.copytree(PROJECT_ROOT / "templates", where / "templates")
    return where


def bench_copy(where: Path) -> Path:
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
    return generate(where, BENCH_NOTICES, seed=BENCH_SEED, plain=True)


def demo_digests(tmp: Path) -> str:
    return build(demo_copy(tmp / "demo"), DEMO_NOW, tmp / "demo-site")


def bench_digests(tmp: Path) -> str:
    return build(bench_copy(tmp / "bench"), BENCH_NOW, tmp / "bench-site")


def _compare(expected_file: Path, actual: str) -> None:
    expected = expected_file.read_text(encoding="utf-8")
    if actual != expected:
        old = dict(line.split("  ", 1)[::-1] for line in expected.splitlines())
        new = dict(line.split("  ", 1)[::-1] for line in actual.splitlines())
        changed = sorted(p for p in old.keys() & new.keys() if old[p] != new[p])
        raise AssertionError(
            f"{expected_file.name}: output differs from the committed digests\n"
            f"  changed: {changed[:20]}{' ...' if len(changed) > 20 else ''}\n"
            f"  missing: {sorted(old.keys() - new.keys())[:20]}\n"
            f"  new: {sorted(new.keys() - old.keys())[:20]}\n"
            "If the change is intended, regenerate with `python -m tests.test_output_digests` "
            "and say why in the commit message.")


def test_demo_site_is_byte_identical_to_the_committed_digests(tmp_path):
    _compare(DIGESTS / "demo.txt", demo_digests(tmp_path))


def test_bench_corpus_is_byte_identical_to_the_committed_digests(tmp_path):
    _compare(DIGESTS / "bench.txt", bench_digests(tmp_path))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        DIGESTS.mkdir(exist_ok=True)
        (DIGESTS / "demo.txt").write_text(demo_digests(Path(folder)), encoding="utf-8")
        (DIGESTS / "bench.txt").write_text(bench_digests(Path(folder)), encoding="utf-8")
    print(f"wrote {DIGESTS / 'demo.txt'} and {DIGESTS / 'bench.txt'}")
