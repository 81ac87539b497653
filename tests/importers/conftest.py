"""Helpers for the importer tests: empty repositories, reading written files back with real parsers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import Repo

FIXTURES = Path(__file__).resolve().parent / "fixtures"


class ImportRepo(Repo):
    def import_(self, *args: str):
        return self.run("import", *args, "--root", str(self.root))

    def config(self) -> dict:
        return tomllib.loads((self.root / "statusgen.toml").read_text(encoding="utf-8"))

    def notice(self, slug: str) -> tuple[dict, str]:
        """(front matter, body) of incidents/<slug>.md, parsed with PyYAML."""
        text = (self.root / "incidents" / f"{slug}.md").read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        return yaml.load(front, Loader=yaml.BaseLoader), body.strip()

    def files(self) -> dict[str, bytes]:
        return {p.relative_to(self.root).as_posix(): p.read_bytes()
                for p in sorted(self.root.rglob("*")) if p.is_file() and "site" not in p.parts}

    def check(self):
        result = self.run("check", "--root", str(self.root))
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def empty(tmp_path: Path) -> ImportRepo:
    root = tmp_path / "imported"
    root.mkdir()
    return ImportRepo(root)
