"""Rendering: (config, content, state) -> {site path: bytes}. Each output kind is one module."""

from __future__ import annotations

from dataclasses import dataclass, field

from statusgen.cache import Memo
from statusgen.config import Config
from statusgen.errors import Problem, StatusgenError
from statusgen.model import Content
from statusgen.render.pages import PendingPage
from statusgen.state import SiteState


@dataclass(frozen=True)
class RenderContext:
    config: Config
    content: Content
    state: SiteState
    memo: Memo = field(default_factory=Memo)  # results of the previous build, by input digest


def render_pages(context: RenderContext) -> dict[str, bytes | PendingPage]:
    """The HTML site: its pages pending (rendered when needed, maybe in parallel), assets as bytes."""
    from statusgen.render import html

    return html.render_pages(context)


def render_files(context: RenderContext) -> dict[str, bytes]:
    """Feeds, calendars, the JSON API and badges."""
    from statusgen.render import api, badges, calendar, embed, feeds

    outputs: dict[str, bytes] = {}
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
