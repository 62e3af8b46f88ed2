"""The admission rules (rules.py) alone and in combination, and their properties; no database."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.tasks import rules

FAST = settings(max_examples=80, deadline=None, derandomize=True)
POLICY = rules.Policy(
    min_lead_days=5, standard_materials=frozenset({"ledgers", "summary"}), duplicate_threshold=0.6, burden_red_line=1.0
)
DEPT, OTHER_DEPT = 10, 11


def request(**changes):
    values = dict(
        requester_unit_id=DEPT,
        duty_code="JB-001",
        title="关于做好秸秆禁烧巡查工作的通知",
        content="请各乡镇组织秸秆禁烧巡查",
        lead_working_days=10,
    )
    values.update(changes)
    return rules.RequestFacts(**values)


def target(unit_id=1, kind="basic", lead=None, candidates=(), burden=0.5):
    duty = (
        None
        if kind is None
        else rules.DutyFact(kind=kind, name="秸秆禁烧", lead_unit_id=lead, lead_name="县农业农村局")
    )
    return rules.TargetFacts(unit_id=unit_id, duty=duty, candidates=tuple(candidates), burden_index=burden)


def outcome(checks, rule):
    return next(check for check in checks if check.rule == rule)


# -- rule 1: duty-list match ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "lead", "expected", "verdict"),
    [
        ("basic", None, rules.PASS, rules.ADMITTED),
        ("cooperation", DEPT, rules.PASS, rules.ADMITTED),
        ("cooperation", OTHER_DEPT, rules.BLOCK, rules.RETURNED),
        ("taken_back", DEPT, rules.BLOCK, rules.RETURNED),
        (None, None, rules.BLOCK, rules.PENDING),
    ],
)
def test_duty_match(kind, lead, expected, verdict):
    checks = rules.checks_for(request(), target(kind=kind, lead=lead), POLICY)
    assert outcome(checks, rules.DUTY).outcome == expected
    assert rules.verdict(checks) == verdict


def test_no_duty_code_waits_for_the_office():
    checks = rules.checks_for(request(duty_code=""), target(kind="basic"), POLICY)
    assert outcome(checks, rules.DUTY).code == rules.NOT_ON_LIST
    assert rules.verdict(checks) == rules.PENDING


# -- rule 2: registry -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("letter", "veto", "letter_ok", "veto_ok", "expected"),
    [
        (False, False, False, False, rules.PASS),
        (True, False, False, False, rules.BLOCK),
        (True, False, True, False, rules.PASS),
        (False, True, False, False, rules.BLOCK),
        (False, True, False, True, rules.PASS),
        (True, True, True, False, rules.BLOCK),
        (True, True, True, True, rules.PASS),
    ],
)
def test_registry(letter, veto, letter_ok, veto_ok, expected):
    facts = request(needs_letter=letter, has_veto=veto, letter_on_registry=letter_ok, veto_on_registry=veto_ok)
    check = rules.check_registry(facts)
    assert check.outcome == expected
    assert rules.verdict(rules.checks_for(facts, target(), POLICY)) == (
        rules.ADMITTED if expected == rules.PASS else rules.RETURNED
    )


# -- rule 3: lead time, with the statutory calendar ---------------------------------------------------
def test_lead_time_over_national_day_2025():
    # sent on Tue 30 Sep 2025, due Thu 9 Oct: 1-8 Oct are holidays, so the town has one working day
    days = rules.lead_working_days(dt.date(2025, 9, 30), dt.date(2025, 10, 9), chinese_calendar.is_workday)
    assert days == 1
    weekends_only = rules.lead_working_days(dt.date(2025, 9, 30), dt.date(2025, 10, 9), lambda d: d.weekday() < 5)
    assert weekends_only == 7
    assert rules.check_lead_time(request(lead_working_days=days), POLICY).outcome == rules.BLOCK
    assert rules.check_lead_time(request(lead_working_days=weekends_only), POLICY).outcome == rules.PASS


def test_lead_time_counts_tiaoxiu_saturday():
    # Sat 11 Oct 2025 is a 调休 working day; Sun 12 Oct is not
    assert rules.lead_working_days(dt.date(2025, 10, 10), dt.date(2025, 10, 13), chinese_calendar.is_workday) == 2
    assert rules.lead_working_days(dt.date(2025, 10, 10), dt.date(2025, 10, 13), lambda d: d.weekday() < 5) == 1


def test_lead_time_deadline_today_or_before_is_zero():
    assert rules.lead_working_days(dt.date(2026, 3, 2), dt.date(2026, 3, 2), chinese_calendar.is_workday) == 0
    assert rules.lead_working_days(dt.date(2026, 3, 2), dt.date(2026, 3, 1), chinese_calendar.is_workday) == 0


@pytest.mark.parametrize(
    ("urgent", "reason", "quota_left", "expected", "code"),
    [
        (False, "", 3, rules.BLOCK, "short"),
        (True, "", 3, rules.BLOCK, "urgent_no_reason"),
        (True, "防汛紧急", 0, rules.BLOCK, "quota_used"),
        (True, "防汛紧急", 1, rules.WARN, "urgent"),
    ],
)
def test_short_lead_time_and_urgency(urgent, reason, quota_left, expected, code):
    check = rules.check_lead_time(
        request(lead_working_days=2, urgent=urgent, urgent_reason=reason, urgent_quota_left=quota_left), POLICY
    )
    assert (check.outcome, check.code) == (expected, code)


# -- rule 4: near-duplicates ---------------------------------------------------------------------------
def test_similarity_is_chinese_aware():
    assert rules.similarity("关于做好秸秆禁烧巡查工作的通知", "关于做好秸秆禁烧巡查工作的通知！") == 1.0
    assert rules.similarity("关于做好秸秆禁烧巡查工作的通知", "关于开展秸秆禁烧巡查工作的通知") > 0.6
    assert rules.similarity("关于做好秸秆禁烧巡查工作的通知", "组织开展老年人关爱巡访") < 0.2
    assert rules.similarity("", "abc") == 0.0


def test_near_duplicate_warns_with_a_link():
    near = rules.Candidate(
        task_id=7, title="关于做好秸秆禁烧巡查工作的通知", text="请各乡镇组织秸秆禁烧巡查", link="/tasks/task/7/"
    )
    far = rules.Candidate(task_id=8, title="关于做好防汛工作的通知", text="汛期值班")
    check = rules.check_duplicate(request(), target(candidates=[far, near]), POLICY)
    assert (check.outcome, check.link, check.params["task"]) == (rules.WARN, "/tasks/task/7/", 7)
    assert rules.check_duplicate(request(), target(candidates=[far]), POLICY).outcome == rules.PASS
    # a warning does not stop admission
    assert rules.verdict(rules.checks_for(request(), target(candidates=[near]), POLICY)) == rules.ADMITTED


# -- rules 5 and 6 -------------------------------------------------------------------------------------
def test_trace_materials_beyond_standard_warn():
    assert rules.check_trace(request(trace_materials=frozenset({"ledgers"})), POLICY).outcome == rules.PASS
    check = rules.check_trace(request(trace_materials=frozenset({"ledgers", "photos", "sign_in"})), POLICY)
    assert check.outcome == rules.WARN and check.params["extra"] == ["photos", "sign_in"]


def test_burden_above_red_line_warns():
    check = rules.check_burden(target(burden=1.3), POLICY)
    assert (check.outcome, check.code) == (rules.WARN, "above_red_line")
    assert rules.check_burden(target(burden=0.9), POLICY).outcome == rules.PASS
    assert rules.check_burden(target(burden=1.0), POLICY).outcome == rules.PASS  # at the line is not above it
    assert rules.check_burden(target(burden=None), POLICY).code == "unknown"  # no capacity: no warning


def test_form_mostly_held_is_returned_and_a_new_one_passes():
    held = request(form_title="企业用工统计表", form_reuse_share=0.75)
    checks, verdict = rules.admit(held, [target()], POLICY)[1]
    form = next(check for check in checks if check.rule == rules.FORM)
    assert (form.outcome, form.code, verdict) == (rules.BLOCK, "form_already_held", rules.RETURNED)
    assert form.params["share"] == "75%"
    at_limit = rules.check_form(request(form_title="表", form_reuse_share=0.5), POLICY)
    assert at_limit.outcome == rules.BLOCK  # "mostly held" starts at the configured share
    new = rules.check_form(request(form_title="表", form_reuse_share=0.2), POLICY)
    assert (new.outcome, new.code) == (rules.PASS, "form_new_data")
    assert rules.check_form(request(), POLICY).code == "no_form"
    assert rules.check_form(request(form_title="空表", form_reuse_share=None), POLICY).code == "no_fields"


# -- combinations --------------------------------------------------------------------------------------
def test_off_list_plus_another_block_returns():
    checks = rules.checks_for(request(duty_code="", lead_working_days=1), target(kind=None), POLICY)
    assert rules.verdict(checks) == rules.RETURNED


def test_every_warning_together_still_admits():
    near = rules.Candidate(task_id=1, title="关于做好秸秆禁烧巡查工作的通知", text="请各乡镇组织秸秆禁烧巡查")
    facts = request(
        lead_working_days=1,
        urgent=True,
        urgent_reason="紧急",
        urgent_quota_left=2,
        trace_materials=frozenset({"photos"}),
    )
    checks = rules.checks_for(facts, target(candidates=[near], burden=2.0), POLICY)
    assert [check.outcome for check in checks].count(rules.WARN) == 4
    assert rules.verdict(checks) == rules.ADMITTED


def test_effort_validation():
    assert rules.validate_effort(8) is None
    assert rules.validate_effort(0) and rules.validate_effort(-3) and rules.validate_effort(5000)
    assert rules.validate_effort(None)


# -- properties ----------------------------------------------------------------------------------------
kinds = st.sampled_from(["basic", "cooperation", "taken_back", None])
targets = st.builds(
    lambda unit_id, kind, lead, burden, dup: target(
        unit_id,
        kind,
        lead,
        [rules.Candidate(1, "关于做好秸秆禁烧巡查工作的通知", "请各乡镇组织秸秆禁烧巡查")] if dup else (),
        burden,
    ),
    st.integers(1, 10_000),
    kinds,
    st.sampled_from([DEPT, OTHER_DEPT, None]),
    st.floats(0, 3),
    st.booleans(),
)
requests = st.builds(
    request,
    duty_code=st.sampled_from(["JB-001", ""]),
    lead_working_days=st.integers(0, 30),
    needs_letter=st.booleans(),
    has_veto=st.booleans(),
    letter_on_registry=st.booleans(),
    veto_on_registry=st.booleans(),
    urgent=st.booleans(),
    urgent_reason=st.sampled_from(["", "防汛"]),
    urgent_quota_left=st.integers(0, 3),
    trace_materials=st.frozensets(st.sampled_from(sorted(rules.TRACE_MATERIALS))),
)


@FAST
@given(requests, st.lists(targets, min_size=1, max_size=6, unique_by=lambda t: t.unit_id), targets)
def test_adding_a_target_never_changes_another_targets_verdict(facts, existing, extra):
    if extra.unit_id in {t.unit_id for t in existing}:
        return
    before = rules.admit(facts, existing, POLICY)
    after = rules.admit(facts, [*existing, extra], POLICY)
    for unit_id, (_checks, verdict) in before.items():
        assert after[unit_id][1] == verdict


@FAST
@given(st.integers(5, 60), st.floats(0, 1.0), st.integers(1, 10_000))
def test_basic_item_with_enough_lead_time_and_nothing_else_is_admitted(days, burden, unit_id):
    facts = request(lead_working_days=days)
    checks, verdict = rules.admit(facts, [target(unit_id, "basic", burden=burden)], POLICY)[unit_id]
    assert verdict == rules.ADMITTED
    assert all(check.outcome == rules.PASS for check in checks)


@FAST
@given(requests, targets)
def test_verdict_is_admitted_exactly_when_nothing_blocks(facts, one):
    checks = rules.checks_for(facts, one, POLICY)
    blocked = any(check.outcome == rules.BLOCK for check in checks)
    assert (rules.verdict(checks) == rules.ADMITTED) == (not blocked)


@FAST
@given(st.dates(dt.date(2025, 1, 1), dt.date(2026, 11, 1)), st.integers(0, 40))
def test_lead_days_never_exceed_calendar_days(today, span):
    deadline = today + dt.timedelta(days=span)
    days = rules.lead_working_days(today, deadline, chinese_calendar.is_workday)
    assert 0 <= days <= span


@FAST
@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(a, b):
    assert rules.similarity(a, b) == rules.similarity(b, a)
    assert 0.0 <= rules.similarity(a, b) <= 1.0


def test_rules_modules_are_pure():
    """No ORM, no request, not even Django settings: the rules run anywhere."""
    from pathlib import Path

    from qingche.duties import rules as duty_rules

    for module in (rules, duty_rules):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert "import django" not in source and "from django" not in source


@pytest.mark.parametrize("kind", ["cooperation", "taken_back"])
def test_no_letter_or_veto_on_a_duty_a_department_leads_even_when_registered(kind):
    """Seed 004: the department's responsibility is not pushed onto the town through a 责任书 or 一票否决."""
    facts = request(needs_letter=True, has_veto=True, letter_on_registry=True, veto_on_registry=True)
    led = target(kind=kind, lead=DEPT)  # even the lead department itself may not
    check = rules.check_registry(facts, led)
    assert (check.outcome, check.code) == (rules.BLOCK, "letter_on_department_duty")
    assert rules.verdict(rules.checks_for(facts, led, POLICY)) == rules.RETURNED
    assert rules.check_registry(facts, target(kind="basic")).outcome == rules.PASS
    assert rules.check_registry(request(), led).code == "none"  # no letter, no veto: nothing to refuse here
