"""What the small SQLite stores under ``<data>/state/`` share.

Watchlists and feedback (``targeting_store``) and accounts (``accounts_store``) are read far more
often than written, and often from a data folder where nothing was ever stored: a read must then
see an empty store without creating the file, so a lake that is only read stays as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path


@contextmanager
def reading(
    file: Path,
    schema: tuple[str, ...],
    open_existing: Callable[[], AbstractContextManager[sqlite3.Connection]],
) -> Iterator[sqlite3.Connection]:
    """The store's own connection when ``file`` exists, else an empty one in memory with the
    same schema."""
    if file.exists():
        with open_existing() as con:
            yield con
        return
    con = sqlite3.connect(":memory:")
    try:
        for statement in schema:
            con.execute(statement)
        yield con
    finally:
        con.close()
