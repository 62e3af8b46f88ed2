"""simulate(): input checks, order independence, and the engine against a county with known truth."""

import copy
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.appraisal.simulate import SimulationInputError, simulate

DIMS = ("de", "neng", "qin", "ji", "lian")


def valid_input():
    people = [
        {
            "id": f"p{i}",
            "quota_group": "town-a" if i < 5 else "town-b",
            "workload": 800 + 150 * i,
            "done": 40 + 3 * i,
            "on_time": 36 + 2 * i,
            "errors": i % 3,
            "satisfaction": 0.8 + 0.02 * i,
        }
        for i in range(8)
    ]
    ratings = []
    for r in range(4):
        for i in range(8):
            ratings.append(
                {
                    "rater": f"leader{r}",
                    "group": "superior",
                    "ratee": f"p{i}",
                    "scores": {d: 60 + 4 * i + r + k for k, d in enumerate(DIMS)},
                }
            )
    for rater in range(8):  # everyone rates every other colleague
        for i in range(8):
            if i != rater:
                score = 70 + 2 * i - rater
                ratings.append(
                    {
                        "rater": f"p{rater}",
                        "group": "peer",
                        "ratee": f"p{i}",
                        "scores": dict.fromkeys(DIMS, score),
                    }
                )
    return {
        "period": "annual",
        "excellent_quota": 0.2,
        "min_raters": 3,
        "subjective_weight": 0.6,
        "dimensions": {"de": 0.2, "neng": 0.2, "qin": 0.2, "ji": 0.3, "lian": 0.1},
        "rater_groups": {"superior": 0.5, "peer": 0.3, "public": 0.2},
        "people": people,
        "ratings": ratings,
    }


def test_output_lists_everyone_ranked_with_score_grade_and_breakdown():
    output = simulate(valid_input())
    results = output["results"]
    assert [r["rank"] for r in results] == list(range(1, 9))
    assert sorted(r["id"] for r in results) == [f"p{i}" for i in range(8)]
    assert all(0 <= r["score"] <= 100 and r["score"] == round(r["score"], 2) for r in results)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    grades = {r["id"]: r["grade"] for r in results}
    assert sum(g == "excellent" for g in grades.values()) == 1  # floor(0.2 × 5) + floor(0.2 × 3)
    assert set(grades.values()) == {"excellent", "competent"}
    breakdown = results[0]["breakdown"]
    assert {g["group"] for g in breakdown["rating"]["groups"]} == {"superior", "peer", "public"}
    assert [i["indicator"] for i in breakdown["objective"]["indicators"]] == [
        "volume",
        "on_time",
        "accuracy",
        "satisfaction",
    ]
    json.dumps(output, ensure_ascii=False)  # plain JSON all the way down


def test_bottom_grade_comes_only_from_an_explicit_trigger():
    data = valid_input()
    data["people"][6]["bottom_grade"] = {"grade": "incompetent", "reason": "问责决定：严重失职"}
    results = {r["id"]: r for r in simulate(data)["results"]}
    assert results["p6"]["grade"] == "incompetent"
    assert results["p6"]["breakdown"]["grade"]["reason"] == "问责决定：严重失职"
    assert sorted(r["grade"] for r in results.values()).count("incompetent") == 1
    assert "basically_competent" not in {r["grade"] for r in results.values()}


def test_flagged_raters_are_reported():
    data = valid_input()
    for i in range(8):
        data["ratings"].append(
            {"rater": "smiley", "group": "public", "ratee": f"p{i}", "scores": dict.fromkeys(DIMS, 98)}
        )
    flags = simulate(data)["rater_flags"]
    assert {(f["rater"], f["kind"]) for f in flags} >= {("smiley", "flat"), ("smiley", "lenient")}
    assert all(set(f) == {"rater", "kind", "detail"} for f in flags)


# ---------------------------------------------------------------------------------------------
# Order independence
# ---------------------------------------------------------------------------------------------


@st.composite
def cycle_inputs(draw):
    n_people = draw(st.integers(3, 8))
    people_ids = [f"p{i}" for i in range(n_people)]
    raters = people_ids + [f"x{i}" for i in range(draw(st.integers(0, 4)))]
    ratings = []
    for rater in raters:
        others = [p for p in people_ids if p != rater]
        group = draw(st.sampled_from(["superior", "peer", "public"]))
        for ratee in draw(st.lists(st.sampled_from(others), unique=True, max_size=len(others))):
            scores = draw(st.lists(st.sampled_from([55, 70, 70, 85, 95, 100]), min_size=5, max_size=5))
            ratings.append(
                {
                    "rater": rater,
                    "group": group,
                    "ratee": ratee,
                    "scores": dict(zip(DIMS, scores, strict=True)),
                }
            )
    people = []
    for person_id in people_ids:
        done = draw(st.sampled_from([0, 10, 20]))  # few distinct values: ties that the tie-break must settle
        people.append(
            {
                "id": person_id,
                "quota_group": draw(st.sampled_from(["a", "b"])),
                "workload": draw(st.sampled_from([0, 100, 200])),
                "done": done,
                "on_time": draw(st.sampled_from([0, done])),
                "errors": draw(st.integers(0, 1)),
            }
        )
    return {
        "period": draw(st.sampled_from(["annual", "regular"])),
        "excellent_quota": draw(st.sampled_from([0.2, 0.4, 0.5])),
        "min_raters": draw(st.integers(1, 3)),
        "subjective_weight": 0.6,
        "dimensions": dict.fromkeys(DIMS, 0.2),
        "rater_groups": {"superior": 0.5, "peer": 0.3, "public": 0.2},
        "parameters": {"trim_min_raters": draw(st.integers(3, 5))},
        "people": people,
        "ratings": ratings,
    }


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(data=cycle_inputs(), shuffles=st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_ratings_or_people(data, shuffles):
    shuffled = copy.deepcopy(data)
    shuffles.shuffle(shuffled["ratings"])
    shuffles.shuffle(shuffled["people"])
    shuffled["rater_groups"] = dict(reversed(shuffled["rater_groups"].items()))
    assert simulate(shuffled) == simulate(data)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _delete(path):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        del target[last]

    return change


def _append_rating(**fields):
    def change(data):
        rating = {"rater": "leader0", "group": "superior", "ratee": "p0", "scores": dict.fromkeys(DIMS, 80)}
        data["ratings"].append({**rating, **fields})

    return change


BAD_INPUTS = {
    "dimension weights not summing to 1": (
        _set(["dimensions", "lian"], 0.05),
        "权重之和必须为 1：dimensions 之和 = 0.95",
    ),
    "group weights not summing to 1": (
        _set(["rater_groups", "public"], 0.3),
        "权重之和必须为 1：rater_groups",
    ),
    "negative weight": (_set(["dimensions"], {"de": 1.2, "lian": -0.2}), "权重不能为负：dimensions.lian"),
    "unknown dimension": (_set(["dimensions", "zhi"], 0.0), "未知键：dimensions.zhi"),
    "unknown rater group": (_set(["rater_groups", "boss"], 0.0), "未知键：rater_groups.boss"),
    "unknown ratee": (
        _append_rating(rater="leader9", ratee="p99"),
        "未知被评价人：ratings[88].ratee = 'p99'",
    ),
    "score above range": (
        _set(["ratings", 3, "scores", "de"], 120),
        "评分超出范围 0–100：ratings[3].scores.de = 120",
    ),
    "score below range": (
        _set(["ratings", 5, "scores", "ji"], -1),
        "评分超出范围 0–100：ratings[5].scores.ji = -1",
    ),
    "score not a number": (
        _set(["ratings", 5, "scores", "ji"], "90"),
        "应为数值：ratings[5].scores.ji = '90'",
    ),
    "score missing a dimension": (
        _delete(["ratings", 2, "scores", "lian"]),
        "缺少字段：ratings[2].scores.lian",
    ),
    "self-rating": (
        _set(["ratings", 40, "ratee"], "p1"),
        "不能给自己评分：ratings[40].rater = ratings[40].ratee = 'p1'",
    ),
    "duplicate rating": (_append_rating(group="peer"), "重复评分：ratings[88] 与 ratings[0]"),
    "rating from a group not in the scheme": (
        _append_rating(rater="dept", group="department"),
        "未知评价主体：ratings[88].group = 'department'",
    ),
    "missing person field": (_delete(["people", 2, "workload"]), "缺少字段：people[2].workload"),
    "missing top-level field": (_delete(["ratings"]), "缺少字段：ratings"),
    "unknown field": (_set(["people", 1, "satisfation"], 0.9), "未知字段：people[1].satisfation"),
    "negative workload": (_set(["people", 1, "workload"], -5), "工作量数据不能为负：people[1].workload = -5"),
    "negative errors": (_set(["people", 1, "errors"], -1), "工作量数据不能为负：people[1].errors = -1"),
    "more on time than done": (
        _set(["people", 0, "on_time"], 99),
        "按时完成数不能大于完成数：people[0].on_time = 99",
    ),
    "satisfaction out of range": (
        _set(["people", 0, "satisfaction"], 1.5),
        "满意度超出范围 0–1：people[0].satisfaction",
    ),
    "duplicate person": (_set(["people", 3, "id"], "p0"), "人员编号重复：people[3].id = 'p0'"),
    "bad period": (_set(["period"], "yearly"), "考核类型无效：period = 'yearly'"),
    "quota above 1": (_set(["excellent_quota"], 1.5), "取值超出范围 0–1：excellent_quota = 1.5"),
    "min_raters zero": (_set(["min_raters"], 0), "应为正整数：min_raters = 0"),
    "boolean as number": (_set(["subjective_weight"], True), "应为数值：subjective_weight = True"),
    "not finite": (_set(["people", 0, "done"], float("nan")), "数值必须有限：people[0].done"),
    "no people": (_set(["people"], []), "不能为空：people"),
    "bottom grade from another scale": (
        _set(["people", 0, "bottom_grade"], {"grade": "poor", "reason": "x"}),
        "低等次只能是 basically_competent 或 incompetent：people[0].bottom_grade.grade = 'poor'",
    ),
    "top grade as a trigger": (
        _set(["people", 0, "bottom_grade"], {"grade": "excellent", "reason": "x"}),
        "people[0].bottom_grade.grade = 'excellent'",
    ),
    "bottom grade without reason": (
        _set(["people", 0, "bottom_grade"], {"grade": "incompetent", "reason": " "}),
        "确定低等次必须写明理由：people[0].bottom_grade.reason",
    ),
    "unknown parameter": (_set(["parameters"], {"flat": 1}), "未知参数：parameters.flat"),
    "trim below three": (_set(["parameters"], {"trim_min_raters": 2}), "parameters.trim_min_raters = 2"),
}


@pytest.mark.parametrize("change, message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_raises_a_message_naming_the_problem(change, message):
    data = valid_input()
    change(data)
    with pytest.raises(SimulationInputError, match=re.escape(message)):
        simulate(data)


def test_input_error_is_a_value_error_and_not_json():
    assert issubclass(SimulationInputError, ValueError)
    with pytest.raises(SimulationInputError, match="应为 JSON 对象：data"):
        simulate([])


# ---------------------------------------------------------------------------------------------
# The engine against a county whose true performance is known
# ---------------------------------------------------------------------------------------------


def average_ranks(values):
    """Ranks 1..n, ties sharing their mean rank (what Spearman's ρ needs)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    boundaries = np.flatnonzero(np.diff(values[order])) + 1
    starts, ends = np.r_[0, boundaries], np.r_[boundaries, values.size]
    ranks = np.empty(values.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def spearman(a, b):
    return float(np.corrcoef(average_ranks(a), average_ranks(b))[0, 1])


def test_spearman_helper():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert average_ranks([5, 1, 5, 3]).tolist() == [3.5, 1.0, 3.5, 2.0]


RATER_MIXES = {  # shares of fair, lenient (high, compressed), harsh (low), flat (95 for all: 好人主义), noisy raters
    "typical": {"fair": 0.5, "lenient": 0.2, "harsh": 0.15, "flat": 0.15},
    "lenient": {"fair": 0.3, "lenient": 0.45, "harsh": 0.1, "flat": 0.15},
    "flat and noisy": {"fair": 0.3, "lenient": 0.15, "harsh": 0.1, "flat": 0.25, "noisy": 0.2},
}
REGULAR_TOWNS = (15,) * 20
SMALL_TOWNS = (5, 6, 7, 8) * 5 + (20,) * 2  # where a superior rates only a handful of people


def simulated_county(seed, mix="typical", sizes=REGULAR_TOWNS, items_per=4.0, errors_per=50.0, rater_noise=3.0):
    """A county whose people have a known true performance (one number each, N(0, 1)).

    Ratings: each person gets 3 superiors (who rate the whole town), up to 6 peers from the town and 4 of the
    town's 10 public raters, each rater behaving as drawn from the mix. Objective figures: a workload assigned
    independently of performance; items done ≈ workload / items_per; each item on time with probability
    sigmoid(2 + truth); errors ≈ Poisson(workload / errors_per × e^(−0.8 · truth)). The scheme weighs 60/40 and
    takes the on-time rate and the accuracy as the objective part (as in the reference engine of issue 19)."""
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    truth = rng.normal(size=n)
    profile = 75 + 8 * truth[:, None] + rng.normal(0, 2, size=(n, len(DIMS)))
    behaviours = RATER_MIXES[mix]
    behaviour = {}

    def observe(rater, person):
        kind = behaviour.setdefault(rater, rng.choice(list(behaviours), p=list(behaviours.values())))
        noise = rng.normal(0, rater_noise, size=len(DIMS))
        scores = {
            "fair": profile[person] + noise,
            "lenient": 92 + 0.5 * (profile[person] - 75) + 0.5 * noise,
            "harsh": 55 + (profile[person] - 75) + noise,
            "flat": 95 + rng.normal(0, 0.5, size=len(DIMS)),
            "noisy": profile[person] + 3 * noise,
        }[kind]
        return dict(zip(DIMS, np.clip(np.round(scores), 0, 100).tolist(), strict=True))

    people, ratings, first = [], [], 0
    for town, size in enumerate(sizes):
        members = range(first, first + size)
        first += size
        for person in members:
            person_id = f"p{person:04d}"
            workload = float(np.round(rng.lognormal(np.log(1000), 0.35)))
            done = int(max(1, rng.poisson(workload / items_per)))
            on_time = int(rng.binomial(done, 1 / (1 + np.exp(-(2.0 + truth[person])))))
            errors = int(rng.poisson(workload / errors_per * np.exp(-0.8 * truth[person])))
            people.append(
                {
                    "id": person_id,
                    "quota_group": f"town{town}",
                    "workload": workload,
                    "done": done,
                    "on_time": on_time,
                    "errors": errors,
                }
            )
            others = [m for m in members if m != person]
            raters = [("superior", f"sup{town}-{k}") for k in range(3)]
            raters += [("peer", f"p{q:04d}") for q in rng.choice(others, min(6, len(others)), replace=False)]
            raters += [("public", f"pub{town}-{k}") for k in rng.choice(10, 4, replace=False)]
            for group, rater in raters:
                ratings.append({"rater": rater, "group": group, "ratee": person_id, "scores": observe(rater, person)})
    data = {
        "period": "annual",
        "excellent_quota": 0.2,
        "min_raters": 3,
        "subjective_weight": 0.6,
        "dimensions": dict.fromkeys(DIMS, 0.2),
        "rater_groups": {"superior": 0.4, "peer": 0.35, "public": 0.25},
        "parameters": {"indicator_weights": {"volume": 0.0, "on_time": 0.5, "accuracy": 0.5, "satisfaction": 0.0}},
        "people": people,
        "ratings": ratings,
    }
    return data, truth


def plain_average(data):
    totals = {}
    for rating in data["ratings"]:
        totals.setdefault(rating["ratee"], []).append(np.mean(list(rating["scores"].values())))
    return np.array([np.mean(totals[person["id"]]) for person in data["people"]])


def engine_scores(data):
    scores = {result["id"]: result["score"] for result in simulate(data)["results"]}
    return np.array([scores[person["id"]] for person in data["people"]])


def reference_engine(data):
    """The yardstick of issue 19: each rater's (dimension-averaged) scores standardised against that rater's own
    mean and spread, raters with almost no spread or fewer than 3 ratees dropped, group weights applied; the
    objective part the standardised on-time rate minus the standardised errors per unit of workload; 60/40."""
    by_rater = {}
    for rating in data["ratings"]:
        by_rater.setdefault(rating["rater"], []).append(np.mean(list(rating["scores"].values())))
    stats = {rater: (np.mean(v), np.std(v), len(v)) for rater, v in by_rater.items()}
    cells = {}
    for rating in data["ratings"]:
        mean, spread, count = stats[rating["rater"]]
        if spread >= 2 and count >= 3:
            value = (np.mean(list(rating["scores"].values())) - mean) / spread
            cells.setdefault((rating["ratee"], rating["group"]), []).append(value)
    subjective = []
    for person in data["people"]:
        shown = {g: w for g, w in data["rater_groups"].items() if (person["id"], g) in cells}
        total = sum(shown.values())
        subjective.append(sum(w * np.mean(cells[(person["id"], g)]) for g, w in shown.items()) / total if total else 0)

    def z(values):
        values = np.asarray(values, dtype=float)
        return (values - values.mean()) / values.std()

    on_time = [person["on_time"] / person["done"] for person in data["people"]]
    errors = [person["errors"] / person["workload"] for person in data["people"]]
    return 0.6 * z(subjective) + 0.4 * z(z(on_time) - z(errors))


def _correlations(seed, mix, **county):
    data, truth = simulated_county(seed, mix, **county)
    return (
        spearman(engine_scores(data), truth),
        spearman(plain_average(data), truth),
        spearman(reference_engine(data), truth),
    )


def test_engine_ranks_simulated_counties_close_to_the_truth():
    """One county of 20 towns of 15 per rater mix, each from its own seed: the engine reaches 0.98 and keeps up
    with the reference engine; a plain average of the ratings stays near 0.8."""
    rows = [_correlations(seed, mix) for seed, mix in enumerate(RATER_MIXES)]
    for mix, (engine, plain, reference) in zip(RATER_MIXES, rows, strict=True):
        print(f"{mix}: Spearman ρ engine {engine:.3f}, plain average {plain:.3f}, reference {reference:.3f}")
        assert engine > plain + 0.05
        assert engine >= reference - 0.01
        assert engine >= 0.975  # about 2 standard errors of ρ at n = 300 below the mean
    assert np.mean([row[0] for row in rows]) >= 0.98


def test_engine_on_small_towns_and_on_weak_objective_figures():
    """Where a superior rates only 5–8 people, and where the objective figures are few and noisy (fewer items
    done, rarer errors, noisier raters): the engine stays ahead of the plain average and keeps up with the
    reference engine. Neither reaches 0.98 here: per-rater standardisation cannot tell a strong small town from
    a lenient rater in it (docs/appraisal-scoring.md, "What the ratings cannot tell"). On the weak figures the
    engine reached about 0.94 before its indicators were put on the common scale, now about 0.965."""
    for label, county in (
        ("small towns", {"sizes": SMALL_TOWNS}),
        ("weak objective figures", {"items_per": 20.0, "errors_per": 400.0, "rater_noise": 5.0}),
    ):
        engine, plain, reference = _correlations(7, "typical", **county)
        print(f"{label}: Spearman ρ engine {engine:.3f}, plain average {plain:.3f}, reference {reference:.3f}")
        assert engine > plain + 0.05
        assert engine >= reference - 0.01
        assert engine >= 0.94
