"""A process exits cleanly while background threads are busy (``queries/shutdown.py``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.repo import REPO

# A background thread that works in native code (Arrow, polars) between its exit checks, and
# writes a line once it has seen the exit: the exit handler must have waited for it.
_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import polars as pl
    import pyarrow as pa
    from queries.shutdown import ShuttingDown, exiting, native_work, pause, start_background

    def busy():
        rounds = 0
        try:
            while not exiting():
                table = pa.table({"x": list(range(200_000))})
                pl.from_arrow(table).select(pl.col("x").sum())  # uncounted native work
                with native_work():
                    table.to_pandas()
                rounds += 1
                pause(0.001)
        except ShuttingDown:
            pass  # refused a native call: as good as a check
        print(f"stopped at its check after {rounds} rounds", flush=True)

    start_background(busy, "busy")
    time.sleep(float(sys.argv[1]))
    print("main done", flush=True)
    """
)


def _run(delay: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(delay)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sdn001_exit_waits_for_background_threads_to_reach_their_check():
    for delay in (0.0, 0.05, 0.2):
        done = _run(delay)
        assert done.returncode == 0, done.stderr[-2000:]
        lines = done.stdout.splitlines()
        assert lines[0] == "main done", done.stdout
        assert lines[-1].startswith("stopped at its check"), done.stdout


def test_sdn002_native_calls_are_refused_once_exiting():
    # atexit runs handlers last in, first out: this one is registered before the module's own,
    # so it runs after the module has begun the exit
    script = textwrap.dedent(
        """
        import atexit

        def after_exit_began():
            try:
                with shutdown.native_work():
                    print("ran")
            except shutdown.ShuttingDown:
                print("refused")

        atexit.register(after_exit_began)
        from queries import shutdown
        with shutdown.native_work():
            print("before exit")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["before", "exit", "refused"]
