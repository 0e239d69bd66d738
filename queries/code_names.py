"""Codes read by their names inside SQL: grids sort and filter by the names people see, not by
the codes the lake stores.

The names are the gateway's small ``code_names`` table (kind, code, name), loaded from
``lake.reference.code_names``; the kinds are the filter keys of ``lake.reference.NAMES_BY_KEY``.
"""

from __future__ import annotations

from lake.reference import NAMES_BY_KEY


def name_sql(key: str, expr: str) -> str:
    """SQL for the name of the code ``expr`` (NULL for a code without one). ``key`` and
    ``expr`` must come from a module's fixed column list: they are written into the SQL."""
    if key not in NAMES_BY_KEY:
        raise KeyError(f"No names for {key!r}")
    return (
        f"(SELECT name FROM code_names WHERE kind = '{key}' "  # noqa: S608
        f"AND code = CAST({expr} AS VARCHAR))"
    )


def sort_by_name_sql(key: str | None, expr: str) -> str:
    """What a grid sorts a column by: the name people see, the code where there is none."""
    return f"coalesce({name_sql(key, expr)}, {expr})" if key else expr
