"""The public app's only door to data: a DuckDB database confined to the public extract.

``PublicGateway`` is a ``Gateway`` whose database may read only ``<data>/public/`` (the lake next
door is out of reach, even through SQL: DuckDB's ``allowed_directories`` and no external access),
loads no reference table from the repository, and whose views are exactly the files the
extract's manifest lists. A new extract (a replaced manifest) recreates the views.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

import settings
from queries.gateway import Gateway, QueryError
from queries.session import Session

MANIFEST = "manifest.json"
VIEWS = ("cbp_cube", "modes_cube", "areas")


class PublicGateway(Gateway):
    """Views over the public extract only; the DuckDB database cannot read outside it."""

    def __init__(self, public_dir: Path) -> None:
        super().__init__(public_dir)
        self._manifest: dict = {}

    def _create_reference_views(self, con: duckdb.DuckDBPyConnection) -> None:
        """The extract carries its own labels; nothing from the repository is loaded."""

    def _read_manifest(self) -> dict:
        try:
            return json.loads((self.data_dir / MANIFEST).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _create_lake_views(self, con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
        manifest = self._read_manifest()
        files = manifest.get("files", {})
        root = self.data_dir.resolve()
        built = []
        for name in VIEWS:
            path = (root / files[name]).resolve() if name in files else None
            if path is None or root not in path.parents or not path.is_file():
                con.execute(f"DROP VIEW IF EXISTS {name}")
                continue
            literal = str(path).replace("'", "''")
            # view names come from the fixed VIEWS tuple; the path is inside the extract folder
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{literal}')")  # noqa: S608
            built.append(name)
        self._manifest = manifest
        return tuple(built)

    def _manifest_identity(self) -> str:
        try:
            stat = os.stat(self.data_dir / MANIFEST)
        except FileNotFoundError:
            return ""
        return f"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"

    def refresh(self, force: bool = False) -> str:
        """Recreate the views when a new extract is published (its manifest is replaced)."""
        now = time.monotonic()
        recent = now - self._checked_at < self._check_every_s
        if not force and self._connection is not None and recent:
            return self._version or ""
        with self._lock:
            if self._connection is None:
                self._connection = self._open()
            version = self._manifest_identity()
            if force or version != self._version:
                self.tables = self._create_lake_views(self._connection)
                self._memo.clear()
                self._version = version
                self._table_versions = dict.fromkeys(VIEWS, version)
                self.results.prune(self._table_versions, version)
            self._checked_at = now
            return version

    def _run(self, sql: str, params: list | dict | None):
        """Only single SELECT statements: the database is read-only in every sense, so no
        ``COPY ... TO``, ``ATTACH``, ``SET`` or ``CREATE`` runs, even inside the extract folder."""
        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as exc:
            raise QueryError(str(exc).splitlines()[0]) from exc
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise QueryError("the public database answers single SELECT statements only")
        return super()._run(sql, params)

    @contextmanager
    def session(
        self,
        frames: Mapping[str, pl.DataFrame] | None = None,
        time_limit_s: float | None = None,
    ) -> Iterator[Session]:
        """Refused: a session registers frames and creates tables, and this database answers
        single SELECT statements only (``_run``)."""
        raise QueryError("the public database answers single SELECT statements only")
        yield  # unreachable: makes this a generator, as the context manager it overrides

    def manifest(self) -> dict:
        self.refresh()
        return self._manifest


_default: PublicGateway | None = None
_default_lock = threading.Lock()


def public_dir() -> Path:
    return settings.data_dir() / "public"


def gateway() -> PublicGateway:
    """The process-wide public gateway over ``$CHOKEPOINT_DATA/public``."""
    global _default
    with _default_lock:
        if _default is None or _default.data_dir != public_dir():
            _default = PublicGateway(public_dir())
        return _default
