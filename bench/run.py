"""Build benchmark: prints a table for synthetic repositories of N = 100, 1,000, 10,000 notices.

    python bench/run.py            # N = 100, 1000, 10000
    python bench/run.py --quick    # N = 100 only (CI)
    python bench/run.py 2000 5000  # chosen sizes
    python bench/run.py --workdir /dev/shm   # another disk (default: the system temp folder)
    python bench/run.py --plain    # the earlier, mostly plain-text corpus (for comparison)
    python bench/run.py --runs 3   # each size three times: the fastest and slowest of each figure

The corpus is bench/generate.py's realistic one (inline Markdown in most paragraphs, lists,
postmortems) unless --plain. Columns: cold build seconds (no cache, no site) and its CPU
seconds (every process: on a busy or shared machine they vary less than the wall-clock ones),
no-change rebuild seconds (same --now), the first rebuild 5 minutes later (it also makes the
tree the next build brings up to date instead of making every folder anew: CI restores that tree
with the build cache, so its scheduled rebuilds do not pay this), the same files rebuilt 10
minutes later (what CI's scheduled rebuild does: the freshness stamp and today's bars move on),
one-new-update rebuild seconds (at that later time), peak memory of all build processes together (the sum
of each process's own peak, the main process and every worker, MB), output files, output MB,
index.html KB. Each build is a fresh `statusgen build` process, as CI runs it. With both 1,000
and 10,000 measured, the table of targets follows. Timings are wall-clock on this machine:
read them as a trend, they are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import NOW, generate  # noqa: E402

NOW_TEXT = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
# Runs one build and samples the peak resident memory (VmHWM) of the build process and of every
# process below it, so a process pool's memory counts in full: the result is the sum of each
# process's peak. Without /proc (not Linux), the largest process's peak is all there is.
MEASURE = """
import json, os, resource, subprocess, sys, time
from pathlib import Path

def descendants(pid):
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return found

def hwm_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

start = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
peaks = {}
while process.poll() is None:
    if Path("/proc/self/status").exists():
        for pid in descendants(process.pid):
            peaks[pid] = max(peaks.get(pid, 0), hwm_kb(pid))
    time.sleep(0.02)
seconds = time.perf_counter() - start
children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build and every worker it waited for
total = max(sum(peaks.values()), children.ru_maxrss)
print(json.dumps({"code": process.returncode, "seconds": seconds, "peak_mb": total / 1024,
                  "processes": max(1, len(peaks)), "cpu": children.ru_utime + children.ru_stime}))
"""
TARGETS = [("1,000 incidents, cold build", 1000, "cold", 1.5), ("10,000 incidents, cold build", 10000, "cold", 12.0),
           ("10,000, no-change rebuild (same --now)", 10000, "no_change", 1.0),
           ("10,000, no-change rebuild 10 minutes later (CI's schedule)", 10000, "later", 1.0),
           ("10,000, one new update", 10000, "one_update", 1.5)]
# A scheduled rebuild sees the same files at a later time: freshness and today's bars move on.
FIRST_TEXT = (NOW + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
LATER_TEXT = (NOW + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")


def statusgen() -> str:
    found = shutil.which("statusgen", path=str(Path(sys.executable).parent)) or shutil.which("statusgen")
    if not found:
        sys.exit("statusgen is not installed in this environment (python3 dev.py bench sets it up)")
    return found


def measured_build(root: Path, now: str = NOW_TEXT) -> dict:
    cmd = [sys.executable, "-c", MEASURE, statusgen(), "build", "--root", str(root), "--now", now]
    measured = subprocess.run(cmd, capture_output=True, text=True)
    if measured.returncode != 0:
        sys.exit(f"measuring the build in {root} failed:\n{measured.stderr}")
    result = json.loads(measured.stdout)
    if result["code"] != 0:
        sys.exit(f"build failed in {root}")
    return result


def add_update(root: Path) -> None:
    """Append one update to the newest ongoing incident, as `statusgen update` would."""
    ongoing = sorted(p for p in (root / "incidents").glob("*.md") if "resolved:" not in p.read_text()
                     and "type: maintenance" not in p.read_text())
    path = ongoing[-1]
    head, sep, body = path.read_text().partition("\n---\n")
    path.write_text(head + f"\n  - at: {NOW_TEXT}\n    status: monitoring\n    message: A fix is deployed; "
                    "we are monitoring.\n" + sep + body)


def site_size(site: Path) -> tuple[int, float, float]:
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    return len(files), total / 1e6, (site / "index.html").stat().st_size / 1024


def run(n: int, workdir: Path, plain: bool = False) -> dict:
    root = generate(workdir / f"n{n}", n, plain=plain)
    shutil.rmtree(root / ".statusgen-cache", ignore_errors=True)
    shutil.rmtree(root / "site", ignore_errors=True)
    shutil.rmtree(root / ".site.statusgen-build", ignore_errors=True)
    # As in a real repository, the files were written before the build: statusgen reads a file
    # changed in the two seconds before a build again at the next build, as it may have changed
    # unseen within one tick of the file system's clock.
    time.sleep(2.1)
    cold = measured_build(root)
    files, megabytes, index_kb = site_size(root / "site")
    no_change = measured_build(root)
    first = measured_build(root, FIRST_TEXT)
    later = measured_build(root, LATER_TEXT)
    add_update(root)
    one_update = measured_build(root, LATER_TEXT)
    return {"n": n, "cold": cold["seconds"], "cold_cpu": cold["cpu"], "no_change": no_change["seconds"],
            "first": first["seconds"], "later": later["seconds"],
            "one_update": one_update["seconds"],
            "peak_mb": max(cold["peak_mb"], no_change["peak_mb"], first["peak_mb"], later["peak_mb"],
                           one_update["peak_mb"]),
            "files": files, "mb": megabytes, "index_kb": index_kb}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="statusgen build benchmark")
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--quick", action="store_true", help="N = 100 only (CI)")
    parser.add_argument("--workdir", help="where to generate and build (default: the system temp folder)")
    parser.add_argument("--plain", action="store_true", help="the earlier, mostly plain-text corpus")
    parser.add_argument("--runs", type=int, default=1, help="measure each size this many times; "
                        "timings are printed as the fastest and slowest run")
    args = parser.parse_args(argv)
    sizes = [100] if args.quick else args.sizes
    print(f"statusgen build benchmark, {os.cpu_count()} cores, --now {NOW_TEXT}, "
          f"{'plain' if args.plain else 'realistic'} corpus, in {args.workdir or tempfile.gettempdir()}")
    timed = ("cold", "cold_cpu", "no_change", "first", "later", "one_update")
    header = (f"{'N':>7} {'cold s':>13} {'cold CPU s':>13} {'no-change s':>13} {'1st rebuild s':>13} {'+10 min s':>13} "
              f"{'one-update s':>13} "
              f"{'peak MB':>9} "
              f"{'files':>7} {'MB':>7} {'index KB':>9}")
    print(header)
    rows = []
    with tempfile.TemporaryDirectory(prefix="statusgen-bench-", dir=args.workdir) as tmp:
        for n in sizes:
            runs = []
            for number in range(max(1, args.runs)):
                (Path(tmp) / f"run{number}").mkdir()
                runs.append(run(n, Path(tmp) / f"run{number}", args.plain))
                shutil.rmtree(Path(tmp) / f"run{number}")
            row = {**runs[-1], **{column: [r[column] for r in runs] for column in (*timed, "peak_mb")}}
            rows.append(row)
            print(f"{n:>7} " + " ".join(f"{spread(row[column]):>13}" for column in timed)
                  + f" {spread(row['peak_mb'], '.0f'):>9} {row['files']:>7} {row['mb']:>7.1f} {row['index_kb']:>9.1f}",
                  flush=True)
    by_n = {r["n"]: r for r in rows}
    if 1000 in by_n and 10000 in by_n:
        print(f"growth 1,000 -> 10,000: {min(by_n[10000]['cold']) / min(by_n[1000]['cold']):.1f}x the cold build time")
        print()
        print("| measure | this run | target |\n|---|---|---|")
        for label, n, column, target in TARGETS:
            print(f"| {label} | {spread(by_n[n][column])} s | <= {target:g} s |")
        print(f"| 10,000, peak memory of all build processes (sum) | {spread(by_n[10000]['peak_mb'], '.0f')} MB "
              "| <= 1024 MB |")


def spread(values: list[float], form: str = ".2f") -> str:
    """One run's figure, or the fastest and slowest of several."""
    low, high = min(values), max(values)
    return f"{low:{form}}" if len(values) == 1 else f"{low:{form}}-{high:{form}}"


if __name__ == "__main__":
    main(sys.argv[1:])
