"""User-facing errors: every problem of a run, each naming file, field, value and expectation."""

from __future__ import annotations

from dataclasses import dataclass

# A message quoting a huge value is cut in the middle: what was found starts it, what is
# expected ends it, and a terminal is never flooded.
MAX_MESSAGE = 1000


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{_bounded(where, 200)}: {_bounded(self.message, MAX_MESSAGE)}"


def _bounded(text: str, limit: int) -> str:
    # A control character from the input (an escape sequence, a line break in a YAML key) is
    # shown escaped: it must not repaint the terminal or forge another line of the report.
    if not text.isprintable():
        text = "".join(char if char.isprintable() or char == " " else ascii(char)[1:-1] for char in text)
    if len(text) <= limit:
        return text
    keep = (limit - 40) // 2
    return f"{text[:keep]} … [{len(text) - 2 * keep:,} characters left out] … {text[-keep:]}"


class StatusgenError(Exception):
    """A user error: shown as text, exit code 1, never a traceback."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", "", problems)]
        self.problems = list(problems)
        super().__init__("\n".join(str(p).lstrip(": ") for p in self.problems))


class Problems:
    """Collects problems so a run can report all of them at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str, field: str, message: str) -> None:
        self.items.append(Problem(file, field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise StatusgenError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
