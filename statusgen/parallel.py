"""Spreading independent work over the machine's cores with forked worker processes.

Forked workers start with a copy of this process's memory, so the work list is handed to each
worker as it starts (a fork copies it; nothing is pickled) and only indices go to the workers;
results come back pickled. Small jobs stay in this process: a pool costs more than it saves on them.
"""

from __future__ import annotations

import gc
import mmap
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import Connection

_worker_work: list[Callable[[], object]] = []  # set in worker processes only, as each starts


def _adopt(work: list[Callable[[], object]]) -> None:
    global _worker_work
    _worker_work = work
    gc.enable()  # the parent may have paused collection for its own long-lived objects


def _run_range(bounds: tuple[int, int]) -> list:
    start, end = bounds
    return [_worker_work[i]() for i in range(start, end)]


def can_fork(jobs: int | None, count: int, threshold: int) -> int:
    """How many worker processes to use for `count` items (0: none, work here)."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or count < threshold or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return jobs


class ForkedMap:
    """Calls every function of `work`; started on entering the `with` block so the caller can do
    other work meanwhile; `results()` returns their values in order."""

    def __init__(self, work: Sequence[Callable[[], object]], jobs: int | None, threshold: int):
        self.work = list(work)
        self.jobs = can_fork(jobs, len(self.work), threshold)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[Future] = []

    def __enter__(self) -> ForkedMap:
        if self.jobs:
            size = max(1, len(self.work) // (self.jobs * 8))
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_adopt, initargs=(self.work,))
            self.futures = [self.pool.submit(_run_range, (i, min(i + size, len(self.work))))
                            for i in range(0, len(self.work), size)]
        return self

    def iter_results(self) -> Iterator:
        """The values in order, each as soon as it (and those before it) are done."""
        if self.jobs:
            while self.futures:
                # Let go of each batch once given out: a site's pages are not all kept in memory.
                yield from self.futures.pop(0).result()
        else:
            for function in self.work:
                yield function()

    def results(self) -> list:
        return list(self.iter_results())

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def forked_map(work: Sequence[Callable[[], object]], jobs: int | None = None, threshold: int = 400) -> list:
    with ForkedMap(work, jobs, threshold) as mapped:
        return mapped.results()


class ForkedCall:
    """Calls `function(tell)` in one forked process, started on entering the `with` block, while
    the caller goes on. The function may call `tell(value)` before it returns, to hand values
    over early: `told(n)` waits for the n-th. `ready()` says whether the function's own value
    has come; `result()` waits for it (or raises what the call raised). Both raise EOFError when
    the process died first. Leaving the block stops the process if it is still working.

    A large value comes through memory the two processes share (mapped before the fork, taking
    room only where written), not through the pipe, where every 64 KiB waits for the other
    process to read it."""

    SHARED = 512 << 20  # bytes of address space; a value that does not fit goes through the pipe

    def __init__(self, function: Callable[[Callable[[object], None]], object]):
        self.function = function
        self.process: multiprocessing.process.BaseProcess | None = None
        self.receiving: Connection | None = None
        self.shared: mmap.mmap | None = None
        self._told: list = []  # the values told, as they come
        self._outcome: tuple | None = None  # (value, error), once it has come

    def __enter__(self) -> ForkedCall:
        context = multiprocessing.get_context("fork")
        try:
            self.shared = mmap.mmap(-1, self.SHARED)
        except OSError:  # no room for the mapping (strict overcommit): everything goes through the pipe
            self.shared = None
        self.receiving, sending = context.Pipe(duplex=False)
        self.process = context.Process(target=_call_and_send, args=(self.function, sending, self.shared),
                                       daemon=True)
        self.process.start()
        sending.close()
        return self

    def _receive(self) -> None:
        assert self.receiving is not None, "enter the `with` block first"
        kind, how, content = self.receiving.recv()
        if how == "shared":  # (offset, length) in the shared memory
            assert self.shared is not None, "only sent when there is shared memory"
            offset, length = content
            with memoryview(self.shared) as shared:
                value, error = pickle.loads(shared[offset:offset + length])
        else:
            value, error = pickle.loads(content)
        if kind == "told":
            self._told.append(value)
        else:
            self._outcome = (value, error)

    def told(self, index: int = 0):
        """The value told `index`-th (from 0)."""
        while len(self._told) <= index:
            if self._outcome is not None:
                raise EOFError("the call returned without telling that much")
            self._receive()
        return self._told[index]

    def ready(self) -> bool:
        assert self.receiving is not None, "enter the `with` block first"
        while self._outcome is None and self.receiving.poll():
            self._receive()
        return self._outcome is not None

    def result(self):
        while self._outcome is None:
            self._receive()
        value, error = self._outcome
        if error is not None:
            raise error
        return value

    def __exit__(self, *exc) -> None:
        if self.receiving is not None:
            self.receiving.close()
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
        if self.shared is not None:
            self.shared.close()


def _call_and_send(function: Callable, sending, shared: mmap.mmap | None) -> None:
    gc.enable()  # the parent may have paused collection for its own long-lived objects
    # One thread sends what is told, in order, while the function goes on (the caller may read
    # it only later on); then the function's own value.
    messages: queue.SimpleQueue = queue.SimpleQueue()
    free = [0]  # the start of the shared memory not written yet

    def send(kind: str, value, error) -> None:
        data = pickle.dumps((value, error), protocol=5)
        if shared is not None and LARGE <= len(data) <= len(shared) - free[0]:
            shared[free[0]:free[0] + len(data)] = data
            sending.send((kind, "shared", (free[0], len(data))))
            free[0] += len(data)
        else:
            sending.send((kind, "sent", data))

    def sender() -> None:
        while (message := messages.get()) is not _DONE:
            try:
                send("told", message, None)
            except (BrokenPipeError, OSError):
                return  # the caller went on without it

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    outcome: tuple[object, Exception | None]
    try:
        outcome = (function(messages.put), None)
    except Exception as exc:
        outcome = (None, exc)
    messages.put(_DONE)
    thread.join()
    try:
        send("done", *outcome)
    except (BrokenPipeError, OSError):
        pass  # the caller went on without it
    finally:
        sending.close()


_DONE = object()
LARGE = 1 << 20  # a value pickled to this many bytes or more goes through the shared memory
