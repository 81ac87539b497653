"""Notify benchmark: a 10,000-notice site, three webhook channels on a loopback receiver.

    python bench/notify_bench.py                    # 10,000 notices, 1,000 pending updates
    python bench/notify_bench.py --notices 2000 --pending 500

Generates the synthetic repository of bench/generate.py and builds it once (so the build cache
is warm, as in CI after `statusgen build`), then runs `statusgen notify` as a fresh process
three times, each measured for wall-clock seconds, CPU seconds (user + system) and peak memory
(max RSS; notify is one process):

1. the baseline: the channels' first run, which records everything already public and sends
   nothing;
2. after appending one update to each of PENDING notices: every channel is sent each of them
   (3 x PENDING messages), to an HTTP receiver on 127.0.0.1 in this process;
3. again: nothing new.

Prints messages per second for the second run, then the targets: 1,000 pending updates to 3
channels (messages/s and peak memory, reported) and a baseline run on 10,000 notices with a
warm build cache under a second. Wall-clock seconds mean little on a shared machine (the load
average is printed with them); CPU seconds are the steadier figure. Asserted nowhere.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import NOW, generate  # noqa: E402
from run import statusgen  # noqa: E402

NOW_TEXT = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
CHANNELS = ("hook-a", "hook-b", "hook-c")


class Receiver:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.count += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def add_channels(root: Path) -> None:
    tables = "".join(f'\n[[notify]]\nname = "{name}"\nkind = "webhook"\nurl_env = "{name.upper().replace("-", "_")}"\n'
                     for name in CHANNELS)
    with (root / "statusgen.toml").open("a", encoding="utf-8") as handle:
        handle.write(tables)


def add_pending_updates(root: Path, count: int) -> int:
    """One new update on each of `count` notices (the newest first), dated a minute before now."""
    at = (NOW - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    files = sorted((root / "incidents").glob("*.md"), reverse=True)
    changed = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if "type: maintenance" in text:
            continue
        head, sep, body = text[4:].partition("\n---\n")
        status = "postmortem" if "resolved:" in head else "monitoring"
        path.write_text(f"---\n{head}\n  - at: {at}\n    status: {status}\n    message: Benchmark update.{sep}{body}",
                        encoding="utf-8")
        changed += 1
        if changed == count:
            break
    return changed


BASELINE_TARGET = 1.0  # seconds, for 10,000 notices with a warm build cache


def measured(cmd: list[str], env: dict) -> dict:
    """Wall and CPU seconds and peak memory of one `statusgen notify` process."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)  # reaped here, with its own resource usage
    process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait for it again
    return {"code": process.returncode, "seconds": time.perf_counter() - start,
            "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def shown(run: dict) -> str:
    return f"{run['seconds']:.2f} s wall, {run['cpu']:.2f} s CPU, peak {run['peak_mb']:.0f} MB"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="statusgen notify benchmark")
    parser.add_argument("--notices", type=int, default=10000)
    parser.add_argument("--pending", type=int, default=1000)
    parser.add_argument("--workdir", help="where to generate (default: the system temp folder)")
    args = parser.parse_args(argv)
    receiver = Receiver()
    env = dict(os.environ, **{name.upper().replace("-", "_"): f"{receiver.url}/{name}" for name in CHANNELS})
    print(f"statusgen notify benchmark, {os.cpu_count()} cores, {args.notices} notices, "
          f"{args.pending} pending updates x {len(CHANNELS)} webhook channels on 127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="statusgen-notify-bench-", dir=args.workdir) as tmp:
        root = generate(Path(tmp) / "site", args.notices)
        add_channels(root)
        ledger = Path(tmp) / "ledger.json"
        subprocess.run([statusgen(), "build", "--root", str(root), "--now", NOW_TEXT], check=True,
                       stdout=subprocess.DEVNULL)
        notify = [statusgen(), "notify", "--root", str(root), "--now", NOW_TEXT, "--ledger", str(ledger)]
        baseline = measured(notify, env)
        assert baseline["code"] == 0 and receiver.count == 0, "the baseline run must send nothing"
        print(f"baseline (first run, warm build cache): {shown(baseline)}, "
              f"ledger {ledger.stat().st_size / 1e6:.1f} MB")
        pending = add_pending_updates(root, args.pending)
        subprocess.run([statusgen(), "build", "--root", str(root), "--now", NOW_TEXT], check=True,
                       stdout=subprocess.DEVNULL)
        sending = measured(notify, env)
        expected = pending * len(CHANNELS)
        assert sending["code"] == 0 and receiver.count == expected, (receiver.count, expected)
        rate = expected / sending["seconds"]
        print(f"sending {expected} messages: {shown(sending)}, {rate:.0f} messages/s")
        again = measured(notify, env)
        assert again["code"] == 0 and receiver.count == expected, "a second run must send nothing"
        print(f"nothing new: {shown(again)}")
    print(f"\nTargets (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    print(f"  {pending} pending updates to {len(CHANNELS)} channels: {rate:.0f} messages/s, "
          f"peak {sending['peak_mb']:.0f} MB (reported, no target)")
    verdict = "met" if baseline["cpu"] < BASELINE_TARGET else "MISSED"
    print(f"  baseline on {args.notices} notices, warm build cache, under {BASELINE_TARGET:.0f} s: "
          f"{verdict} by CPU time ({baseline['cpu']:.2f} s; wall {baseline['seconds']:.2f} s at that load)")
    receiver.server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
