"""Publish benchmark: requests and bytes for a 1,000-incident site against a local S3 server.

    python bench/publish_bench.py          # 1,000 notices
    python bench/publish_bench.py 5000     # another size

Builds the synthetic repository of bench/generate.py, then publishes it to moto's S3 server on
127.0.0.1 three times: the first publish into an empty bucket, a publish with nothing changed,
and a publish after one new update to one incident. Requests and bytes are counted with
botocore's event hooks (every HTTP request, retries included); bytes sent are request bodies,
bytes received are response bodies (Content-Length). Seconds are wall-clock on this machine
against an in-process server: a trend, asserted nowhere.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import NOW, generate  # noqa: E402
from run import add_update  # noqa: E402

BUCKET = "bench-status"


class Counting:
    """boto3 sessions whose clients count what goes over the wire."""

    def __init__(self):
        self.requests, self.sent, self.received = Counter(), 0, 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        self.requests, self.sent, self.received = Counter(), 0, 0

    def session(self, region):
        import boto3

        session = boto3.session.Session(region_name=region)
        session.events.register("before-send.*.*", self._sent)
        session.events.register("response-received.*.*", self._received)
        return session

    def _sent(self, request, **kwargs):
        size = int(request.headers.get("Content-Length") or 0)
        operation = kwargs.get("event_name", "").rsplit(".", 1)[-1]
        with self._lock:
            self.requests[operation] += 1
            self.sent += size

    def _received(self, response_dict, **kwargs):
        length = response_dict.get("headers", {}).get("content-length") or 0
        with self._lock:
            self.received += int(length)


def start_server() -> str:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    return f"http://127.0.0.1:{port}"


def main(argv: list[str]) -> None:
    import logging
    import time

    import boto3

    from statusgen.build import build
    from statusgen.publish import Reporter, publish

    n = int(argv[0]) if argv else 1000
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    url = start_server()
    boto3.session.Session().client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)

    with tempfile.TemporaryDirectory(prefix="statusgen-publish-bench-") as work:
        root = generate(Path(work) / "repo", n)
        with open(root / "statusgen.toml", "a", encoding="utf-8") as config:
            config.write(f'\n[[targets]]\nname = "bench"\nurl = "s3://{BUCKET}/"\nendpoint_url = "{url}"\n')
        built = build(root, NOW)
        print(f"site: {n} notices, {built.files} files, {built.bytes / 1e6:.1f} MB")
        print(f"{'publish':<14}{'requests':>9}{'PUT':>6}{'HEAD':>6}{'LIST':>6}{'GET':>5}{'DELETE':>8}"
              f"{'sent MB':>9}{'recv MB':>9}{'uploaded':>10}{'seconds':>9}")
        counting = Counting()
        quiet = Reporter(echo=lambda text="", err=False: None)

        def measure(label: str) -> None:
            counting.reset()
            start = time.perf_counter()
            [result] = publish(root, reporter=quiet, session_factory=counting.session)
            seconds = time.perf_counter() - start
            r = counting.requests
            print(f"{label:<14}{sum(r.values()):>9}{r['PutObject']:>6}{r['HeadObject']:>6}"
                  f"{r['ListObjectsV2']:>6}{r['GetObject']:>5}{r['DeleteObjects']:>8}"
                  f"{counting.sent / 1e6:>9.2f}{counting.received / 1e6:>9.2f}{result.uploaded:>10}{seconds:>9.2f}")

        measure("first")
        measure("no change")
        add_update(root)
        build(root, NOW)
        measure("one update")


if __name__ == "__main__":
    main(sys.argv[1:])
