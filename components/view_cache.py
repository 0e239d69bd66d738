"""Card outputs kept per process until the tables they show change.

The query results under a card are cached already (``queries/result_cache.py``), but turning
them into a figure and a summary still costs Python time per card, more than a cached query
answer does, and that is what a repeated view (a shared link, a page revisited, twenty analysts
on the morning view) would pay again and again. A card's output is a function of its inputs
(the URL, the version stores) and of the data, so it is kept under the inputs plus the current
version of each table it reads, and dropped as soon as one of them changes.

It is kept as the JSON the browser receives, in plain dicts and lists (``as_sent``). Dash hands
a response to orjson as it is when orjson can take it, and only otherwise has plotly's cleaner
walk every value of it: for a figure object or a tree of components that walk was nine tenths
of a repeated view (measured on the Overview's trend), for plain values there is none.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import orjson
from plotly.io.json import to_json_plotly

import settings
from queries.gateway import default_gateway


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
            while len(self._entries) > settings.get("view_cache_entries"):
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


outputs = _Outputs()


def as_sent(value: Any) -> Any:
    """``value`` (figures, components, tuples of outputs, ``no_update``) as the plain JSON
    values Dash sends for it: the same bytes reach the browser, without the cleaner's walk."""
    return orjson.loads(to_json_plotly(value))


def cached_view(*tables: str, clock: Callable[[], Hashable] | None = None) -> Callable:
    """Decorate a card callback (under ``@callback``) whose output depends only on its inputs
    and on ``tables`` (and on ``clock()``, for a card over a window ending now: the current
    hour of a "last 48 hours" chart). Errors and ``PreventUpdate`` are never kept."""

    def wrap(function: Callable) -> Callable:
        # keyed by the function object, not its name: cards made by one factory in a loop
        # (one per dimension) share a qualified name and must not share outputs

        @functools.wraps(function)
        def card(*args: Any) -> Any:
            if settings.get("result_cache_entries") <= 0:
                return as_sent(function(*args))
            key = (function, repr(args), default_gateway().versions_of(tables), clock and clock())
            found, value = outputs.get(key)
            if found:
                return value
            value = as_sent(function(*args))
            outputs.put(key, value)
            return value

        card.tables, card.clock = tables, clock  # what the card is keyed on, for its tests
        return card

    return wrap
