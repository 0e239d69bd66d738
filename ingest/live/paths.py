"""Where the live pipeline keeps things, all under the data folder (``CHOKEPOINT_DATA``).

- ``inbox/``: batch files arrive here; ``inbox/done/`` keeps them once processed.
- ``quarantine/<table>/<batch_id>.parquet``: refused rows; ``quarantine/reports/``: one JSON
  report per batch; a file refused whole is copied to ``quarantine/<table|unknown>/``.
- ``state/ledger.jsonl``: batches finished; ``state/watch.lock``: one watcher at a time.
"""

from __future__ import annotations

from pathlib import Path

import settings
from ingest.quarantine import quarantine_dir


def data_root(data_dir: Path | None = None) -> Path:
    return data_dir or settings.data_dir()


def inbox_dir(data_dir: Path | None = None) -> Path:
    return data_root(data_dir) / "inbox"


def done_dir(data_dir: Path | None = None) -> Path:
    return inbox_dir(data_dir) / "done"


def state_dir(data_dir: Path | None = None) -> Path:
    return data_root(data_dir) / "state"


def reports_dir(data_dir: Path | None = None) -> Path:
    return quarantine_dir(data_dir) / "reports"


def report_path(batch_id: str, data_dir: Path | None = None) -> Path:
    return reports_dir(data_dir) / f"{batch_id}.json"
