"""The theme's static files: the stylesheet and script, fingerprinted, and the favicon."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from jinja2 import Environment, TemplateNotFound

from statusgen.render.environment import template_source
from statusgen.vocabulary import SCRIPT_VOCABULARY_MARKER, script_vocabulary_json


@dataclass(frozen=True)
class Asset:
    path: str  # site-relative, fingerprinted
    data: bytes


def fingerprinted(name: str, data: bytes) -> Asset:
    """assets/<stem>.<hash>.<ext>: a new name whenever the content changes, so caches never go stale."""
    stem, _, ext = name.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:12]
    return Asset(f"assets/{stem}.{digest}.{ext}", data)


def theme_assets(env: Environment) -> tuple[Asset, Asset]:
    """The stylesheet and script, each overridable as templates/static/<name>.

    templates/static/custom.css, if present, is appended to the stylesheet: the simple way to
    change a colour without copying the whole file.
    """
    css = _static_source(env, "style.css")
    try:
        css += "\n" + _static_source(env, "custom.css")
    except TemplateNotFound:
        pass
    js = _static_source(env, "statusgen.js").replace(SCRIPT_VOCABULARY_MARKER, script_vocabulary_json())
    return fingerprinted("style.css", css.encode()), fingerprinted("statusgen.js", js.encode())


def static_file(env: Environment, name: str) -> bytes:
    return _static_source(env, name).encode()


def _static_source(env: Environment, name: str) -> str:
    return template_source(env, f"static/{name}")[0]

