"""A clean process exit while background threads use DuckDB, Arrow and polars.

The app's background work runs in daemon threads (the keep-warm loop, refresh-ahead, the
emerging-threats refresh), so they never hold a process open. But a daemon thread that is inside
native code when the interpreter finalizes is stopped as it asks for the GIL back: it is unwound
through the C++ (or Rust) frames it is in, and the process aborts (SIGABRT) instead of exiting.

So at exit, before finalization, this module

1. refuses new native calls made through ``native_work`` and waits for the running ones;
2. wakes every thread started with ``start_background`` (they sleep with ``pause``) and joins
   it, so it stops at its next ``exiting()`` check rather than anywhere in between. Counting
   calls alone was not enough: a thread reads parquet footers or builds frames between two
   counted calls, and the first version, which only counted, still aborted now and then.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import settings


class ShuttingDown(RuntimeError):
    """A native call was refused because the process is exiting."""


_exiting = threading.Event()
_in_flight = 0  # native calls running now, in any thread
_in_flight_done = threading.Condition()
_background: set[threading.Thread] = set()
_background_lock = threading.Lock()


@contextmanager
def native_work() -> Iterator[None]:
    """Count a call into native code in flight; refused (``ShuttingDown``) once the process
    is exiting, so no such call starts after the exit handler has waited for the others."""
    global _in_flight
    with _in_flight_done:
        if _exiting.is_set():
            raise ShuttingDown("the process is shutting down")
        _in_flight += 1
    try:
        yield
    finally:
        with _in_flight_done:
            _in_flight -= 1
            _in_flight_done.notify_all()


def exiting() -> bool:
    """True once the process has begun to exit: background loops stop."""
    return _exiting.is_set()


def pause(seconds: float) -> bool:
    """Sleep ``seconds``, or less if the process begins to exit; True when it is exiting."""
    return _exiting.wait(seconds)


def start_background(target: Callable[[], None], name: str) -> threading.Thread:
    """Run ``target`` in a daemon thread that the exit handler waits for (up to the query time
    limit). ``target`` should check ``exiting()`` between steps and sleep with ``pause``."""

    def run() -> None:
        try:
            target()
        finally:
            with _background_lock:
                _background.discard(threading.current_thread())

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _background_lock:
        _background.add(thread)
    thread.start()
    return thread


def lowest_priority_thread() -> None:
    """Give the calling thread (on Linux, a thread has its own priority) nice 19, so the web
    workers' request threads take the CPU first; elsewhere, nothing changes."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def running_background() -> list[threading.Thread]:
    """The background threads alive now (for tests and the log)."""
    with _background_lock:
        return [t for t in _background if t.is_alive()]


@atexit.register
def _finish_background_work() -> None:
    """Refuse new native calls, let the running ones end, then let each background thread
    reach its next ``exiting()`` check. Bounded by the query time limit: a thread waiting on a
    child process is in plain C code, which finalization stops safely."""
    _exiting.set()
    limit = settings.get("query_time_limit_ms") / 1000
    with _in_flight_done:
        _in_flight_done.wait_for(lambda: _in_flight == 0, timeout=limit)
    for thread in running_background():
        if thread is not threading.current_thread():
            thread.join(limit)
