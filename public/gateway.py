"""The public app's only door to data: a DuckDB database confined to the public extract.

``PublicGateway`` composes the one execute path (``queries/executor.py``) over a database that may
read only ``<data>/public/`` (the lake next door is out of reach, even through SQL: DuckDB's
``allowed_directories`` and no external access) and answers single SELECT statements only. It
loads no reference table from the repository, and its views are exactly the files the extract's
manifest lists; a new extract (a replaced manifest) recreates them.

It imports neither the internal gateway nor its engine (hot tables, seizure arrays, filters): the
public process loads the executor and the result cache, and nothing of the lake's machinery.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import polars as pl

import settings
from queries.executor import (
    SETTING,
    Cap,
    Connection,
    Executor,
    Params,
    Rows,
    open_confined,
    parquet_views,
    resolve_cap,
)
from queries.result_cache import ResultCache

MANIFEST = "manifest.json"
VIEWS = ("cbp_cube", "modes_cube", "areas")


class PublicGateway:
    """Views over the public extract only; the DuckDB database cannot read outside it."""

    def __init__(self, public_dir: Path) -> None:
        self.data_dir = public_dir
        # only single SELECTs: no COPY ... TO, ATTACH, SET or CREATE runs, even inside the folder
        self.executor = Executor(lambda: open_confined(self.data_dir), selects_only=True)
        self.results: ResultCache[Rows] = ResultCache(settings.get("result_cache_entries"))
        self.tables: tuple[str, ...] = ()
        self._manifest: dict = {}
        self._version: str | None = None
        self._checked_at = 0.0
        self._check_every_s = settings.get("lake_check_s")  # read once: refresh is a hot path

    def _read_manifest(self) -> dict:
        try:
            return json.loads((self.data_dir / MANIFEST).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _create_views(self, con: Connection) -> tuple[str, ...]:
        """A view for each of ``VIEWS`` the manifest lists with a file inside the folder; any
        other (missing, or a path leading out of the folder) is dropped."""
        manifest = self._read_manifest()
        files = manifest.get("files", {})
        root = self.data_dir.resolve()
        paths: dict[str, Path | None] = {}
        for name in VIEWS:
            path = (root / files[name]).resolve() if name in files else None
            inside = path is not None and root in path.parents and path.is_file()
            paths[name] = path if inside else None
        self._manifest = manifest
        return parquet_views(con, paths)

    def _manifest_identity(self) -> str:
        try:
            stat = os.stat(self.data_dir / MANIFEST)
        except FileNotFoundError:
            return ""
        return f"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"

    def refresh(self, force: bool = False) -> str:
        """Recreate the views when a new extract is published (its manifest is replaced);
        returns the extract's identity. The manifest is looked at most every ``lake_check_s``."""
        now = time.monotonic()
        recent = now - self._checked_at < self._check_every_s
        if not force and self.executor.opened and recent:
            return self._version or ""
        with self.executor.exclusive() as con:
            version = self._manifest_identity()
            if force or version != self._version:
                self.tables = self._create_views(con)
                self._version = version
                self.results.prune(dict.fromkeys(VIEWS, version), version)
            self._checked_at = now
            return version

    @property
    def version(self) -> str:
        return self.refresh()

    def has(self, view: str) -> bool:
        self.refresh()
        return view in self.tables

    def manifest(self) -> dict:
        self.refresh()
        return self._manifest

    def rows(self, sql: str, params: Params = None, *, cap: Cap = SETTING) -> Rows:
        """One SELECT with bound parameters: at most ``cap`` rows and whether more existed,
        kept until the extract changes."""
        limit = resolve_cap(cap)
        version = self.refresh()
        key = ResultCache.key(sql, (params, limit), dict.fromkeys(VIEWS, version), version)
        return self.results.get_or_compute(key, lambda: self.executor.run(sql, params, cap=limit))

    def frame(self, sql: str, params: Params = None, *, cap: Cap = SETTING) -> pl.DataFrame:
        """Every row of a SELECT's answer, refused (``RowCapExceeded``) rather than cut when it
        is longer than ``cap``: the public views are small aggregates, shown and downloaded
        whole."""
        return self.rows(sql, params, cap=cap).whole()


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
