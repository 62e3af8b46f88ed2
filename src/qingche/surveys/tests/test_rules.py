"""The rules of surveys, and above all the disclosure control: an attacker who may pick any filter of the
results (a unit, a category, both, neither) and read every row of every cross-tab must never be able to
single out a group of fewer than k respondents by combining what is shown."""

import datetime as dt
from collections import Counter
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.surveys import rules
from qingche.surveys.rules import MULTIPLE, SCALE, SINGLE, TEXT, QuestionSpec, Respondent

QUESTIONS = [
    QuestionSpec(1, SINGLE, "回县直机关？", ("是", "否", "说不清")),
    QuestionSpec(2, MULTIPLE, "原因", ("任务重", "权小责大", "问责")),
    QuestionSpec(3, SCALE, "压力", ("很小", "很大"), 5),
    QuestionSpec(4, TEXT, "建议", (), 5, False),
]
UNITS = [1, 2, 3]
CATEGORIES = ["civil_servant", "public_institution", "village_cadre"]


def _people(cells: dict) -> list[Respondent]:
    people = []
    for (unit, category), count in cells.items():
        for index in range(count):
            people.append(
                Respondent(
                    unit, category, {"1": index % 3, "2": [index % 3], "3": 1 + index % 5, "4": f"{unit}{index}"}
                )
            )
    return people


def shown_groups(people: list[Respondent], k: int) -> list[frozenset[int]]:
    """Every group whose figures the results show, over every filter and every cross-tab row: the attacker's
    whole view. Each group is the set of respondents (by position) it covers."""
    groups = []
    labels_u = [(unit, str(unit)) for unit in UNITS]
    labels_c = [(category, category) for category in CATEGORIES]
    for unit, category in product([None, *UNITS], [None, *CATEGORIES]):
        result = rules.results(QUESTIONS, people, k, unit=unit, category=category, units=labels_u, categories=labels_c)

        def members(u, c):
            return frozenset(
                i for i, p in enumerate(people) if (u is None or p.unit == u) and (c is None or p.category == c)
            )

        question = result["questions"][0]
        if question["overall"] is not None:
            assert question["overall"]["n"] == len(members(unit, category))
            groups.append(members(unit, category))
        for row in question["by_unit"]:
            if row["figures"] is not None:
                groups.append(members(row["key"], category))
        for row in question["by_category"]:
            if row["figures"] is not None:
                groups.append(members(unit, row["key"]))
        text = result["questions"][3]
        if text["overall"] is not None:  # free texts are listed for the same groups only
            assert len(text["overall"]["texts"]) == len(members(unit, category))
    return groups


def atoms(groups: list[frozenset[int]], everyone: int) -> Counter:
    """The finest pieces an attacker can cut out of the shown groups: respondents with the same membership
    in every shown group. Any difference or combination of shown figures covers whole pieces."""
    signature = Counter()
    for person in range(everyone):
        signature[tuple(person in group for group in groups)] += 1
    return signature


cells_strategy = st.dictionaries(
    st.tuples(st.sampled_from(UNITS), st.sampled_from(CATEGORIES)), st.integers(min_value=0, max_value=12)
)


@settings(max_examples=50, deadline=None)
@given(cells=cells_strategy, k=st.integers(min_value=2, max_value=6))
def test_no_combination_of_filters_isolates_fewer_than_k(cells, k):
    people = _people(cells)
    groups = shown_groups(people, k)
    shown_people = set().union(*groups) if groups else set()
    for signature, size in atoms(groups, len(people)).items():
        if any(signature):  # a piece inside some shown group
            assert size >= k, (cells, k, signature, size)
    if len(people) < k:
        assert not shown_people


def test_a_small_cell_is_hidden_and_its_complement_too():
    """Town 1 has 8 civil servants and 2 institution staff: showing town 1 (10) and its civil servants (8) would
    give away the 2 by difference, so the civil servants of town 1 are hidden although they are 8."""
    people = _people({(1, "civil_servant"): 8, (1, "public_institution"): 2, (2, "civil_servant"): 9})
    result = rules.results(QUESTIONS, people, 5, unit=1)
    assert result["shown"] and result["n"] == 10
    result = rules.results(QUESTIONS, people, 5, unit=1, category="civil_servant")
    assert not result["shown"] and result["questions"][0]["overall"] is None and result["n"] is None
    result = rules.results(QUESTIONS, people, 5, unit=1, category="public_institution")
    assert not result["shown"]


def test_everything_is_shown_when_every_cell_is_large():
    people = _people({(u, c): 6 for u in UNITS for c in CATEGORIES})
    for unit, category in product([None, *UNITS], [None, *CATEGORIES]):
        assert rules.results(QUESTIONS, people, 5, unit=unit, category=category)["shown"]


def test_fewer_than_k_in_all_shows_nothing():
    people = _people({(1, "civil_servant"): 4})
    result = rules.results(QUESTIONS, people, 5, units=[(1, "一镇")], categories=[("civil_servant", "公务员")])
    assert not result["shown"]
    assert all(row["figures"] is None for row in result["questions"][0]["by_unit"])


def test_counts_shares_and_mean():
    people = _people({(1, "civil_servant"): 10})
    q1, q2, q3, q4 = rules.results(QUESTIONS, people, 5)["questions"]
    assert [o["count"] for o in q1["overall"]["options"]] == [4, 3, 3]
    assert q1["overall"]["options"][0]["share"] == pytest.approx(0.4)
    assert sum(o["count"] for o in q2["overall"]["options"]) == 10
    assert q3["overall"]["mean"] == pytest.approx(3.0)
    assert q3["overall"]["options"][0]["label"] == "1（很小）"
    assert q4["overall"]["texts"] == sorted(f"1{i}" for i in range(10))


def test_state():
    today = dt.date(2026, 6, 10)
    assert rules.state("draft", today, today, today) == rules.DRAFT
    assert (
        rules.state("published", today + dt.timedelta(days=1), today + dt.timedelta(days=5), today) == rules.SCHEDULED
    )
    assert rules.state("published", today, today, today) == rules.OPEN
    assert rules.state("published", today - dt.timedelta(days=5), today - dt.timedelta(days=1), today) == rules.CLOSED
    assert rules.state("closed", today, today + dt.timedelta(days=5), today) == rules.CLOSED


def test_targeting():
    assert rules.is_targeted("0001000200", "civil_servant", [], [])
    assert rules.is_targeted("0001000200", "civil_servant", ["00010002"], ["civil_servant"])
    assert not rules.is_targeted("0001000300", "civil_servant", ["00010002"], [])
    assert not rules.is_targeted("0001000200", "contract", [], ["civil_servant"])


def test_clean_answers():
    cleaned, errors = rules.clean_answers(QUESTIONS, {"1": "2", "2": ["0", "2", "2"], "3": 5, "4": "  好  "})
    assert cleaned == {"1": 2, "2": [0, 2], "3": 5, "4": "好"} and not errors
    cleaned, errors = rules.clean_answers(QUESTIONS, {"1": 3, "2": [], "3": 6, "4": 7})
    assert set(errors) == {"1", "2", "3", "4"}
    cleaned, errors = rules.clean_answers(QUESTIONS, {"1": True, "2": ["x"], "3": "1", "4": ""})
    assert set(errors) == {"1", "2"} and cleaned == {"3": 1}
    assert "1" in rules.clean_answers(QUESTIONS, {"1": [0, 1], "2": [0], "3": 1})[1]


def test_answered_key_is_one_way_and_keyed():
    one = rules.answered_key(b"k1", 1, 2)
    assert one != rules.answered_key(b"k2", 1, 2) != rules.answered_key(b"k1", 2, 1)
    assert len(one) == 64 and "2" not in one[:0]


def test_check_question():
    assert rules.check_question(SINGLE, "问", ["甲"], 5) == {
        "choices": rules.check_question(SINGLE, "问", ["甲"], 5)["choices"]
    }
    assert "choices" in rules.check_question(MULTIPLE, "问", ["甲", "甲"], 5)
    assert "scale_max" in rules.check_question(SCALE, "问", [], 11)
    assert rules.check_question(TEXT, "问", [], 5) == {}
    assert set(rules.check_question("bogus", " ", [], 5)) == {"kind", "text"}


def test_an_optional_question_answered_by_fewer_than_k_is_hidden():
    people = _people({(1, "civil_servant"): 9})
    people = [
        Respondent(p.unit, p.category, {**p.answers, "4": p.answers["4"] if i < 3 else None})
        for i, p in enumerate(people)
    ]
    result = rules.results(QUESTIONS, people, 5)
    assert result["shown"] and result["questions"][0]["overall"]["n"] == 9
    assert result["questions"][3]["overall"] is None
