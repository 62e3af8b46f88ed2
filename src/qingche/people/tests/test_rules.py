import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from qingche.people import rules

dates = st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2030, 12, 31))


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_entitlement_grows_with_years_and_follows_the_law(a, b):
    low, high = sorted((a, b))
    assert rules.entitlement(low) <= rules.entitlement(high)
    expected = 0 if high < 1 else 5 if high < 10 else 10 if high < 20 else 15
    assert rules.entitlement(high) == expected


@given(dates, dates)
def test_years_of_work_are_whole_years(start, on):
    years = rules.years_of_work(start, on)
    assert years >= 0
    if on >= start:
        assert rules.months_between(start, on) // 12 == years


def test_years_of_work_turn_on_the_anniversary():
    assert rules.years_of_work(dt.date(2016, 3, 2), dt.date(2026, 3, 1)) == 9
    assert rules.years_of_work(dt.date(2016, 3, 2), dt.date(2026, 3, 2)) == 10


@given(dates, st.integers(min_value=0, max_value=40))
def test_leave_days_never_count_rest_days(start, length):
    end = start + dt.timedelta(days=length)
    weekdays = rules.leave_days(start, end, lambda day: day.weekday() < 5)
    assert 0 <= weekdays <= length + 1
    assert rules.leave_days(start, end, lambda day: False) == 0


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=3)), max_size=6), st.integers(1, 4))
def test_a_run_needs_every_month_above_the_line(values, months):
    run = rules.over_red_line_run(values, 1.0, months)
    assert run == (len(values) >= months and all(v is not None and v > 1.0 for v in values[-months:]))


def test_talk_overdue_and_unused_leave():
    today = dt.date(2026, 11, 15)
    assert rules.talk_overdue(None, today, 6)
    assert rules.talk_overdue(dt.date(2026, 5, 15), today, 6)
    assert not rules.talk_overdue(dt.date(2026, 5, 16), today, 6)
    assert rules.unused_late(10, 5, today, 10) and not rules.unused_late(10, 10, today, 10)
    assert not rules.unused_late(10, 0, dt.date(2026, 6, 1), 10)
    assert rules.coverage(0, 0) is None and rules.coverage(1, 4) == 0.25
