"""Start-up leaves long-lived objects out of the garbage collector's full collections."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref

from components.startup import freeze_survivors
from tests.repo import REPO


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector can free it


def test_stu001_survivors_are_frozen_and_garbage_is_not():
    before = gc.get_freeze_count()
    kept = [_Node() for _ in range(2_000)]
    garbage = [_Node() for _ in range(500)]
    refs = [weakref.ref(n) for n in garbage]
    del garbage
    frozen = freeze_survivors()
    assert frozen - before >= len(kept)
    tracked = {id(o) for o in gc.get_objects()}
    assert not tracked & {id(n) for n in kept}  # out of every generation the GC walks
    assert all(r() is None for r in refs)  # the cycles were collected first, not frozen


def test_stu002_a_fresh_app_process_has_frozen_its_start_up(lake_copy):
    """In a process of its own, as a gunicorn worker builds it: nothing else froze anything."""
    script = (
        "import gc; from app import create_app; create_app(); "
        "print(gc.get_freeze_count(), len(gc.get_objects()))"
    )
    # its own copy: a starting app computes and stores the emerging threats in its lake
    env = {**os.environ, "CHOKEPOINT_DATA": str(lake_copy("startup"))}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, walked = map(int, done.stdout.split()[-2:])
    # the start-up froze its objects (how many is the interpreter's business, not a contract)
    assert frozen > 0 and walked < frozen, done.stdout
