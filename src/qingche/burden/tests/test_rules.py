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
    result = rules.burden_index(
        {"inspections": 40, "meetings": 30, "service": 20},
        {"inspections": 1.0, "meetings": 0.5, "service": 2.0},
        in_post=5,
        working_days=20,
        hours_per_day=7,
        red_line=1.2,
        senders={"service": rules.CITIZEN},
    )
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
    result = rules.burden_index(
        {"meetings": 63}, {}, in_post=3, working_days=days, hours_per_day=calendar.hours_per_day, red_line=1
    )
    assert result.capacity == 378
    assert result.value == 0.1667


def test_standing_and_imposed_parts_by_hand():
    # standing 2,000 h (the duty list) + imposed 300 h inspections + 100 h × 2.0 service = 2,500 h
    # capacity 18 people in post × 21 days × 7 h = 2,646; quota 20 → 2 vacancies × 21 × 7 = 294 h lost
    result = rules.burden_index(
        {"standing": 2000, "inspections": 300, "service": 100},
        {"service": 2.0},
        in_post=18,
        working_days=21,
        hours_per_day=7,
        red_line=1.0,
        senders={"standing": rules.STANDING, "service": rules.CITIZEN},
        quota=20,
    )
    assert result.load == 2500 and result.standing == 2000 and result.imposed == 500
    assert result.capacity == 2646 and result.value == round(2500 / 2646, 4) == 0.9448
    assert result.imposed_share == round(500 / 2646, 4) == 0.189
    assert result.vacancy == 2 and result.lost_capacity == 294
    assert result.by_sender == {"standing": 2000.0, "upper": 300.0, "citizen": 200.0}
    assert result.state == rules.OK


def test_standing_duties_alone_can_cross_the_red_line_and_no_capacity_has_no_share():
    standing = {"standing": rules.STANDING}
    heavy = rules.burden_index(
        {"standing": 3000}, {}, in_post=18, working_days=21, hours_per_day=7, red_line=1.0, senders=standing
    )
    assert heavy.state == rules.RED and heavy.imposed == 0 and heavy.imposed_share == 0
    empty = rules.burden_index({"standing": 30}, {}, in_post=0, working_days=21, hours_per_day=7, red_line=1.0, quota=5)
    assert empty.imposed_share is None and empty.vacancy == 5 and empty.lost_capacity == 5 * 21 * 7
    overstaffed = rules.burden_index({}, {}, in_post=6, working_days=21, hours_per_day=7, red_line=1.0, quota=5)
    assert overstaffed.vacancy == 0 and overstaffed.lost_capacity == 0
    assert rules.burden_index({}, {}, in_post=6, working_days=21, hours_per_day=7, red_line=1.0).quota is None
    with pytest.raises(ValueError):
        rules.burden_index({}, {}, in_post=1, working_days=1, hours_per_day=7, red_line=1, quota=-1)


@given(
    loads=st.dictionaries(
        st.sampled_from(["standing", "apps", "tasks", "service"]), st.floats(min_value=0, max_value=1e5), max_size=4
    ),
    weights=st.dictionaries(
        st.sampled_from(["standing", "apps", "tasks", "service"]), st.floats(min_value=0, max_value=10), max_size=4
    ),
    in_post=st.integers(min_value=0, max_value=500),
    quota=st.integers(min_value=0, max_value=600),
    days=st.integers(min_value=0, max_value=31),
)
def test_the_parts_add_up_to_the_load(loads, weights, in_post, quota, days):
    senders = {"standing": rules.STANDING, "service": rules.CITIZEN}
    result = rules.burden_index(
        loads, weights, in_post=in_post, working_days=days, hours_per_day=7, red_line=1.0, senders=senders, quota=quota
    )
    assert result.standing + result.imposed == pytest.approx(result.load, abs=1e-3)
    assert sum(result.by_sender.values()) == pytest.approx(result.load, abs=1e-3)
    assert result.standing == pytest.approx(weights.get("standing", 1.0) * loads.get("standing", 0.0), abs=1e-3)
    assert result.lost_capacity == max(0, quota - in_post) * days * 7
    if result.capacity:
        assert result.imposed_share == pytest.approx(result.imposed / result.capacity, abs=1e-4)
        assert result.value - result.imposed_share == pytest.approx(result.standing / result.capacity, abs=2e-4)
    else:
        assert result.imposed_share is None and result.value is None


def test_month_share_prorates_a_monthly_figure():
    assert rules.month_share(rules.Period.month(2026, 2)) == 1
    assert rules.month_share(rules.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 15))) == 0.5
    assert rules.month_share(rules.Period.year(2026)) == 12
    # 17–31 January (15 of 31 days) and all February
    assert rules.month_share(rules.Period(dt.date(2026, 1, 17), dt.date(2026, 2, 28))) == round(15 / 31 + 1, 6)


@given(first=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)), days=st.integers(0, 800))
def test_month_share_adds_up_over_split_periods(first, days):
    last = first + dt.timedelta(days=days)
    whole = rules.month_share(rules.Period(first, last))
    middle = first + dt.timedelta(days=days // 2)
    split = rules.month_share(rules.Period(first, middle))
    if middle < last:
        split += rules.month_share(rules.Period(middle + dt.timedelta(days=1), last))
    assert whole == pytest.approx(split, abs=1e-5)
    assert days / 31 <= whole <= (days + 1) / 28


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
    assert (
        rules.meeting_problems(
            start, start + dt.timedelta(hours=2), speech_minutes=60, with_group_discussion=False, **caps
        )
        == []
    )
    assert rules.meeting_problems(
        start, start + dt.timedelta(hours=5), speech_minutes=61, with_group_discussion=False, **caps
    ) == ["speech_too_long", "too_long"]
    assert (
        rules.meeting_problems(
            start, start + dt.timedelta(hours=5), speech_minutes=10, with_group_discussion=True, **caps
        )
        == []
    )
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


# -- the index of a person --------------------------------------------------------------------------------------
def test_person_index_by_hand():
    # The unit (itself) this month: inspections 40 h, meetings 30 h (weight 0.5), admitted tasks 24 h of which 18 h
    # were split to named people, confirmed overtime 10 h (all of it someone's own), citizen service 20 h
    # (weight 2). Five people, all in post the whole month (20 working days, 7 h a day).
    # pool, weighted: 40 + 30 × 0.5 + (24 − 18) + (10 − 10) + 20 × 2 = 40 + 15 + 6 + 0 + 40 = 101
    # share: 20 ÷ (5 × 20) = 1/5 → shared 20.2; own: tasks 12 + overtime 4 = 16 → load 36.2
    # capacity 20 × 7 = 140 → index 36.2 ÷ 140 = 0.2586
    result = rules.person_index(
        {"tasks": 12, "overtime": 4},
        {"inspections": 40, "meetings": 30, "tasks": 24, "overtime": 10, "service": 20},
        {"tasks": 18, "overtime": 10},
        {"meetings": 0.5, "service": 2.0},
        days_in_post=20,
        team_days=100,
        in_post=5,
        working_days=20,
        hours_per_day=7,
        red_line=1.2,
    )
    assert result.pool == {"inspections": 40.0, "meetings": 30.0, "overtime": 0.0, "service": 20.0, "tasks": 6.0}
    assert result.pool_load == 101
    assert result.share == 0.2 and result.shared_load == 20.2
    assert result.own_load == 16 and result.load == 36.2
    assert result.capacity == 140
    assert result.value == round(36.2 / 140, 4) == 0.2586
    assert result.state == rules.OK


def test_person_index_in_october_2025_with_national_day_and_tiaoxiu():
    """October 2025 has 18 working days: 1–8 October are the National Day holiday, Saturday 11 October is a 调休
    working day. Three people share the unit: A joined on 9 October (after the holiday: no working day lost), B
    left after 17 October (9, 10, 11 and 13–17 October: 8 working days), C two overlapping posts all month."""
    calendar = WorkCalendar()
    october = rules.Period.month(2025, 10)
    workdays = [october.first + dt.timedelta(days=n) for n in range(31)]
    workdays = [day for day in workdays if calendar.is_workday(day)]
    assert len(workdays) == 18 and dt.date(2025, 10, 11) in workdays and dt.date(2025, 10, 8) not in workdays
    days = {
        "A": rules.working_days_in_post([(dt.date(2025, 10, 9), None)], workdays),
        "B": rules.working_days_in_post([(dt.date(2024, 3, 1), dt.date(2025, 10, 17))], workdays),
        "C": rules.working_days_in_post(
            [(dt.date(2025, 9, 1), dt.date(2025, 10, 10)), (dt.date(2025, 10, 10), None)], workdays
        ),
    }
    assert days == {"A": 18, "B": 8, "C": 18}
    # The unit: inspections 12 h, meetings 5 h, tasks 6 h (all split to A), overtime 6 h (C's own, confirmed).
    # pool = 12 + 5 + (6 − 6) + (6 − 6) = 17, shared by 18 + 8 + 18 = 44 working days in post.
    unit = {"inspections": 12, "meetings": 5, "tasks": 6, "overtime": 6}
    named = {"tasks": 6, "overtime": 6}
    own = {"A": {"tasks": 6}, "B": {}, "C": {"overtime": 6}}

    def index(who):
        return rules.person_index(
            own[who],
            unit,
            named,
            {},
            days_in_post=days[who],
            team_days=44,
            in_post=3,
            working_days=18,
            hours_per_day=7,
            red_line=1.0,
        )

    a, b, c = index("A"), index("B"), index("C")
    # A: 6 + 17 × 18/44 = 6 + 6.9545 = 12.9545 over 18 × 7 = 126 → 0.1028
    assert a.shared_load == 6.9545 and a.load == 12.9545 and a.capacity == 126 and a.value == 0.1028
    # B: 17 × 8/44 = 3.0909 over 8 × 7 = 56 → 0.0552 (a part-month in post is a part-month of capacity)
    assert b.own_load == 0 and b.shared_load == 3.0909 and b.capacity == 56 and b.value == 0.0552
    # C: overtime 6 + 6.9545, as A
    assert c.load == 12.9545 and c.value == 0.1028
    # Nothing is lost or counted twice: the three loads add up to the unit's 29 person-hours.
    assert a.load + b.load + c.load == pytest.approx(12 + 5 + 6 + 6, abs=1e-3)


def test_a_person_not_in_post_has_no_capacity_but_keeps_their_own_work():
    result = rules.person_index(
        {"overtime": 3},
        {"overtime": 3, "inspections": 10},
        {"overtime": 3},
        {},
        days_in_post=0,
        team_days=40,
        in_post=2,
        working_days=20,
        hours_per_day=7,
        red_line=1.0,
    )
    assert result.value is None and result.state == rules.NO_CAPACITY
    assert result.share == 0 and result.shared_load == 0 and result.load == 3 and result.capacity == 0
    nobody = rules.person_index(
        {},
        {"inspections": 10},
        {},
        {},
        days_in_post=0,
        team_days=0,
        in_post=0,
        working_days=20,
        hours_per_day=7,
        red_line=1.0,
    )
    assert nobody.state == rules.NO_CAPACITY and nobody.pool_load == 10


def test_named_work_beyond_the_units_load_never_makes_the_pool_negative():
    # A part forwarded to a village is its people's own work, though the admitted effort is the town's load.
    result = rules.person_index(
        {"tasks": 8},
        {"tasks": 2, "meetings": 4},
        {"tasks": 8},
        {},
        days_in_post=10,
        team_days=20,
        in_post=2,
        working_days=10,
        hours_per_day=7,
        red_line=1.0,
    )
    assert result.pool == {"meetings": 4.0, "tasks": 0.0}
    assert result.shared_load == 2 and result.load == 10 and result.value == round(10 / 70, 4)


def test_person_index_over_one_and_over_the_red_line():
    over = rules.person_index(
        {"tasks": 80},
        {},
        {},
        {},
        days_in_post=10,
        team_days=10,
        in_post=1,
        working_days=10,
        hours_per_day=7,
        red_line=1.5,
    )
    assert over.value == round(80 / 70, 4) and over.state == rules.OVER
    red = rules.person_index(
        {"tasks": 80},
        {},
        {},
        {"tasks": 2},
        days_in_post=10,
        team_days=10,
        in_post=1,
        working_days=10,
        hours_per_day=7,
        red_line=1.5,
    )
    assert red.value == round(160 / 70, 4) and red.state == rules.RED


@pytest.mark.parametrize(
    "days_in_post, team_days, in_post, working_days", [(-1, 10, 1, 10), (11, 11, 1, 10), (5, 4, 2, 10), (5, 25, 2, 10)]
)
def test_impossible_person_inputs_are_refused(days_in_post, team_days, in_post, working_days):
    with pytest.raises(ValueError):
        rules.person_index(
            {},
            {},
            {},
            {},
            days_in_post=days_in_post,
            team_days=team_days,
            in_post=in_post,
            working_days=working_days,
            hours_per_day=7,
            red_line=1.0,
        )


@given(
    days=st.lists(st.integers(min_value=0, max_value=22), min_size=1, max_size=8),
    unit=st.dictionaries(
        st.sampled_from(["inspections", "meetings", "tasks", "service"]),
        st.floats(min_value=0, max_value=1e4),
        max_size=4,
    ),
    weights=st.dictionaries(
        st.sampled_from(["inspections", "meetings", "tasks", "service"]),
        st.floats(min_value=0, max_value=3),
        max_size=4,
    ),
)
def test_the_people_in_post_share_exactly_the_pool(days, unit, weights):
    team_days = sum(days)
    results = [
        rules.person_index(
            {},
            unit,
            {},
            weights,
            days_in_post=count,
            team_days=team_days,
            in_post=len(days),
            working_days=22,
            hours_per_day=7,
            red_line=1.0,
        )
        for count in days
    ]
    pool = results[0].pool_load
    if team_days:
        assert sum(result.shared_load for result in results) == pytest.approx(pool, abs=1e-3 * len(days) + 1e-6 * pool)
    for count, result in zip(days, results, strict=True):
        assert (result.value is None) is (count == 0)


@pytest.mark.parametrize(
    ("value", "kind", "maximum", "problem"),
    [
        ("12", "count", None, None),
        ("1,234", "count", Decimal("5000"), None),
        ("十二", "count", None, "not_a_number"),
        ("12人", "number", None, "not_a_number"),
        ("NaN", "number", None, "not_a_number"),
        ("-3", "count", None, "negative"),
        ("-3", "number", None, None),  # a number (a change, a balance) may be below zero
        ("2.5", "count", None, "not_whole"),
        ("2.5", "number", Decimal("10"), None),
        ("5001", "count", Decimal("5000"), "too_large"),
        ("1e9", "number", Decimal("5000000"), "too_large"),
        ("85%", "text", None, None),
    ],
)
def test_a_filled_value_is_checked_by_its_kind_and_largest_plausible_value(value, kind, maximum, problem):
    assert rules.filled_value_problem(value, kind, maximum) == problem
