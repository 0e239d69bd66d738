"""What the Overview's card modules share: the page's id prefix, the empty-view sentence, and
the window every card shows (the URL's own, or the fiscal year to date the header states)."""

from __future__ import annotations

from dataclasses import replace

from components import url_state
from components.context import describe
from queries import seizure_stats
from queries.filters import Filters

PAGE = "overview"
NO_DATA = "No seizures match these filters. Remove a filter chip or widen the dates."


def context(filters: Filters, measure: str) -> str:
    """The words after a card's title: the measure and the filters it shows."""
    return describe(filters, url_state.MEASURES[measure])


def shown_filters(filters: Filters) -> Filters:
    """The filters every card shows: the URL's own window, or the period the header states
    (fiscal year to date) when the URL names none, so no card covers more than the header."""
    as_of = seizure_stats.as_of()
    if filters.dated() or as_of is None:
        return filters
    period = seizure_stats.current_period(filters, as_of)
    return replace(filters, start=period.start, end=period.end)
