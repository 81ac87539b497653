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
from statusgen.notify.ledger import Claim, Ledger, LedgerState, open_store
from statusgen.notify.plan import ChannelPlan, Public, page_status, plan_channel, public_events
from statusgen.notify.websub import WEBSUB_KEY, websub_plan
from statusgen.times import iso_utc


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
    public = public_events(config, content, now)
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
    active = [plan for plan in plans.values() if plan is not None and plan.send]
    results = {name: ChannelResult(name, skipped="another notify run is sending to it; left to that run")
               if plan is None else ChannelResult(name, recorded=plan.recorded, first_run=plan.first_run)
               for name, plan in plans.items()}
    if active:
        from statusgen.notify.deliver import deliver  # only now: sending loads the message formats

        page = page_status(config, content, now)
        lock = threading.Lock()

        def send_channel(plan: ChannelPlan) -> ChannelResult:
            name, total = plan.channel.name, len(plan.send)

            def shown(sent: int) -> None:
                with lock:
                    echo(f"{name}: {sent}/{total} sent")

            sent, error = deliver(config, plan, page, environ, clock, shown if progress else None,
                                  lambda ids, last: _confirm(ledger, name, ids, run, release=last))
            return ChannelResult(name, sent=sent, recorded=plan.recorded, pending=total - sent, error=error)

        with ThreadPoolExecutor(max_workers=len(active)) as pool:
            results.update((result.name, result) for result in pool.map(send_channel, active))
    for channel in channels:
        report(results[channel.name], echo)
    if hub:
        _websub(config, ledger, hub, public, echo)
    failed = [r for r in results.values() if r.error]
    if failed:
        raise StatusgenError(f"notify failed for {len(failed)} of {len(channels)} channels: "
                             + "; ".join(f"{r.name} ({r.error})" for r in failed))
    return [results[c.name] for c in channels]


def _claim(state: LedgerState, channels: list[Channel], public: list[Public], since, run: str,
           now: datetime) -> dict[str, ChannelPlan | None]:
    plans: dict[str, ChannelPlan | None] = {}
    for channel in channels:
        if state.claimed_by_other(channel.name, run, now):
            plans[channel.name] = None
            continue
        plan = plan_channel(channel, public, state.channels.get(channel.name), since)
        state.settle(channel.name, plan.record, baseline=plan.baseline)
        if plan.send:
            state.claims[channel.name] = Claim(run, now)
        plans[channel.name] = plan
    return plans


def _confirm(ledger: Ledger, name: str, ids: list[str], run: str, release: bool) -> None:
    def change(state: LedgerState) -> None:
        state.settle(name, ids)
        claim = state.claims.get(name)
        if release and claim is not None and claim.run == run:
            del state.claims[name]
    ledger.update(change)


def _websub(config: Config, ledger: Ledger, hub: str, public: list[Public], echo) -> None:
    from statusgen.notify.send import SendFailed
    from statusgen.notify.websub import ping_hub

    plan = ledger.update(lambda state: websub_plan(public, state.channels.get(WEBSUB_KEY)))
    if plan.first_run or not plan.send:
        if plan.first_run:
            ledger.update(lambda state: state.settle(WEBSUB_KEY, baseline=plan.baseline))
        return
    try:
        count = ping_hub(config, hub, plan.send)
    except SendFailed as exc:
        echo(f"WebSub hub: ping failed ({exc}); feed readers get the update when they next poll")
        return
    ledger.update(lambda state: state.settle(WEBSUB_KEY, (e.id for e in plan.send)))
    echo(f"WebSub hub: pinged for {count} feeds")


def show_plan(plan: ChannelPlan, echo) -> None:
    name = f"{plan.channel.name} ({plan.channel.kind})"
    if plan.first_run and not plan.send:
        echo(f"{name}: first run: would record {plan.recorded} updates already public and send nothing")
        return
    echo(f"{name}: would send {len(plan.send)} messages" + (":" if plan.send else ""))
    if not plan.send:
        return
    from statusgen.notify.formats import headline

    for message in plan.send:
        event = message.event
        what = headline(event)
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
        echo(f"{result.name}: first run: recorded {result.recorded} updates already public, sent nothing "
             "(--since T sends those from T on)")
    elif result.sent:
        echo(f"{result.name}: sent {result.sent} messages")
    else:
        echo(f"{result.name}: nothing new")


def send_test(root: Path, name: str, now: datetime, environ=None, echo: Callable[[str], None] = print) -> None:
    """One clearly marked test message to one channel; the ledger is not read or written."""
    from statusgen.notify import deliver

    environ = os.environ if environ is None else environ
    config = load_config(root)
    channel = select_channels(config, (name,))[0]
    deliver.send_test(config, channel, now, environ)
    echo(f"{channel.name}: test message sent")
