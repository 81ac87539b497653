"""`statusgen notify`: plan, claim the channels in the ledger, send, confirm.

Order of work, chosen so that a re-run after any failure sends only what was not confirmed
and two runs at once never send the same message: read the ledger, plan every channel,
write the plan's first-run records and this run's claims (conditionally), send each channel
in its own thread (oldest first, stopping a channel at its first failure so order holds),
and confirm what got through as it goes.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from statusgen.cache import BuildCache
from statusgen.config import Channel, Config, load_config
from statusgen.content import load_content
from statusgen.errors import StatusgenError
from statusgen.model import Incident, Update
from statusgen.notify import formats, send
from statusgen.notify.config import web_url_problem
from statusgen.notify.ledger import Claim, Ledger, LedgerState, open_store
from statusgen.notify.mail import email_message
from statusgen.notify.plan import ChannelPlan, Event, Message, PageStatus, events, page_status, plan_channel
from statusgen.notify.websub import WEBSUB_KEY, ping_hub, websub_plan
from statusgen.times import iso_utc

CONFIRM_EVERY = 10.0  # seconds between two ledger writes while a channel is being sent


@dataclass(frozen=True)
class ChannelResult:
    name: str
    sent: int = 0
    recorded: int = 0
    first_run: bool = False
    pending: int = 0
    error: str | None = None
    skipped: str | None = None


def select_channels(config: Config, names: tuple[str, ...]) -> list[Channel]:
    if not config.notify and names:
        raise StatusgenError("statusgen.toml: notify: no channels configured; expected at least one [[notify]] "
                             "entry with a name and a kind (see docs/notify.md)")
    known = {c.name: c for c in config.notify}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise StatusgenError(f"--channel: unknown channel {unknown[0]!r} (known: {', '.join(known)})")
    return [known[n] for n in dict.fromkeys(names)] if names else list(config.notify)


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


def notify(root: Path, now: datetime, *, channel_names: tuple[str, ...] = (), dry_run: bool = False,
           ledger_file: Path | None = None, since: datetime | None = None, echo: Callable[[str], None] = print,
           progress: bool = False, environ=None, clock: Callable[[], datetime] | None = None,
           session_factory=None) -> list[ChannelResult]:
    """Send every public update each selected channel has not confirmed yet.

    `clock` gives the send time put into each message (default: `now`). Raises StatusgenError
    at the end naming every channel that failed.
    """
    environ = os.environ if environ is None else environ
    clock = clock or (lambda: now)
    config = load_config(root)
    channels = select_channels(config, channel_names)
    hub = config.site.websub_hub if not channel_names else None
    if not channels and not hub:
        echo("No [[notify]] channels and no websub_hub in statusgen.toml: nothing to send.")
        return []
    content = load_content(config, BuildCache.for_root(root))
    public = events(config, content, now)
    page = page_status(config, content, now)
    ledger = Ledger(open_store(config, ledger_file, session_factory))

    if dry_run:
        state = ledger.read()
        for channel in channels:
            show_plan(plan_channel(channel, public, state.channels.get(channel.name), since), echo)
        if hub:
            pending = websub_plan(public, state.channels.get(WEBSUB_KEY))
            echo(f"WebSub hub: would {'ping it' if pending.send else 'not ping it'} "
                 f"({len(pending.send)} new updates)")
        return []

    run = uuid.uuid4().hex
    plans: dict[str, ChannelPlan | None] = ledger.update(lambda state: _claim(state, channels, public, since, run, now))
    results, lock = {}, threading.Lock()

    def deliver(channel: Channel) -> ChannelResult:
        plan = plans[channel.name]
        if plan is None:
            return ChannelResult(channel.name, skipped="another notify run is sending to it; left to that run")
        if not plan.send:
            return ChannelResult(channel.name, recorded=len(plan.record), first_run=plan.first_run)
        return _deliver(config, ledger, run, plan, page, environ, clock, echo if progress else None, lock)

    active = [c for c, p in ((c, plans[c.name]) for c in channels) if p is not None and p.send]
    with ThreadPoolExecutor(max_workers=max(1, len(active))) as pool:
        for result in pool.map(deliver, channels):
            results[result.name] = result
    for channel in channels:
        report(results[channel.name], echo)
    if hub:
        _websub(config, ledger, hub, public, echo)
    failed = [r for r in results.values() if r.error]
    if failed:
        raise StatusgenError(f"notify failed for {len(failed)} of {len(channels)} channels: "
                             + "; ".join(f"{r.name} ({r.error})" for r in failed))
    return [results[c.name] for c in channels]


def _claim(state: LedgerState, channels: list[Channel], public: list[Event], since, run: str,
           now: datetime) -> dict[str, ChannelPlan | None]:
    plans: dict[str, ChannelPlan | None] = {}
    for channel in channels:
        if state.claimed_by_other(channel.name, run, now):
            plans[channel.name] = None
            continue
        plan = plan_channel(channel, public, state.channels.get(channel.name), since)
        state.channels.setdefault(channel.name, set()).update(plan.record)
        if plan.send:
            state.claims[channel.name] = Claim(run, now)
        plans[channel.name] = plan
    return plans


def _confirm(ledger: Ledger, name: str, ids: list[str], run: str, release: bool) -> None:
    def change(state: LedgerState) -> None:
        state.channels.setdefault(name, set()).update(ids)
        claim = state.claims.get(name)
        if release and claim is not None and claim.run == run:
            del state.claims[name]
    ledger.update(change)


def _deliver(config, ledger, run, plan: ChannelPlan, page, environ, clock, echo, lock) -> ChannelResult:
    channel, total = plan.channel, len(plan.send)
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
                _confirm(ledger, channel.name, confirmed, run, release=False)
                confirmed, last_write = [], send.monotonic()
            if echo is not None:
                with lock:
                    echo(f"{channel.name}: {sent}/{total} sent")
    except Exception as exc:  # a failing channel must not stop the others; reported in words
        error = describe(channel, exc, secrets)
    finally:
        if delivery is not None:
            delivery.close()
        _confirm(ledger, channel.name, confirmed, run, release=True)
    return ChannelResult(channel.name, sent=sent, recorded=len(plan.record), pending=total - sent, error=error)


def _websub(config: Config, ledger: Ledger, hub: str, public: list[Event], echo) -> None:
    plan = ledger.update(lambda state: websub_plan(public, state.channels.get(WEBSUB_KEY)))
    if plan.first_run or not plan.send:
        if plan.first_run:
            ledger.update(lambda state: state.channels.setdefault(WEBSUB_KEY, set()).update(plan.record))
        return
    try:
        count = ping_hub(config, hub, plan.send)
    except send.SendFailed as exc:
        echo(f"WebSub hub: ping failed ({exc}); feed readers get the update when they next poll")
        return
    ledger.update(lambda state: state.channels.setdefault(WEBSUB_KEY, set()).update(e.id for e in plan.send))
    echo(f"WebSub hub: pinged for {count} feeds")


def show_plan(plan: ChannelPlan, echo) -> None:
    name = f"{plan.channel.name} ({plan.channel.kind})"
    if plan.first_run and not plan.send:
        echo(f"{name}: first run: would record {len(plan.record)} messages for what is already public and send nothing")
        return
    echo(f"{name}: would send {len(plan.send)} messages" + (":" if plan.send else ""))
    for message in plan.send:
        event = message.event
        what = formats.headline(event)
        if message.component:
            what = f"component {message.component}: {message.old_status} → {message.new_status} ({what})"
        echo(f"  {iso_utc(event.at)}  {what}  [{message.id}]")


def report(result: ChannelResult, echo) -> None:
    if result.skipped:
        echo(f"{result.name}: skipped: {result.skipped}")
    elif result.error:
        echo(f"{result.name}: FAILED after sending {result.sent} of {result.sent + result.pending}: {result.error}; "
             "the rest go out on the next run")
    elif result.first_run and not result.sent:
        echo(f"{result.name}: first run: recorded {result.recorded} messages for what is already public, sent nothing "
             "(--since T sends those from T on)")
    elif result.sent:
        echo(f"{result.name}: sent {result.sent} messages")
    else:
        echo(f"{result.name}: nothing new")


def send_test(root: Path, name: str, now: datetime, environ=None, echo: Callable[[str], None] = print) -> None:
    """One clearly marked test message to one channel; the ledger is not read or written."""
    environ = os.environ if environ is None else environ
    config = load_config(root)
    channel = select_channels(config, (name,))[0]
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
    echo(f"{channel.name}: test message sent")
