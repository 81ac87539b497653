"""Rendering: (config, content, state) -> {site path: bytes}. Each output kind is one module."""

from __future__ import annotations

from dataclasses import dataclass

from statusgen.config import Config
from statusgen.errors import Problem, StatusgenError
from statusgen.model import Content
from statusgen.state import SiteState


@dataclass(frozen=True)
class RenderContext:
    config: Config
    content: Content
    state: SiteState


def _renderers():
    # Imported here so that each module can be worked on (and fail to import) on its own.
    from statusgen.render import html

    renderers = [html.render_pages]
    for name in ("feeds", "calendar", "api", "badges"):
        try:
            module = __import__(f"statusgen.render.{name}", fromlist=["render"])
        except ModuleNotFoundError as exc:
            if exc.name != f"statusgen.render.{name}":
                raise
            continue
        renderers.append(module.render)
    return renderers


def render_site(config: Config, content: Content, state: SiteState) -> dict[str, bytes]:
    """Every output file of the site. Two outputs to one path is an error, never an overwrite."""
    context = RenderContext(config, content, state)
    outputs: dict[str, bytes] = {}
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
