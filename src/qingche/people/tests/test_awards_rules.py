"""The pure rules of awards, the reserve pool and secondment."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.people import rules_awards as rules


def weekdays(day: dt.date) -> bool:
    return day.weekday() < 5


def test_publicity_of_five_working_days_from_a_friday_ends_the_next_thursday():
    friday = dt.date(2026, 12, 4)
    assert rules.publicity_end(friday, 5, weekdays) == dt.date(2026, 12, 10)


def test_publicity_starting_on_a_saturday_counts_from_monday():
    assert rules.publicity_end(dt.date(2026, 12, 5), 1, weekdays) == dt.date(2026, 12, 7)


def test_publicity_needs_at_least_one_day():
    with pytest.raises(ValueError):
        rules.publicity_end(dt.date(2026, 12, 4), 0, weekdays)


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(
    start=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
    days=st.integers(1, 15),
    holidays=st.sets(st.integers(0, 40), max_size=8),
)
def test_publicity_spans_exactly_the_working_days_and_ends_on_one(start, days, holidays):
    off = {start + dt.timedelta(days=d) for d in holidays}

    def is_workday(day):
        return weekdays(day) and day not in off

    end = rules.publicity_end(start, days, is_workday)
    assert is_workday(end)
    assert sum(is_workday(start + dt.timedelta(days=d)) for d in range((end - start).days + 1)) == days


def test_publicity_state():
    start, end = dt.date(2026, 12, 4), dt.date(2026, 12, 10)
    assert rules.publicity_state(dt.date(2026, 12, 3), start, end) == "not_started"
    assert rules.publicity_state(start, start, end) == "open"
    assert rules.publicity_state(end, start, end) == "open"
    assert rules.publicity_state(dt.date(2026, 12, 11), start, end) == "ended"
    assert rules.publicity_state(end, None, None) == "not_started"


def test_conferral_waits_for_the_end_of_publicity_and_every_answer():
    end = dt.date(2026, 12, 10)
    assert rules.conferral_blockers(today=dt.date(2026, 12, 11), publicity_end=end, objections=[False]) == []
    blockers = rules.conferral_blockers(today=end, publicity_end=end, objections=[None, False, None])
    assert len(blockers) == 2 and "2026-12-10" in blockers[0] and "2" in blockers[1]
    assert rules.conferral_blockers(today=end, publicity_end=None, objections=[])


@pytest.mark.parametrize(
    "assessment, wish, outcomes",
    [
        ("excellent", "stay", ["appointed", "returned"]),
        ("competent", "stay", ["appointed", "returned"]),
        ("basically_competent", "stay", ["returned"]),
        ("incompetent", "stay", ["returned"]),
        ("excellent", "return", ["returned"]),
        ("", "stay", []),
        ("excellent", "", []),
    ],
)
def test_appointment_after_secondment_needs_the_assessment_and_the_wish(assessment, wish, outcomes):
    assert rules.secondment_outcomes(assessment, wish) == outcomes


def test_reserve_reviews_due_from_the_year_of_entry_to_last_year():
    today = dt.date(2026, 12, 8)
    assert rules.reserve_review_due(dt.date(2023, 5, 1), {2024}, today) == [2023, 2025]
    assert rules.reserve_review_due(dt.date(2026, 1, 1), set(), today) == []


def test_quota_left_never_negative():
    assert rules.quota_left(3, 1) == 2
    assert rules.quota_left(3, 5) == 0
