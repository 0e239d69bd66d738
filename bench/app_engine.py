"""The app's own query layer as a benchmark engine, beside the baselines in ``bench/baselines.py``.

The HTTP replay measures what an analyst waits for (Dash, JSON, the network stack included);
this measures the same numbers the baselines compute, through the same functions the cards
call, on a gateway set up as the app's is (hot tables, seizure arrays, result cache).
``cached=False`` clears the result cache before every run: the cost of a view nobody has asked
for since the data changed, once the app's builder thread has built that version's seizure
arrays (``arrays_build_s``, reported apart; until then the SQL answers, as in the session
replayed right after a data change). ``cached=True`` is a repeated view.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.baselines import PAGE_END, PAGE_START, TOP_N, Skipped, parse_view
from queries import breakdowns, records, seizure_stats
from queries import targeting as queue_queries
from queries.gateway import Gateway

RECORDS_SORT = [{"colId": "lbs", "sort": "desc"}]


class AppQueries:
    """``run(kind, view, dim)`` like the baselines', through the app's query functions."""

    def __init__(self, data_dir: Path, cached: bool) -> None:
        self.gateway = Gateway(data_dir, hot=True)
        self.gateway.refresh()
        started = time.perf_counter()
        self.gateway.seizure_arrays(build=True)
        self.arrays_build_s = time.perf_counter() - started
        self.cached = cached
        self.skipped: dict[str, str] = {}
        if not (self.gateway.has("shipments") and self.gateway.has("scores")):
            self.skipped["queue"] = "no shipments or no scores table in the lake"

    def run(self, kind: str, view: str, dim: str | None = None) -> object:
        if kind in self.skipped:
            return Skipped(kind, self.skipped[kind])
        if not self.cached:
            self.gateway.results.clear()
        gw = self.gateway
        filters, measure = parse_view(view)
        if kind == "kpis":
            period = seizure_stats.current_period(filters, seizure_stats.as_of(gw))
            return seizure_stats.kpis(filters, period, gw)
        if kind == "trend":
            return seizure_stats.monthly_trend(filters, gw)
        if kind == "breakdown":
            return breakdowns.breakdown(filters, dim or "port", measure, n=TOP_N, gateway=gw)
        if kind == "records":
            return records.fetch_page(filters, PAGE_START, PAGE_END, RECORDS_SORT, None, gw)
        if kind == "queue":
            return queue_queries.fetch_queue(filters, PAGE_START, PAGE_END, None, None, gw)
        raise ValueError(f"unknown kind {kind!r}")
