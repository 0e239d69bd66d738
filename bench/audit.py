"""What the audit trail adds to each record read: ``python -m bench --audit``.

Every records page, detail and queue page is followed by one audit row: its ids taken from the
answer (the answer's JSON read once more) and one append to the hash-chained log in SQLite. This
times exactly that, per read, on a fresh log: one writer, then four threads appending at once
(gunicorn's threads of one worker share the log, and a worker's appends wait for each other's
transactions). The baseline measured in the same run is the records page itself (the query and
its JSON), over the current lake: ``x_page`` says what share of a page read the audit adds.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

import orjson

PAGE_ROWS = 25


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _summary(name: str, ms: list[float], baseline_p50: float | None = None) -> dict:
    p50 = statistics.median(ms)
    return {
        "step": name,
        "n": len(ms),
        "p50_ms": round(p50, 3),
        "p95_ms": round(_pct(ms, 0.95), 3),
        "p99_ms": round(_pct(ms, 0.99), 3),
        "x_page": round(p50 / baseline_p50, 3) if baseline_p50 else None,
    }


def _page_answer(rows: list[dict]) -> bytes:
    """A records page as the server sends it to the browser."""
    return orjson.dumps(
        {
            "multi": True,
            "response": {
                "explorer-records-grid": {"getRowsResponse": {"rowData": rows, "rowCount": 1}}
            },
        }
    )


def _one_read(answer: bytes, data_dir: Path) -> float:
    from accounts import audit

    started = time.perf_counter()
    decoded = orjson.loads(answer)["response"]["explorer-records-grid"]["getRowsResponse"]
    ids = [str(r["seizure_id"]) for r in decoded["rowData"]]
    audit.record(
        "bench",
        "analyst",
        audit.RECORDS_PAGE,
        "/explorer",
        "/explorer?fy=2025",
        ids=ids,
        client="127.0.0.1",
        detail="explorer-records-grid.getRowsResponse",
        data_dir=data_dir,
    )
    return (time.perf_counter() - started) * 1000


def run_audit_bench(repeats: int = 2000) -> dict:
    """Page reads (the baseline), then the audit of a read alone and from four threads."""
    from queries import records
    from queries.filters import Filters

    page_ms, pages = [], []
    for i in range(max(50, repeats // 20)):
        started = time.perf_counter()
        rows, _ = records.fetch_page(Filters(), i * PAGE_ROWS, (i + 1) * PAGE_ROWS)
        answer = _page_answer(rows)
        page_ms.append((time.perf_counter() - started) * 1000)
        pages.append(answer)
    baseline = statistics.median(page_ms)
    out = [_summary("records page (baseline)", page_ms)]
    with tempfile.TemporaryDirectory(prefix="chokepoint-audit-") as tmp:
        data_dir = Path(tmp)
        alone = [_one_read(pages[i % len(pages)], data_dir) for i in range(repeats)]
        out.append(_summary("audit of a read, one writer", alone, baseline))
        together: list[float] = []
        lock = threading.Lock()

        def writer(offset: int) -> None:
            mine = [_one_read(pages[(offset + i) % len(pages)], data_dir) for i in range(repeats)]
            with lock:
                together.extend(mine)

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        out.append(_summary("audit of a read, four threads", together, baseline))
        from accounts import audit

        check = audit.verify(data_dir)
        out.append({"step": "chain after the run", "n": check.rows, "ok": check.ok})
    return {"rows": out}
