"""Reading a Statuspage API v2: from a URL (the only network use of statusgen import) or saved files."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from statusgen.errors import Problems
from statusgen.text import is_loopback_host

API_FILES = ("components.json", "incidents.json", "scheduled-maintenances.json")
UPTIME_FILE = "uptime.json"  # a statusgen page's own addition: carries each component's SLO
FETCH_TIMEOUT = 30


def is_url(reference: str) -> bool:
    return urlparse(reference).scheme in ("http", "https")


def api_base(url: str) -> str:
    """The api/v2/ folder of a page, whether given the page, the folder or one of its files."""
    url = url.split("?", 1)[0].split("#", 1)[0]
    for name in API_FILES + ("summary.json",):
        if url.endswith("/" + name):
            url = url[: -len(name)]
    url = url.rstrip("/") + "/"
    return url if url.endswith("/api/v2/") else url + "api/v2/"


def _fetch(url: str, problems: Problems):
    parsed = urlparse(url)
    if parsed.scheme == "http" and not is_loopback_host(parsed.hostname):
        problems.add(url, "", "plain http is only allowed for localhost; expected an https URL")
        return None
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "statusgen-import"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        problems.add(url, "", f"the server answered {exc.code} {exc.reason}; expected the JSON document")
        return None
    except (urllib.error.URLError, OSError) as exc:
        problems.add(url, "", f"could not be fetched ({getattr(exc, 'reason', exc)})")
        return None
    return _decode(url, raw, problems)


def _decode(name: str, raw: bytes, problems: Problems):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add(name, "", f"not valid JSON ({exc}); expected a Statuspage API v2 document")
        return None


def load_documents(references: tuple[str, ...], problems: Problems) -> list[tuple[str, str, dict]]:
    """(kind, name, document) for every components/incidents/maintenance document found."""
    documents: list[tuple[str, str, dict]] = []
    for reference in references:
        if is_url(reference):
            documents += _fetch_documents(api_base(reference), problems)
        else:
            documents += _saved_documents(reference, problems)
    return documents


def _fetch_documents(base: str, problems: Problems) -> list[tuple[str, str, dict]]:
    documents = []
    for name in API_FILES:
        data = _fetch(base + name, problems)
        if data is not None:
            documents.append((name.removesuffix(".json"), base + name, data))
    uptime = _fetch(base + UPTIME_FILE, Problems())  # absent on Statuspage itself
    if uptime is not None:
        documents.append(("uptime", base + UPTIME_FILE, uptime))
    return documents


def _saved_documents(reference: str, problems: Problems) -> list[tuple[str, str, dict]]:
    documents: list[tuple[str, str, dict]] = []
    folder = Path(reference)
    if folder.is_file():
        folder, only = folder.parent, folder.name
    else:
        only = None
    if not folder.is_dir():
        problems.add(reference, "", "not found; expected a folder of saved API files, or an http(s) URL")
        return documents
    found = 0
    for kind in ("components", "incidents", "scheduled-maintenances"):
        for path in sorted(folder.glob(f"{kind}*.json")):
            if only and path.name != only:
                continue
            data = _decode(path.as_posix(), path.read_bytes(), problems)
            if data is not None:
                documents.append((kind, path.as_posix(), data))
                found += 1
    if not found:
        problems.add(reference, "", "holds no components.json, incidents.json or scheduled-maintenances.json")
    elif (folder / UPTIME_FILE).is_file() and not only:
        uptime = _decode((folder / UPTIME_FILE).as_posix(), (folder / UPTIME_FILE).read_bytes(), problems)
        if uptime is not None:
            documents.append(("uptime", (folder / UPTIME_FILE).as_posix(), uptime))
    return documents
