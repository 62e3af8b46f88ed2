"""The period a page shows: one parser for ?month=YYYY-MM and ?year=YYYY, and one rule for the default.

A page opens on the latest complete month that has data (today's barely started month would show zeros),
or, when no complete month has data yet, on the last complete month. Each module passes the months it has
data for; the shared picker is `core/_period_picker.html`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone


def last_complete_month(today: dt.date | None = None) -> dt.date:
    """The first day of the month before today's."""
    first = (today or timezone.localdate()).replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def default_month(months_with_data: Iterable[dt.date], today: dt.date | None = None) -> dt.date:
    """The latest complete month that has data, else the last complete month."""
    last = last_complete_month(today)
    complete = [month.replace(day=1) for month in months_with_data if month.replace(day=1) <= last]
    return max(complete, default=last)


def month_choices(months_with_data: Iterable[dt.date], shown: dt.date) -> list[dt.date]:
    """The months a picker offers, newest first: those with data and the one shown."""
    return sorted({*(month.replace(day=1) for month in months_with_data), shown.replace(day=1)}, reverse=True)


def parse_month(text: str) -> dt.date | None:
    """ "YYYY-MM" as the month's first day, or None when it is not a month between 2000 and 2100."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        day = dt.date(year, month, 1)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def month_param(request, default: dt.date, name: str = "month") -> dt.date:
    """The month asked for with ?month=YYYY-MM (its first day), or `default` when absent or not a month."""
    return parse_month(request.GET.get(name, "")) or default


def year_param(request, default: int, name: str = "year") -> int:
    """The year asked for with ?year=YYYY, or `default` when absent or not a year between 2000 and 2100."""
    text = request.GET.get(name, "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else default
