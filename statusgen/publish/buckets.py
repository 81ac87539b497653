"""Where a site is published: a Bucket interface with S3 and local-directory backends.

A backend only ever sees site-relative paths; it adds its own prefix, and lists and deletes
nothing outside that prefix. Every failure leaves as a StatusgenError saying what was being
done, so one broken mirror is reported in words and the others still go out.
"""

from __future__ import annotations

import base64
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from statusgen.config import Target, redacted
from statusgen.errors import StatusgenError
from statusgen.files import atomic_write
from statusgen.folders import MARKER, listed_files, refuse_sources, safe_output_path, write_marker
from statusgen.publish.headers import MANIFEST_CACHE, content_type
from statusgen.publish.manifest import MANIFEST_NAME, is_reserved
from statusgen.publish.plan import LocalFile, RemoteObject, Stored

SHA256_METADATA = "statusgen-sha256"  # stored as x-amz-meta-statusgen-sha256
DEFAULT_MAX_ATTEMPTS = 6
_DELETE_BATCH = 1000  # the most DeleteObjects accepts


class Bucket(Protocol):
    description: str

    def list_objects(self) -> dict[str, RemoteObject]: ...
    def read_manifest(self) -> bytes | None: ...
    def inspect(self, path: str) -> Stored | None: ...
    def put(self, file: LocalFile, data: bytes) -> str | None: ...
    def write_manifest(self, data: bytes) -> None: ...
    def delete(self, paths: list[str]) -> None: ...


def open_bucket(target: Target, root: Path, site_dir: Path, session, jobs: int) -> Bucket:
    if target.scheme == "file":
        return DirectoryBucket(_directory(target, root, site_dir))
    return S3Bucket(target, session, jobs)


def new_session(region: str | None):
    """A boto3 session on the standard credential chain; boto3 is the optional extra statusgen[s3]."""
    try:
        import boto3
    except ImportError:
        raise StatusgenError(
            "publishing to s3:// targets and CloudFront needs boto3, which is not installed; "
            "install it with: pip install 'statusgen[s3]'"
        ) from None
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.session.Session(region_name=region)
    except ProfileNotFound as exc:
        raise StatusgenError(
            f"the AWS profile {exc.kwargs.get('profile', '')!r} (from AWS_PROFILE) is not in the AWS "
            "config files (~/.aws/config, ~/.aws/credentials); expected an existing profile, or "
            "AWS_PROFILE unset to use the rest of the credential chain") from None


class S3Bucket:
    def __init__(self, target: Target, session, jobs: int):
        from botocore.config import Config

        self.bucket, self.prefix = target.bucket, target.prefix
        self.description = f"s3://{self.bucket}/{self.prefix}"
        # AWS_MAX_ATTEMPTS / max_attempts in ~/.aws/config win over our default, as for the AWS CLI.
        attempts = session._session.get_config_variable("max_attempts") or DEFAULT_MAX_ATTEMPTS
        config = Config(
            retries={"mode": "standard", "total_max_attempts": int(attempts)},
            connect_timeout=10, read_timeout=60, max_pool_connections=max(jobs, 10),
            # Path-style for custom endpoints: MinIO needs it, R2 and GCS accept it.
            s3={"addressing_style": "path" if target.endpoint_url else "auto"},
            # Newer botocore adds CRC checksums that several S3-compatible stores reject;
            # integrity comes from Content-MD5 on every upload instead.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # statusgen reads no times from the store: they stay text, which spares parsing one for
        # each object of a listing (the AWS CLI leaves them as text for the same reason).
        session._session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_as_text)
        with s3_errors(f"connecting to {self.description}"):
            self.client = session.client("s3", endpoint_url=target.endpoint_url, config=config)

    def _key(self, path: str) -> str:
        return self.prefix + path

    def list_objects(self) -> dict[str, RemoteObject]:
        objects: dict[str, RemoteObject] = {}
        with s3_errors(f"listing {self.description}"):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if not key.startswith(self.prefix):  # never trust a store to honour Prefix
                        continue
                    path = key[len(self.prefix):]
                    if path and not is_reserved(path):
                        objects[path] = RemoteObject(path, item["Size"], item.get("ETag"))
        return objects

    def read_manifest(self) -> bytes | None:
        from botocore.exceptions import ClientError

        with s3_errors(f"reading {self.description}{MANIFEST_NAME}"):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self._key(MANIFEST_NAME))["Body"].read()
            except ClientError as exc:
                if _code(exc) in ("NoSuchKey", "404"):
                    return None
                raise

    def inspect(self, path: str) -> Stored | None:
        from botocore.exceptions import ClientError

        with s3_errors(f"reading the metadata of {self.description}{path}"):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(path))
            except ClientError as exc:
                if _code(exc) in ("NoSuchKey", "404"):
                    return None
                raise
        return Stored(
            sha256=head.get("Metadata", {}).get(SHA256_METADATA), size=head["ContentLength"],
            etag=head.get("ETag"), content_type=head.get("ContentType"),
            cache_control=head.get("CacheControl"), content_encoding=head.get("ContentEncoding"),
        )

    def put(self, file: LocalFile, data: bytes) -> str | None:
        encoding = {"ContentEncoding": file.content_encoding} if file.content_encoding else {}
        with s3_errors(f"uploading {self.description}{file.path}"):
            response = self.client.put_object(
                Bucket=self.bucket, Key=self._key(file.path), Body=data,
                ContentType=file.content_type, CacheControl=file.cache_control, **encoding,
                ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode("ascii"),
                Metadata={SHA256_METADATA: file.sha256},
            )
        return response.get("ETag")

    def write_manifest(self, data: bytes) -> None:
        with s3_errors(f"writing {self.description}{MANIFEST_NAME}"):
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(MANIFEST_NAME), Body=data,
                ContentType=content_type(MANIFEST_NAME), CacheControl=MANIFEST_CACHE,
                ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode("ascii"),
            )

    def delete(self, paths: list[str]) -> None:
        for start in range(0, len(paths), _DELETE_BATCH):
            batch = paths[start:start + _DELETE_BATCH]
            with s3_errors(f"deleting {len(batch)} objects under {self.description}"):
                response = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": self._key(p)} for p in batch], "Quiet": True},
                )
            errors = response.get("Errors", [])
            if errors:
                first = errors[0]
                raise StatusgenError(
                    f"deleting {first.get('Key')} under {self.description} failed: "
                    f"{first.get('Code')}: {first.get('Message')} ({len(errors)} objects not deleted)"
                )


def _as_text(value: str) -> str:
    return value


@contextmanager
def s3_errors(doing: str):
    """botocore's exceptions as one line of plain words (never credentials: botocore prints none)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except NoCredentialsError:
        raise StatusgenError(
            f"{doing}: no AWS credentials found; statusgen uses the standard AWS credential chain "
            "(AWS_* environment variables, a profile or SSO login, web identity/OIDC in CI, an instance role)"
        ) from None
    except ClientError as exc:
        code = _code(exc)
        message = exc.response.get("Error", {}).get("Message") or str(exc)
        hint = ""
        if code == "NoSuchBucket":
            hint = " (check the bucket name in the target's url, and its region or endpoint_url)"
        elif code in ("AccessDenied", "403", "Forbidden"):
            hint = " (the credentials lack a permission; docs/publishing.md lists the policy needed)"
        raise StatusgenError(redacted(f"{doing}: {code}: {message}{hint}")) from None
    except BotoCoreError as exc:
        raise StatusgenError(redacted(f"{doing}: {exc} (gave up after retrying)")) from None


def _code(exc) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _directory(target: Target, root: Path, site_dir: Path) -> Path:
    directory = Path(target.bucket).expanduser()
    if not directory.is_absolute():
        directory = Path(root) / directory
    directory = directory.resolve()
    site, repo = site_dir.resolve(), Path(root).resolve()
    # A directory that holds the repository or the site would have them "deleted as gone".
    if directory == site or site.is_relative_to(directory) or repo.is_relative_to(directory) \
            or directory.is_relative_to(site):
        raise StatusgenError(
            f"target {target.name!r}: {target.url} is {directory}, which overlaps the status repository "
            f"or the site folder; expected a separate directory"
        )
    refuse_sources(directory, repo, f"target {target.name!r}")
    if not directory.parent.is_dir():
        raise StatusgenError(f"target {target.name!r}: {directory.parent} does not exist; "
                             "expected the parent of the target directory to exist (is the volume mounted?)")
    if directory.is_dir() and listed_files(directory) is None and not (directory / MANIFEST_NAME).exists() \
            and any(directory.iterdir()):
        raise StatusgenError(
            f"target {target.name!r}: {directory} is not empty and statusgen did not publish to it "
            f"(it has no {MARKER} or {MANIFEST_NAME}); expected a new or empty directory, or one "
            "statusgen published to")
    return directory


class DirectoryBucket:
    """A plain directory, for a mounted volume or a web server's document root. It keeps no
    headers, so the manifest is its only record of them."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.description = f"{directory}{os.sep}"
        self.claimed = False

    def _file(self, path: str) -> Path:
        return safe_output_path(self.directory, path)

    def list_objects(self) -> dict[str, RemoteObject]:
        objects: dict[str, RemoteObject] = {}
        if not self.directory.is_dir():
            return objects
        try:
            files = _files_below(self.directory)
        except OSError as exc:  # passed over (as Path.rglob does), the folder's files would look absent
            raise StatusgenError(f"listing {self.description}: {exc.filename}: cannot be read "
                                 f"({exc.strerror or exc})") from None
        with _os_errors(f"listing {self.description}"):
            for file in sorted(files, key=lambda file: file.parts):
                path = file.relative_to(self.directory).as_posix()
                if file.is_file() and path != MARKER and not is_reserved(path):
                    data = file.read_bytes()
                    objects[path] = RemoteObject(path, len(data), hashlib.md5(data).hexdigest())
        return objects

    def read_manifest(self) -> bytes | None:
        try:
            return (self.directory / MANIFEST_NAME).read_bytes()
        except FileNotFoundError:
            return None

    def inspect(self, path: str) -> Stored | None:
        try:
            data = self._file(path).read_bytes()
        except FileNotFoundError:
            return None
        return Stored(hashlib.sha256(data).hexdigest(), len(data), hashlib.md5(data).hexdigest(), None, None)

    def put(self, file: LocalFile, data: bytes) -> str:
        self._write(self._file(file.path), data)
        return hashlib.md5(data).hexdigest()

    def write_manifest(self, data: bytes) -> None:
        self._write(self.directory / MANIFEST_NAME, data)

    def delete(self, paths: list[str]) -> None:
        with _os_errors(f"deleting under {self.description}"):
            for path in paths:
                file = self._file(path)
                file.unlink(missing_ok=True)
                parent = file.parent
                while parent != self.directory and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent

    def _write(self, file: Path, data: bytes) -> None:
        # Write then rename, so a reader (or an interrupted publish) never sees half a file.
        with _os_errors(f"writing {file}"):
            if not self.claimed:  # before the first file, so an interrupted first publish can resume
                if not (self.directory / MARKER).exists():
                    write_marker(self.directory)
                self.claimed = True
            atomic_write(file, data)


def _files_below(directory: Path) -> list[Path]:
    """Every file and link below `directory`, linked folders not entered; OSError for a folder
    that cannot be listed."""
    return [Path(folder, name) for folder, _, names in os.walk(directory, onerror=_raise) for name in names]


def _raise(error: OSError) -> None:
    raise error


@contextmanager
def _os_errors(doing: str):
    try:
        yield
    except OSError as exc:
        raise StatusgenError(f"{doing}: {exc.strerror or exc}") from None
