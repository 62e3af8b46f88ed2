"""Pure rules: the workflow state machine, SLA arithmetic over weekends, holidays and 调休, the three
rates on hand-computed data, routing by duty lists, places and near-duplicates."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.core.workcal import SHANGHAI, WorkCalendar
from qingche.service import rules
from qingche.service.rules import (
    ACCEPTED,
    ANSWERED,
    ARBITRATION,
    CLOSED,
    DISPATCHED,
    IN_PROGRESS,
    MERGED,
    NEW,
    RETURNED,
    Limit,
    RateCounts,
    RuleError,
)

CAL = WorkCalendar()


def at(y, m, d, h=9, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


# -- workflow ---------------------------------------------------------------------------------------
def test_happy_path():
    status = NEW
    for action in ("dispatch", "accept", "start"):
        status = rules.next_status(status, action)
    assert status == IN_PROGRESS
    status = rules.next_status(status, "answer", reason="已修复")
    assert status == ANSWERED
    assert rules.next_status(status, "callback", solved=True, satisfaction="satisfied") == CLOSED


@pytest.mark.parametrize(
    "status,action",
    [
        (NEW, "accept"),
        (NEW, "answer"),
        (DISPATCHED, "answer"),
        (ANSWERED, "accept"),
        (CLOSED, "callback"),
        (CLOSED, "dispatch"),
        (MERGED, "dispatch"),
        (ARBITRATION, "dispatch"),
        (IN_PROGRESS, "return"),
        (ANSWERED, "return"),
        (RETURNED, "accept"),
    ],
)
def test_refused_transitions(status, action):
    with pytest.raises(RuleError):
        rules.next_status(status, action, reason="x", solved=True, satisfaction="satisfied")


def test_return_needs_reason_and_twice_goes_to_arbitration():
    with pytest.raises(RuleError) as error:
        rules.next_status(DISPATCHED, "return", reason="  ")
    assert error.value.field == "reason"
    assert rules.next_status(DISPATCHED, "return", reason="不属本单位职责", return_count=0) == RETURNED
    assert rules.next_status(ACCEPTED, "return", reason="不属本单位职责", return_count=1) == ARBITRATION


def test_binding_arbitration_cannot_be_returned():
    with pytest.raises(RuleError):
        rules.next_status(DISPATCHED, "return", reason="还是不归我们", binding=True)


def test_reopen_only_when_unsolved_or_unsatisfied():
    assert rules.next_status(CLOSED, "reopen", solved=False, satisfaction="basic") == IN_PROGRESS
    assert rules.next_status(CLOSED, "reopen", solved=True, satisfaction="unsatisfied") == IN_PROGRESS
    with pytest.raises(RuleError):
        rules.next_status(CLOSED, "reopen", solved=True, satisfaction="satisfied")


def test_callback_needs_both_answers():
    with pytest.raises(RuleError):
        rules.next_status(ANSWERED, "callback", solved=None, satisfaction="satisfied")
    with pytest.raises(RuleError):
        rules.next_status(ANSWERED, "callback", solved=True, satisfaction="great")


ACTIONS = st.sampled_from(sorted(rules.ALLOWED_FROM))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ACTIONS, st.booleans(), st.sampled_from(rules.SATISFACTIONS)), max_size=40))
def test_any_sequence_stays_in_the_machine(steps):
    """Random action sequences: every accepted step is allowed from the state it starts in, the state is
    always known, no request is returned more than the limit without arbitration, and a binding
    assignment is never returned."""
    status, returns, binding, solved, satisfaction = NEW, 0, False, None, ""
    for action, flag, sat in steps:
        try:
            after = rules.next_status(
                status,
                action,
                return_count=returns,
                binding=binding,
                reason="理由",
                solved=flag if action == "callback" else solved,
                satisfaction=sat if action == "callback" else satisfaction,
            )
        except RuleError:
            assert not rules.can(status, action) or action in ("return", "reopen", "callback")
            continue
        assert rules.can(status, action)
        assert after in rules.STATUSES
        if action == "return":
            assert not binding
            returns += 1
            assert (after == ARBITRATION) == (returns >= 2)
        if action == "arbitrate":
            binding = True
        if action == "dispatch":
            binding = False
        if action == "callback":
            solved, satisfaction = flag, sat
        if action == "reopen":
            assert solved is False or satisfaction == "unsatisfied"
        status = after
        if status == MERGED:
            assert all(not rules.can(MERGED, a) for a in rules.ALLOWED_FROM)


# -- SLA arithmetic ---------------------------------------------------------------------------------
def test_accept_limit_over_a_weekend():
    # Friday 2026-03-06 16:30: one working hour left that day, the next on Monday 08:30-09:30
    accept_due, due = rules.deadlines(
        at(2026, 3, 6, 16, 30), Limit(7, rules.WORKING_DAYS), Limit(2, rules.WORKING_HOURS), CAL
    )
    assert accept_due == at(2026, 3, 9, 9, 30)
    assert due == at(2026, 3, 17, 17, 30)  # 7 working days after Friday: Mon 9 … Tue 17


def test_general_limit_over_national_day_holiday():
    # 2026 National Day: 10-01..10-07 off (library); seven working days from 2026-09-30
    due = rules.add_limit(at(2026, 9, 30, 10), Limit(7, rules.WORKING_DAYS), CAL)
    days = [d for d in (dt.date(2026, 9, 30) + dt.timedelta(n) for n in range(1, 30)) if CAL.is_workday(d)]
    assert due.date() == days[6]
    assert due.date() > dt.date(2026, 10, 7)


def test_tiaoxiu_saturday_counts_as_working_day():
    # An administrator's 调休 entry: Saturday 2026-03-07 is a working day
    cal = WorkCalendar(overrides={dt.date(2026, 3, 7): True})
    assert rules.add_limit(at(2026, 3, 6, 10), Limit(1, rules.WORKING_DAYS), cal).date() == dt.date(2026, 3, 7)
    assert rules.add_limit(at(2026, 3, 6, 10), Limit(1, rules.WORKING_DAYS), CAL).date() == dt.date(2026, 3, 9)
    holiday = WorkCalendar(overrides={dt.date(2026, 3, 9): False})
    assert rules.add_limit(at(2026, 3, 6, 10), Limit(1, rules.WORKING_DAYS), holiday).date() == dt.date(2026, 3, 10)


def test_emergency_and_utility_limits_are_clock_hours():
    start = at(2026, 3, 7, 22)  # Saturday night
    assert rules.add_limit(start, Limit(2, rules.HOURS), CAL) == at(2026, 3, 8, 0)
    assert rules.add_limit(start, Limit(24, rules.HOURS), CAL) == at(2026, 3, 8, 22)
    accept_due, due = rules.deadlines(start, Limit(2, rules.HOURS), Limit(2, rules.WORKING_HOURS), CAL)
    assert accept_due == due  # accepting never takes longer than handling


def test_an_emergency_runs_on_the_wall_clock_even_if_its_limits_are_set_in_working_time():
    # Friday 2026-03-06 16:30, limits mis-set to working time: an emergency still counts the night and weekend
    start = at(2026, 3, 6, 16, 30)
    emergency = Limit(2, rules.WORKING_HOURS, wall_clock=True)
    accept_due, due = rules.deadlines(start, emergency, Limit(1, rules.WORKING_HOURS), CAL)
    assert (accept_due, due) == (at(2026, 3, 6, 17, 30), at(2026, 3, 6, 18, 30))
    day = rules.deadlines(start, Limit(1, rules.WORKING_DAYS, wall_clock=True), Limit(2, rules.WORKING_HOURS), CAL)
    assert day == (at(2026, 3, 6, 18, 30), at(2026, 3, 7, 16, 30))
    # the same limits for a general request follow the working-day calendar: Monday
    assert rules.deadlines(start, Limit(2, rules.WORKING_HOURS), Limit(1, rules.WORKING_HOURS), CAL)[1].date() == (
        dt.date(2026, 3, 9)
    )


MOMENTS = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 20)).map(
    lambda d: d.replace(tzinfo=SHANGHAI)
)


@settings(max_examples=200, deadline=None)
@given(MOMENTS, st.integers(min_value=1, max_value=20))
def test_working_day_deadline_properties(start, days):
    due = rules.add_limit(start, Limit(days, rules.WORKING_DAYS), CAL)
    assert due > start
    assert CAL.is_workday(due.date())
    assert due.time() == dt.time(17, 30)
    counted = [
        d
        for d in (start.date() + dt.timedelta(n) for n in range(1, (due.date() - start.date()).days + 1))
        if CAL.is_workday(d)
    ]
    assert len(counted) == days


@settings(max_examples=200, deadline=None)
@given(MOMENTS, st.floats(min_value=0.25, max_value=40))
def test_working_hours_deadline_properties(start, hours):
    due = rules.add_limit(start, Limit(hours, rules.WORKING_HOURS), CAL)
    assert due >= start
    assert abs(CAL.working_hours_between(start, due) - hours) < 1e-6


@settings(max_examples=200, deadline=None)
@given(MOMENTS, st.integers(min_value=0, max_value=60 * 24 * 30))
def test_clock_states_follow_the_deadlines(dispatched, minutes_later):
    accept_due, due = rules.deadlines(dispatched, Limit(7, rules.WORKING_DAYS), Limit(2, rules.WORKING_HOURS), CAL)
    now = dispatched + dt.timedelta(minutes=minutes_later)
    waiting = rules.clock_state(
        status=DISPATCHED,
        now=now,
        accept_due=accept_due,
        due_at=due,
        accepted_at=None,
        answered_at=None,
        dispatched_at=dispatched,
    )
    working = rules.clock_state(
        status=IN_PROGRESS,
        now=now,
        accept_due=accept_due,
        due_at=due,
        accepted_at=dispatched,
        answered_at=None,
        dispatched_at=dispatched,
    )
    assert (waiting.state == rules.LATE_ACCEPT) == (now > accept_due)
    assert (working.state == rules.OVERDUE) == (now > due)
    if working.state == rules.DUE_SOON:
        assert (due - now) <= dt.timedelta(hours=24)
    done = rules.clock_state(
        status=CLOSED, now=now, accept_due=accept_due, due_at=due, accepted_at=None, answered_at=None
    )
    assert done.state == rules.DONE


def test_extension_adds_working_days():
    due = at(2026, 3, 6, 17, 30)
    assert rules.extend(due, 2, CAL) == at(2026, 3, 10, 17, 30)
    with pytest.raises(RuleError):
        rules.extend(due, 0, CAL)


# -- the three rates --------------------------------------------------------------------------------
def test_rates_hand_computed():
    counts = RateCounts(dispatched=20, accepted_in_time=18, called_back=10, solved=7, satisfied=5, basic_satisfied=2)
    rates = rules.rates(counts)
    assert rates.response == pytest.approx(0.9)
    assert rates.resolution == pytest.approx(0.7)
    assert rates.satisfaction == pytest.approx(0.6)  # (5 + 0.5 × 2) / 10
    assert rates.score == pytest.approx(100 * (0.1 * 0.9 + 0.45 * 0.7 + 0.45 * 0.6))
    weighted = rules.rates(counts, basic_weight=1.0, weights=(0.2, 0.4, 0.4))
    assert weighted.satisfaction == pytest.approx(0.7)
    assert weighted.score == pytest.approx(100 * (0.2 * 0.9 + 0.4 * 0.7 + 0.4 * 0.7))


def test_rates_without_callbacks_use_the_known_rate_only():
    rates = rules.rates(RateCounts(dispatched=4, accepted_in_time=3))
    assert rates.resolution is None and rates.satisfaction is None
    assert rates.score == pytest.approx(75.0)
    assert rules.rates(RateCounts()).score is None


def test_ranking_with_ties_and_month_on_month():
    def row(uid, score):
        return rules.RankRow(uid, f"u{uid}", "town", rules.Rates(None, None, None, score), RateCounts())

    previous = {1: rules.Rates(None, None, None, 90.0), 2: rules.Rates(None, None, None, 95.0)}
    ranked = rules.rank([row(1, 96.0), row(2, 80.0), row(3, 96.0), row(4, None)], previous)
    assert [(r.unit_id, r.rank) for r in ranked] == [(1, 1), (3, 1), (2, 3), (4, None)]
    assert ranked[0].change == pytest.approx(6.0) and ranked[0].previous_rank == 2
    assert ranked[2].previous_rank == 1


# -- routing ----------------------------------------------------------------------------------------
ITEMS = [
    rules.DutyMatch("JB-010", "农村人居环境整治，村庄保洁和垃圾收集", "basic", ("垃圾", "保洁", "人居环境")),
    rules.DutyMatch(
        "PH-020", "配合做好农民工工资支付监管", "cooperation", ("拖欠工资", "农民工"), 7, "县人力资源和社会保障局"
    ),
    rules.DutyMatch("SH-030", "燃气安全监管", "taken_back", ("燃气", "液化气"), 8, "县住房和城乡建设局"),
]


def route(text, items=ITEMS, town=3):
    return rules.suggest_route(
        text=text,
        category_words=["城乡建设"],
        town_id=town,
        town_name="东河镇",
        items=items,
        county_office_id=99,
        county_office_name="县政府办公室",
    )


def test_basic_duty_goes_to_the_town():
    result = route("村口垃圾一周没人清运")
    assert result.unit_id == 3 and result.duty_code == "JB-010"
    assert "JB-010" in result.reason and "基本履职事项" in result.reason


def test_cooperation_goes_to_the_lead_department():
    result = route("工地老板拖欠工资三个月")
    assert result.unit_id == 7 and "配合" in result.reason and "县人力资源和社会保障局" in result.reason


def test_taken_back_goes_to_the_department_that_took_it():
    assert route("小区液化气瓶随意堆放").unit_id == 8


def test_no_clear_owner_goes_to_the_county_queue():
    assert route("建议开通到省城的高铁").unit_id == 99
    assert route("垃圾", town=None).unit_id == 99
    assert route("垃圾", items=[]).unit_id == 99


# -- places, text, duplicates -----------------------------------------------------------------------
BBOX = (27.9, 111.9, 28.5, 112.6)


@pytest.mark.parametrize(
    "lat,long", [("28.1", None), ("abc", "112"), ("nan", "112"), ("39.9", "116.4"), ("28.1", "113.0")]
)
def test_bad_coordinates(lat, long):
    with pytest.raises(RuleError):
        rules.check_coordinates(lat, long, BBOX)


def test_good_coordinates_and_nearest_place():
    assert rules.check_coordinates("28.1", "112.2", BBOX) == (28.1, 112.2)
    assert rules.check_coordinates(None, "", BBOX) is None
    assert rules.nearest((28.1, 112.2), [(1, 28.0, 112.0), (2, 28.11, 112.21)]) == 2
    assert rules.find_place_names("东河镇桃花村村口", [(1, "东河镇", "东河"), (2, "东河镇桃花村", "桃花村")]) == 2


def test_text_limits():
    with pytest.raises(RuleError):
        rules.clean_text("   ")
    with pytest.raises(RuleError):
        rules.clean_text("字" * 100_000)
    assert rules.clean_text("  <script>alert(1)</script>  ") == "<script>alert(1)</script>"


def test_similarity_and_masks():
    assert rules.similarity("东河镇桃花村垃圾没人清运", "东河镇桃花村的垃圾没有人清运") > 0.5
    assert rules.similarity("路灯坏了", "拖欠工资") == 0
    assert rules.mask_name("张三丰") == "张**"
    assert rules.request_number(dt.date(2026, 11, 1), 12) == "20261101000012"
