"""embed/status.js: a script any page can include to show the current status (Statuspage's
status-embed, without its API call). The status is written into the script at build time, so
the embedding page makes one request, to a script, and needs no CORS."""

from __future__ import annotations

import json

from statusgen.i18n import resolve_language, translations
from statusgen.render.assets import static_file
from statusgen.render.environment import environment, override_dir
from statusgen.render.notices import published_updates
from statusgen.vocabulary import INDICATOR_ICONS, MAINTENANCE_STATE_LABELS, UPDATE_LABELS, MaintenanceState

PLACEHOLDER = "/*DATA*/"


def embed_data(config, state, gettext=lambda text: text) -> dict:
    notices = [{"name": i.title, "path": f"incidents/{i.slug}/",
                "status": gettext(UPDATE_LABELS[(published_updates(i, state.now) or i.updates)[-1].status])}
               for i in state.active_incidents]
    notices += [{"name": m.title, "path": f"incidents/{m.slug}/",
                 "status": gettext(MAINTENANCE_STATE_LABELS[MaintenanceState.IN_PROGRESS])} for m in state.maintenance_in_progress]
    return {"indicator": state.indicator, "description": gettext(state.indicator_description),
            "icon": INDICATOR_ICONS[state.indicator], "url": config.site.base_url, "notices": notices}


def render(context) -> dict[str, bytes]:
    config, state = context.config, context.state
    source = static_file(environment(override_dir(config.root)), "embed.js").decode("utf-8")
    gettext = translations(resolve_language(config.site.language, config.root)).gettext
    data = json.dumps(embed_data(config, state, gettext), ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    # "</" cannot end a script element when the file is inlined somewhere; ensure_ascii keeps the rest plain
    return {"embed/status.js": source.replace(PLACEHOLDER, data.replace("</", "<\\/"), 1).encode("utf-8")}
