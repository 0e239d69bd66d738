"""``python -m queries``: the analyst's escape hatch to the lake.

python -m queries sql "SELECT area_id, count(*) FROM seizures GROUP BY 1"   [--csv] [--limit N]
python -m queries views                                                     list what exists
"""

from __future__ import annotations

import argparse
import sys

import polars as pl

import settings
from queries.executor import QueryError
from queries.gateway import Gateway
from queries.readonly import available_views, run_select


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queries", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sql", help="run one read-only SELECT against the named views")
    p.add_argument("query")
    p.add_argument("--csv", action="store_true", help="write CSV to standard output")
    p.add_argument("--limit", type=int, default=None, help="most rows to return")
    sub.add_parser("views", help="list the views that exist for the built tables")
    args = parser.parse_args(argv)
    gateway = Gateway()
    if args.command == "views":
        print("\n".join(available_views(gateway)))
        return 0
    try:
        rows = run_select(args.query, gateway, args.limit)
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = rows.frame
    if args.csv:
        nested = [c for c, t in frame.schema.items() if t.is_nested()]
        if nested:
            print(
                f"error: CSV cannot hold nested columns {nested}; cast them to text",
                file=sys.stderr,
            )
            return 2
        sys.stdout.write(frame.write_csv())
    else:
        with pl.Config(tbl_rows=50, tbl_cols=30, tbl_width_chars=200):
            print(frame)
    if rows.truncated:
        print(truncation_note(frame.height, args.limit), file=sys.stderr)
    return 0


def truncation_note(shown: int, limit: int | None) -> str:
    """What to tell the analyst when rows were left out: a --limit of theirs can be raised, the
    row cap only through its setting."""
    if limit is not None and limit < settings.get("query_row_cap"):
        return f"(truncated: first {shown:,} rows; more exist, --limit raises it)"
    return (
        f"(truncated: first {shown:,} rows, the row cap; more exist, "
        f"{settings.env_name('query_row_cap')} raises it)"
    )


if __name__ == "__main__":
    sys.exit(main())
