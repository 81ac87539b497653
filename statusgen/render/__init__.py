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


def _renderers():
    from statusgen.render import api, badges, calendar, feeds, html

    return [html.render_pages, feeds.render, calendar.render, api.render, badges.render]


def render_site(config: Config, content: Content, state: SiteState,
                memo: Memo | None = None) -> dict[str, bytes | PendingPage]:
    """Every output file of the site, as bytes or as a page to render when it is needed.

    Two outputs to one path is an error, never an overwrite."""
    context = RenderContext(config, content, state, memo or Memo())
    outputs: dict[str, bytes | PendingPage] = {}
    clashes = []
    for renderer in _renderers():
        for path, data in renderer(context).items():
            if path in outputs:
                clashes.append(path)
            outputs[path] = data
    if clashes:
        raise StatusgenError([Problem("site", path, "two outputs would be written to this path; "
                                      "expected each page, feed and file to have its own path")
                              for path in sorted(set(clashes))])
    return outputs
