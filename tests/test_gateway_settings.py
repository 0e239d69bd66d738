"""The gateway's DuckDB settings hold on every cursor, not just on the connection that set them."""

from __future__ import annotations

import threading

from queries.gateway import Gateway


def _setting(gateway: Gateway, name: str) -> object:
    return gateway.frame("SELECT current_setting(?)", [name], cache=False).item()


def test_gws001_every_threads_cursor_caches_parquet_footers(tiny_lake):
    """Queries run on per-thread cursors; a connection-local SET left them re-reading every
    file's footer on every query (4x the time of a filtered count at national scale)."""
    gateway = Gateway(tiny_lake)
    seen: list[object] = []
    worker = threading.Thread(
        target=lambda: seen.append(_setting(gateway, "parquet_metadata_cache"))
    )
    worker.start()
    worker.join()
    assert seen == [True]
    assert _setting(gateway, "parquet_metadata_cache") is True


def test_gws002_cursors_cannot_reach_outside_the_data_folder(tiny_lake):
    gateway = Gateway(tiny_lake)
    assert _setting(gateway, "enable_external_access") is False
    assert _setting(gateway, "lock_configuration") is True
