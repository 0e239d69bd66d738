"""Cross-filtering: a click on a bar, a Sankey node or a trend point adds that value to the global
filters in the URL; every chart and the filter bar follow the URL.

Graphs that take part carry a pattern-matching id ``{"type": "xfilter", "page", "dim", "slot"}``
and put the filter value of each point first in its ``customdata``. In the browser, a clientside
callback reads a click's value into the ``CLICK`` store and clears the clicked graph's clickData;
one server callback turns the stored click into a new query string. Points without a value
("All others") do nothing.

Why two steps: the pattern of graphs changes whenever a page mounts its charts, and Dash then
calls every callback listening to it. When the server listened, each page opening sent a request
that answered nothing (no click yet) and took one of the browser's six connections while the
page's cards waited for theirs, and each click's answer cleared the clickData of every graph on
the page (twenty prop updates, each a pass over the renderer's store). In the browser both cost
nothing; the click's meaning stays in Python (``apply_click``), in one place.
"""

from __future__ import annotations

from datetime import date

from dash import ALL, Input, Output, State, callback, clientside_callback, no_update

from components import url_state
from components.filter_bar import URL, URL_VIEW
from queries.filters import MULTI_KEYS, FilterError, Filters

XFILTER = "xfilter"
CLICK = "xfilter-click"  # dcc.Store in the app shell: {"dim", "value", "at"} of the last click
PERIOD = "period"  # customdata "YYYY-MM-DD..YYYY-MM-DD" narrows the dates
ROUTE = "route"  # customdata "<key>:<value>", e.g. "source:MX", "port:2604", or parts joined by ;


def graph_id(page: str, dim: str, slot: str = "main") -> dict:
    """``slot`` tells apart two graphs of one page that filter on the same dimension."""
    return {"type": XFILTER, "page": page, "dim": dim, "slot": slot}


def apply_click(filters: Filters, dim: str, value: str) -> Filters:
    """The filters after clicking a point whose filter value is ``value`` on a ``dim`` chart."""
    if dim == PERIOD:
        lo, hi = (date.fromisoformat(part) for part in value.split(".."))
        return Filters.from_query(
            {**filters.to_query(), "start": lo.isoformat(), "end": hi.isoformat(), "fy": ""}
        )
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


# The click as the browser sees it: the graph's dim and the point's value (the first item of
# its customdata, or the customdata itself; only a non-empty string counts) into CLICK, stamped
# with the time so the same click again after "back" is a change; the clicked graph's clickData
# cleared so the same bar can be clicked again later. Graphs mounting (no click yet): nothing.
clientside_callback(
    """
    function(clicks) {
        const dc = window.dash_clientside;
        const keep = clicks.map(() => dc.no_update);
        const trigger = dc.callback_context.triggered_id;
        if (!trigger || typeof trigger !== "object") { return [dc.no_update, keep]; }
        const same = (a, b) => Object.keys(a).length === Object.keys(b).length
            && Object.keys(a).every((k) => a[k] === b[k]);
        const index = dc.callback_context.inputs_list[0].findIndex((i) => same(i.id, trigger));
        const click = index < 0 ? null : clicks[index];
        const points = click && click.points;
        if (!points || !points.length) { return [dc.no_update, keep]; }
        const data = points[0].customdata;
        const value = Array.isArray(data) ? data[0] : data;
        if (typeof value !== "string" || !value) { return [dc.no_update, keep]; }
        keep[index] = null;
        return [{dim: trigger.dim, value: value, at: Date.now()}, keep];
    }
    """,
    Output(CLICK, "data"),
    Output({"type": XFILTER, "page": ALL, "dim": ALL, "slot": ALL}, "clickData"),
    Input({"type": XFILTER, "page": ALL, "dim": ALL, "slot": ALL}, "clickData"),
    prevent_initial_call=True,
)


@callback(
    Output(URL, "search", allow_duplicate=True),
    Output(URL_VIEW, "data", allow_duplicate=True),
    Input(CLICK, "data"),
    State(URL, "search"),
    prevent_initial_call=True,
)
def cross_filter(click: dict | None, search: str | None):
    """Add the clicked value (the ``CLICK`` store) to the URL's filters; a bad link or a value
    the filters refuse changes nothing. The view store gets the new search at once, so the
    cards start without waiting for the filter bar to catch up with the URL."""
    if not isinstance(click, dict):
        return no_update, no_update
    dim, value = click.get("dim"), click.get("value")
    if not isinstance(dim, str) or not isinstance(value, str) or not value:
        return no_update, no_update
    view, error = url_state.parse_view(search)
    if error:
        return no_update, no_update
    try:
        filters = apply_click(view.filters, dim, value)
    except (FilterError, ValueError):
        return no_update, no_update
    new = url_state.build_view(view.with_filters(filters))
    return new, new
