"""Time to live: from a pushed update to the published page, as a CI job with a restored cache.

    python bench/ttl_bench.py            # 10,000 notices
    python bench/ttl_bench.py --quick    # 100 notices
    python bench/ttl_bench.py 2000       # another size

Prepares, untimed: bench/generate.py's repository as a git repository (the "origin"); a CI
run's checkout of it, built and published once to moto's S3 server on 127.0.0.1, with its
`.statusgen-cache/`, `site/` and the tree its last build swapped out (`.site.statusgen-build/
previous/`) put into one tar archive as the workflow's actions/cache step saves them (GNU tar:
files hard-linked to each other stay links in the archive), the checkout then removed; then one
new update to an ongoing incident, committed to the origin. Then times what the next CI run
does: a fresh `git clone` at the same path (a runner's workspace path does not change), the
archive extracted into it (what actions/cache restores; every file a new inode), `statusgen
build` and `statusgen publish`, each a separate process as in CI. Then the next two scheduled
runs with nothing new: each time the cache and site saved and restored the same way into a fresh
clone, and built 5, then 10 minutes later (the second goes by the clock record; moments come
before the first). For comparison, the same clone is then built once more without the cache or
the site.
Seconds are wall-clock on this machine: a trend, asserted nowhere.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from publish_bench import start_server  # noqa: E402
from run import FIRST_TEXT, LATER_TEXT, NOW_TEXT, add_update, statusgen  # noqa: E402

BUCKET = "ttl-status"
CACHE = ".statusgen-cache"
SAVED = (CACHE, "site", ".site.statusgen-build/previous")  # what the workflow's cache step keeps
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "init.defaultBranch=main",
       "-c", "commit.gpgsign=false"]


def git(*args: str, cwd: Path) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def timed(cmd: list, cwd: Path | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{result.stdout}{result.stderr}")
    return seconds, result.stdout + result.stderr


def prepare(origin: Path, n: int, url: str, checkout: Path, saved: Path) -> None:
    generate(origin, n)
    (origin / ".gitignore").write_text("/site/\n/.statusgen-cache/\n", encoding="utf-8")
    with open(origin / "statusgen.toml", "a", encoding="utf-8") as config:
        config.write(f'\n[[targets]]\nname = "bench"\nurl = "s3://{BUCKET}/"\nendpoint_url = "{url}"\n')
    git("init", "-q", cwd=origin)
    git("add", "-A", cwd=origin)
    git("commit", "-q", "-m", "status repository", cwd=origin)
    git("clone", "-q", origin.as_uri(), str(checkout), cwd=origin)
    timed([statusgen(), "build", "--root", str(checkout), "--now", NOW_TEXT])
    # A CI run builds on the tree of the run before: its build swaps that tree out and keeps it.
    timed([statusgen(), "build", "--root", str(checkout), "--now", NOW_TEXT, "--no-cache"])
    timed([statusgen(), "publish", "--root", str(checkout)])
    subprocess.run(["tar", "-cf", str(saved), "-C", str(checkout), *SAVED], check=True)
    shutil.rmtree(checkout)
    add_update(origin)
    git("commit", "-q", "-am", "one new update", cwd=origin)


def main(argv: list[str]) -> None:
    import logging

    import boto3

    parser = argparse.ArgumentParser(description="statusgen time-to-live benchmark")
    parser.add_argument("size", nargs="?", type=int, default=10000)
    parser.add_argument("--quick", action="store_true", help="100 notices")
    parser.add_argument("--workdir", help="where to work (default: the system temp folder)")
    args = parser.parse_args(argv)
    n = 100 if args.quick else args.size

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    url = start_server()
    boto3.session.Session().client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)

    with tempfile.TemporaryDirectory(prefix="statusgen-ttl-", dir=args.workdir) as tmp:
        work = Path(tmp)
        origin, clone, saved = work / "origin", work / "clone", work / "cache.tar"
        print(f"statusgen time-to-live benchmark, {n} notices, {os.cpu_count()} cores, --now {NOW_TEXT}")
        prepare(origin, n, url, clone, saved)
        saved_mb = saved.stat().st_size / 1e6

        steps = []
        # file:// makes git pack and send the objects as from a remote, not hard-link them.
        steps.append(("git clone", timed(["git", "clone", "-q", origin.as_uri(), str(clone)])[0]))
        start = time.perf_counter()
        subprocess.run(["tar", "-xf", str(saved), "-C", str(clone)], check=True)
        steps.append((f"restore {CACHE}/, site/, kept tree ({saved_mb:.0f} MB)", time.perf_counter() - start))
        seconds, built = timed([statusgen(), "build", "--root", str(clone), "--now", NOW_TEXT])
        steps.append(("statusgen build", seconds))
        seconds, published = timed([statusgen(), "publish", "--root", str(clone)])
        steps.append(("statusgen publish", seconds))

        for label, seconds in steps:
            print(f"{label:<54}{seconds:>8.2f} s")
        print(f"{'total':<54}{sum(s for _, s in steps):>8.2f} s")
        summary = re.search(r"bench: (\d+) uploaded, (\d+) deleted, (\d+) unchanged, ([^,]+)", published)
        notice = [line for line in built.splitlines() if CACHE in line]
        print(f"build: {built.splitlines()[0] if built else ''}")
        if notice:
            print(f"build said: {notice[0]}")
        if summary:
            print(f"publish: {summary.group(1)} uploaded ({summary.group(4)}), {summary.group(3)} unchanged")

        # The next scheduled runs, with nothing new: the same steps, 5 and 10 minutes later. Moments
        # notices name (updates dated a few minutes on) come in the first five; none in the next.
        for minutes, later in ((5, FIRST_TEXT), (10, LATER_TEXT)):
            subprocess.run(["tar", "-cf", str(saved), "-C", str(clone), *SAVED], check=True)
            shutil.rmtree(clone)
            timed(["git", "clone", "-q", origin.as_uri(), str(clone)])
            subprocess.run(["tar", "-xf", str(saved), "-C", str(clone)], check=True)
            seconds, scheduled = timed([statusgen(), "build", "--root", str(clone), "--now", later])
            said = scheduled.splitlines()[0].partition(": ")[2] if scheduled else ""
            print(f"scheduled run {minutes} minutes later, nothing new (clone, restore): build {seconds:.2f} s ({said})")

        for folder in (CACHE, "site", ".site.statusgen-build"):
            shutil.rmtree(clone / folder)
        cold = timed([statusgen(), "build", "--root", str(clone), "--now", NOW_TEXT])[0]
        print(f"for comparison, the same build without the restored cache: {cold:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
