"""`statusgen serve`: a local preview that rebuilds when the repository's files change.

The site is built into a private temporary folder (site/ is left alone) and served on the
loopback interface only. A background thread polls file modification times, which needs no
extra dependency and works the same on every platform and editor.
"""

from __future__ import annotations

import html
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from statusgen.build import build
from statusgen.config import CONFIG_FILE
from statusgen.content import INCIDENTS_DIR
from statusgen.errors import StatusgenError
from statusgen.write import write_site

HOST = "127.0.0.1"  # never all interfaces: a preview of unpublished incidents is not for the network
WATCHED_DIRS = (INCIDENTS_DIR, "templates")


def wall_clock() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def watched_snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """(mtime, size, inode) of every input file; editors' hidden and backup files are ignored."""
    files = [root / CONFIG_FILE]
    for folder in WATCHED_DIRS:
        if (root / folder).is_dir():
            files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    snapshot = {}
    for path in files:
        if path.name.startswith(".") or path.name.endswith("~"):
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        snapshot[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return snapshot


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self):
        # The preview changes under the browser; never let it show a cached page.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):
        pass


def _error_page(message: str) -> bytes:
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>Build failed</title>"
            f"<h1>Build failed</h1><pre>{html.escape(message)}</pre>"
            "<p>Fix the files; this page is replaced when a build succeeds.</p></html>\n").encode()


class Server:
    """Builds `root`, serves the result on 127.0.0.1:`port` (0: any free port) and rebuilds
    on change. `start()` returns at once; `stop()` shuts everything down and cleans up."""

    def __init__(self, root: Path, port: int = 0, clock: Callable[[], datetime] = wall_clock,
                 echo: Callable[[str], None] = print, interval: float = 0.5):
        self.root = Path(root).resolve()
        self.port, self.clock, self.echo, self.interval = port, clock, echo, interval
        self.workdir = Path(tempfile.mkdtemp(prefix="statusgen-serve-"))
        self.out = self.workdir / "site"
        self.builds = 0  # successful builds so far
        self.attempts = 0  # builds tried, successful or not
        self._attempted = threading.Condition()
        self.last_error: str | None = None
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._snapshot: dict = {}
        self._next_change: datetime | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://{HOST}:{self._httpd.server_address[1]}/"

    def rebuild(self) -> bool:
        """Build once; on failure print why and keep what is being served."""
        try:
            return self._rebuild()
        finally:
            with self._attempted:
                self.attempts += 1
                self._attempted.notify_all()

    def wait_for_attempt(self, count: int, timeout: float) -> bool:
        """Block until at least `count` builds were tried (for tests and tools driving the server)."""
        with self._attempted:
            return self._attempted.wait_for(lambda: self.attempts >= count, timeout)

    def _rebuild(self) -> bool:
        self._snapshot = watched_snapshot(self.root)
        try:
            # One process: forking a worker pool from this threaded server is not safe.
            result = build(self.root, self.clock(), self.out, jobs=1)
        except StatusgenError as exc:
            message = str(exc)
        except Exception as exc:  # a broken template override must not stop the preview
            message = f"{type(exc).__name__}: {exc}"
        else:
            self.builds += 1
            self.last_error = None
            self._next_change = result.next_change
            self.echo(f"Built {result.files} files")
            return True
        self.last_error = message
        self._next_change = None  # retry on the next edit, not on every poll
        self.echo("Error: " + message.replace("\n", "\n  "))
        if self.builds == 0:
            write_site({"index.html": _error_page(message), "404.html": _error_page(message)}, self.out)
        else:
            self.echo("Still serving the last good build.")
        return False

    def start(self) -> str:
        handler = partial(_Handler, directory=str(self.out))
        try:
            self._httpd = ThreadingHTTPServer((HOST, self.port), handler)
        except OSError as exc:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise StatusgenError(f"--port: cannot listen on {HOST}:{self.port} ({exc.strerror}); "
                                 "expected a free port, or 0 for any") from None
        self.rebuild()
        self._httpd.daemon_threads = True
        self._threads = [threading.Thread(target=self._httpd.serve_forever, name="statusgen-http", daemon=True),
                         threading.Thread(target=self._watch, name="statusgen-watch", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self.url

    def _watch(self) -> None:
        while not self._stopped.wait(self.interval):
            due = self._next_change is not None and self.clock() >= self._next_change
            current = watched_snapshot(self.root)
            if current != self._snapshot:
                changed = sorted(k for k in current.keys() | self._snapshot.keys()
                                 if current.get(k) != self._snapshot.get(k))
                self.echo(f"Changed: {', '.join(changed)}")
                self.rebuild()
            elif due:
                self.echo("A scheduled start or end is due; rebuilding")
                self.rebuild()

    def wait(self) -> None:
        # Short waits so Ctrl-C reaches the main thread promptly.
        while not self._stopped.wait(0.5):
            pass

    def stop(self) -> None:
        self._stopped.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join()
        shutil.rmtree(self.workdir, ignore_errors=True)


def run_until_stopped(server: Server) -> None:
    """Serve until Ctrl-C or SIGTERM, then shut down and remove the temporary preview."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
