"""The pure rules: index arithmetic by hand, capacity 0, caps, reuse share, the calendar month with
holidays and 调休."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingche.burden import rules
from qingche.core.workcal import WorkCalendar


def test_index_by_hand():
    # load: 40 h inspections × 1.0 + 30 h meetings × 0.5 + 20 h service × 2.0 = 40 + 15 + 40 = 95
    # capacity: 5 people × 20 days × 7 h = 700 → 95 / 700 = 0.1357
    result = rules.burden_index({"inspections": 40, "meetings": 30, "service": 20},
                                {"inspections": 1.0, "meetings": 0.5, "service": 2.0},
                                in_post=5, working_days=20, hours_per_day=7, red_line=1.2,
                                senders={"service": rules.CITIZEN})
    assert result.load == 95
    assert result.capacity == 700
    assert result.value == round(95 / 700, 4) == 0.1357
    assert result.state == rules.OK
    assert result.by_sender == {"upper": 55.0, "citizen": 40.0}


def test_over_one_and_over_the_red_line():
    over = rules.burden_index({"tasks": 1100}, {}, in_post=1, working_days=20, hours_per_day=50, red_line=1.2)
    assert over.value == 1.1 and over.state == rules.OVER
    red = rules.burden_index({"tasks": 1300}, {}, in_post=1, working_days=20, hours_per_day=50, red_line=1.2)
    assert red.value == 1.3 and red.state == rules.RED


def test_zero_people_in_post_is_no_capacity_not_a_division_error():
    result = rules.burden_index({"inspections": 12}, {}, in_post=0, working_days=21, hours_per_day=7, red_line=1)
    assert result.value is None
    assert result.state == rules.NO_CAPACITY
    assert result.capacity == 0 and result.load == 12
    no_days = rules.burden_index({}, {}, in_post=3, working_days=0, hours_per_day=7, red_line=1)
    assert no_days.state == rules.NO_CAPACITY


def test_negative_capacity_inputs_are_refused():
    with pytest.raises(ValueError):
        rules.burden_index({}, {}, in_post=-1, working_days=1, hours_per_day=7, red_line=1)


@given(
    loads=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.floats(min_value=0, max_value=1e5), max_size=3),
    in_post=st.integers(min_value=0, max_value=500),
    days=st.integers(min_value=0, max_value=31),
)
def test_index_is_load_over_capacity_or_none(loads, in_post, days):
    result = rules.burden_index(loads, {}, in_post=in_post, working_days=days, hours_per_day=7, red_line=1.0)
    if in_post * days == 0:
        assert result.value is None and result.state == rules.NO_CAPACITY
    else:
        assert result.value == pytest.approx(sum(loads.values()) / (in_post * days * 7), abs=1e-4)
        assert result.value >= 0


def test_october_2025_with_national_day_and_tiaoxiu():
    """October 2025: 23 weekdays; 1–8 October are holidays (six of them weekdays), Saturday 11 October is
    a 调休 working day: 23 − 6 + 1 = 18 working days; × 7 office hours = 126 hours a person."""
    calendar = WorkCalendar()
    period = rules.Period.month(2025, 10)
    days = calendar.working_days_in(period.first, period.last)
    assert days == 18
    assert calendar.is_workday(dt.date(2025, 10, 11))  # 调休 Saturday
    assert not calendar.is_workday(dt.date(2025, 10, 6))  # a Monday inside the holiday
    # 3 people in post, 63 person-hours of load → 63 / (3 × 18 × 7) = 63 / 378 = 0.1667
    result = rules.burden_index({"meetings": 63}, {}, in_post=3, working_days=days,
                                hours_per_day=calendar.hours_per_day, red_line=1)
    assert result.capacity == 378
    assert result.value == 0.1667


def test_administrator_overrides_change_capacity():
    calendar = WorkCalendar(overrides={dt.date(2025, 10, 31): False})
    assert calendar.working_days_in(dt.date(2025, 10, 1), dt.date(2025, 10, 31)) == 17


def test_period_helpers():
    assert rules.Period.month(2026, 2).last == dt.date(2026, 2, 28)
    assert rules.Period.month(2026, 12).last == dt.date(2026, 12, 31)
    assert rules.last_months(dt.date(2026, 2, 1), 3) == [dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert rules.Period.year(2026).months()[-1] == dt.date(2026, 12, 1)
    with pytest.raises(ValueError):
        rules.Period(dt.date(2026, 2, 2), dt.date(2026, 2, 1))


def test_meeting_caps():
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    caps = {"speech_cap_minutes": 60, "max_hours": 4, "max_hours_discussion": 10.5}
    assert rules.meeting_problems(start, start + dt.timedelta(hours=2), speech_minutes=60,
                                  with_group_discussion=False, **caps) == []
    assert rules.meeting_problems(start, start + dt.timedelta(hours=5), speech_minutes=61,
                                  with_group_discussion=False, **caps) == ["speech_too_long", "too_long"]
    assert rules.meeting_problems(start, start + dt.timedelta(hours=5), speech_minutes=10,
                                  with_group_discussion=True, **caps) == []
    with pytest.raises(ValueError):
        rules.meeting_problems(start, start, speech_minutes=0, with_group_discussion=False, **caps)
    assert rules.meeting_person_hours(start, start + dt.timedelta(minutes=90), 4) == 6.0


def test_document_caps_and_yearly_change():
    assert not rules.document_over_cap(5000, special_task=False, cap=5000, special_cap=4000)
    assert rules.document_over_cap(5001, special_task=False, cap=5000, special_cap=4000)
    assert rules.document_over_cap(4001, special_task=True, cap=5000, special_cap=4000)
    assert rules.yearly_change(12, 10) == {"this_year": 12, "last_year": 10, "change": 2, "grew": True}


def test_reuse_share_and_hours():
    assert rules.reuse_share(0, 0) is None
    assert rules.reuse_share(8, 6) == 0.75
    with pytest.raises(ValueError):
        rules.reuse_share(3, 4)
    assert rules.fill_person_hours(6, 6, minutes_per_typed=5, minutes_per_prefilled=0.5) == Decimal("0.55")
    assert rules.hours_saved(12, minutes_per_typed=5, minutes_per_prefilled=0) == 1.0


def test_apps_and_reports():
    assert rules.app_violations(True, False, True) == ["compulsory_checkin", "online_time"]
    assert rules.report_text_problem("x" * 100_000, 5000) == "too_long"
    assert rules.report_text_problem("  hi ", 5000) == "too_short"
    assert rules.report_text_problem("检查太多了，台账重复", 5000) is None
