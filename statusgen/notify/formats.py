"""Each channel's native message for one event: (config, message, sent time) -> an HTTP request.

The webhook gets Statuspage's webhook shapes; chat services get their own formats, each kept
within the limits their documentation gives. Pure: no network, no clock (the send time is an
argument, so a signed webhook body says when it was sent).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse, urlsplit, urlunsplit

from statusgen.config import Channel, Config
from statusgen.model import Maintenance
from statusgen.notify.plan import REMINDER, Event, Message, PageStatus, notice_timeline
from statusgen.state import incident_impact
from statusgen.times import iso_utc, iso_utc_millis
from statusgen.vocabulary import (
    CLOSING_INCIDENT_STATUSES,
    STATUS_LABELS,
    UPDATE_LABELS,
    ComponentStatus,
    Impact,
    MaintenanceUpdateStatus,
)

DOCUMENTATION = "https://github.com/statusgen/statusgen/blob/main/docs/notify.md"
# Discord embed colours by what the update means (green = over, blue = planned work).
COLOURS = {"critical": 0xC0392B, "major": 0xE67E22, "minor": 0xF1C40F, "none": 0x7F8C8D,
           "maintenance": 0x3498DB, "over": 0x27AE60}
CLOSING = (*CLOSING_INCIDENT_STATUSES, MaintenanceUpdateStatus.COMPLETED)


@dataclass(frozen=True)
class HttpRequest:
    url: str  # a secret: never printed
    body: bytes
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Secrets:
    url: str | None = None
    secret: str | None = None
    token: str | None = None
    username: str | None = None
    password: str | None = None


# -- the words every format shares ----------------------------------------------------------------

def status_label(event: Event) -> str:
    if event.status == REMINDER:
        return "Reminder"
    last = bool(event.notice.updates) and event.update is event.notice.updates[-1]
    if isinstance(event.notice, Maintenance) and event.notice.cancelled and last:
        return "Cancelled"
    return UPDATE_LABELS.get(event.status, event.status.replace("_", " ").capitalize())


def headline(event: Event) -> str:
    prefix = "[Test] " if event.test else ""
    return f"{prefix}{status_label(event)}: {event.notice.title}"


def body_text(config: Config, event: Event) -> str:
    """The update's own words (Markdown), or what a reminder says."""
    if event.update is not None:
        return event.update.message
    window = event.notice
    assert isinstance(window, Maintenance)
    tz = config.site.tz
    start = window.scheduled_start.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    end = window.scheduled_end.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    return f"Scheduled maintenance starts in {_human(event.reminder or '')}: {start} to {end}."


def _human(label: str) -> str:
    count, unit = int(label[:-1]), {"m": "minute", "h": "hour", "d": "day"}[label[-1]]
    return f"{count} {unit}{'s' if count != 1 else ''}"


def affected_text(config: Config, event: Event) -> str:
    """"API: Partial outage → Operational; Website" (changes where the update made some)."""
    changed = {cid: (old, new) for cid, old, new in event.changes}
    parts = []
    for cid in event.components:
        name = config.component(cid).name
        if cid in changed:
            old, new = changed[cid]
            parts.append(f"{name}: {STATUS_LABELS[old]} → {STATUS_LABELS[new]}")
        else:
            parts.append(name)
    return "; ".join(parts)


def event_url(config: Config, event: Event) -> str:
    if event.test:
        return config.url()
    url = config.url(f"incidents/{event.notice.slug}/")
    if event.update is not None:
        url += "#update-" + event.id[len(event.notice.slug) + 1:]
    return url


def severity(event: Event) -> str:
    if event.status in CLOSING:
        return "over"
    if isinstance(event.notice, Maintenance):
        return "maintenance"
    return incident_impact(event.notice)


def _json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


JSON = (("Content-Type", "application/json; charset=utf-8"),)


# -- Statuspage-shaped webhook ----------------------------------------------------------------------

def page_id(config: Config) -> str:
    parsed = urlparse(config.site.base_url)
    return (parsed.netloc + parsed.path).rstrip("/").replace("/", "-")


def webhook_document(config: Config, message: Message, page: PageStatus, sent_at: datetime) -> dict:
    event = message.event
    kind = "test" if event.test else REMINDER if event.status == REMINDER else (
        "component_update" if message.component else "incident_update")
    document: dict = {
        "meta": {"unsubscribe": None, "documentation": DOCUMENTATION, "generated_at": iso_utc_millis(sent_at),
                 "delivery_id": message.id, "event": kind},
        "page": {"id": page_id(config), "status_indicator": page.indicator, "status_description": page.description},
    }
    if event.reminder:
        document["meta"]["reminder_before"] = event.reminder
    if message.component:
        component = config.component(message.component)
        at = iso_utc_millis(event.at)
        document["component_update"] = {"created_at": at, "new_status": message.new_status,
                                         "old_status": message.old_status, "id": message.id,
                                         "component_id": component.id}
        document["component"] = {"created_at": at, "id": component.id, "name": component.name,
                                 "status": message.new_status}
    else:
        document["incident"] = incident_document(config, event)
    return document


def incident_document(config: Config, event: Event) -> dict:
    """The notice as Statuspage's webhook `incident` shows it, as of this event."""
    notice = event.notice
    timeline = notice_timeline(notice, event.at)
    if event.update is not None:  # as of this update: later ones of the same second left out
        ids = [update_id for update_id, _, _ in timeline]
        timeline = timeline[:ids.index(event.id) + 1] if event.id in ids else timeline
    statuses: dict[str, str] = {}
    rows = []
    for update_id, update, changes in timeline:
        at = iso_utc_millis(update.at)
        statuses.update({cid: new for cid, _, new in changes})
        rows.append({"id": update_id, "status": update.status, "body": update.message, "incident_id": notice.slug,
                     "created_at": at, "updated_at": at, "display_at": at,
                     "affected_components": [{"code": cid, "name": config.component(cid).name,
                                              "old_status": old, "new_status": new} for cid, old, new in changes]})
    status = event.status if event.update is not None else MaintenanceUpdateStatus.SCHEDULED
    resolved = None
    if status in CLOSING:
        resolved = notice.actual_end if isinstance(notice, Maintenance) else notice.resolved
    started = notice.scheduled_start if isinstance(notice, Maintenance) else notice.started
    created = timeline[0][1].at if timeline else started
    document = {
        "id": notice.slug, "name": notice.title, "status": status,
        "impact": "maintenance" if isinstance(notice, Maintenance) else incident_impact(notice),
        "created_at": iso_utc_millis(created), "updated_at": iso_utc_millis(event.at),
        "started_at": iso_utc_millis(started), "resolved_at": iso_utc_millis(resolved) if resolved else None,
        "shortlink": config.url(f"incidents/{notice.slug}/"), "page_id": page_id(config),
        "incident_updates": list(reversed(rows)),
        "components": [{"id": cid, "name": config.component(cid).name,
                        "status": statuses.get(cid, ComponentStatus.OPERATIONAL)} for cid in event.components],
    }
    if isinstance(notice, Maintenance):
        document["scheduled_for"] = iso_utc_millis(notice.scheduled_start)
        document["scheduled_until"] = iso_utc_millis(notice.scheduled_end)
    return document


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook(config, channel, message, page, sent_at, secrets: Secrets) -> HttpRequest:
    body = _json(webhook_document(config, message, page, sent_at))
    headers: tuple[tuple[str, str], ...] = JSON + (("X-Statusgen-Delivery", message.id),)
    if secrets.secret:
        headers += (("X-Statusgen-Signature", signature(secrets.secret, body)),)
    return HttpRequest(secrets.url or "", body, headers)


# -- chat services ----------------------------------------------------------------------------------

def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_document(config: Config, event: Event) -> dict:
    title, affected = headline(event), affected_text(config, event)
    context = f"<{event_url(config, event)}|View on {_slack_escape(config.site.title)}>"
    if affected:
        context = f"{_slack_escape(affected)} · {context}"
    return {
        "text": _cut(title, 3000),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": _cut(title, 150), "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(_slack_escape(body_text(config, event)), 3000)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(context, 3000)}]},
        ],
    }


def teams_card(config: Config, event: Event) -> dict:
    facts = [{"title": "Status", "value": status_label(event)}]
    affected = affected_text(config, event)
    if affected:
        facts.append({"title": "Affected", "value": affected})
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": headline(event), "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": body_text(config, event), "wrap": True},
            {"type": "FactSet", "facts": facts},
        ],
        "actions": [{"type": "Action.OpenUrl", "title": f"View on {config.site.title}",
                     "url": event_url(config, event)}],
    }


def teams_document(config: Config, event: Event) -> dict:
    """What a Teams Workflows ("Post to a channel when a webhook request is received") expects."""
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "contentUrl": None, "content": teams_card(config, event)}]}


def discord_document(config: Config, event: Event) -> dict:
    embed = {"title": _cut(headline(event), 256), "description": _cut(body_text(config, event), 4096),
             "url": event_url(config, event), "color": COLOURS[severity(event)],
             "timestamp": iso_utc(event.at), "footer": {"text": _cut(config.site.title, 2048)}}
    affected = affected_text(config, event)
    if affected:
        embed["fields"] = [{"name": "Affected components", "value": _cut(affected, 1024), "inline": False}]
    return {"username": _cut(config.site.title, 80), "embeds": [embed], "allowed_mentions": {"parse": []}}


def plain_text(config: Config, event: Event, limit: int | None = None) -> str:
    """Headline, words, affected components and link: for Telegram, ntfy, Mastodon, Google Chat."""
    url, affected = event_url(config, event), affected_text(config, event)
    tail = (f"\n\nAffected: {affected}" if affected else "") + f"\n\n{url}"
    head, body = headline(event), body_text(config, event)
    if limit is not None:
        body = _cut(body, max(limit - len(head) - len(tail) - 2, 20))
    return f"{head}\n\n{body}{tail}"


def google_chat_document(config: Config, event: Event) -> dict:
    return {"text": plain_text(config, event, 4000), "thread": {"threadKey": event.notice.slug}}


def _with_query(url: str, extra: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def build_request(config: Config, channel: Channel, message: Message, page: PageStatus, sent_at: datetime,
                  secrets: Secrets) -> HttpRequest:
    """The HTTP request that delivers `message` on `channel` (every kind but email)."""
    event, kind = message.event, channel.kind
    if kind == "webhook":
        return webhook(config, channel, message, page, sent_at, secrets)
    if kind == "slack":
        return HttpRequest(secrets.url or "", _json(slack_document(config, event)), JSON)
    if kind == "teams":
        return HttpRequest(secrets.url or "", _json(teams_document(config, event)), JSON)
    if kind == "discord":
        return HttpRequest(secrets.url or "", _json(discord_document(config, event)), JSON)
    if kind == "google_chat":
        url = _with_query(secrets.url or "", "messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        return HttpRequest(url, _json(google_chat_document(config, event)), JSON)
    if kind == "telegram":
        document: dict[str, object] = {"chat_id": channel.chat_id, "text": plain_text(config, event, 4096),
                    "disable_web_page_preview": True}
        return HttpRequest(f"{channel.api_url}/bot{secrets.token}/sendMessage", _json(document), JSON)
    if kind == "ntfy":
        # JSON publishing (to the server root, naming the topic) carries UTF-8 titles safely.
        parts = urlsplit(secrets.url or "")
        document = {"topic": parts.path.strip("/"), "title": _cut(headline(event), 250),
                    "message": plain_text(config, event, 4000).split("\n\n", 1)[1],
                    "click": event_url(config, event), "tags": [_ntfy_tag(event)],
                    "priority": 4 if severity(event) in (Impact.CRITICAL, Impact.MAJOR) else 3}
        headers = JSON + ((("Authorization", f"Bearer {secrets.token}"),) if secrets.token else ())
        return HttpRequest(urlunsplit(parts._replace(path="/", query="")), _json(document), headers)
    if kind == "mastodon":
        document = {"status": plain_text(config, event, 500), "visibility": channel.visibility}
        headers = JSON + (("Authorization", f"Bearer {secrets.token}"), ("Idempotency-Key", message.id))
        return HttpRequest(f"{(channel.instance or '').rstrip('/')}/api/v1/statuses", _json(document), headers)
    raise ValueError(f"no HTTP format for {kind}")


def _ntfy_tag(event: Event) -> str:
    return {"over": "white_check_mark", "maintenance": "wrench"}.get(severity(event), "warning")
