"""ForkedCall: a value told early, then the call's own value, from one forked process."""

from __future__ import annotations

import os
import pickle

import pytest

from statusgen.parallel import ForkedCall


def _tell_then_return(tell):
    tell(("first", os.getpid(), b"x" * 300_000))  # more than a pipe holds: the caller reads it later
    return "done", os.getpid()


def test_a_value_told_early_comes_before_the_result_even_when_read_later():
    with ForkedCall(_tell_then_return) as call:
        value = call.result()  # the result first: the told value is kept meanwhile
        told = call.told()
    assert told[0] == "first" and len(told[2]) == 300_000
    assert value[0] == "done" and value[1] == told[1] != os.getpid()
    with ForkedCall(_tell_then_return) as call:
        assert call.told()[0] == "first"
        assert call.result()[0] == "done"
        assert call.ready()


def test_told_raises_when_the_call_returned_without_telling():
    with ForkedCall(lambda tell: 42) as call:
        with pytest.raises(EOFError):
            call.told()
        assert call.result() == 42


def test_a_process_that_dies_raises_eoferror():
    with ForkedCall(lambda tell: os._exit(3)) as call:
        with pytest.raises(EOFError):
            call.told()
    with ForkedCall(lambda tell: os._exit(3)) as call:
        with pytest.raises(EOFError):
            call.result()


def test_what_the_call_raises_is_raised_by_result():
    def fail(tell):
        tell("before")
        raise ValueError("no")

    with ForkedCall(fail) as call:
        assert call.told() == "before"
        with pytest.raises(ValueError, match="no"):
            call.result()


def _large_values(tell):
    tell({"told": "é" * 3_000_000, "pid": os.getpid()})
    tell(b"small")
    return list(range(500_000)), os.getpid()


@pytest.mark.parametrize(("shared", "fits"), [(ForkedCall.SHARED, True), (2_000_000, False)])
def test_large_values_come_whole_through_shared_memory_or_else_the_pipe(monkeypatch, shared, fits):
    """Values of megabytes come through the shared memory, one after another; one that does not
    fit in what is left of it comes through the pipe, as whole."""
    monkeypatch.setattr(ForkedCall, "SHARED", shared)
    with ForkedCall(_large_values) as call:
        numbers, pid = call.result()
        assert call.told(0) == {"told": "é" * 3_000_000, "pid": pid}
        assert call.told(1) == b"small"
        through_shared_memory = call.shared[:2] == pickle.dumps(None, protocol=5)[:2]  # a pickle's start
    assert through_shared_memory == fits
    assert numbers == list(range(500_000)) and pid != os.getpid()


def test_without_room_for_shared_memory_everything_comes_through_the_pipe(monkeypatch):
    import mmap

    def refused(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(mmap, "mmap", refused)
    with ForkedCall(_large_values) as call:
        numbers, pid = call.result()
        assert call.shared is None
        assert call.told(0)["told"] == "é" * 3_000_000 and call.told(1) == b"small"
    assert numbers == list(range(500_000))
