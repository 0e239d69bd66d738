"""The U.S. federal fiscal calendar: fiscal year N runs from 1 October N-1 to 30 September N."""

from __future__ import annotations

from datetime import date

MONTH_ABBREVIATIONS = (
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
)
MONTH_NUMBER = {abbr: i + 1 for i, abbr in enumerate(MONTH_ABBREVIATIONS)}


def fiscal_year_of(day: date) -> int:
    return day.year + 1 if day.month >= 10 else day.year


def month_start(fiscal_year: int, month: int) -> date:
    """First day of a calendar month named inside a fiscal year (OCT-DEC fall in the prior year)."""
    return date(fiscal_year - 1 if month >= 10 else fiscal_year, month, 1)


def fiscal_year_start(fiscal_year: int) -> date:
    return date(fiscal_year - 1, 10, 1)


def fiscal_month_index(month: int) -> int:
    """Position of a calendar month in the fiscal year: October is 1, September is 12."""
    return (month - 10) % 12 + 1
