"""`statusgen serve`: a local preview that rebuilds when the repository's files change and
reloads the pages open in the browser.

The site is built into a private temporary folder (site/ is left alone) and served on the
loopback interface only (statusgen.serve_http). The operating system reports changed files
(watchfiles: inotify, FSEvents, ReadDirectoryChangesW), so an idle preview reads nothing.
Builds run in this one process: forking a worker pool from a threaded server is not safe.
"""

from __future__ import annotations

import queue
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

from watchfiles import Change, watch

from statusgen.build import build
from statusgen.config import CONFIG_FILE
from statusgen.content import INCIDENTS_DIR
from statusgen.errors import StatusgenError
from statusgen.serve_http import BuildEvents, PreviewHandler

HOST = "127.0.0.1"  # never all interfaces: a preview of unpublished incidents is not for the network
WATCHED_DIRS = (INCIDENTS_DIR, "templates")
WATCH_READY_SECONDS = 30.0
TICK_SECONDS = 0.25  # how often a scheduled start or end is checked for; no file is read


def wall_clock() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def watched_file(change: Change, path: str) -> bool:
    """Editors' hidden and backup files are not input."""
    name = Path(path).name
    return not (name.startswith(".") or name.endswith("~"))


def _top_level(change: Change, path: str) -> bool:
    return Path(path).name in (CONFIG_FILE, *WATCHED_DIRS)


class _AnyOf:
    """Set when any of the events is: what watchfiles checks to stop."""

    def __init__(self, *events: threading.Event):
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class _Feed(threading.Thread):
    """Puts each batch of changes under `paths` on `changes` until `stop` is set; `ready` once the
    operating system watches them."""

    def __init__(self, paths: list[Path], recursive: bool, accept, changes: queue.Queue, stop: _AnyOf):
        super().__init__(name="statusgen-watch-feed", daemon=True)
        self.paths, self.recursive, self.accept, self.changes, self.stop = paths, recursive, accept, changes, stop
        self.ready = threading.Event()
        self.failure: str | None = None

    def run(self) -> None:
        try:
            for batch in watch(*self.paths, watch_filter=self.accept, recursive=self.recursive, stop_event=self.stop,
                               debounce=400, rust_timeout=int(TICK_SECONDS * 1000), yield_on_timeout=True,
                               raise_interrupt=False):
                self.ready.set()
                if batch:
                    self.changes.put(batch)
        except Exception as exc:  # e.g. the system's limit of watched folders: say so, keep serving
            self.failure = f"{type(exc).__name__}: {exc}"
        finally:
            self.ready.set()


class Server:
    """Builds `root`, serves the result on 127.0.0.1:`port` (0: any free port) and rebuilds
    on change. `start()` returns at once; `stop()` shuts everything down and cleans up."""

    def __init__(self, root: Path, port: int = 0, clock: Callable[[], datetime] = wall_clock,
                 echo: Callable[[str], None] = print):
        self.root = Path(root).resolve()
        self.port, self.clock, self.echo = port, clock, echo
        self.workdir = Path(tempfile.mkdtemp(prefix="statusgen-serve-"))
        self.out = self.workdir / "site"
        self.out.mkdir()
        self.builds = 0  # successful builds so far
        self.events = BuildEvents()  # builds tried, and the last one's error, for pages and tests
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._next_change: datetime | None = None
        self._changes: queue.Queue = queue.Queue()
        self._inner_stop = threading.Event()
        self._inner: _Feed | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://{HOST}:{self._httpd.server_address[1]}/"

    @property
    def attempts(self) -> int:
        return self.events.generation

    @property
    def last_error(self) -> str | None:
        return self.events.error

    def wait_for_attempt(self, count: int, timeout: float) -> bool:
        """Block until at least `count` builds were tried (for tests and tools driving the server)."""
        self.events.wait_until(count, timeout)
        return self.events.generation >= count

    def rebuild(self) -> bool:
        """Build once; on failure print why and keep the last good build (pages show the error)."""
        try:
            # One process (jobs=1): forking a worker pool from this threaded server is not safe.
            result = build(self.root, self.clock(), self.out, jobs=1)
        except StatusgenError as exc:
            message = str(exc)
        except Exception as exc:  # a broken template override must not stop the preview
            message = f"{type(exc).__name__}: {exc}"
        else:
            self.builds += 1
            self._next_change = result.next_change
            self.echo(f"Built {result.files} files")
            self.events.publish(None)
            return True
        self._next_change = None  # retry on the next edit, not on every tick
        self.echo("Error: " + message.replace("\n", "\n  "))
        if self.builds:
            self.echo("Still serving the last good build; pages show the error until it is fixed.")
        self.events.publish(message)
        return False

    def start(self) -> str:
        handler = partial(PreviewHandler, directory=str(self.out), events=self.events)
        try:
            self._httpd = ThreadingHTTPServer((HOST, self.port), handler)
        except OSError as exc:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise StatusgenError(f"--port: cannot listen on {HOST}:{self.port} ({exc.strerror}); "
                                 "expected a free port, or 0 for any") from None
        # Watch before the first build, so that no edit made meanwhile goes unseen.
        top = _Feed([self.root], False, _top_level, self._changes, _AnyOf(self._stopped))
        top.start()
        self._threads.append(top)
        self._restart_inner_feed()
        for feed in (top, self._inner):
            if feed is not None and (not feed.ready.wait(WATCH_READY_SECONDS) or feed.failure):
                self.echo(f"Warning: cannot watch {', '.join(map(str, feed.paths))} for changes "
                          f"({feed.failure or 'no answer'}); edits there will not trigger rebuilds")
        self.rebuild()
        self._httpd.daemon_threads = True
        self._threads += [threading.Thread(target=self._httpd.serve_forever, name="statusgen-http", daemon=True),
                          threading.Thread(target=self._watch, name="statusgen-watch", daemon=True)]
        for thread in self._threads[-2:]:
            thread.start()
        return self.url

    def _restart_inner_feed(self) -> None:
        """(Re)watch incidents/ and templates/ recursively: after either was created or removed."""
        if self._inner is not None:
            self._inner_stop.set()
            self._inner.join()
        self._inner_stop = threading.Event()
        folders = [self.root / name for name in WATCHED_DIRS if (self.root / name).is_dir()]
        self._inner = None
        if folders:
            self._inner = _Feed(folders, True, watched_file, self._changes, _AnyOf(self._stopped, self._inner_stop))
            self._inner.start()

    def _watch(self) -> None:
        while not self._stopped.is_set():
            try:
                batches = [self._changes.get(timeout=TICK_SECONDS)]
            except queue.Empty:
                if self._next_change is not None and self.clock() >= self._next_change:
                    self.echo("A scheduled start or end is due; rebuilding")
                    self.rebuild()
                continue
            while not self._changes.empty():
                batches.append(self._changes.get_nowait())
            if self._stopped.is_set():
                return
            changed = sorted({Path(path).relative_to(self.root).as_posix() for batch in batches for _, path in batch})
            if any(name in WATCHED_DIRS for name in changed):
                self._restart_inner_feed()
                if self._inner is not None:
                    self._inner.ready.wait(WATCH_READY_SECONDS)
            self.echo(f"Changed: {', '.join(changed)}")
            self.rebuild()

    def wait(self) -> None:
        # Short waits so Ctrl-C reaches the main thread promptly.
        while not self._stopped.wait(0.5):
            pass

    def stop(self) -> None:
        self._stopped.set()
        self.events.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads + ([self._inner] if self._inner is not None else []):
            if thread.is_alive() or thread.ident is not None:
                thread.join()
        shutil.rmtree(self.workdir, ignore_errors=True)


def run_until_stopped(server: Server) -> None:
    """Serve until Ctrl-C or SIGTERM, then shut down and remove the temporary preview."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C must stop the preview even when the parent started it with SIGINT ignored
    # (a non-interactive shell does that to background jobs).
    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop()
