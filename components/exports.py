"""CSV downloads of what a page shows: ``GET /export/<name>.csv?<the page's query string>``.

A download link carries the same query string as the page, so the file always matches the view
it was taken from, and a shared link to a file works like a shared link to a page. Each named
export is a function from the parsed ``View`` to SQL and parameters (built in ``queries/``, never
here) — the rows then stream out in record batches, so a large export never sits in memory — or,
for a chart's small aggregate, to the very frame the chart was drawn from. ``EXPORTS`` holds them,
and a page adds its own with ``register_export``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain

import polars as pl
from flask import Flask, Response, request

from components import url_state
from components.url_state import View
from queries import compare, records, seizure_stats
from queries.executor import QueryError
from queries.filters import Filters

ENDPOINT = "chokepoint_export_csv"
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

Builder = Callable[[View], "tuple[str, list] | pl.DataFrame"]

EXPORTS: dict[str, Builder] = {
    "records": lambda view: records.export_sql(record_filters(view)[0], "records"),
    "monthly": lambda view: records.export_sql(view.filters, "monthly"),
}


def record_filters(view: View) -> tuple[Filters, str]:
    """The filters the records follow, and a note: in compare mode, with ``side`` a or b, the
    dates of period A or B instead of the filters' own."""
    if not view.compare or not view.side:
        return view.filters, ""
    as_of = seizure_stats.as_of() if view.compare == "fytd" else None
    pair = compare.periods(view.compare, view.periods, as_of)
    if pair is None:
        return view.filters, ""
    period = pair[0] if view.side == "a" else pair[1]
    note = f", in period {view.side.upper()} ({period.label()})"
    return compare.side_filters(view.filters, view.side, pair), note


def register_export(name: str, builder: Builder) -> None:
    """Serve ``builder``'s rows at ``/export/<name>.csv``; the name becomes part of the URL and
    of the file name, so it is kept to lower-case letters, digits, ``-`` and ``_``."""
    if not NAME.fullmatch(name):
        raise ValueError(f"export name {name!r} must be lower-case letters, digits, - or _")
    EXPORTS[name] = builder


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def export_csv(name: str) -> Response:
    """Stream one named export under the filters of the query string."""
    builder = EXPORTS.get(name)
    if builder is None:
        return _text(f"No export named {name[:64]!r}.", 404)
    view, error = url_state.parse_view(request.query_string.decode("utf-8", "replace"))
    if error:
        return _text(f"Bad link: {error}", 400)
    try:
        built = builder(view)
        if isinstance(built, pl.DataFrame):
            chunks = iter([built.write_csv().encode()])
        else:
            chunks = records.stream_csv(*built)
        header = next(chunks)  # runs the query now, so a failure is an HTTP error, not a cut file
    except QueryError as exc:
        return _text(f"The export failed: {exc}", 500)
    filename = records.export_filename(name, view, seizure_stats.as_of())
    return Response(
        chain([header], chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def register_export_routes(server: Flask) -> None:
    """Add ``/export/<name>.csv`` to the Flask server under Dash (once per server)."""
    if ENDPOINT in server.view_functions:
        return
    server.add_url_rule("/export/<name>.csv", ENDPOINT, export_csv, methods=["GET"])
