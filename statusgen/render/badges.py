"""Status badges: SVG images and shields.io endpoint JSON, overall and per component.

The SVGs need no font download: they name common system fonts, and `textLength` makes the
text fit the computed box whichever font the viewer has. Every colour carries white text at a
contrast of at least 4.5:1, and the status is always written out, never shown by colour alone.
"""

from __future__ import annotations

import json
import unicodedata

from markupsafe import escape

from statusgen.i18n import SOURCE_LANGUAGE, resolve_language, translations
from statusgen.vocabulary import INDICATOR_DESCRIPTIONS, STATUS_LABELS, ComponentStatus, Indicator

LABEL_COLOUR = "#555555"
STATUS_COLOURS: dict[str, str] = {
    ComponentStatus.OPERATIONAL: "#1a7f37",
    ComponentStatus.DEGRADED_PERFORMANCE: "#8a5a00",
    ComponentStatus.PARTIAL_OUTAGE: "#b04500",
    ComponentStatus.MAJOR_OUTAGE: "#c4161c",
    ComponentStatus.UNDER_MAINTENANCE: "#0860c4",
}
INDICATOR_STATUS: dict[str, str] = {
    Indicator.NONE: ComponentStatus.OPERATIONAL,
    Indicator.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Indicator.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Indicator.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
    Indicator.MAINTENANCE: ComponentStatus.UNDER_MAINTENANCE,
}
# shields.io's own colour names, which its users know
SHIELDS_COLOURS: dict[str, str] = {
    ComponentStatus.OPERATIONAL: "brightgreen",
    ComponentStatus.DEGRADED_PERFORMANCE: "yellow",
    ComponentStatus.PARTIAL_OUTAGE: "orange",
    ComponentStatus.MAJOR_OUTAGE: "red",
    ComponentStatus.UNDER_MAINTENANCE: "blue",
}
# Approximate advance widths of Verdana at 11px; textLength corrects the rest.
_NARROW, _WIDE = set("fijlrt.,:;'!|()[] "), set("mwMW@%")


def text_width(text: str) -> int:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 4.0
        elif char in _WIDE:
            width += 10.5
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            width += 11.0
        elif char.isupper() or char.isdigit():
            width += 7.5
        else:
            width += 6.6
    return round(width)


def badge_svg(label: str, message: str, colour: str) -> bytes:
    label_text, message_text = round(text_width(label)), round(text_width(message))
    label_box, message_box = label_text + 12, message_text + 12
    total = label_box + message_box
    title = escape(f"{label}: {message}")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" '
        f'viewBox="0 0 {total} 20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{label_box}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{label_box}" width="{message_box}" height="20" fill="{colour}"/>'
        f'<g fill="#ffffff" text-anchor="middle" '
        f'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_box / 2:g}" y="14" textLength="{label_text}" '
        f'lengthAdjust="spacingAndGlyphs">{escape(label)}</text>'
        f'<text x="{label_box + message_box / 2:g}" y="14" textLength="{message_text}" '
        f'lengthAdjust="spacingAndGlyphs">{escape(message)}</text>'
        "</g></svg>\n"
    )
    return svg.encode("utf-8")


def endpoint_json(label: str, message: str, status: str) -> bytes:
    document = {"schemaVersion": 1, "label": label, "message": message,
                "color": SHIELDS_COLOURS[status], "cacheSeconds": 300}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def badge_files(name: str, label: str, message: str, status: str) -> dict[str, bytes]:
    return {
        f"badges/{name}.svg": badge_svg(label, message, STATUS_COLOURS[status]),
        f"badges/{name}.json": endpoint_json(label, message, status),
    }


def render(context) -> dict[str, bytes]:
    config, state = context.config, context.state
    language = resolve_language(config.site.language, config.root)
    gettext = translations(language).gettext

    def message(label: str) -> str:
        # shields.io's lower case suits English; elsewhere (German nouns, for one) it is wrong.
        return label.lower() if language.code == SOURCE_LANGUAGE else gettext(label)

    outputs = badge_files("status", gettext("status"), message(INDICATOR_DESCRIPTIONS[state.indicator]),
                          INDICATOR_STATUS[state.indicator])
    for component in config.components:
        status = state.component_status[component.id]
        outputs.update(badge_files(component.id, component.name, message(STATUS_LABELS[status]), status))
    return outputs
