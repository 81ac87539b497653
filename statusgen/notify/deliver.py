"""Sending one channel's messages, and `notify --test`. Loaded only when there is something to
send: message formats bring in the page renderer, which a run that sends nothing does without.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from statusgen.config import Channel, Config
from statusgen.errors import StatusgenError
from statusgen.model import Incident, Update
from statusgen.notify import formats, send
from statusgen.notify.config import web_url_problem
from statusgen.notify.mail import email_message
from statusgen.notify.plan import ChannelPlan, Event, Message, PageStatus

CONFIRM_EVERY = 10.0  # seconds between two ledger writes while a channel is being sent


def read_secrets(channel: Channel, environ) -> formats.Secrets:
    """The channel's secrets from the environment variables it names; errors never show a value."""
    def value(env: str | None, what: str) -> str | None:
        if env is None:
            return None
        found = environ.get(env)
        if not found:
            raise send.SendFailed(f"environment variable {env} is not set; expected {what} "
                                  "(from the CI secret store)", config_error=True)
        return found

    secrets = formats.Secrets(url=value(channel.url_env, "the channel's secret URL"),
                              secret=value(channel.secret_env, "the HMAC signing secret"),
                              token=value(channel.token_env, "the access token"),
                              username=value(channel.username_env, "the SMTP user name"),
                              password=value(channel.password_env, "the SMTP password"))
    if secrets.url is not None and web_url_problem(secrets.url):
        raise send.SendFailed(f"{channel.url_env}: the value (not shown) is not usable; "
                              f"{web_url_problem(secrets.url)}", config_error=True)
    return secrets


class Delivery:
    """Sends messages to one channel: HTTP or SMTP, paced to the service's documented rate."""

    def __init__(self, config: Config, channel: Channel, page: PageStatus, secrets: formats.Secrets,
                 clock: Callable[[], datetime]):
        self.config, self.channel, self.page, self.secrets, self.clock = config, channel, page, secrets, clock
        self.pacer = send.Pacer(send.PACE[channel.kind])
        self.smtp = send.SmtpSender(channel, secrets) if channel.kind == "email" else None

    def send(self, message: Message) -> None:
        self.pacer.wait()
        if self.smtp is not None:
            self.smtp.send(email_message(self.config, self.channel, message, self.clock()))
        else:
            send.post(formats.build_request(self.config, self.channel, message, self.page, self.clock(),
                                            self.secrets))

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()


def describe(channel: Channel, exc: Exception, secrets: formats.Secrets | None) -> str:
    text = str(exc) if isinstance(exc, send.SendFailed) else f"unexpected {type(exc).__name__}: {exc}"
    return send.redact(text, secrets or formats.Secrets())


def deliver(config: Config, plan: ChannelPlan, page: PageStatus, environ, clock: Callable[[], datetime],
            progress: Callable[[int], None] | None,
            confirm: Callable[[list[str], bool], None]) -> tuple[int, str | None]:
    """Send `plan`'s messages in order, stopping at the first failure; `confirm(ids, last)`
    records what got through, every CONFIRM_EVERY seconds and at the end. (sent, error)."""
    channel = plan.channel
    confirmed: list[str] = []
    sent, error, secrets, delivery = 0, None, None, None
    last_write = send.monotonic()
    try:
        secrets = read_secrets(channel, environ)
        delivery = Delivery(config, channel, page, secrets, clock)
        for message in plan.send:
            delivery.send(message)
            confirmed.append(message.id)
            sent += 1
            if send.monotonic() - last_write >= CONFIRM_EVERY:  # bounds what a crash could resend
                confirm(confirmed, False)
                confirmed, last_write = [], send.monotonic()
            if progress is not None:
                progress(sent)
    except Exception as exc:  # a failing channel must not stop the others; reported in words
        error = describe(channel, exc, secrets)
    finally:
        if delivery is not None:
            delivery.close()
        confirm(confirmed, True)
    return sent, error


def send_test(config: Config, channel: Channel, now: datetime, environ) -> None:
    """One clearly marked test message to `channel`; the ledger is not read or written."""
    update = Update(now, "investigating", "This is a test message from `statusgen notify --test`. "
                                          "Nothing is wrong and no action is needed.")
    notice = Incident(slug="statusgen-test", source="", title=f"Test message for channel {channel.name}",
                      components=(), updates=(update,), body="", started=now, resolved=None, impact="none")
    event = Event(f"statusgen-test-{now.strftime('%Y%m%dT%H%M%SZ')}", now, notice, update.status, update, 0,
                  test=True)
    secrets = None
    try:
        secrets = read_secrets(channel, environ)
        delivery = Delivery(config, channel, PageStatus("none", "All Systems Operational"), secrets, lambda: now)
        try:
            delivery.send(Message(event.id, event))
        finally:
            delivery.close()
    except Exception as exc:  # reported in words, secrets removed
        raise StatusgenError(f"{channel.name}: test message failed: {describe(channel, exc, secrets)}") from None
