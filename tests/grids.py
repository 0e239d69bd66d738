"""Hand-made tables for the disclosure-control tests."""

from __future__ import annotations

import polars as pl

from ingest.disclosure import Dimension, build_cube


def grid(values: list[list[int]], largest: list[list[float]] | None = None):
    """A rows x cols table with row, column and grand totals (events = lbs)."""
    rows = tuple(f"r{i}" for i in range(len(values)))
    cols = tuple(f"c{j}" for j in range(len(values[0])))
    base = pl.DataFrame(
        [
            {
                "row": r,
                "col": c,
                "events": values[i][j],
                "lbs": float(values[i][j]),
                "largest_lbs": largest[i][j] if largest else None,
            }
            for i, r in enumerate(rows)
            for j, c in enumerate(cols)
        ]
    )
    dims = (Dimension("row", rows, (("R", rows),)), Dimension("col", cols, (("C", cols),)))
    return build_cube(base, dims)
