"""docs/notify.md is executed: every statusgen.toml example in it is valid, and every channel
kind and option it documents exists."""

from __future__ import annotations

import re

from statusgen.config import load_config
from statusgen.notify.config import KINDS
from tests.conftest import MINIMAL_CONFIG, PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "notify.md").read_text(encoding="utf-8")
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", DOC, re.S)


def test_every_channel_example_is_valid(repo):
    channels = [block for block in TOML_BLOCKS if "[[notify]]" in block]
    assert {re.search(r'kind = "(\w+)"', block).group(1) for block in channels} == set(KINDS)
    repo.write("statusgen.toml", MINIMAL_CONFIG + "\n" + "\n".join(channels))
    config = load_config(repo.root)
    assert len(config.notify) == len(KINDS)


def test_site_example_is_valid(repo):
    [site] = [block for block in TOML_BLOCKS if "[site]" in block]
    rest = MINIMAL_CONFIG.split("[[groups]]", 1)[1]
    repo.write("statusgen.toml", site + "\n[[groups]]" + rest)
    config = load_config(repo.root)
    assert [r.label for r in config.site.remind_before] == ["24h", "1h"]
    assert config.site.websub_hub == "https://pubsubhubbub.appspot.com/"


def test_documented_options_exist(repo):
    result = repo.run("notify", "--help")
    for option in re.findall(r"^\| `(--[a-z-]+)", DOC, re.M):
        assert option in result.output, option
