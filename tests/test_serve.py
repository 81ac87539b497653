"""`statusgen serve`: a real HTTP server on loopback that rebuilds when files change."""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup

from statusgen.serve import Server
from tests.factories import incident_text, maintenance_file, update

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
DEADLINE_SECONDS = 90  # a hang guard, not a timing: generous for a loaded machine



def simple_incident(title: str, components: dict[str, str]) -> str:
    """The text of an incident file: begun at 14:00, one update."""
    return incident_text(title, components, "2026-11-20T14:00:00Z",
                         update("2026-11-20T14:05:00Z", "investigating", "Looking into it."))


def get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8"), dict(exc.headers)


def wait_for(server: Server, condition, what: str):
    """Re-check `condition()` after each rebuild the server tries, until a deadline.

    An editor's write can be seen half done, so the wanted state may need a second rebuild.
    """
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        seen = server.attempts
        if condition():
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not server.wait_for_attempt(seen + 1, remaining):
            pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def server(repo):
    messages: list[str] = []
    srv = Server(repo.root, port=0, clock=lambda: NOW, echo=messages.append)
    srv.messages = messages
    yield srv
    srv.stop()


def indicator(url: str) -> str | None:
    status, body, _ = get(url)
    if status != 200:
        return None
    element = BeautifulSoup(body, "html5lib").select_one("[data-indicator]")
    return element["data-indicator"] if element else None


def test_serves_the_built_site_on_loopback_and_rebuilds_on_change(repo, server):
    path = repo.write("incidents/2026-11-20-api.md", simple_incident("API slow", {"api": "degraded_performance"}))
    url = server.start()
    assert url.startswith("http://127.0.0.1:")
    assert server._httpd.server_address[0] == "127.0.0.1"

    status, body, headers = get(url)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    page = BeautifulSoup(body, "html5lib")
    assert page.select_one("[data-indicator]")["data-indicator"] == "minor"
    assert page.select_one('[data-incident="2026-11-20-api"]') is not None
    incident_status, incident_page, _ = get(url + "incidents/2026-11-20-api/")
    assert incident_status == 200 and "API slow" in incident_page
    missing_status, missing_page, _ = get(url + "no/such/page")
    assert missing_status == 404 and "the current status" in missing_page  # the site's own 404 page
    assert not (repo.root / "site").exists()  # the preview never touches site/

    path.write_text(path.read_text().replace("degraded_performance", "major_outage")
                    .replace("API slow", "API down"), encoding="utf-8")
    wait_for(server, lambda: indicator(url) == "critical", "the rebuilt page after an edit")
    assert "API down" in get(url + "incidents/2026-11-20-api/")[1]


def build_errors(url: str) -> list[str] | None:
    """The problems listed by serve's error page, or None when the page is the site's."""
    status, body, _ = get(url)
    listed = BeautifulSoup(body, "html5lib").select_one("[data-build-errors]")
    if listed is None:
        return None
    assert status == 500
    return [item.get_text() for item in listed.select("li")]


def test_a_failed_rebuild_shows_the_error_on_every_page_until_fixed(repo, server):
    path = repo.write("incidents/2026-11-20-api.md", simple_incident("API slow", {"api": "degraded_performance"}))
    url = server.start()
    assert indicator(url) == "minor"
    builds = server.builds

    path.write_text(path.read_text().replace("api:", "apii:"), encoding="utf-8")
    wait_for(server, lambda: server.last_error is not None, "the failed rebuild")
    problem = "incidents/2026-11-20-api.md: components.apii: unknown component 'apii' (known: api, web, db)"
    assert server.last_error == problem
    assert "Error: " + problem in server.messages
    assert "Still serving the last good build; pages show the error until it is fixed." in server.messages
    assert "Changed: incidents/2026-11-20-api.md" in server.messages
    assert server.builds == builds
    # Pages (and missing pages) name the file and the field; what is not a page is the last good build.
    for page in ("", "index.html", "incidents/2026-11-20-api/", "no/such/page"):
        assert build_errors(url + page) == [problem], page
    assert get(url + "feed.atom")[0] == 200

    # A new file also triggers a rebuild; fixing the broken one brings the site back.
    repo.write("incidents/2026-11-20-db.md", simple_incident("DB down", {"db": "major_outage"}))
    path.write_text(path.read_text().replace("apii:", "api:"), encoding="utf-8")
    wait_for(server, lambda: indicator(url) == "critical", "the site after fixing the file")
    assert server.last_error is None
    assert build_errors(url) is None


def test_a_broken_repository_at_start_serves_an_error_page_until_fixed(repo, server):
    path = repo.write("incidents/2026-11-20-api.md", simple_incident("<Broken>", {"api": "exploded"}))
    url = server.start()
    errors = build_errors(url)
    assert errors and "incidents/2026-11-20-api.md: components.api: unknown status 'exploded'" in errors[0]
    path.write_text(path.read_text().replace("exploded", "partial_outage"), encoding="utf-8")
    wait_for(server, lambda: indicator(url) == "major", "the first good build")


def test_template_override_changes_are_picked_up(repo, server):
    url = server.start()
    assert "Served by the test" not in get(url)[1]
    repo.write("templates/base.html", '{% extends "!base.html" %}'
                                      "{% block footer_extra %}<p>Served by the test</p>{% endblock %}\n")
    wait_for(server, lambda: "Served by the test" in get(url)[1], "the overridden template")


def test_stop_closes_the_port_and_removes_the_preview(repo):
    srv = Server(repo.root, port=0, clock=lambda: NOW, echo=lambda m: None)
    url = srv.start()
    assert get(url)[0] == 200
    workdir = srv.workdir
    srv.stop()
    assert not workdir.exists()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_rebuilds_when_a_scheduled_change_comes_due_without_any_edit(repo):
    maintenance_file(repo, "2026-11-20-db-upgrade", "DB upgrade", {"db": "under_maintenance"},
                     "2026-11-20T16:00:00Z", "2026-11-20T17:00:00Z",
                     update("2026-11-19T09:00:00Z", "scheduled", "Planned."))
    clock = [NOW]
    srv = Server(repo.root, port=0, clock=lambda: clock[0], echo=lambda m: None)
    url = srv.start()
    try:
        def state():
            body = get(url)[1]
            return BeautifulSoup(body, "html5lib").select_one('[data-incident="2026-11-20-db-upgrade"]')["data-maintenance-state"]

        assert state() == "scheduled"
        clock[0] = datetime(2026, 11, 20, 16, 0, 1, tzinfo=timezone.utc)
        wait_for(srv, lambda: state() == "in_progress", "the maintenance to start")
        assert indicator(url) == "maintenance"
    finally:
        srv.stop()


@pytest.mark.parametrize("stop_signal", ["SIGINT", "SIGTERM"])
def test_the_serve_command_runs_until_interrupted_and_cleans_up(repo, tmp_path, stop_signal):
    import os
    import queue
    import re
    import signal
    import subprocess
    import sys
    import threading

    repo.write("incidents/2026-11-20-api.md", simple_incident("API slow", {"api": "degraded_performance"}))
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "serve", "--root", str(repo.root), "--port", "0",
         "--now", "2026-11-20T15:00:00Z"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(private_tmp)},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        output = []
        while not any("Serving" in line for line in output):
            output.append(lines.get(timeout=DEADLINE_SECONDS))
        match = re.search(r"at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)", output[-1])
        assert match, output
        assert indicator(match.group(1)) == "minor"
        assert any(private_tmp.iterdir())  # the preview is built in a temporary folder...
        process.send_signal(getattr(signal, stop_signal))
        assert process.wait(timeout=DEADLINE_SECONDS) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not (repo.root / "site").exists()
    assert list(private_tmp.iterdir()) == []  # ...removed on the way out
    assert not (repo.root / "site").exists()


def test_a_port_in_use_is_a_clear_error(repo, server):
    url = server.start()
    port = url.rsplit(":", 1)[1].strip("/")
    result = repo.run("serve", "--root", str(repo.root), "--port", port)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: --port: cannot listen on 127.0.0.1:{port} (")
    assert "expected a free port, or 0 for any" in result.output


def raw_request(url: str, path: str, host: str | None) -> tuple[int, bytes]:
    """A GET with exactly this path and Host header (None: no Host header at all)."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_only_loopback_host_names_are_answered(repo, server):
    """A page elsewhere can point its own name at 127.0.0.1 (DNS rebinding); its requests name it."""
    url = server.start()
    port = url.rsplit(":", 1)[1].strip("/")
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}", "localhost"):
        status, body = raw_request(url, "/", host)
        assert status == 200 and b"data-indicator" in body, host
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", f"localhost.:{port}",
                 f"x.localhost:{port}", f"localhost:{port}@evil.example", f"[::1]x:{port}", "", None):
        status, body = raw_request(url, "/", host)
        assert status == 403, host
        assert b"data-indicator" not in body and b"Host not allowed" in body, host
    status, _ = raw_request(url, "/__statusgen/events", "evil.example")
    assert status == 403


def test_a_nul_byte_or_odd_path_is_a_clear_answer_not_a_dropped_connection(repo, server, capfd):
    url = server.start()
    host = url.removeprefix("http://").strip("/")
    for path in ("/index.html%00.txt", "/%00", "/incidents/%00/", "/index.html%00"):
        status, body = raw_request(url, path, host)
        assert status == 400 and b"NUL" in body, path
    for path in ("/%ff%fe.html", "/" + "a" * 5000, "/a/" * 2000, "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/__statusgen/nothing"):
        status, _ = raw_request(url, path, host)
        assert status == 404, path
    assert get(url)[0] == 200  # still serving
    assert "Traceback" not in capfd.readouterr().err


def test_pages_get_the_reload_script_and_builds_are_announced_as_events(repo, server):
    path = repo.write("incidents/2026-11-20-api.md", simple_incident("API slow", {"api": "degraded_performance"}))
    url = server.start()
    page = BeautifulSoup(get(url)[1], "html5lib")
    scripts = [tag["src"] for tag in page.select("script[src]")]
    reload_src = next(src for src in scripts if src.startswith("/__statusgen/reload.js"))
    assert reload_src == f"/__statusgen/reload.js?build={server.attempts}"
    assert not page.select("script:not([src])")  # nothing inline: a default-src 'self' policy holds
    status, script, headers = get(url + reload_src.lstrip("/"))
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "EventSource" in script and "/__statusgen/events?since=" in script
    assert get(url + "no/such/page")[1].count("/__statusgen/reload.js") == 1  # the site's 404 page too
    # The preview folder, like site/, holds the site as built: the script is added when serving.
    assert not any("__statusgen" in p.read_text(errors="replace") for p in server.out.rglob("*.html"))

    port = int(url.rsplit(":", 1)[1].strip("/"))
    stream = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE_SECONDS)
    stream.request("GET", f"/__statusgen/events?since={server.attempts}")
    response = stream.getresponse()
    assert response.status == 200 and response.headers["Content-Type"] == "text/event-stream"
    try:
        assert response.readline() == b"retry: 1000\n"
        path.write_text(path.read_text().replace("api:", "apii:"), encoding="utf-8")
        lines = []
        while not lines or not lines[-1].startswith(b"data: "):
            line = response.readline()
            if line.strip() and not line.startswith(b":"):
                lines.append(line.strip())
        assert lines[-2] == b"event: build"
        assert json.loads(lines[-1].removeprefix(b"data: ")) == {"build": server.attempts, "ok": False}
    finally:
        stream.close()

    # A page from an older build learns at once that it is out of date.
    behind = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE_SECONDS)
    behind.request("GET", "/__statusgen/events?since=0")
    response = behind.getresponse()
    try:
        assert response.readline() == b"retry: 1000\n"
        assert response.readline() == b"\n"
        assert response.readline() == b"event: build\n"
    finally:
        behind.close()


def test_serve_builds_in_its_own_process_even_when_a_build_would_use_workers(repo, server, monkeypatch):
    """Forking a worker pool from the threaded server is unsafe: serve builds with one process."""
    for number in range(420):  # more than a build spreads over worker processes
        repo.write(f"incidents/2026-11-20-api-{number:03d}.md",
                   simple_incident(f"API slow {number}", {"api": "degraded_performance"}))

    def no_fork():
        raise AssertionError("serve forked a process")

    monkeypatch.setattr(os, "fork", no_fork)
    url = server.start()
    assert server.last_error is None
    assert indicator(url) == "minor"


def test_a_folder_that_cannot_be_watched_is_reported_and_the_preview_still_serves(repo, monkeypatch):
    """The operating system can refuse (Linux's limit of inotify watches): say so, keep serving."""
    import statusgen.serve as serve_module

    def refuse(*paths, **options):
        raise OSError(28, "inotify watch limit reached")
        yield  # a generator, like watchfiles.watch

    monkeypatch.setattr(serve_module, "watch", refuse)
    messages: list[str] = []
    srv = Server(repo.root, port=0, clock=lambda: NOW, echo=messages.append)
    try:
        url = srv.start()
        assert get(url)[0] == 200
    finally:
        srv.stop()
    warnings = [m for m in messages if m.startswith("Warning: cannot watch")]
    assert len(warnings) == 2  # the repository folder and incidents/ + templates/
    assert all("(OSError: [Errno 28] inotify watch limit reached); edits there will not trigger rebuilds" in w
               for w in warnings)
    assert f"Warning: cannot watch {repo.root.resolve()} for changes (" in warnings[0]
