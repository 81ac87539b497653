"""Everything but the HTML pages, and one {path: output} for the whole site."""

from __future__ import annotations

from statusgen.errors import Problem, StatusgenError
from statusgen.render.context import RenderContext
from statusgen.render.pages import PendingPage


def render_files(context: RenderContext) -> dict[str, bytes | PendingPage]:
    """Feeds (pending: statusgen.build keeps the files on disk whose keys match), calendars,
    the JSON API, badges and the embed script."""
    # Imported here, not with the module: a rebuild's helper process loads these (and feedgen,
    # icalendar, lxml) while the build renders pages, instead of the build loading them at start.
    from statusgen.render import api, badges, calendar, embed, feeds
    outputs: dict[str, bytes | PendingPage] = {}
    for renderer in (feeds.render, calendar.render, api.render, badges.render, embed.render):
        outputs = merge_outputs(outputs, renderer(context))
    return outputs


def merge_outputs(*parts: dict) -> dict:
    """One {path: output} for the whole site. Two outputs to one path is an error, never an overwrite."""
    outputs: dict = {}
    clashes = []
    for part in parts:
        for path, data in part.items():
            if path in outputs:
                clashes.append(path)
            outputs[path] = data
    if clashes:
        raise StatusgenError([Problem("site", path, "two outputs would be written to this path; "
                                      "expected each page, feed and file to have its own path")
                              for path in sorted(set(clashes))])
    return outputs
