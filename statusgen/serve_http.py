"""The HTTP side of `statusgen serve`: loopback names only, live reload, the build-error page.

What it adds to the built site exists only here, never in `site/`: one same-origin script per
HTML page (`/__statusgen/reload.js`, so a page's `default-src 'self'` policy still holds) that
listens to `/__statusgen/events` (server-sent events) and reloads the page after each build.
"""

from __future__ import annotations

import html
import io
import json
import re
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

PREFIX = "/__statusgen/"
SCRIPT_PATH = PREFIX + "reload.js"
EVENTS_PATH = PREFIX + "events"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
KEEPALIVE_SECONDS = 15.0
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)


def loopback_host(value: str | None) -> bool:
    """True for a Host header naming this machine by a loopback name, with an optional port.

    A page on another site can point its own name at 127.0.0.1 (DNS rebinding); its requests
    then carry that name, which is refused here, so it can never read the unpublished preview.
    """
    if not value:
        return False
    value = value.strip().lower()
    if value.startswith("["):  # an IPv6 address: [::1] or [::1]:8000
        name, _, rest = value.partition("]")
        name, port = name + "]", rest.removeprefix(":")
        if rest and not rest.startswith(":"):
            return False
    else:
        name, _, port = value.partition(":")
    return name in LOOPBACK_NAMES and (port == "" or port.isdigit())


def reload_script() -> bytes:
    return (resources.files("statusgen") / "serve_static" / "reload.js").read_bytes()


def add_reload_script(page: bytes, generation: int) -> bytes:
    tag = f'<script src="{SCRIPT_PATH}?build={generation}" defer></script>\n'.encode()
    match = _HEAD_END.search(page)
    if match is None:
        return page + tag
    return page[:match.start()] + tag + page[match.start():]


def error_page(message: str, generation: int) -> bytes:
    """What every page shows while the last build failed: each problem on its own line."""
    items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in message.splitlines() if line.strip())
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">\n"
            "<title>Build failed - statusgen serve</title>\n</head>\n<body>\n"
            "<h1>Build failed</h1>\n"
            f"<ul data-build-errors>{items}</ul>\n"
            "<p>Fix the files: this page reloads by itself when a build succeeds.</p>\n</body>\n</html>\n")
    return add_reload_script(page.encode(), generation)


def _kind(path: Path) -> str | None:
    """"dir", "file" or None (missing, or a name the file system refuses, such as a too long one)."""
    try:
        return "dir" if path.is_dir() else "file" if path.is_file() else None
    except (OSError, ValueError):
        return None


class BuildEvents:
    """The number of builds tried so far, which request threads can wait on."""

    def __init__(self) -> None:
        self.generation = 0
        self.error: str | None = None
        self.stopped = False
        self._changed = threading.Condition()

    def publish(self, error: str | None) -> None:
        with self._changed:
            self.generation += 1
            self.error = error
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self.stopped = True
            self._changed.notify_all()

    def wait_until(self, generation: int, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.generation >= generation, timeout)

    def wait_past(self, generation: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.stopped or self.generation != generation, timeout)
            return self.generation


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the preview folder; `events` is bound with functools.partial."""

    events: BuildEvents

    def __init__(self, *args, events: BuildEvents, **kwargs):
        self.events = events
        super().__init__(*args, **kwargs)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if not loopback_host(self.headers.get("Host")):
            self.send_error(HTTPStatus.FORBIDDEN, "Host not allowed",
                            "statusgen serve answers only to localhost, 127.0.0.1 and [::1].")
            return False
        return True

    def end_headers(self):
        # The preview changes under the browser; never let it show a cached page.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        if urlsplit(self.path).path == EVENTS_PATH:
            self._stream_events()
        else:
            super().do_GET()

    def send_head(self):
        url_path = urlsplit(self.path).path
        if "\x00" in unquote(url_path):
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request", "The path contains a NUL character.")
            return None
        if url_path == SCRIPT_PATH:
            return self._send_bytes(HTTPStatus.OK, reload_script(), "text/javascript; charset=utf-8")
        if url_path.startswith(PREFIX):
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        local = Path(self.translate_path(self.path))
        kind = _kind(local)
        if kind == "dir":
            if not url_path.endswith("/"):
                return super().send_head()  # the redirect to the folder's URL with a slash
            local = local / "index.html"
            kind = _kind(local)
        generation, failure = self.events.generation, self.events.error
        if failure is not None and (kind is None or local.suffix == ".html"):
            return self._send_bytes(HTTPStatus.INTERNAL_SERVER_ERROR, error_page(failure, generation),
                                    "text/html; charset=utf-8")
        if kind != "file":
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        if local.suffix != ".html":
            return super().send_head()
        try:
            body = local.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        return self._send_bytes(HTTPStatus.OK, add_reload_script(body, generation), "text/html; charset=utf-8")

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file() and not urlsplit(self.path).path.startswith(PREFIX):
            body = add_reload_script(page.read_bytes(), self.events.generation)
            stream = self._send_bytes(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8")
            if self.command != "HEAD":
                self.wfile.write(stream.read())
            return
        super().send_error(code, message, explain)

    def _send_bytes(self, status: int, body: bytes, content_type: str) -> io.BytesIO:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _stream_events(self) -> None:
        """One `build` event each time a build was tried since the page's own (`?since=N`)."""
        query = parse_qs(urlsplit(self.path).query)
        since = query.get("since", [""])[0]
        seen = int(since) if since.isdigit() else self.events.generation
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not self.events.stopped:
                current = self.events.generation
                if current != seen:
                    data = json.dumps({"build": current, "ok": self.events.error is None})
                    self.wfile.write(f"event: build\ndata: {data}\n\n".encode())
                    seen = current
                elif self.events.wait_past(seen, KEEPALIVE_SECONDS) == seen and not self.events.stopped:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

