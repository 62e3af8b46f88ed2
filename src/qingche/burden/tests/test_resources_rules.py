"""The pure rules of resources against load: a fund allocation arrived in full and on time or not, the
load per person, the people a town is short of its red line, and what a staffing decision grants."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingche.burden import rules

DUE = dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("arrived", "arrived_on", "today", "status"),
    [
        ("100", dt.date(2026, 6, 30), dt.date(2026, 7, 1), rules.FUND_ON_TIME),  # in full on the day due
        ("100", dt.date(2026, 6, 1), dt.date(2026, 6, 2), rules.FUND_ON_TIME),  # in full before the day due
        ("100", dt.date(2026, 7, 1), dt.date(2026, 7, 2), rules.FUND_LATE),  # in full a day late
        ("60", dt.date(2026, 6, 1), dt.date(2026, 7, 1), rules.FUND_SHORT),  # due, 60 of 100
        ("0", None, dt.date(2026, 7, 1), rules.FUND_SHORT),  # due, nothing arrived
        ("0", None, dt.date(2026, 6, 30), rules.FUND_PENDING),  # the day due itself: not yet late
        ("60", dt.date(2026, 6, 1), dt.date(2026, 6, 10), rules.FUND_PENDING),  # part arrived, not yet due
    ],
)
def test_fund_status(arrived, arrived_on, today, status):
    assert rules.fund_status(Decimal("100"), Decimal(arrived), DUE, arrived_on, today) == status


def test_only_late_and_short_are_flagged():
    assert set(rules.FUND_FLAGGED) == {rules.FUND_LATE, rules.FUND_SHORT}


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2),
    share=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=2),
    due_offset=st.integers(min_value=-400, max_value=400),
    arrival_offset=st.integers(min_value=-400, max_value=400),
)
def test_fund_flag_means_not_in_full_and_on_time(amount, share, due_offset, arrival_offset):
    today = dt.date(2026, 7, 1)
    due = today + dt.timedelta(days=due_offset)
    arrived = (amount * share).quantize(Decimal("0.01"))
    arrived_on = today + dt.timedelta(days=min(0, arrival_offset)) if arrived else None
    flagged = rules.fund_status(amount, arrived, due, arrived_on, today) in rules.FUND_FLAGGED
    in_full_on_time = arrived >= amount and arrived_on <= due
    # flagged exactly when it is due (or arrived late) and not in full and on time
    assert flagged == (not in_full_on_time and (today > due or arrived >= amount))


def test_load_per_person():
    assert rules.load_per_person(1234.0, 10) == 123.4
    assert rules.load_per_person(50.0, 0) is None


def test_people_short_of_the_red_line_by_hand():
    # 21 working days × 8 h × red line 1.0 = 168 h a person; 2,000 h of load needs ceil(11.9) = 12 people
    kwargs = {"working_days": 21, "hours_per_day": 8.0, "red_line": 1.0}
    assert rules.people_short(2000.0, in_post=10, **kwargs) == 2
    assert rules.people_short(2000.0, in_post=12, **kwargs) == 0
    assert rules.people_short(2000.0, in_post=15, **kwargs) == 0  # never negative
    assert rules.people_short(168.0 * 3, in_post=2, **kwargs) == 1  # exactly three people's hours: three
    assert rules.people_short(500.0, in_post=0, working_days=0, hours_per_day=8.0, red_line=1.0) == 0


@given(
    load=st.floats(min_value=0, max_value=1e6),
    in_post=st.integers(min_value=0, max_value=500),
    working_days=st.integers(min_value=1, max_value=23),
)
def test_with_the_people_short_added_the_index_is_at_or_under_the_red_line(load, in_post, working_days):
    short = rules.people_short(load, in_post=in_post, working_days=working_days, hours_per_day=8.0, red_line=1.2)
    people = in_post + short
    if people:
        assert round(load, 4) / (people * working_days * 8.0) <= 1.2 + 1e-9
    if short and people > 1:  # and one fewer would not be enough
        assert round(load, 4) / ((people - 1) * working_days * 8.0) > 1.2


def test_staffing_decision():
    assert rules.staffing_decision("approved", 4, None) == 4
    assert rules.staffing_decision("approved", 4, 1) == 4  # approving grants what was asked
    assert rules.staffing_decision("refused", 4, None) == 0
    assert rules.staffing_decision("partly", 4, 2) == 2
    for granted in (None, 0, 4, 5):
        with pytest.raises(ValueError):
            rules.staffing_decision("partly", 4, granted)
    with pytest.raises(ValueError):
        rules.staffing_decision("maybe", 4, 2)
