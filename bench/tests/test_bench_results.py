"""Benchmark runs: the newest of each kind is kept, the others of that kind go."""

from __future__ import annotations

import json

from bench.results import write_result


def test_bre001_a_new_run_replaces_the_older_run_of_its_kind_only(tmp_path):
    (tmp_path / "browser-20200101T000000.json").write_text("{}")
    (tmp_path / "public-load-20200101T000000.json").write_text("{}")
    (tmp_path / "notes.md").write_text("kept")
    out = write_result("browser", {"p95_ms": 900}, tmp_path)
    assert json.loads(out.read_text()) == {"p95_ms": 900}
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([out.name, "public-load-20200101T000000.json", "notes.md"])
    assert not list(tmp_path.glob("*.tmp"))
