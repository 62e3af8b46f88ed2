"""Working-day calendar (pure: no ORM, no request).

The Chinese statutory calendar comes from `chinese_calendar` (holidays and 调休 workdays);
administrators' own entries override it, and a year known to neither falls back to plain
weekends (the caller shows a warning: see `WorkCalendar.unknown_years`).

Conventions (documented in docs/calendar.md):
- `add_working_days(start, n)` is the end of office hours on the n-th working day after the
  day of `start` (the start day itself is not counted), as in "n 个工作日内办结".
- `add_working_hours(start, h)` walks office periods forward from `start`.
- `working_hours_between(a, b)` counts the office time inside [a, b] on working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SPAN_DAYS = 366 * 20


def parse_office_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """ "08:30-12:00,14:00-17:30" -> ((08:30, 12:00), (14:00, 17:30)); periods must not overlap."""
    periods = []
    for chunk in text.split(","):
        start_text, end_text = chunk.strip().split("-")
        start, end = dt.time.fromisoformat(start_text.strip()), dt.time.fromisoformat(end_text.strip())
        if end <= start:
            raise ValueError(f"office period ends before it starts: {chunk!r}")
        periods.append((start, end))
    periods.sort()
    for (_, end), (next_start, _) in zip(periods, periods[1:], strict=False):
        if next_start < end:
            raise ValueError("office periods overlap")
    if not periods:
        raise ValueError("no office periods")
    return tuple(periods)


def _library_is_workday(day: dt.date) -> bool | None:
    """The statutory answer, or None when the library does not know the year."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@dataclass
class WorkCalendar:
    office_hours: tuple[tuple[dt.time, dt.time], ...] = field(
        default_factory=lambda: parse_office_hours("08:30-12:00,14:00-17:30")
    )
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    tz: dt.tzinfo = SHANGHAI
    library: Callable[[dt.date], bool | None] = _library_is_workday
    unknown_years: set[int] = field(default_factory=set)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        statutory = self.library(day)
        if statutory is None:
            self.unknown_years.add(day.year)
            return day.weekday() < 5
        return statutory

    def years_to_enter(self, today: dt.date) -> list[int]:
        """This year and the next where the library has no holidays and none were entered by hand."""
        entered = {day.year for day in self.overrides}
        return [
            year
            for year in (today.year, today.year + 1)
            if self.library(dt.date(year, 6, 1)) is None and year not in entered
        ]

    @property
    def hours_per_day(self) -> float:
        return sum(_hours(start, end) for start, end in self.office_hours)

    # -- days ---------------------------------------------------------------------------------
    def working_days_in(self, first: dt.date, last: dt.date) -> int:
        return sum(1 for day in _days(first, last) if self.is_workday(day))

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        if days < 0:
            raise ValueError("days must not be negative")
        local = self._local(start)
        if days == 0:
            return local
        day, found = local.date(), 0
        while found < days:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                found += 1
            self._guard(local.date(), day)
        return self._at(day, self.office_hours[-1][1])

    # -- hours --------------------------------------------------------------------------------
    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = dt.timedelta(hours=hours)
        local = self._local(start)
        if not remaining:
            return local
        for period_start, period_end in self._periods_from(local):
            begin = max(period_start, local)
            available = period_end - begin
            if available >= remaining:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods_from is unbounded")  # pragma: no cover

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Office hours on working days inside [start, end]; negative when end < start."""
        if end < start:
            return -self.working_hours_between(end, start)
        local_start, local_end = self._local(start), self._local(end)
        total = dt.timedelta()
        for period_start, period_end in self._periods_from(local_start):
            if period_start >= local_end:
                break
            overlap = min(period_end, local_end) - max(period_start, local_start)
            if overlap > dt.timedelta():
                total += overlap
        return total.total_seconds() / 3600

    # -- helpers ------------------------------------------------------------------------------
    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("naive datetime: give a time zone")
        return moment.astimezone(self.tz)

    def _at(self, day: dt.date, clock: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, clock, tzinfo=self.tz)

    def _periods_from(self, local: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Office periods on working days that end after `local`, in order, without end."""
        day = local.date()
        while True:
            if self.is_workday(day):
                for start, end in self.office_hours:
                    period_end = self._at(day, end)
                    if period_end > local:
                        yield self._at(day, start), period_end
            day += dt.timedelta(days=1)
            self._guard(local.date(), day)

    @staticmethod
    def _guard(first: dt.date, current: dt.date) -> None:
        if (current - first).days > MAX_SPAN_DAYS:
            raise ValueError("span too long for the working-day calendar")


def _hours(start: dt.time, end: dt.time) -> float:
    return (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)).total_seconds() / 3600


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


class _RememberingCalendar(WorkCalendar):
    """add_working_days depends only on the local date and the count: remembered."""

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        if days <= 0:
            return super().add_working_days(start, days)
        key = (self._local(start).date(), days)
        found = self._days_cache.get(key)
        if found is None:
            found = self._days_cache[key] = super().add_working_days(start, days)
        return found


def fast_calendar(base: WorkCalendar, first: dt.date, last: dt.date) -> WorkCalendar:
    """`base` with every day of [first, last] looked up once and working-day sums remembered (bulk work)."""
    known, day = {}, first
    while day <= last:
        known[day] = base.is_workday(day)
        day += dt.timedelta(days=1)
    calendar = _RememberingCalendar(office_hours=base.office_hours, overrides=known, library=base.library, tz=base.tz)
    calendar._days_cache = {}
    return calendar
