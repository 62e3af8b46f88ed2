"""组织处理 rules (pure): what a grade history implies for one year."""

from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.people import rules_consequences as rules

E, C, B, U = "excellent", "competent", "basically_competent", "incompetent"


def kinds(grades, year=2025, **limits):
    return [p.kind for p in rules.proposals(grades, year, limits)]


def test_basically_competent_means_admonishment_each_year_by_default_or_after_the_set_years():
    assert kinds({2025: B}) == [rules.ADMONISH]
    assert kinds({2025: B}, admonish_years=2) == []
    assert kinds({2024: B, 2025: B}, admonish_years=2) == [rules.ADMONISH]


def test_incompetent_means_down_one_step_and_post_adjusted_twice_in_a_row_dismissal():
    assert kinds({2025: U}) == [rules.DEMOTE, rules.ADJUST_POST]
    assert kinds({2024: U, 2025: U}) == [rules.DISMISSAL]
    assert kinds({2023: U, 2025: U}) == [rules.DEMOTE, rules.ADJUST_POST]  # not in a row


def test_competent_years_give_a_pay_step_every_two_and_a_level_at_five_three_excellent_a_merit_candidate():
    assert kinds({2025: C}) == []
    assert kinds({2024: E, 2025: C}) == [rules.PAY_STEP]
    assert kinds({y: C for y in range(2021, 2026)}) == [rules.LEVEL]
    assert kinds({y: E for y in range(2023, 2026)}) == [rules.COMMEND, rules.MERIT, rules.EARLY_RANK]
    assert kinds({2023: E, 2025: E}) == [rules.COMMEND]  # a year without a grade breaks the run


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.integers(2015, 2025), st.sampled_from([E, C, B, U]), max_size=11))
def test_proposals_follow_the_grade_of_the_year_only(grades):
    found = kinds(grades)
    grade = grades.get(2025)
    if grade is None:
        assert found == []
    elif grade in (E, C):
        assert set(found) <= {rules.PAY_STEP, rules.LEVEL, rules.COMMEND, rules.MERIT, rules.EARLY_RANK}
        assert (rules.MERIT in found) == (rules.streak(grades, 2025, (E,)) >= 3)
        assert (rules.COMMEND in found) == (grade == E)
    elif grade == B:
        assert found == [rules.ADMONISH]
    else:
        assert (rules.DISMISSAL in found) != (rules.DEMOTE in found)
    assert len(found) == len(set(found))
