"""Loopback receivers for notify tests: an HTTP server that records every request and answers
from a script, and an SMTP server (aiosmtpd) that keeps every mail it is handed."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from statusgen.notify import send
from tests.conftest import MINIMAL_CONFIG, Repo

NOW = "2026-11-20T15:00:00Z"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    def json(self):
        return json.loads(self.body)


class Receiver:
    """Records POSTs; `script[path]` is a list of statuses to answer in turn (then 200)."""

    def __init__(self):
        self.requests: list[Received] = []
        self.script: dict[str, list[int | tuple[int, dict]]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    answers = receiver.script.get(self.path.split("?")[0], [])
                    answer = answers.pop(0) if answers else 200
                    status, headers = answer if isinstance(answer, tuple) else (answer, {})
                    receiver.requests.append(Received(self.path, dict(self.headers), body, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def delivered(self, path: str) -> list[Received]:
        return [r for r in self.at(path) if 200 <= r.status < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """Retries and pacing never wait in tests; the waits asked for are recorded."""
    waits: list[float] = []
    monkeypatch.setattr(send, "sleep", waits.append)
    return waits


def channel(name: str, kind: str, **settings) -> str:
    lines = ["[[notify]]", f'name = "{name}"', f'kind = "{kind}"']
    for key, value in settings.items():
        lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


class NotifyRepo(Repo):
    """A status repository with [[notify]] channels and a local ledger."""

    def __init__(self, root, env):
        super().__init__(root)
        self.env = env
        self.ledger = root.parent / "ledger.json"

    def configure(self, *channels: str, site_extra: str = "") -> None:
        config = MINIMAL_CONFIG.replace('uptime_days = 30\n', f'uptime_days = 30\n{site_extra}')
        self.write("statusgen.toml", config + "\n" + "\n".join(channels))

    def notify(self, *args: str, now: str = NOW, ledger: bool = True):
        extra = ["--ledger", str(self.ledger)] if ledger else []
        return self.run("notify", "--root", str(self.root), "--now", now, *extra, *args, env=self.env)


@pytest.fixture
def nrepo(tmp_path) -> NotifyRepo:
    r = NotifyRepo(tmp_path / "status", {})
    (r.root / "incidents").mkdir(parents=True)
    r.configure()
    return r
