"""What every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from statusgen.cache import Memo
from statusgen.config import Config
from statusgen.model import Content
from statusgen.state import SiteState


@dataclass(frozen=True)
class RenderContext:
    config: Config
    content: Content
    state: SiteState
    memo: Memo = field(default_factory=Memo)  # results of the previous build, by input digest
