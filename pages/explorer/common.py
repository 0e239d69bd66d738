"""What the Explorer's card modules share: the page's id prefix, the empty-view sentence, and the
named-key columns of a CSV download."""

from __future__ import annotations

import polars as pl

from lake import reference

PAGE = "explorer"
NO_DATA = "No seizures match these filters. Remove a filter chip or widen the dates."


def named(frame: pl.DataFrame, dim: str) -> pl.DataFrame:
    """A breakdown or comparison frame with the name of each key beside it, for a CSV download."""
    names = reference.names_for(dim)
    label = pl.col("key").replace_strict(names, default=pl.col("key"), return_dtype=pl.Utf8)
    return frame.with_columns(label.alias("name")).select("key", "name", pl.exclude("key", "name"))
