"""The rules of fair accountability, without the database."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.accountability import rules

DAY = dt.date(2026, 5, 1)
ALL = {key: (True, "理由") for key in rules.DISTINCTIONS}
NONE = {key: (False, "理由") for key in rules.DISTINCTIONS}
KINDS = set(rules.DEFAULT_SANCTION_GRADES)


def _problems(**changes):
    args = {
        "objective_causes": "客观",
        "subjective_causes": "主观",
        "distinctions": ALL,
        "outcome": rules.EXEMPT,
        "sanction_kind": "",
        "sanction_kinds": KINDS,
        "sanction_from": None,
        "sanction_until": None,
    }
    return rules.determination_problems(**{**args, **changes})


def test_department_led_items_raise_the_flag_and_name_the_lead():
    where = rules.where_duty_lies(
        [
            rules.DutyItemFact("basic", None),
            rules.DutyItemFact("cooperation", 7, "县住建局"),
            rules.DutyItemFact("taken_back", 9, "县市场监管局"),
            rules.DutyItemFact("cooperation", 7, "县住建局"),
        ]
    )
    assert where.flag and where.lead_units == ((7, "县住建局"), (9, "县市场监管局"))
    assert (where.basic_items, where.department_items) == (1, 3)
    assert not rules.where_duty_lies([rules.DutyItemFact("basic", None)]).flag


def test_naming_the_town_under_the_flag_needs_a_reason():
    where = rules.where_duty_lies([rules.DutyItemFact("cooperation", 7, "县住建局")])
    assert "县住建局" in rules.responsibility_problem(where, 3, "")
    assert rules.responsibility_problem(where, 3, "镇级属地巡查确有疏漏，经研究由镇承担") is None
    assert rules.responsibility_problem(where, 7, "") is None  # the lead department needs none
    assert rules.responsibility_problem(rules.where_duty_lies([]), 3, "") is None


def test_a_determination_needs_causes_and_every_distinction_answered():
    assert set(_problems(objective_causes=" ", subjective_causes="")) == {"objective_causes", "subjective_causes"}
    half = {**ALL, "trial": (None, "理由"), "public_interest": (True, "  ")}
    assert set(_problems(distinctions=half)) == {"distinction_trial", "distinction_public_interest"}
    assert _problems() == {}


def test_outcomes_must_fit_the_analysis():
    assert "outcome" in _problems(distinctions={**ALL, "trial": (False, "理由")})  # exemption needs all three
    assert "sanction_kind" in _problems(sanction_kind="demerit")  # exempt: no sanction
    assert "outcome" in _problems(
        outcome=rules.LENIENT, distinctions=NONE, sanction_kind="criticism", sanction_from=DAY, sanction_until=DAY
    )
    assert "sanction_kind" in _problems(outcome=rules.ACCOUNTABLE, distinctions=NONE)
    assert "sanction_until" in _problems(
        outcome=rules.ACCOUNTABLE,
        distinctions=NONE,
        sanction_kind="demerit",
        sanction_from=DAY,
        sanction_until=DAY - dt.timedelta(days=1),
    )
    assert (
        _problems(
            outcome=rules.ACCOUNTABLE, distinctions=NONE, sanction_kind="demerit", sanction_from=DAY, sanction_until=DAY
        )
        == {}
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["basic", "cooperation", "taken_back"]), max_size=6))
def test_the_flag_is_raised_exactly_when_a_department_leads(kinds):
    where = rules.where_duty_lies([rules.DutyItemFact(kind, 1 if kind != "basic" else None, "部门") for kind in kinds])
    assert where.flag == any(kind != "basic" for kind in kinds)
    assert where.basic_items + where.department_items == len(kinds)
