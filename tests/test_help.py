"""Every command documents itself with an `Example:` block (datasette's convention), and every
example is a command line that statusgen itself accepts."""

from __future__ import annotations

import shlex
import warnings

import click
from click.testing import CliRunner

from statusgen.cli import cli


def all_commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def example_invocations(help_text: str) -> list[list[str]]:
    """The `statusgen ...` command lines of the Example: block, continuation lines joined."""
    example = help_text.partition("Example:")[2].split("\n\n\n")[0]
    example = example.split("Options:")[0].replace("\\\n", " ")
    invocations = []
    for line in example.splitlines():
        for part in line.split("&&"):
            words = shlex.split(part)
            if words and words[0] == "statusgen":
                invocations.append(words[1:])
    return invocations


def parses(args: list[str]) -> None:
    """Parse like `statusgen ARGS` would, down to the last subcommand, without running it."""
    command: click.Command = cli
    ctx = cli.make_context("statusgen", list(args))
    while isinstance(command, click.Group):
        with warnings.catch_warnings():  # click 8.2 deprecates protected_args; 9.0 folds it into args
            warnings.simplefilter("ignore", DeprecationWarning)
            remaining = [*ctx.protected_args, *ctx.args]
        name, command, rest = command.resolve_command(ctx, remaining)
        ctx = command.make_context(name, rest, parent=ctx)


def test_every_command_has_an_example_that_parses():
    commands = list(all_commands(cli))
    assert {" ".join(path) for path, _ in commands} >= {
        "init", "new", "new incident", "new maintenance", "update", "resolve", "check", "build", "serve"}
    missing = []
    for path, _command in commands:
        result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        invocations = example_invocations(result.output)
        if not any(i[:len(path)] == list(path) for i in invocations):
            missing.append(" ".join(path))
        for invocation in invocations:
            parses(invocation)
    assert missing == [], f"commands whose --help lacks an 'Example:' block running them: {missing}"


def test_a_wrong_example_would_be_caught():
    import pytest

    with pytest.raises(click.UsageError):
        parses(["update", "some-slug", "--statuss", "resolved", "--message", "x"])
