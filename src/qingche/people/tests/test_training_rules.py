"""Pure rules of training: target groups, anonymity of counts, check-in codes, 党政主职, the appraisal figures,
leave carried over and the compensatory-rest balance."""

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.people import rules_training as rules


@settings(max_examples=50)
@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=1, max_value=20))
def test_a_count_below_the_minimum_is_never_shown(count, minimum):
    shown = rules.shown_count(count, minimum)
    if count == 0:
        assert shown == 0
    elif count < minimum:
        assert shown is None
    else:
        assert shown == count


def test_targets_by_category_and_unit_subtree():
    assert rules.targets("0001000200", "civil_servant", [], [])
    assert rules.targets("0001000200", "civil_servant", ["00010002"], ["civil_servant"])
    assert not rules.targets("0001000300", "civil_servant", ["00010002"], [])
    assert not rules.targets("0001000200", "contract", [], ["civil_servant", "village_cadre"])


def test_codes_are_six_easy_digits_and_compare_as_typed():
    code = rules.make_code(random.Random(1).randrange)
    assert len(code) == 6 and set(code) <= set(rules.CODE_ALPHABET)
    now = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
    later = now + dt.timedelta(minutes=30)
    typed = chr(0xFF10 + int(code[0])) + code[1:3] + " - " + code[3:]  # a full-width first digit, spaces and a dash
    assert rules.code_valid(typed, rules.normalise_code(code), later, now)
    assert not rules.code_valid(code, code, now - dt.timedelta(seconds=1), now)  # expired
    assert not rules.code_valid("", code, later, now) and not rules.code_valid(code, "", later, now)
    assert not rules.code_valid(code, "999999" if code != "999999" else "888888", later, now)


def test_heads_are_the_party_secretary_and_the_town_head_only():
    heads = rules.DEFAULT_HEAD_POSTS
    assert rules.is_head(["党委书记"], heads) and rules.is_head(["镇长"], heads)
    assert not rules.is_head(["党委副书记", "副镇长", "组织委员"], heads)


def test_trained_counts_attended_and_not_failed():
    assert rules.trained(True, None) and rules.trained(True, True)
    assert not rules.trained(True, False) and not rules.trained(False, None)


def test_appraisal_figures_count_only_assessed_sessions():
    rows = [(1, 8, True, True), (1, 16, True, False), (1, 4, True, None), (2, 6, False, None), (3, 24, True, True)]
    figures = rules.appraisal_figures(rows)
    assert figures[1] == {"workload": 8.0, "done": 2, "on_time": 1, "errors": 1}
    assert 2 not in figures
    assert figures[3]["workload"] == 24.0


def test_carried_over_is_capped_and_ends_with_its_month():
    assert rules.carried_over(7, 0, dt.date(2026, 2, 1), 2026, 3) == 0  # off by default
    assert rules.carried_over(7, 5, dt.date(2026, 2, 1), 2026, 3) == 5
    assert rules.carried_over(3, 5, dt.date(2026, 3, 31), 2026, 3) == 3
    assert rules.carried_over(3, 5, dt.date(2026, 4, 1), 2026, 3) == 0  # used by the end of March or lost
    assert rules.carried_over(3, 5, dt.date(2026, 11, 1), 2026, 0) == 3


@settings(max_examples=50)
@given(st.floats(min_value=0, max_value=500), st.floats(min_value=0, max_value=500))
def test_rest_left_is_never_negative(confirmed, taken):
    left = rules.rest_left(confirmed, taken)
    assert left >= 0
    assert left <= round(confirmed, 1) + 0.05
