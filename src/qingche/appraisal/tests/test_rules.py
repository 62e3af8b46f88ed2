"""Properties and worked cases of the appraisal scoring rules (rules.py), no database."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qingche.appraisal import rules

FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None)
DIMS = rules.DIMENSIONS
GROUPS = ("superior", "peer", "public")


def make_scheme(min_raters=3, trim_min_raters=5, quota=0.2, subjective_weight=0.6, period="annual"):
    return rules.Scheme(
        period=period,
        dimension_weights={"de": 0.2, "neng": 0.2, "qin": 0.2, "ji": 0.3, "lian": 0.1},
        group_weights={"superior": 0.4, "peer": 0.35, "public": 0.25},
        subjective_weight=subjective_weight,
        excellent_quota=quota,
        min_raters=min_raters,
        params=rules.ScoringParams(trim_min_raters=trim_min_raters),
    )


def make_indicators(n, workload=None, done=None, on_time=None, errors=None, satisfaction=None):
    def column(values, default):
        return np.array(values if values is not None else [default] * n, dtype=float)

    return rules.Indicators(
        workload=column(workload, 1000.0),
        done=column(done, 50.0),
        on_time=column(on_time, 45.0),
        errors=column(errors, 1.0),
        satisfaction=column(satisfaction, math.nan),
    )


def make_cycle(n_people, rows, indicators=None, quota_groups=None, bottom_grades=None):
    """rows: (rater id, ratee index, group name, five scores)."""
    rater_ids = sorted({row[0] for row in rows})
    rater_index = {rater: i for i, rater in enumerate(rater_ids)}
    scores = np.array([row[3] for row in rows], dtype=float).reshape(len(rows), len(DIMS))
    ratings = rules.Ratings(
        rater=np.array([rater_index[row[0]] for row in rows], dtype=np.intp),
        ratee=np.array([row[1] for row in rows], dtype=np.intp),
        group=np.array([GROUPS.index(row[2]) for row in rows], dtype=np.intp),
        scores=scores,
    )
    return rules.Cycle(
        person_ids=[f"p{i:02d}" for i in range(n_people)],
        quota_groups=quota_groups or ["all"] * n_people,
        indicators=indicators or make_indicators(n_people),
        rater_ids=rater_ids,
        ratings=ratings,
        bottom_grades=bottom_grades or {},
    )


@st.composite
def cycles(draw):
    """A small cycle: every rater rates at least three people in one group; any objective inputs."""
    n_people = draw(st.integers(4, 9))
    rows = []
    for r in range(draw(st.integers(3, 8))):
        group = draw(st.sampled_from(GROUPS))
        for ratee in draw(st.lists(st.integers(0, n_people - 1), min_size=3, max_size=n_people, unique=True)):
            rows.append((f"r{r}", ratee, group, draw(st.lists(st.integers(0, 100), min_size=5, max_size=5))))
    done = draw(st.lists(st.integers(0, 60), min_size=n_people, max_size=n_people))
    indicators = make_indicators(
        n_people,
        workload=draw(st.lists(st.integers(0, 2000), min_size=n_people, max_size=n_people)),
        done=done,
        on_time=[d * draw(st.integers(0, 10)) // 10 for d in done],
        errors=draw(st.lists(st.integers(0, 8), min_size=n_people, max_size=n_people)),
    )
    quota_groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n_people, max_size=n_people))
    scheme = make_scheme(
        min_raters=draw(st.integers(1, 3)),
        trim_min_raters=draw(st.integers(3, 5)),
        quota=draw(st.sampled_from([0.0, 0.2, 0.25, 0.34, 0.5, 1.0])),
    )
    return scheme, make_cycle(n_people, rows, indicators, quota_groups)


def with_rater_scores(cycle, rater, transform):
    rater_index = cycle.rater_ids.index(rater)
    scores = cycle.ratings.scores.copy()
    mine = cycle.ratings.rater == rater_index
    scores[mine] = transform(scores[mine])
    ratings = rules.Ratings(cycle.ratings.rater, cycle.ratings.ratee, cycle.ratings.group, scores)
    return rules.Cycle(
        cycle.person_ids, cycle.quota_groups, cycle.indicators, cycle.rater_ids, ratings, cycle.bottom_grades
    )


def rater_scores(cycle, rater):
    return cycle.ratings.scores[cycle.ratings.rater == cycle.rater_ids.index(rater)]


def assert_same_ranking(before, after):
    assert np.allclose(before.final, after.final, atol=1e-6)
    assert before.rank.tolist() == after.rank.tolist()
    assert before.grading.grade.tolist() == after.grading.grade.tolist()


# ---------------------------------------------------------------------------------------------
# Rater standardisation
# ---------------------------------------------------------------------------------------------


@FAST
@given(generated=cycles(), data=st.data())
def test_adding_a_constant_to_one_raters_scores_changes_no_rank(generated, data):
    scheme, cycle = generated
    rater = data.draw(st.sampled_from(cycle.rater_ids))
    mine = rater_scores(cycle, rater)
    shift = data.draw(st.floats(-mine.min(), 100.0 - mine.max(), allow_nan=False))

    before = rules.score_cycle(cycle, scheme)
    after = rules.score_cycle(with_rater_scores(cycle, rater, lambda s: s + shift), scheme)
    assert_same_ranking(before, after)


@FAST
@given(generated=cycles(), data=st.data())
def test_scaling_one_raters_scores_changes_no_rank(generated, data):
    scheme, cycle = generated
    rater = data.draw(st.sampled_from(cycle.rater_ids))
    mine = rater_scores(cycle, rater)
    factor = data.draw(st.floats(0.5, min(2.0, 100.0 / max(mine.max(), 1.0))))
    # The invariance is for a rater who still distinguishes people after scaling: one scaled into
    # flatness (spread below flat_spread) is by design trusted less.
    assume(mine.std(axis=0).min() * min(factor, 1.0) >= scheme.params.flat_spread)

    before = rules.score_cycle(cycle, scheme)
    after = rules.score_cycle(with_rater_scores(cycle, rater, lambda s: s * factor), scheme)
    assert_same_ranking(before, after)


def test_standardised_scores_are_on_the_common_scale():
    scores = np.array([[60.0] * 5, [70.0] * 5, [80.0] * 5])
    result = rules.standardise(np.zeros(3, dtype=np.intp), scores, 1, np.full(5, 0.2), rules.ScoringParams())
    z = np.array([-1, 0, 1]) * math.sqrt(1.5)
    assert np.allclose(result.standardised[:, 0], 75 + 10 * z)
    assert result.weight.tolist() == [1.0]


def test_flat_rater_is_flagged_and_weighted_down():
    params = rules.ScoringParams()
    # rater 0: 95 ± 1 for everyone (spread 0.8 < 2); rater 1: the same score for everyone
    flat = np.array([94.0, 95.0, 96.0, 95.0, 94.0, 96.0])
    scores = np.concatenate([np.repeat(flat[:, None], 5, axis=1), np.full((6, 5), 90.0)])
    rater = np.repeat(np.arange(2), 6)
    result = rules.standardise(rater, scores, 2, np.full(5, 0.2), params)
    assert result.weight[0] == pytest.approx(flat.std() / params.flat_spread)
    assert result.weight[1] == 0.0
    assert np.allclose(result.standardised[6:], params.standard_mean)

    flags = rules.flag_raters(result, ["r-flat", "r-same"], np.full(5, 0.2), params)
    assert [(f.rater, f.kind) for f in flags] == [("r-flat", "flat"), ("r-same", "flat")]
    assert flags[0].detail["weight"] == pytest.approx(flat.std() / params.flat_spread, abs=1e-4)
    assert "平均主义" in flags[0].message


def test_lenient_and_harsh_raters_are_flagged_but_do_not_move_ranks():
    base = np.array([60.0, 70.0, 80.0, 65.0, 75.0])
    rows = []
    for r, offset in (("fair-1", 0), ("fair-2", 1), ("fair-3", -1), ("lenient", 19), ("harsh", -25)):
        rows += [(r, p, "peer", [base[p] + offset] * 5) for p in range(5)]
    result = rules.score_cycle(make_cycle(5, rows), make_scheme())
    kinds = {(f.rater, f.kind) for f in result.rater_flags}
    assert kinds == {("lenient", "lenient"), ("harsh", "harsh")}
    # everyone agrees on the order, so the lenient and harsh raters change nothing
    assert result.rank.tolist() == [5, 3, 1, 4, 2]


def test_rater_with_a_single_ratee_is_dropped_and_does_not_count_toward_the_minimum():
    rows = [(f"r{r}", p, "peer", [50.0 + 10 * p + r] * 5) for r in range(2) for p in range(3)]
    rows.append(("solo", 0, "peer", [100.0] * 5))
    result = rules.score_cycle(make_cycle(3, rows), make_scheme(min_raters=3))
    assert [(f.rater, f.kind) for f in result.rater_flags] == [("solo", "unstandardisable")]
    assert not result.groups.shown.any()
    assert not result.rating.available.any()


# ---------------------------------------------------------------------------------------------
# Groups: trimming, minimum raters, redistribution
# ---------------------------------------------------------------------------------------------


def test_trimming_drops_the_single_highest_and_lowest_rating():
    ratee = np.zeros(5, dtype=np.intp)
    values = np.array([[70.0], [75.0], [80.0], [100.0], [0.0]])
    trimmed = rules.aggregate_groups(ratee, ratee, values, np.ones(5), 1, 1, min_raters=3, trim_min_raters=5)
    untrimmed = rules.aggregate_groups(ratee, ratee, values, np.ones(5), 1, 1, min_raters=3, trim_min_raters=6)
    assert trimmed.values[0, 0, 0] == pytest.approx(75.0)
    assert trimmed.trimmed[0, 0] and not untrimmed.trimmed[0, 0]
    assert untrimmed.values[0, 0, 0] == pytest.approx(65.0)


def test_trimming_equal_values_drops_two_different_ratings():
    ratee = np.zeros(5, dtype=np.intp)
    weights = np.array([1.0, 0.5, 1.0, 1.0, 1.0])
    result = rules.aggregate_groups(ratee, ratee, np.full((5, 1), 80.0), weights, 1, 1, 3, 5)
    assert result.values[0, 0, 0] == pytest.approx(80.0)


def test_group_below_minimum_is_hidden_and_its_weight_redistributed():
    rows = []
    for r in range(3):  # three peers rate everyone
        rows += [(f"peer{r}", p, "peer", [60.0 + 10 * p + r] * 5) for p in range(3)]
    for r in range(3):  # three superiors, but p0 is rated by only two of them
        rows += [(f"sup{r}", p, "superior", [65.0 + 5 * p - r] * 5) for p in range(3) if (p, r) != (0, 2)]
    result = rules.score_cycle(make_cycle(3, rows), make_scheme(min_raters=3))
    breakdown = result.explain(0)["rating"]
    superior = next(g for g in breakdown["groups"] if g["group"] == "superior")
    peer = next(g for g in breakdown["groups"] if g["group"] == "peer")
    # hidden: says it was left out, and nothing about how many rated or what they gave
    assert superior == {
        "group": "superior",
        "configured_weight": 0.4,
        "weight_used": 0.0,
        "shown": False,
        "reason": "insufficient_raters",
    }
    assert breakdown["redistributed"] is True
    assert peer["weight_used"] == 1.0  # superior hidden, public never rated: peer carries it all
    assert result.explain(1)["rating"]["redistributed"] is True  # public has no raters at all
    assert result.rating.group_weights_used[1].tolist() == pytest.approx([0.4 / 0.75, 0.35 / 0.75, 0.0])


def test_person_with_no_shown_group_is_scored_on_the_objective_part_alone():
    rows = [(f"r{r}", 1, "peer", [70.0] * 5) for r in range(3)] + [(f"r{r}", 2, "peer", [80.0] * 5) for r in range(3)]
    result = rules.score_cycle(make_cycle(3, rows), make_scheme(min_raters=3))
    assert not result.rating.available[0]
    assert result.final[0] == result.objective.score[0]
    assert result.explain(0)["weights_used"] == {"rating": 0.0, "objective": 1.0}


# ---------------------------------------------------------------------------------------------
# Objective indicators
# ---------------------------------------------------------------------------------------------


@st.composite
def cohorts(draw):
    n = draw(st.integers(1, 12))
    done = draw(st.lists(st.integers(0, 300), min_size=n, max_size=n))
    satisfaction = draw(
        st.lists(st.one_of(st.just(math.nan), st.floats(0, 1)), min_size=n, max_size=n),
    )
    return make_indicators(
        n,
        workload=draw(st.lists(st.floats(0, 5000), min_size=n, max_size=n)),
        done=done,
        on_time=[d * draw(st.floats(0, 1)) for d in done],
        errors=draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)),
        satisfaction=satisfaction,
    )


def scaled(indicators, person, k):
    columns = {name: getattr(indicators, name).copy() for name in ("workload", "done", "on_time", "errors")}
    for column in columns.values():
        column[person] *= k
    return rules.Indicators(**columns, satisfaction=indicators.satisfaction)


def objective_scores(indicators):
    scheme = make_scheme()
    return rules.score_objective(indicators, scheme.indicator_weight_array(), scheme.params).score


@FAST
@given(cohort=cohorts(), data=st.data())
def test_doubling_all_work_never_lowers_the_objective_score(cohort, data):
    person = data.draw(st.integers(0, cohort.workload.size - 1))
    before = objective_scores(cohort)[person]
    after = objective_scores(scaled(cohort, person, 2.0))[person]
    assert after >= before


@FAST
@given(cohort=cohorts(), data=st.data())
def test_multiplying_all_work_by_k_never_lowers_the_objective_score(cohort, data):
    person = data.draw(st.integers(0, cohort.workload.size - 1))
    k = data.draw(st.floats(1.0, 20.0))
    before = objective_scores(cohort)[person]
    after = objective_scores(scaled(cohort, person, k))[person]
    assert after >= before - 1e-9  # k·a / k·b may differ from a / b in the last bit


def test_more_work_with_more_errors_at_the_same_rate_beats_less_work_with_fewer():
    # 干多错多 must not lose to 干少错少: twice the work, twice the errors, same rates
    indicators = make_indicators(
        3, workload=[800, 1600, 1200], done=[40, 80, 60], on_time=[36, 72, 50], errors=[2, 4, 1]
    )
    scores = objective_scores(indicators)
    assert scores[1] > scores[0]


def test_nothing_delivered_earns_no_quality_credit():
    indicators = make_indicators(2, workload=[500, 500], done=[0, 10], on_time=[0, 10], errors=[0, 0])
    scheme = make_scheme()
    part = rules.score_objective(indicators, scheme.indicator_weight_array(), scheme.params)
    assert part.scores[0].tolist()[1:3] == [0.0, 0.0]
    assert math.isnan(part.values[0, 1]) and math.isnan(part.values[0, 2])
    assert part.scores[1].tolist()[1:3] == [100.0, 100.0]


def test_missing_satisfaction_redistributes_its_weight():
    indicators = make_indicators(2, satisfaction=[math.nan, 0.5])
    scheme = make_scheme()
    part = rules.score_objective(indicators, scheme.indicator_weight_array(), scheme.params)
    assert part.weights_used[0].tolist() == pytest.approx([0.375, 0.375, 0.25, 0.0])
    assert part.weights_used[1].tolist() == pytest.approx([0.3, 0.3, 0.2, 0.2])


def test_volume_score_is_log_scaled_against_the_cohort_median():
    indicators = make_indicators(4, workload=[0, 500, 1000, 2000])
    scheme = make_scheme()
    volume = rules.score_objective(indicators, scheme.indicator_weight_array(), scheme.params).scores[:, 0]
    assert volume.tolist() == pytest.approx([0.0, 40.0, 60.0, 80.0])


# ---------------------------------------------------------------------------------------------
# Ranks and grades
# ---------------------------------------------------------------------------------------------


def top_counts(result):
    groups = np.asarray(result.cycle.quota_groups)
    top = result.grading.grade == result.scheme.grades[0]
    return {g: (int(top[groups == g].sum()), int((groups == g).sum())) for g in set(groups)}


@FAST
@given(generated=cycles())
def test_top_grade_never_exceeds_the_quota_in_any_quota_group(generated):
    scheme, cycle = generated
    result = rules.score_cycle(cycle, scheme)
    for top, size in top_counts(result).values():
        assert top <= math.floor(scheme.excellent_quota * size + 1e-9)
    assert set(result.grading.grade) <= set(scheme.grades[:2])  # no trigger, no bottom grade


@FAST
@given(
    scores=st.lists(st.sampled_from([60.0, 70.0, 70.0, 80.0]), min_size=1, max_size=30),
    quota=st.floats(0, 1),
    data=st.data(),
)
def test_top_grade_respects_quota_and_order_even_with_ties_and_triggers(scores, quota, data):
    n = len(scores)
    groups = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    groups = np.unique(groups, return_inverse=True)[1]
    triggered = data.draw(st.sets(st.integers(0, n - 1)))
    bottom = {p: rules.BottomGrade("incompetent", "问责") for p in triggered}
    final = np.array(scores)
    order = rules.ranking_order(final, final, final, np.arange(n))
    grading = rules.assign_grades(order, groups, quota, bottom, rules.GRADE_SCALES["annual"])
    for g in np.unique(groups):
        members = [p for p in order if groups[p] == g]
        eligible = [p for p in members if p not in triggered]
        slots = math.floor(quota * len(members) + 1e-9)
        top = [p for p in members if grading.grade[p] == "excellent"]
        assert top == eligible[: min(slots, len(eligible))]
    assert all(grading.grade[p] == "incompetent" for p in triggered)


def test_quota_floor_is_not_fooled_by_binary_fractions():
    order = np.arange(100)
    grading = rules.assign_grades(order, np.zeros(100, dtype=int), 0.29, {}, rules.GRADE_SCALES["annual"])
    assert (grading.grade == "excellent").sum() == 29


def test_bottom_grades_are_never_assigned_by_share():
    rows = [(f"r{r}", p, "peer", [30.0 + 10 * p + r] * 5) for r in range(3) for p in range(6)]
    indicators = make_indicators(6, workload=[10, 20, 30, 40, 50, 5000], done=[1] * 6, on_time=[0] * 6)
    scheme = make_scheme(period="regular")
    result = rules.score_cycle(make_cycle(6, rows, indicators), scheme)
    assert sorted(result.grading.grade) == ["fairly_good"] * 5 + ["good"]

    trigger = {2: rules.BottomGrade("poor", "经问责认定不履职")}
    result = rules.score_cycle(make_cycle(6, rows, indicators, bottom_grades=trigger), scheme)
    assert result.grading.grade[2] == "poor"
    assert result.explain(2)["grade"] == {
        "code": "poor",
        "rule": "trigger",
        "quota_group": "all",
        "rank_in_group": int(result.grading.rank_in_group[2]),
        "group_size": 6,
        "top_grade_slots": 1,
        "reason": "经问责认定不履职",
    }


def test_triggered_person_gives_up_the_top_slot_to_the_next_best():
    order = np.array([0, 1, 2, 3, 4])
    bottom = {0: rules.BottomGrade("basically_competent", "诫勉")}
    grading = rules.assign_grades(order, np.zeros(5, dtype=int), 0.2, bottom, rules.GRADE_SCALES["annual"])
    assert grading.grade.tolist() == [
        "basically_competent",
        "excellent",
        "competent",
        "competent",
        "competent",
    ]


def test_ties_are_broken_by_objective_then_rating_then_id():
    final = np.array([80.0, 80.0, 80.0, 80.0, 90.0])
    objective = np.array([70.0, 75.0, 70.0, 70.0, 10.0])
    rating = np.array([85.0, 83.33, 85.0, math.nan, 100.0])
    person_rank = rules.sort_ranks(["b", "e", "a", "c", "d"])
    order = rules.ranking_order(final, objective, rating, person_rank)
    assert order.tolist() == [4, 1, 2, 0, 3]


def test_ranks_follow_the_published_two_decimal_score():
    final = np.array([80.004, 80.001])  # both published as 80.00: the tie-break decides
    objective = np.array([60.0, 70.0])
    order = rules.ranking_order(final, objective, final, np.arange(2))
    assert order.tolist() == [1, 0]


def test_explanation_adds_up():
    rows = [
        (f"r{r}", p, g, [50.0 + 7 * p + 3 * r + d for d in range(5)])
        for r in range(6)
        for p in range(5)
        for g in ["peer" if r < 4 else "superior"]
    ]
    rows += [(f"s{r}", p, "superior", [60.0 + 5 * p - r] * 5) for r in range(2) for p in range(5)]
    result = rules.score_cycle(make_cycle(5, rows), make_scheme())
    for person in range(5):
        explained = result.explain(person)
        rating = explained["rating"]
        shown = [g for g in rating["groups"] if g["shown"]]
        assert sum(g["contribution"] for g in shown) == pytest.approx(rating["score"], abs=0.02)
        for group in shown:
            assert sum(d["contribution"] for d in group["dimensions"]) == pytest.approx(group["score"], abs=0.02)
        objective = explained["objective"]
        assert sum(i["contribution"] for i in objective["indicators"]) == pytest.approx(objective["score"], abs=0.02)
        parts = explained["weights_used"]
        total = parts["rating"] * rating["score"] + parts["objective"] * objective["score"]
        assert total == pytest.approx(explained["score"], abs=0.01)
