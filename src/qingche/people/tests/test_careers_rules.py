"""The pure rules of careers: shares that always add up to the pool to the fen, eligibility that follows the
grades as DOMAIN_FACTS states them, allowances, minimum service, posts against people, and org's rotation rule."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.org import rules as org_rules
from qingche.people import rules_careers as rules

GRADE_RULES = {
    "excellent": {"counts": True, "months_less": 6},
    "competent": {"counts": True, "months_less": 0},
    "basically_competent": {"counts": False, "months_less": 0},
    "incompetent": {"counts": False, "months_less": 0},
}
LADDER = rules.DEFAULT_LADDERS["county"]
GRADES = st.sampled_from(["excellent", "competent", "basically_competent"])


def check(current="三级主任科员", since=dt.date(2022, 1, 1), grades=None, year=2024, **extra):
    return rules.eligibility(
        ladder=LADDER, current=current, since=since, grades=grades or {}, year=year, grade_rules=GRADE_RULES, **extra
    )


# -- pay shares ---------------------------------------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False),
    st.lists(st.decimals(min_value=0, max_value=3, places=3), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
)
def test_shares_add_up_to_the_pool_to_the_fen(pool, weights):
    shares = rules.pay_shares(pool, weights)
    assert sum(shares) == pool
    assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares)
    total = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = pool * weight / total
        assert abs(share - exact) < Decimal("0.01")  # never more than a fen from the exact share


@settings(max_examples=30, deadline=None)
@given(st.lists(st.decimals(min_value=Decimal("0.1"), max_value=3, places=2), min_size=2, max_size=20))
def test_a_bigger_weight_never_gets_less(weights):
    shares = rules.pay_shares(Decimal("100000.00"), weights)
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert shares[i] >= shares[j]


def test_shares_of_nothing_and_post_factors():
    with pytest.raises(ValueError):
        rules.pay_shares(Decimal(100), [0, 0])
    assert rules.pay_shares(Decimal("0.03"), [1, 1]) == [Decimal("0.02"), Decimal("0.01")]
    factors = {"remote": 1.2, "frontline": 1.1}
    assert rules.post_factor(True, True, factors) == Decimal("1.32")
    assert rules.post_factor(False, False, factors) == 1


def test_allowance_by_days_held():
    assert rules.allowance(Decimal(300), 31, 31) == Decimal("300.00")
    assert rules.allowance(Decimal(300), 10, 30) == Decimal("100.00")
    assert rules.allowance(Decimal(300), 0, 30) == Decimal("0.00")
    spans = [(dt.date(2025, 1, 20), dt.date(2025, 2, 3)), (dt.date(2025, 2, 1), None)]
    assert rules.days_held(spans, dt.date(2025, 2, 1), dt.date(2025, 2, 28)) == 28


# -- eligibility --------------------------------------------------------------------------------------------
def test_two_competent_years_make_the_next_step():
    result = check(grades={2022: "competent", 2023: "competent"}, year=2023)
    assert result.next_rank == "二级主任科员" and result.required_years == 2
    assert result.eligible and result.eligible_on == dt.date(2024, 1, 1)


def test_excellent_shortens_by_half_a_year():
    result = check(since=dt.date(2022, 7, 1), grades={2022: "excellent", 2023: "competent"}, year=2023)
    assert result.shortened_years == 0.5
    assert result.eligible  # 1.5 years counted, 1.5 needed
    assert result.eligible_on <= dt.date(2024, 1, 1)


def test_a_basically_competent_year_is_not_counted():
    result = check(grades={2022: "basically_competent", 2023: "competent"}, year=2023)
    assert not result.eligible and result.counted_years == 1.0
    assert result.eligible_on == dt.date(2025, 1, 1)
    assert any("2022" in reason for reason in result.reasons)


def test_incompetent_means_down_one_step():
    result = check(grades={2023: "incompetent"}, year=2024)
    assert result.demotion_to == "四级主任科员" and not result.eligible
    after = check(since=dt.date(2024, 2, 1), current="四级主任科员", grades={2023: "incompetent"}, year=2024)
    assert after.demotion_to is None  # already put down: the clock starts again


def test_top_of_the_ladder_and_unknown_ranks():
    assert check(current="一级巡视员").next_rank is None
    unknown = check(current="副主任科员")
    assert not unknown.on_ladder and not unknown.eligible
    assert (
        rules.eligibility(
            ladder=rules.DEFAULT_LADDERS["town"],
            current="一级调研员",
            since=dt.date(2020, 1, 1),
            grades={},
            year=2026,
            grade_rules=GRADE_RULES,
        ).next_rank
        is None
    )


@settings(max_examples=50, deadline=None)
@given(
    st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2024, 12, 31)),
    st.dictionaries(st.integers(2015, 2025), GRADES, max_size=8),
    st.integers(2016, 2026),
    st.integers(0, len(LADDER) - 2),
)
def test_eligibility_follows_the_grades(since, grades, year, step):
    current = LADDER[step][0]
    result = check(current=current, since=since, grades=grades, year=year)
    if since > dt.date(year, 12, 31):
        assert not result.eligible
        return
    # an excellent year never delays; a basically competent one never advances
    for grade_year in range(since.year, year + 1):
        better = check(current=current, since=since, grades={**grades, grade_year: "excellent"}, year=year)
        worse = check(current=current, since=since, grades={**grades, grade_year: "basically_competent"}, year=year)
        assert better.eligible >= result.eligible >= worse.eligible
    # eligible by the end of the year exactly when the projected day has come (a day's rounding either way)
    end = dt.date(year, 12, 31)
    if result.eligible:
        assert result.eligible_on <= end + dt.timedelta(days=1)
    else:
        assert result.eligible_on is None or result.eligible_on >= end - dt.timedelta(days=1)
    assert result.counted_years <= (dt.date(year, 12, 31) - since).days / 365 + 0.01


# -- minimum service, posts against people, rotation ---------------------------------------------------------
def test_minimum_service():
    assert rules.service_end(dt.date(2024, 2, 29), 5) == dt.date(2029, 2, 28)
    assert rules.transfer_is_early(dt.date(2026, 1, 1), dt.date(2027, 9, 1))
    assert not rules.transfer_is_early(dt.date(2027, 9, 1), dt.date(2027, 9, 1))
    assert not rules.transfer_is_early(dt.date(2026, 1, 1), None)


def test_posts_against_people():
    table = rules.DEFAULT_POST_CATEGORIES
    assert rules.category_fits("staff", "civil_servant", table)
    assert not rules.category_fits("staff", "contract", table)
    assert not rules.category_fits("village_cadre", "civil_servant", table)
    assert rules.quota_state(12, 10, 0.2) == "over"
    assert rules.quota_state(7, 10, 0.2) == "under"
    assert rules.quota_state(9, 10, 0.2) is None
    assert rules.quota_state(0, 0, 0.2) is None


def test_rotation_applies_to_the_posts_it_is_for():
    params = org_rules.ROTATION_DEFAULTS
    base = {"post_name": "党委书记", "unit_name": "东河镇", "years_in_post": 11, "years_at_level": 16, "params": params}
    assert org_rules.rotation_alerts(category="civil_servant", post_kind="leader", serves_home=True, **base) == [
        "post_years",
        "level_years",
        "home_area",
    ]
    assert (
        org_rules.rotation_alerts(category="village_cadre", post_kind="village_cadre", serves_home=True, **base) == []
    )
    staff = {**base, "post_name": "党政综合办公室干事"}
    assert org_rules.rotation_alerts(category="civil_servant", post_kind="staff", serves_home=True, **staff) == [
        "post_years"
    ]
    assert org_rules.is_avoidance_post("局长", "示范县公安局", params["avoidance_posts"])
    assert not org_rules.is_avoidance_post("局长", "示范县农业农村局", params["avoidance_posts"])
    assert org_rules.leadership_level("leader", "党委副书记", params["principal_posts"]) == "deputy"


def test_years_without_a_grade_may_be_left_uncounted():
    counted = check(year=2023)
    assert counted.eligible and counted.eligible_on == dt.date(2024, 1, 1)
    uncounted = check(year=2023, count_ungraded=False)
    assert not uncounted.eligible and uncounted.counted_years == 0
    assert uncounted.eligible_on == dt.date(2026, 1, 1)  # 2024 and 2025 still to come, counted when they come
