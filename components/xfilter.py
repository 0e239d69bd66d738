"""Cross-filtering: a click on a bar, a Sankey node or a trend point adds that value to the global
filters in the URL; every chart and the filter bar follow the URL.

Graphs that take part carry a pattern-matching id ``{"type": "xfilter", "page", "dim", "slot"}``
and put the filter value of each point first in its ``customdata``. One app-level callback turns
a click into a new query string. Points without a value ("All others") do nothing.
"""

from __future__ import annotations

from datetime import date

from dash import ALL, Input, Output, State, callback, ctx, no_update

from components import url_state
from components.filter_bar import URL
from queries.filters import MULTI_KEYS, FilterError, Filters

XFILTER = "xfilter"
PERIOD = "period"  # customdata "YYYY-MM-DD..YYYY-MM-DD" narrows the dates
ROUTE = "route"  # customdata "<key>:<value>", e.g. "source:MX", "port:2604", or parts joined by ;


def graph_id(page: str, dim: str, slot: str = "main") -> dict:
    """``slot`` tells apart two graphs of one page that filter on the same dimension."""
    return {"type": XFILTER, "page": page, "dim": dim, "slot": slot}


def apply_click(filters: Filters, dim: str, value: str) -> Filters:
    """The filters after clicking a point whose filter value is ``value`` on a ``dim`` chart."""
    if dim == PERIOD:
        lo, hi = (date.fromisoformat(part) for part in value.split(".."))
        return Filters.from_query({**filters.to_query(), "start": lo.isoformat(),
                                   "end": hi.isoformat(), "fy": ""})  # fmt: skip
    if dim == ROUTE and ";" in value:  # a whole route: "source:MX;transit:GT;port:2504"
        for part in value.split(";"):
            filters = apply_click(filters, ROUTE, part)
        return filters
    if dim == ROUTE:
        dim, value = value.split(":", 1)
    if dim not in MULTI_KEYS:
        raise FilterError(f"cannot filter on {dim!r}")
    if value in getattr(filters, dim):
        return filters
    return filters.with_value(dim, value)


def clicked_value(click: dict | None) -> str | None:
    if not click or not click.get("points"):
        return None
    data = click["points"][0].get("customdata")
    value = data[0] if isinstance(data, (list, tuple)) and data else data
    return value if isinstance(value, str) and value else None


@callback(
    Output(URL, "search", allow_duplicate=True),
    Output({"type": XFILTER, "page": ALL, "dim": ALL, "slot": ALL}, "clickData"),
    Input({"type": XFILTER, "page": ALL, "dim": ALL, "slot": ALL}, "clickData"),
    State(URL, "search"),
    prevent_initial_call=True,
)
def cross_filter(clicks: list, search: str | None):
    """Add the clicked value to the URL's filters, then clear the click so the same bar can be
    clicked again later."""
    cleared = [None] * len(clicks)
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        return no_update, [no_update] * len(clicks)
    index = next((i for i, item in enumerate(ctx.inputs_list[0]) if item["id"] == trigger), None)
    value = clicked_value(clicks[index]) if index is not None else None
    if value is None:  # graphs mounting (no click yet): setting their clickData redraws them
        return no_update, [no_update] * len(clicks)
    view, error = url_state.parse_view(search)
    if error:
        return no_update, cleared
    try:
        filters = apply_click(view.filters, trigger["dim"], value)
    except (FilterError, ValueError):
        return no_update, cleared
    return url_state.build_view(view.with_filters(filters)), cleared
