"""`statusgen serve`: a real HTTP server on loopback that rebuilds when files change."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup

from statusgen.serve import Server

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
DEADLINE_SECONDS = 20

INCIDENT = """
    title: {title}
    components:
      api: {status}
    started: 2026-11-20T14:00:00Z
    updates:
      - at: 2026-11-20T14:05:00Z
        status: investigating
        message: Looking into it.
"""


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
    srv = Server(repo.root, port=0, clock=lambda: NOW, echo=messages.append, interval=0.05)
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
    path = repo.incident("2026-11-20-api", INCIDENT.format(title="API slow", status="degraded_performance"))
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


def test_a_failed_rebuild_keeps_the_last_good_site_and_reports_why(repo, server):
    path = repo.incident("2026-11-20-api", INCIDENT.format(title="API slow", status="degraded_performance"))
    url = server.start()
    assert indicator(url) == "minor"
    builds = server.builds

    path.write_text(path.read_text().replace("api:", "apii:"), encoding="utf-8")
    wait_for(server, lambda: server.last_error is not None, "the failed rebuild")
    assert "incidents/2026-11-20-api.md: components.apii: unknown component 'apii'" in server.last_error
    assert any(m.startswith("Error: ") and "apii" in m for m in server.messages)
    assert "Still serving the last good build." in server.messages
    assert "Changed: incidents/2026-11-20-api.md" in server.messages
    assert server.builds == builds
    assert indicator(url) == "minor"

    # A new file also triggers a rebuild; fixing the broken one brings the site back.
    repo.incident("2026-11-20-db", INCIDENT.format(title="DB down", status="major_outage").replace("api:", "db:"))
    path.write_text(path.read_text().replace("apii:", "api:"), encoding="utf-8")
    wait_for(server, lambda: indicator(url) == "critical", "the site after fixing the file")
    assert server.last_error is None


def test_a_broken_repository_at_start_serves_an_error_page_until_fixed(repo, server):
    path = repo.incident("2026-11-20-api", INCIDENT.format(title="<Broken>", status="exploded"))
    url = server.start()
    status, body, _ = get(url)
    assert status == 200
    page = BeautifulSoup(body, "html5lib")
    assert page.h1.get_text() == "Build failed"
    assert "components.api: unknown status 'exploded'" in page.pre.get_text()
    path.write_text(path.read_text().replace("exploded", "partial_outage"), encoding="utf-8")
    wait_for(server, lambda: indicator(url) == "major", "the first good build")


def test_template_override_changes_are_picked_up(repo, server):
    url = server.start()
    assert "Served by the test" not in get(url)[1]
    repo.write("templates/base.html", '{% extends "!base.html" %}'
                                      "{% block footer_extra %}<p>Served by the test</p>{% endblock %}\n")
    wait_for(server, lambda: "Served by the test" in get(url)[1], "the overridden template")


def test_stop_closes_the_port_and_removes_the_preview(repo):
    srv = Server(repo.root, port=0, clock=lambda: NOW, echo=lambda m: None, interval=0.05)
    url = srv.start()
    assert get(url)[0] == 200
    workdir = srv.workdir
    srv.stop()
    assert not workdir.exists()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_rebuilds_when_a_scheduled_change_comes_due_without_any_edit(repo):
    repo.incident("2026-11-20-db-upgrade", """
        title: DB upgrade
        type: maintenance
        components:
          db: under_maintenance
        scheduled_start: 2026-11-20T16:00:00Z
        scheduled_end: 2026-11-20T17:00:00Z
        updates:
          - at: 2026-11-19T09:00:00Z
            status: scheduled
            message: Planned.
    """)
    clock = [NOW]
    srv = Server(repo.root, port=0, clock=lambda: clock[0], echo=lambda m: None, interval=0.05)
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

    repo.incident("2026-11-20-api", INCIDENT.format(title="API slow", status="degraded_performance"))
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
