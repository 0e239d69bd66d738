"""Where benchmark runs are kept: ``bench/results/<kind>-<UTC time>.json``.

Only the newest run of each kind stays in the folder (and so in the repository): a new run
replaces the one before it, and git keeps the history. Each file is written under a temporary
name and renamed, so a run stopped mid-write leaves the previous result whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_result(
    kind: str,
    result: dict,
    folder: Path | None = None,
    indent: int = 2,
    default: Callable | None = None,
) -> Path:
    """Write ``result`` as the newest run of ``kind`` and remove the older runs of that kind."""
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    partial = out.with_suffix(".tmp")
    partial.write_text(json.dumps(result, indent=indent, default=default) + "\n")
    partial.replace(out)
    same_kind = re.compile(re.escape(kind) + r"-\d{8}T\d{6}\.json")
    for older in folder.iterdir():
        if older != out and same_kind.fullmatch(older.name):
            older.unlink()
    return out
