"""Every command documents itself with an `Example:` block (datasette's convention)."""

from __future__ import annotations

import click
from click.testing import CliRunner

from statusgen.cli import cli


def all_commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_every_command_has_an_example_in_its_help():
    commands = list(all_commands(cli))
    assert {" ".join(path) for path, _ in commands} >= {
        "init", "new", "new incident", "new maintenance", "update", "resolve", "check", "build", "serve"}
    missing = []
    for path, command in commands:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, result.output
        after = result.output.partition("Example:")[2]
        if "statusgen " + path[0] not in after:
            missing.append(" ".join(path))
    assert missing == [], f"commands whose --help lacks an 'Example:' block running them: {missing}"
