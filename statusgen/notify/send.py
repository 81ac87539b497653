"""Delivery: HTTP POSTs and SMTP, retried with bounded backoff and paced per channel.

Timeouts, connection errors, 5xx and 429 (honouring Retry-After) are retried a few times;
any other 4xx, a redirect, or an SMTP 5xx is a configuration error and is not retried.
Failures are described in words without the URL, token or password (they are secrets).
`sleep` and `monotonic` are module attributes so tests can replace them and never wait.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from email.message import EmailMessage

from statusgen.config import Channel
from statusgen.notify.formats import HttpRequest, Secrets

sleep = time.sleep
monotonic = time.monotonic

MAX_ATTEMPTS = 4
BACKOFF = (2.0, 8.0, 30.0)  # seconds before the 2nd, 3rd and 4th attempt
MAX_RETRY_AFTER = 120.0  # a longer wait is left to the next run
TIMEOUT = 15.0
# The documented rate of each service, as the least time between two messages to one channel.
PACE = {"slack": 1.0, "discord": 0.5, "teams": 1.0, "google_chat": 1.0, "telegram": 1.0, "mastodon": 1.0,
        "ntfy": 1.0, "webhook": 0.0, "email": 0.0}
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


class SendFailed(Exception):
    """A message could not be delivered. `status` is the HTTP or SMTP code, if there was one."""

    def __init__(self, message: str, status: int | None = None, config_error: bool = False):
        super().__init__(message)
        self.status, self.config_error = status, config_error


def redact(text: str, secrets: Secrets) -> str:
    """`text` without any secret value or URL in it."""
    for value in (secrets.url, secrets.secret, secrets.token, secrets.password):
        if value:
            text = text.replace(value, "<secret>")
    return _URL.sub("<URL>", text)


class Pacer:
    def __init__(self, interval: float):
        self.interval = interval
        self.last: float | None = None

    def wait(self) -> None:
        if self.interval and self.last is not None:
            remaining = self.interval - (monotonic() - self.last)
            if remaining > 0:
                sleep(remaining)
        self.last = monotonic()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Following a redirect would turn the POST into a GET and lose the message, so a redirect
    # is reported (as a configuration error) instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _attempt(request: HttpRequest) -> tuple[int | None, float | None, str]:
    """(status, Retry-After seconds, description) of one POST."""
    req = urllib.request.Request(request.url, data=request.body, method="POST",
                                 headers={"User-Agent": "statusgen-notify", **dict(request.headers)})
    try:
        with _OPENER.open(req, timeout=TIMEOUT) as response:
            response.read()
            return response.status, None, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code, _retry_after(exc.headers.get("Retry-After")), f"HTTP {exc.code}"
    except TimeoutError:
        return None, None, f"no answer within {TIMEOUT:.0f} s"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return None, None, f"no answer within {TIMEOUT:.0f} s"
        return None, None, f"cannot connect ({getattr(reason, 'strerror', None) or type(reason).__name__})"
    except (ConnectionError, OSError) as exc:
        return None, None, f"connection failed ({exc.strerror or type(exc).__name__})"


def post(request: HttpRequest) -> None:
    """POST with retries; raises SendFailed when the message did not get through."""
    for attempt in range(MAX_ATTEMPTS):
        status, retry_after, described = _attempt(request)
        if status is not None and 200 <= status < 300:
            return
        if status is not None and status < 500 and status not in (408, 429):
            raise SendFailed(f"{described}: configuration error (the service refused the request; check the "
                             "channel's settings and secrets)", status, config_error=True)
        if attempt + 1 == MAX_ATTEMPTS:
            raise SendFailed(f"{described} after {MAX_ATTEMPTS} attempts", status)
        delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
        if retry_after is not None:
            if retry_after > MAX_RETRY_AFTER:
                raise SendFailed(f"{described}: asked to wait {retry_after:.0f} s; left for the next run", status)
            delay = max(delay, retry_after)
        sleep(delay)


class SmtpSender:
    """One SMTP connection per channel and run, opened on the first message."""

    def __init__(self, channel: Channel, secrets: Secrets):
        self.channel, self.secrets = channel, secrets
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        channel, context = self.channel, ssl.create_default_context()
        host = channel.smtp_host or ""
        if channel.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, channel.smtp_port, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(host, channel.smtp_port, timeout=TIMEOUT)
            if channel.starttls:
                smtp.starttls(context=context)
        if self.secrets.username:
            smtp.login(self.secrets.username, self.secrets.password or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        for attempt in range(MAX_ATTEMPTS):
            try:
                if self.smtp is None:
                    self.smtp = self._connect()
                self.smtp.send_message(message, from_addr=self.channel.sender, to_addrs=list(self.channel.to))
                return
            except smtplib.SMTPAuthenticationError as exc:
                raise SendFailed(f"SMTP {exc.smtp_code}: login refused (check username_env and password_env)",
                                 exc.smtp_code, config_error=True) from None
            except smtplib.SMTPRecipientsRefused as exc:
                codes = sorted({code for code, _ in exc.recipients.values()})
                raise SendFailed(f"SMTP {codes[0]}: the list address was refused (check `to`)", codes[0],
                                 config_error=codes[0] >= 500) from None
            except smtplib.SMTPResponseException as exc:
                self._drop()
                if exc.smtp_code >= 500:
                    raise SendFailed(f"SMTP {exc.smtp_code}: the server refused the message (check `from`, "
                                     "`to` and the login)", exc.smtp_code, config_error=True) from None
                status, described = exc.smtp_code, f"SMTP {exc.smtp_code}"
            except ssl.SSLError as exc:
                self._drop()
                raise SendFailed(f"TLS failed ({exc.reason or 'handshake'}); check smtp_port and starttls/tls",
                                 config_error=True) from None
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                status = None
                described = f"SMTP connection failed ({getattr(exc, 'strerror', None) or type(exc).__name__})"
            if attempt + 1 == MAX_ATTEMPTS:
                raise SendFailed(f"{described} after {MAX_ATTEMPTS} attempts", status)
            sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])

    def _drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
        self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self._drop()
