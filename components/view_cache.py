"""Card outputs kept per process until the tables they show change.

The query results under a card are cached already (``queries/result_cache.py``), but turning
them into a figure and a summary still costs 10-30 ms of Python per card, and that is what a
repeated view (a shared link, a page revisited, twenty analysts on the morning view) would pay
again and again. A card's output is a function of its inputs (the URL, the version stores) and of
the data, so it is kept under the inputs plus the current version of each table it reads, and
dropped as soon as one of them changes.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import settings
from queries.gateway import default_gateway

MAX_ENTRIES = 512


class _Outputs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._entries:
                return False, None
            self._entries.move_to_end(key)
            return True, self._entries[key]

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


outputs = _Outputs()


def cached_view(*tables: str) -> Callable:
    """Decorate a card callback (under ``@callback``) whose output depends only on its inputs
    and on ``tables``. Errors and ``PreventUpdate`` are never kept."""

    def wrap(function: Callable) -> Callable:
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def card(*args: Any) -> Any:
            if settings.get("result_cache_entries") <= 0:
                return function(*args)
            key = (name, repr(args), default_gateway().versions_of(tables))
            found, value = outputs.get(key)
            if found:
                return value
            value = function(*args)
            outputs.put(key, value)
            return value

        return card

    return wrap
