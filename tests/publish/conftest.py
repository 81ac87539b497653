"""A real S3 (and CloudFront) server on loopback, a proxy that breaks connections, and helpers
to build sites and look inside buckets through boto3 over HTTP."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import urllib.request
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import Repo

REGION = "eu-central-1"
SECRET = "dummy-secret-Zq8vX1sNeverPrintMe"

# A small site of the shape `statusgen build` writes; bodies are what the tests change.
BASE_SITE = {
    "index.html": "<!doctype html><title>Status</title><p>All Systems Operational",
    "404.html": "<!doctype html><title>Not found</title>",
    "history/index.html": "<!doctype html><title>History</title>",
    "incidents/2026-11-20-api-errors/index.html": "<!doctype html><title>API errors</title>",
    "incidents/2026-11-01-db-upgrade/index.html": "<!doctype html><title>DB upgrade</title>",
    "incidents/2026-10-15-login/index.html": "<!doctype html><title>Login</title>",
    "components/api/index.html": "<!doctype html><title>API</title>",
    "components/api/feed.atom": "<feed xmlns='http://www.w3.org/2005/Atom'/>",
    "components/api/feed.rss": "<rss version='2.0'/>",
    "subscribe/index.html": "<!doctype html><title>Subscribe</title>",
    "feed.atom": "<feed xmlns='http://www.w3.org/2005/Atom'><title>all</title></feed>",
    "feed.rss": "<rss version='2.0'><channel/></rss>",
    "maintenance.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    "api/v2/summary.json": '{"status": {"indicator": "none"}}',
    "api/v2/status.json": '{"status": {"indicator": "none"}}',
    "badges/status.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "badges/api.json": '{"schemaVersion": 1}',
    "assets/style.3f2a9c1b.css": "body { color: #111 }",
    "assets/app.js": "document.documentElement.dataset.js = 1;",
    "robots.txt": "User-agent: *\n",
    "sitemap.xml": "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>",
}

# The headers each kind of file must be served with: written out here, not taken from the code.
SHORT = "public, max-age=60"
EXPECTED_HEADERS = {
    "index.html": ("text/html; charset=utf-8", SHORT),
    "404.html": ("text/html; charset=utf-8", SHORT),
    "history/index.html": ("text/html; charset=utf-8", SHORT),
    "incidents/2026-11-20-api-errors/index.html": ("text/html; charset=utf-8", SHORT),
    "incidents/2026-11-01-db-upgrade/index.html": ("text/html; charset=utf-8", SHORT),
    "incidents/2026-10-15-login/index.html": ("text/html; charset=utf-8", SHORT),
    "components/api/index.html": ("text/html; charset=utf-8", SHORT),
    "components/api/feed.atom": ("application/atom+xml; charset=utf-8", SHORT),
    "components/api/feed.rss": ("application/rss+xml; charset=utf-8", SHORT),
    "subscribe/index.html": ("text/html; charset=utf-8", SHORT),
    "feed.atom": ("application/atom+xml; charset=utf-8", SHORT),
    "feed.rss": ("application/rss+xml; charset=utf-8", SHORT),
    "maintenance.ics": ("text/calendar; charset=utf-8", SHORT),
    "api/v2/summary.json": ("application/json; charset=utf-8", SHORT),
    "api/v2/status.json": ("application/json; charset=utf-8", SHORT),
    "badges/status.svg": ("image/svg+xml; charset=utf-8", SHORT),
    "badges/api.json": ("application/json; charset=utf-8", SHORT),
    "assets/style.3f2a9c1b.css": ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
    "assets/app.js": ("text/javascript; charset=utf-8", SHORT),
    "robots.txt": ("text/plain; charset=utf-8", SHORT),
    "sitemap.xml": ("application/xml; charset=utf-8", SHORT),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_url():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request drowns the failures
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class S3:
    """The test's own view of the store: boto3 over HTTP, independent of statusgen's code."""

    def __init__(self, url: str):
        self.url = url
        session = boto3.session.Session(region_name=REGION)
        self.client = session.client("s3", endpoint_url=url)
        self.cloudfront = session.client("cloudfront", endpoint_url=url)

    def create_bucket(self, name: str) -> str:
        self.client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def put(self, bucket: str, key: str, body: bytes, **extra) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=body, **extra)

    def keys(self, bucket: str, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def objects(self, bucket: str, prefix: str = "") -> dict[str, tuple[bytes, str, str | None]]:
        """key (prefix removed) -> (body, Content-Type, Cache-Control); the manifest left out."""
        found = {}
        for key in self.keys(bucket, prefix):
            relative = key[len(prefix):]
            if relative == ".statusgen-manifest.json":
                continue
            got = self.client.get_object(Bucket=bucket, Key=key)
            found[relative] = (got["Body"].read(), got["ContentType"], got.get("CacheControl"))
        return found

    def create_distribution(self, bucket: str) -> str:
        config = {
            "CallerReference": f"test-{bucket}", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "site", "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}, "MinTTL": 0},
        }
        return self.cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]

    def invalidations(self, distribution_id: str) -> list[list[str]]:
        listing = self.cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
        batches = []
        for item in listing.get("Items", []):
            got = self.cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])
            batches.append(sorted(got["Invalidation"]["InvalidationBatch"]["Paths"].get("Items", [])))
        return batches


@pytest.fixture
def s3(moto_url, monkeypatch, tmp_path) -> S3:
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")).read()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # CloudFront is global, so its endpoint comes from the standard per-service variable.
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", moto_url)
    return S3(moto_url)


def write_site(site: Path, files: dict[str, str | bytes]) -> Path:
    """Replace the folder's contents with exactly these files."""
    if site.exists():
        for path in sorted(site.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    for relative, body in files.items():
        file = site / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return site


def site_bytes(site: Path) -> dict[str, bytes]:
    """What publishing a folder should put in a bucket: every file but statusgen's marker."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and p.name != ".statusgen-output.json"}


def add_targets(repo: Repo, *tables: str) -> None:
    config = (repo.root / "statusgen.toml").read_text(encoding="utf-8")
    (repo.root / "statusgen.toml").write_text(config + "\n" + "\n".join(tables), encoding="utf-8")


def s3_target(name: str, url: str, endpoint: str, extra: str = "") -> str:
    return (f'[[targets]]\nname = "{name}"\nurl = "{url}"\nregion = "{REGION}"\n'
            f'endpoint_url = "{endpoint}"\n{extra}\n')


class Recorder:
    """Makes boto3 sessions that record every S3 operation statusgen performs, through
    botocore's own event hooks (the client itself is untouched)."""

    def __init__(self):
        self.calls: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def session(self, region):
        session = boto3.session.Session(region_name=region)
        session.events.register("before-parameter-build.*.*", self._record)
        return session

    def _record(self, params, model, **kwargs):
        with self._lock:
            self.calls.append((model.name, params.get("Key")))

    def keys(self, operation: str) -> list[str | None]:
        return [key for name, key in self.calls if name == operation]


class ResettingProxy:
    """TCP proxy in front of the S3 server that resets connections once a byte budget of
    client data is spent: once (a transient network blip) or from then on (an outage)."""

    def __init__(self, upstream_port: int, budget: int, persistent: bool):
        self.upstream_port, self.budget, self.persistent = upstream_port, budget, persistent
        self.sent, self.resets, self.healed = 0, 0, False
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def heal(self) -> None:
        self.healed = True

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _should_reset(self, count: int) -> bool:
        with self._lock:
            self.sent += count
            if self.healed or self.sent <= self.budget or (self.resets and not self.persistent):
                return False
            self.resets += 1
            return True

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and self._should_reset(len(data)):
                    for s in (source, sink):
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        s.close()
                    return
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass
