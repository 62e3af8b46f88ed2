"""Pure rules of care: leave entitlement and days, health-check coverage, talks overdue, overload runs.
Plain Python; no ORM."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

# (years of work reached, days of paid annual leave): 职工带薪年休假条例 第三条
DEFAULT_ENTITLEMENT = [[1, 5], [10, 10], [20, 15]]


def years_of_work(started_on: dt.date, on: dt.date) -> int:
    """Whole years of work completed on a day."""
    years = on.year - started_on.year
    if (on.month, on.day) < (started_on.month, started_on.day):
        years -= 1
    return max(years, 0)


def entitlement(years: int, steps: Iterable[Iterable[int]] = DEFAULT_ENTITLEMENT) -> int:
    """Days of paid annual leave for whole years of work: the highest step reached, 0 below the first."""
    days = 0
    for threshold, step_days in sorted((int(a), int(b)) for a, b in steps):
        if years >= threshold:
            days = step_days
    return days


def leave_days(start: dt.date, end: dt.date, is_working_day) -> int:
    """Working days in start..end: holidays and rest days are not leave days (`is_working_day(date)`)."""
    if end < start:
        raise ValueError("leave ends before it starts")
    return sum(bool(is_working_day(start + dt.timedelta(days=offset))) for offset in range((end - start).days + 1))


def leave_left(entitled: int, taken: int) -> int:
    return max(entitled - taken, 0)


def unused_late(entitled: int, taken: int, today: dt.date, from_month: int) -> bool:
    """Leave still unused late in the year (from the given month on): the town should plan cover."""
    return today.month >= from_month and leave_left(entitled, taken) > 0


def coverage(done: int, people: int) -> float | None:
    """Share of people checked, or None for no people."""
    return round(done / people, 3) if people else None


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from one day to a later one."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months


def talk_overdue(last_talk: dt.date | None, today: dt.date, months: int) -> bool:
    """No talk at all, or the last one at least `months` months ago."""
    return last_talk is None or months_between(last_talk, today) >= months


def over_red_line_run(values: list[float | None], red_line: float, months: int) -> bool:
    """Whether the last `months` monthly index values (oldest first) are all above the red line."""
    if months <= 0 or len(values) < months:
        return False
    return all(value is not None and value > red_line for value in values[-months:])
