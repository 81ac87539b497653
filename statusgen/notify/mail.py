"""The email for one event: to a mailing list, plain text and HTML, one thread per notice.

The first update of a notice is the thread's root (Message-ID <slug@host>); every later
update and reminder answers it (In-Reply-To / References), so mail clients group a whole
incident. List-Unsubscribe points at the list's own address: the list, not statusgen, keeps
the subscribers.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from urllib.parse import urlparse

from markupsafe import Markup

from statusgen.config import Channel, Config
from statusgen.notify.formats import affected_text, body_text, event_url, headline, status_label
from statusgen.notify.plan import Message
from statusgen.render.markdown import render_markdown

HTML = Markup("""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; max-width: 40em">
<h1 style="font-size: 1.25em">{title}</h1>
{body}
{affected}<p><a href="{url}">View on {site}</a></p>
<hr><p style="font-size: 0.875em; color: #555">{site} &middot; <a href="{home}">{home}</a><br>
To unsubscribe, write to <a href="{unsubscribe}">{unsubscribe_text}</a>.</p>
</body></html>
""")


def unsubscribe_address(channel: Channel) -> str:
    return channel.unsubscribe or f"mailto:{channel.to[0]}?subject=unsubscribe"


def email_message(config: Config, channel: Channel, message: Message, sent_at: datetime) -> EmailMessage:
    event = message.event
    host = urlparse(config.site.base_url).hostname or "statusgen.invalid"
    title, url, affected = headline(event), event_url(config, event), affected_text(config, event)
    unsubscribe = unsubscribe_address(channel)
    mail = EmailMessage()
    mail["Subject"] = f"[{config.site.title}] {'[Test] ' if event.test else ''}{event.notice.title}: " \
                      f"{status_label(event)}"
    mail["From"] = formataddr((config.site.title, channel.sender or ""))
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = format_datetime(sent_at)
    root = f"<{event.notice.slug}@{host}>"
    if event.index == 0 and not event.test:
        mail["Message-ID"] = root
    else:
        mail["Message-ID"] = f"<{message.id}@{host}>"
        if not event.test:
            mail["In-Reply-To"] = root
            mail["References"] = root
    mail["List-Unsubscribe"] = f"<{unsubscribe}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Statusgen-Delivery"] = message.id
    text = body_text(config, event)
    plain = [title, "", text, ""]
    if affected:
        plain += [f"Affected: {affected}", ""]
    plain += [url, "", "-- ", f"{config.site.title}: {config.site.base_url}",
              f"To unsubscribe, write to {unsubscribe.removeprefix('mailto:').split('?')[0]}"]
    mail.set_content("\n".join(plain) + "\n")
    mail.add_alternative(str(HTML.format(
        lang=config.site.language, title=title, body=render_markdown(text),
        affected=Markup("<p><strong>Affected:</strong> {}</p>\n").format(affected) if affected else "",
        url=url, site=config.site.title, home=config.site.base_url, unsubscribe=unsubscribe,
        unsubscribe_text=unsubscribe.removeprefix("mailto:").split("?")[0],
    )), subtype="html")
    return mail

