"""The CLI run as a real process: for tests about concurrency, and about inputs that could hang
or exhaust memory (the process is bounded in time and memory, so a regression fails the test
instead of stalling the suite)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 2 * 1024**3


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "statusgen", *args]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(command(*args), cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_limit_memory)


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `statusgen ARGS`; raises subprocess.TimeoutExpired (failing the test) if it hangs."""
    return subprocess.run(command(*args), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_limit_memory)
