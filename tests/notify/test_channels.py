"""Slack, Teams, Discord, Google Chat, Telegram, ntfy and Mastodon on a loopback receiver:
one message each, in the service's own format, validated against its published schema where a
package ships one (Adaptive Cards) and against the documented required fields and limits
otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import adaptive_cards
import jsonschema
import pytest

from tests.notify.conftest import channel
from tests.notify.test_webhook import INCIDENT

TOKEN = "tok-9f8e7d-NeverPrintMe"
SLUG = "2026-11-20-api-errors"
DELIVERY = f"{SLUG}-20261120T151000Z"

# Slack's documented Block Kit rules for the blocks statusgen sends (api.slack.com/reference/block-kit).
TEXT = {"type": "object", "required": ["type", "text"],
        "properties": {"type": {"enum": ["plain_text", "mrkdwn"]}, "text": {"type": "string", "minLength": 1}}}
SLACK_SCHEMA = {
    "type": "object", "required": ["text", "blocks"],
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "blocks": {"type": "array", "maxItems": 50, "items": {"oneOf": [
            {"type": "object", "required": ["type", "text"], "additionalProperties": False,
             "properties": {"type": {"const": "header"},
                            "text": {**TEXT, "properties": {"type": {"const": "plain_text"},
                                                            "text": {"type": "string", "maxLength": 150},
                                                            "emoji": {"type": "boolean"}}}}},
            {"type": "object", "required": ["type", "text"], "additionalProperties": False,
             "properties": {"type": {"const": "section"},
                            "text": {**TEXT, "properties": {"type": {"enum": ["plain_text", "mrkdwn"]},
                                                            "text": {"type": "string", "maxLength": 3000}}}}},
            {"type": "object", "required": ["type", "elements"], "additionalProperties": False,
             "properties": {"type": {"const": "context"},
                            "elements": {"type": "array", "minItems": 1, "maxItems": 10, "items": TEXT}}},
        ]}},
    },
}
# Discord's documented embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits).
DISCORD_SCHEMA = {
    "type": "object", "required": ["embeds"],
    "properties": {
        "username": {"type": "string", "maxLength": 80},
        "embeds": {"type": "array", "minItems": 1, "maxItems": 10, "items": {
            "type": "object", "required": ["title", "description"],
            "properties": {
                "title": {"type": "string", "maxLength": 256}, "description": {"type": "string", "maxLength": 4096},
                "url": {"type": "string", "format": "uri"}, "color": {"type": "integer", "minimum": 0,
                                                                      "maximum": 0xFFFFFF},
                "timestamp": {"type": "string"},
                "footer": {"type": "object", "required": ["text"],
                           "properties": {"text": {"type": "string", "maxLength": 2048}}},
                "fields": {"type": "array", "maxItems": 25, "items": {
                    "type": "object", "required": ["name", "value"],
                    "properties": {"name": {"type": "string", "maxLength": 256},
                                   "value": {"type": "string", "maxLength": 1024}}}}}}},
        "allowed_mentions": {"type": "object"},
    },
}


def adaptive_card_schema() -> dict:
    path = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.4.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def chats(nrepo, receiver):
    url = receiver.url
    nrepo.env.update(SLACK_URL=f"{url}/slack", TEAMS_URL=f"{url}/teams", DISCORD_URL=f"{url}/discord",
                     CHAT_URL=f"{url}/chat?key=k1&token=t1", TG_TOKEN=TOKEN, NTFY_URL=f"{url}/status-alerts",
                     NTFY_TOKEN=TOKEN, TOOT_TOKEN=TOKEN)
    nrepo.configure(
        channel("slack", "slack", url_env="SLACK_URL"),
        channel("teams", "teams", url_env="TEAMS_URL"),
        channel("discord", "discord", url_env="DISCORD_URL"),
        channel("chat", "google_chat", url_env="CHAT_URL"),
        channel("telegram", "telegram", token_env="TG_TOKEN", chat_id="-1001234567890", api_url=f"{url}/tg"),
        channel("ntfy", "ntfy", url_env="NTFY_URL", token_env="NTFY_TOKEN"),
        channel("toot", "mastodon", instance=f"{url}/mastodon", token_env="TOOT_TOKEN", visibility="unlisted"),
    )
    nrepo.incident(SLUG, INCIDENT)
    assert nrepo.notify().exit_code == 0
    assert receiver.requests == []
    result = nrepo.run("update", SLUG, "--root", str(nrepo.root), "--status", "identified",
                       "--message", "A bad deploy <v2.3>; rolling back & watching.", "--at", "2026-11-20T15:10:00Z")
    assert result.exit_code == 0
    nrepo.build("2026-11-20T15:20:00Z")
    notified = nrepo.notify(now="2026-11-20T15:20:00Z")
    assert notified.exit_code == 0, notified.output
    assert TOKEN not in notified.output and url not in notified.output
    return receiver


def one(receiver, path):
    got = receiver.at(path)
    assert len(got) == 1, [r.path for r in receiver.requests]
    assert got[0].headers["Content-Type"].startswith("application/json")
    return got[0]


def test_each_chat_service_gets_exactly_one_message(chats):
    assert len(chats.requests) == 7


def test_slack_block_kit(chats):
    document = one(chats, "/slack").json()
    jsonschema.validate(document, SLACK_SCHEMA)
    assert document["blocks"][0]["text"]["text"] == "Identified: Elevated API errors"
    # mrkdwn needs &, < and > escaped; the link uses Slack's <url|text> form
    assert document["blocks"][1]["text"]["text"] == "A bad deploy &lt;v2.3&gt;; rolling back &amp; watching."
    context = document["blocks"][2]["elements"][0]["text"]
    assert f"<https://status.test.example/incidents/{SLUG}/#update-20261120T151000Z|View on Test Status>" in context


def test_teams_adaptive_card_validates_against_the_published_schema(chats):
    document = one(chats, "/teams").json()
    assert document["type"] == "message"
    [attachment] = document["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    jsonschema.Draft6Validator(adaptive_card_schema()).validate(card)
    assert card["body"][0]["text"] == "Identified: Elevated API errors"
    assert card["actions"][0]["url"].startswith(f"https://status.test.example/incidents/{SLUG}/")


def test_adaptive_card_schema_rejects_a_broken_card():
    validator = jsonschema.Draft6Validator(adaptive_card_schema())
    assert not validator.is_valid({"type": "AdaptiveCard", "version": "1.4",
                                   "body": [{"type": "TextBlock", "text": "x", "wrap": "yes"}]})


def test_discord_embed(chats):
    document = one(chats, "/discord").json()
    jsonschema.validate(document, DISCORD_SCHEMA)
    embed = document["embeds"][0]
    assert embed["title"] == "Identified: Elevated API errors"
    assert embed["timestamp"] == "2026-11-20T15:10:00Z"
    assert document["allowed_mentions"] == {"parse": []}  # an update can never ping @everyone
    assert embed["fields"][0]["value"] == "API"


def test_google_chat_threads_per_incident(chats):
    got = one(chats, "/chat")
    query = parse_qs(urlsplit(got.path).query)
    assert query["messageReplyOption"] == ["REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"]
    assert query["key"] == ["k1"] and query["token"] == ["t1"]
    document = got.json()
    assert document["thread"] == {"threadKey": SLUG}
    assert document["text"].startswith("Identified: Elevated API errors\n\nA bad deploy <v2.3>")


def test_telegram_send_message(chats):
    got = one(chats, f"/tg/bot{TOKEN}/sendMessage")
    document = got.json()
    assert document["chat_id"] == "-1001234567890"
    assert document["text"].startswith("Identified: Elevated API errors")
    assert len(document["text"]) <= 4096 and "parse_mode" not in document


def test_ntfy_json_publish(chats):
    got = one(chats, "/")
    assert got.headers["Authorization"] == f"Bearer {TOKEN}"
    document = got.json()
    assert document["topic"] == "status-alerts"
    assert document["title"] == "Identified: Elevated API errors"
    assert document["click"] == f"https://status.test.example/incidents/{SLUG}/#update-20261120T151000Z"
    assert document["message"].startswith("A bad deploy")


def test_mastodon_status_post(chats):
    got = one(chats, "/mastodon/api/v1/statuses")
    assert got.headers["Authorization"] == f"Bearer {TOKEN}"
    assert got.headers["Idempotency-Key"] == DELIVERY
    document = got.json()
    assert document["visibility"] == "unlisted"
    assert len(document["status"]) <= 500
    assert document["status"].endswith(f"https://status.test.example/incidents/{SLUG}/#update-20261120T151000Z")


def test_long_update_is_cut_to_the_mastodon_limit(nrepo, receiver):
    nrepo.env.update(TOOT_TOKEN=TOKEN)
    nrepo.configure(channel("toot", "mastodon", instance=f"{receiver.url}/m", token_env="TOOT_TOKEN"))
    nrepo.incident(SLUG, INCIDENT)
    assert nrepo.notify("--since", "2026-11-20T00:00:00Z").exit_code == 0
    nrepo.run("update", SLUG, "--root", str(nrepo.root), "--status", "monitoring", "--message", "word " * 400,
              "--at", "2026-11-20T15:10:00Z")
    assert nrepo.notify(now="2026-11-20T15:20:00Z").exit_code == 0
    statuses = [r.json()["status"] for r in receiver.at("/m/api/v1/statuses")]
    assert len(statuses) == 2 and all(len(s) <= 500 for s in statuses)
    assert "…" in statuses[1] and statuses[1].endswith("#update-20261120T151000Z")


def test_slack_is_paced_to_one_message_a_second(nrepo, receiver, no_waiting):
    nrepo.env.update(SLACK_URL=f"{receiver.url}/slack")
    nrepo.configure(channel("slack", "slack", url_env="SLACK_URL"))
    nrepo.incident(SLUG, INCIDENT)
    assert nrepo.notify().exit_code == 0
    for minute in ("05", "10", "15"):
        nrepo.run("update", SLUG, "--root", str(nrepo.root), "--status", "monitoring", "--message", f"m{minute}",
                  "--at", f"2026-11-20T15:{minute}:00Z")
    assert nrepo.notify(now="2026-11-20T15:20:00Z").exit_code == 0
    texts = [r.json()["blocks"][1]["text"]["text"] for r in receiver.at("/slack")]
    assert texts == ["m05", "m10", "m15"]  # oldest first
    assert len(no_waiting) == 2 and all(0.5 < w <= 1.0 for w in no_waiting)
