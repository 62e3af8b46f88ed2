"""Scoring rules of the appraisal module (考核计分规则): pure domain logic, no ORM, no request.

Arrays in, arrays out, so a county-wide cycle of 100,000 people scores in seconds. The rules are
stated in words, with their reasons, in docs/appraisal-scoring.md; this module is their one
implementation. Callers (simulate.py, the Django services) validate input before calling here.

The only Django it uses is gettext: labels and messages are lazy translations, turned into words in
the reader's language when they are shown (never when scoring), so results stay plain data.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DIMENSIONS = ("de", "neng", "qin", "ji", "lian")
RATER_GROUPS = ("superior", "peer", "subordinate", "department", "party_committee", "public", "society")
INDICATORS = ("volume", "on_time", "accuracy", "satisfaction")
INDICATOR_INPUTS = ("workload", "done", "on_time", "errors")
GRADE_SCALES = {
    "annual": ("excellent", "competent", "basically_competent", "incompetent"),
    "regular": ("good", "fairly_good", "average", "poor"),
}
# 平时 grades as a gate on the annual grade (appraisal.regular_gate_caps_at): a 较差 quarter caps it.
REGULAR_GATE_GRADE = "poor"


def regular_gate(grade: str, quarter_grades: Sequence[str], caps_at: str) -> str:
    """The annual grade after the 平时 gate: any quarter graded 较差 caps it at `caps_at` (e.g. 基本称职); a
    grade already at or below the cap, no 较差 quarter, or an empty/unknown cap leaves it as it is."""
    scale = GRADE_SCALES["annual"]
    if REGULAR_GATE_GRADE not in quarter_grades or caps_at not in scale or grade not in scale:
        return grade
    return caps_at if scale.index(grade) < scale.index(caps_at) else grade


FLAG_KINDS = ("flat", "lenient", "harsh", "unstandardisable")
# What people read for each code (lazy: in the reader's language when shown).
LABELS = {
    "de": pgettext_lazy("appraisal dimension", "integrity"),
    "neng": pgettext_lazy("appraisal dimension", "ability"),
    "qin": pgettext_lazy("appraisal dimension", "diligence"),
    "ji": pgettext_lazy("appraisal dimension", "performance"),
    "lian": pgettext_lazy("appraisal dimension", "probity"),
    "superior": pgettext_lazy("rater group", "superiors"),
    "peer": pgettext_lazy("rater group", "peers"),
    "subordinate": pgettext_lazy("rater group", "subordinates and people served"),
    "department": pgettext_lazy("rater group", "departments"),
    "party_committee": pgettext_lazy("rater group", "party committee"),
    "public": pgettext_lazy("rater group", "the public"),
    "society": pgettext_lazy("rater group", "society"),
    "volume": _("workload"),
    "on_time": _("on-time rate"),
    "accuracy": _("accuracy (errors per item)"),
    "satisfaction": _("satisfaction"),
    "excellent": _("Excellent"),
    "competent": _("Competent"),
    "basically_competent": _("Basically competent"),
    "incompetent": _("Incompetent"),
    "good": _("Good"),
    "fairly_good": _("Fairly good"),
    "average": _("Average"),
    "poor": _("Poor"),
    "flat": pgettext_lazy("rater flag", "flat rating (same score for everyone)"),
    "lenient": pgettext_lazy("rater flag", "lenient"),
    "harsh": pgettext_lazy("rater flag", "harsh"),
    "unstandardisable": pgettext_lazy("rater flag", "cannot be standardised"),
}
# The inputs of the objective indicators, as named in a breakdown's "inputs".
INPUT_LABELS = {
    "workload": _("workload (person-hours)"),
    "done": _("items done"),
    "on_time": _("done on time"),
    "errors": _("errors and items sent back"),
    "satisfaction": _("satisfaction (0–1)"),
}

# Scores are computed to this many decimals before anything is compared, so that floating-point
# noise in the 14th digit (the same data summed in another order) can never decide a rank or a trim.
SNAP_DECIMALS = 9
# A rater weight below this is floating-point noise from a spread that is really zero.
WEIGHT_EPSILON = 1e-6
# DOMAIN_FACTS: 优秀 at most 20% of a unit, up to 25% where approved; 平时 好 at most 40% (approx.). The
# default of the parameter appraisal.max_excellent_quota (wiring.py), which a county may set.
DEFAULT_MAX_EXCELLENT_QUOTA = {"annual": 25, "regular": 40}
# Rounding before floor(): 0.29 × 100 is 28.999999999999996 in binary, and must give 29 slots.
QUOTA_EPSILON = 1e-9


@dataclass(frozen=True)
class ScoringParams:
    """The configurable defaults of the rules; docs/appraisal-scoring.md explains each one."""

    standard_mean: float = 75.0
    standard_spread: float = 10.0
    flat_spread: float = 2.0
    flat_min_ratees: int = 3
    bias_points: float = 10.0
    trim_min_raters: int = 5
    indicator_weights: Mapping[str, float] = field(
        default_factory=lambda: {"volume": 0.3, "on_time": 0.3, "accuracy": 0.2, "satisfaction": 0.2}
    )
    volume_score_at_median: float = 60.0
    volume_points_per_doubling: float = 20.0
    error_points_per_percent: float = 5.0


@dataclass(frozen=True)
class Scheme:
    """One appraisal scheme (考核方案) as the rules see it. Weight keys may come in any order; the
    rules always work in the canonical order of DIMENSIONS and RATER_GROUPS."""

    period: str
    dimension_weights: Mapping[str, float]
    group_weights: Mapping[str, float]
    subjective_weight: float
    excellent_quota: float
    min_raters: int
    params: ScoringParams = field(default_factory=ScoringParams)

    @property
    def dimensions(self) -> tuple[str, ...]:
        return _canonical(self.dimension_weights, DIMENSIONS)

    @property
    def groups(self) -> tuple[str, ...]:
        return _canonical(self.group_weights, RATER_GROUPS)

    @property
    def grades(self) -> tuple[str, ...]:
        return GRADE_SCALES[self.period]

    def dimension_weight_array(self) -> np.ndarray:
        return np.array([self.dimension_weights[d] for d in self.dimensions], dtype=float)

    def group_weight_array(self) -> np.ndarray:
        return np.array([self.group_weights[g] for g in self.groups], dtype=float)

    def indicator_weight_array(self) -> np.ndarray:
        return np.array([self.params.indicator_weights.get(i, 0.0) for i in INDICATORS], dtype=float)


def _canonical(keys: Mapping[str, float], known: tuple[str, ...]) -> tuple[str, ...]:
    unknown = set(keys) - set(known)
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; expected a subset of {known}")
    return tuple(k for k in known if k in keys)


@dataclass(frozen=True)
class Ratings:
    """All ratings of a cycle, one row each. Indices point into Cycle.rater_ids, Cycle.person_ids and
    Scheme.groups; score columns follow Scheme.dimensions. Row order does not matter."""

    rater: np.ndarray
    ratee: np.ndarray
    group: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class Indicators:
    """Objective inputs per person (aligned with Cycle.person_ids); satisfaction is NaN where absent."""

    workload: np.ndarray
    done: np.ndarray
    on_time: np.ndarray
    errors: np.ndarray
    satisfaction: np.ndarray


@dataclass(frozen=True)
class BottomGrade:
    """An explicit trigger for one of the two bottom grades, e.g. from an accountability case."""

    grade: str
    reason: str


@dataclass(frozen=True)
class Cycle:
    """One appraisal cycle's data. Ids must be unique and sortable; the order of people and ratings
    never changes a result (ties are broken by sorted id, never by position)."""

    person_ids: Sequence
    quota_groups: Sequence
    indicators: Indicators
    rater_ids: Sequence
    ratings: Ratings
    bottom_grades: Mapping[int, BottomGrade] = field(default_factory=dict)


@dataclass(frozen=True)
class RaterFlag:
    rater: object
    kind: str
    detail: dict

    @property
    def message(self) -> str:
        return flag_message(self.kind, self.detail)


@dataclass(frozen=True)
class Standardisation:
    """Each rater's scores on the common scale. `standardised` is aligned with the ratings in the
    canonical order (Cycle ratings sorted by ratee id, group, rater id)."""

    standardised: np.ndarray
    ratees: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    weight: np.ndarray


@dataclass(frozen=True)
class GroupResults:
    """Per person × rater group × dimension: the trimmed weighted mean, NaN where not shown."""

    values: np.ndarray
    shown: np.ndarray
    trimmed: np.ndarray


@dataclass(frozen=True)
class RatingPart:
    score: np.ndarray
    group_scores: np.ndarray
    group_weights_used: np.ndarray

    @property
    def available(self) -> np.ndarray:
        return ~np.isnan(self.score)


@dataclass(frozen=True)
class ObjectivePart:
    values: np.ndarray
    scores: np.ndarray  # each indicator on its own scale (100 × on-time rate, …)
    weights_used: np.ndarray
    score: np.ndarray
    reference_workload: float
    common: np.ndarray  # each indicator on the common scale: what is weighted


@dataclass(frozen=True)
class Grading:
    grade: np.ndarray
    rule: np.ndarray
    rank_in_group: np.ndarray
    group_size: np.ndarray
    top_slots: np.ndarray


# ---------------------------------------------------------------------------------------------
# The steps, each usable on its own
# ---------------------------------------------------------------------------------------------


def sort_ranks(ids: Sequence) -> np.ndarray:
    """Position of each id in sorted order: the canonical, input-order-free index of a person or rater."""
    order = np.argsort(np.asarray(ids), kind="stable")
    ranks = np.empty(order.size, dtype=np.intp)
    ranks[order] = np.arange(order.size)
    return ranks


def snap(values: np.ndarray) -> np.ndarray:
    return np.round(values, SNAP_DECIMALS)


def canonical_rating_order(ratings: Ratings, person_rank: np.ndarray, rater_rank: np.ndarray) -> np.ndarray:
    """Sort by (ratee, group, rater): every sum then runs in one fixed order, and each
    (ratee, group) cell is one contiguous run."""
    return np.lexsort((rater_rank[ratings.rater], ratings.group, person_rank[ratings.ratee]))


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    columns = [np.bincount(index, weights=values[:, d], minlength=size) for d in range(values.shape[1])]
    return np.stack(columns, axis=1) if columns else np.zeros((size, 0))


def standardise(
    rater: np.ndarray, scores: np.ndarray, n_raters: int, dimension_weights: np.ndarray, params: ScoringParams
) -> Standardisation:
    """z-score each rater's scores per dimension against that rater's own mean and spread, and map them
    to the common scale standard_mean + standard_spread · z, clipped to 0–100.

    The spread in the denominator is floored at flat_spread, so a rater who barely distinguishes
    (including one ratee, or the same score for everyone: z = 0, the common mean) is never blown up
    into a wide one. A rater's weight is min(1, spread / flat_spread) on the dimension-weighted spread.
    """
    ratees = np.bincount(rater, minlength=n_raters)
    per_rater = np.maximum(ratees, 1)[:, None]
    mean = _sum_by(rater, scores, n_raters) / per_rater
    deviation = scores - mean[rater]
    spread = np.sqrt(_sum_by(rater, deviation**2, n_raters) / per_rater)
    z = deviation / np.maximum(spread, params.flat_spread)[rater]
    standardised = snap(np.clip(params.standard_mean + params.standard_spread * z, 0.0, 100.0))
    weight = np.clip(spread @ dimension_weights / params.flat_spread, 0.0, 1.0)
    weight[weight < WEIGHT_EPSILON] = 0.0
    return Standardisation(standardised, ratees, mean, spread, weight)


def flag_raters(
    standardisation: Standardisation,
    rater_ids: Sequence,
    dimension_weights: np.ndarray,
    params: ScoringParams,
) -> list[RaterFlag]:
    """flat (平均主义/好人主义: weight reduced), lenient and harsh (for information: standardisation
    already neutralises them), unstandardisable (too few ratees to judge, ratings dropped)."""
    ratees = standardisation.ratees
    overall_mean = standardisation.mean @ dimension_weights
    overall_spread = standardisation.spread @ dimension_weights
    judged = ratees >= params.flat_min_ratees
    reference = float(overall_mean[judged].mean()) if judged.any() else math.nan
    kinds = {
        "flat": judged & (overall_spread < params.flat_spread),
        "lenient": judged & (overall_mean - reference >= params.bias_points),
        "harsh": judged & (reference - overall_mean >= params.bias_points),
        "unstandardisable": ~judged & (ratees > 0) & (standardisation.weight == 0),
    }
    flagged = np.flatnonzero(np.logical_or.reduce(list(kinds.values())))
    flagged = flagged[np.argsort(sort_ranks(rater_ids)[flagged], kind="stable")]  # by rater id
    raters_mean = _round(reference)
    columns = zip(
        np.asarray(rater_ids)[flagged].tolist(),
        ratees[flagged].tolist(),
        _table(overall_mean[flagged]),
        _table(overall_spread[flagged]),
        _table(standardisation.weight[flagged], 4),
        np.stack([mask[flagged] for mask in kinds.values()], axis=1).tolist(),
        strict=True,
    )
    flags = []
    for rater, count, mean, spread, weight, has_kind in columns:
        for kind in itertools.compress(kinds, has_kind):
            detail = {
                "ratees": count,
                "mean": mean,
                "spread": spread,
                "weight": weight,
                "raters_mean": raters_mean,
                "threshold": params.flat_spread,
            }
            flags.append(RaterFlag(rater, kind, detail))
    return flags


FLAG_MESSAGES = {
    "flat": _(
        "Scores barely differ (flat rating): %(ratees)s people rated, spread %(spread)s below the "
        "threshold %(threshold)s, weight reduced to %(weight)s"
    ),
    "lenient": _(
        "Lenient scores: mean %(mean)s against %(raters_mean)s for all raters; standardisation removes this, "
        "ranks are not affected"
    ),
    "harsh": _(
        "Harsh scores: mean %(mean)s against %(raters_mean)s for all raters; standardisation removes this, "
        "ranks are not affected"
    ),
    "unstandardisable": _(
        "Too few people rated or no difference in the scores (%(ratees)s people rated): cannot be standardised, "
        "the scores are not counted"
    ),
}


def flag_message(kind: str, detail: Mapping) -> str:
    """A rater flag in words, in the active language: made when shown, from the figures in `detail` (flags
    stored before the threshold was kept in `detail` use the default threshold)."""
    template = FLAG_MESSAGES.get(kind)
    if template is None:
        return str(kind)
    values = {key: detail.get(key) for key in ("ratees", "mean", "spread", "weight", "raters_mean")}
    values["threshold"] = detail.get("threshold", ScoringParams.flat_spread)
    return str(template) % values


def aggregate_groups(
    ratee: np.ndarray,
    group: np.ndarray,
    standardised: np.ndarray,
    rating_weight: np.ndarray,
    n_people: int,
    n_groups: int,
    min_raters: int,
    trim_min_raters: int,
) -> GroupResults:
    """Weighted mean of standardised scores per (ratee, rater group, dimension).

    Ratings must be in canonical order. Only raters with a positive weight count. With at least
    trim_min_raters of them the single highest and single lowest value of each dimension are dropped;
    with fewer than min_raters the cell is not shown at all.
    """
    n_dims = standardised.shape[1]
    values = np.full((n_people * n_groups, n_dims), np.nan)
    shown = np.zeros(n_people * n_groups, dtype=bool)
    trimmed = np.zeros(n_people * n_groups, dtype=bool)
    effective = rating_weight > 0
    cell = (ratee * n_groups + group)[effective]
    if cell.size:
        v, w = standardised[effective], rating_weight[effective]
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        counts = np.diff(np.r_[starts, cell.size])
        keep = _trim_mask(v, starts, counts, trim_min_raters)
        kept_weight = np.where(keep, w[:, None], 0.0)
        sums = np.add.reduceat(kept_weight * v, starts, axis=0)
        weights = np.add.reduceat(kept_weight, starts, axis=0)
        visible = counts >= min_raters
        cells = cell[starts]
        values[cells[visible]] = sums[visible] / weights[visible]
        shown[cells[visible]] = True
        trimmed[cells[visible & (counts >= trim_min_raters)]] = True
    return GroupResults(
        values.reshape(n_people, n_groups, n_dims),
        shown.reshape(n_people, n_groups),
        trimmed.reshape(n_people, n_groups),
    )


def _trim_mask(v: np.ndarray, starts: np.ndarray, counts: np.ndarray, trim_min_raters: int) -> np.ndarray:
    """False for the one highest and one lowest value per cell and dimension in cells large enough.
    Among equal values the first (lowest rater id) top and the last bottom go, so the two are never
    the same row even when all values are equal."""
    keep = np.ones(v.shape, dtype=bool)
    trim = counts >= trim_min_raters
    if not trim.any():
        return keep
    run = np.repeat(np.arange(starts.size), counts)
    position = np.broadcast_to(np.arange(v.shape[0])[:, None], v.shape)
    top = np.maximum.reduceat(v, starts, axis=0)[run]
    bottom = np.minimum.reduceat(v, starts, axis=0)[run]
    first_top = np.minimum.reduceat(np.where(v == top, position, v.shape[0]), starts, axis=0)[trim]
    last_bottom = np.maximum.reduceat(np.where(v == bottom, position, -1), starts, axis=0)[trim]
    columns = np.arange(v.shape[1])
    keep[first_top, columns] = False
    keep[last_bottom, columns] = False
    return keep


def combine_groups(groups: GroupResults, group_weights: np.ndarray, dimension_weights: np.ndarray) -> RatingPart:
    """Rating part = Σ over shown groups of weight_used × Σ_d dimension weight × value. The configured
    weights of groups not shown are redistributed in proportion among the shown ones."""
    group_scores = np.nan_to_num(groups.values) @ dimension_weights
    group_scores[~groups.shown] = np.nan
    weights = group_weights[None, :] * groups.shown
    total = weights.sum(axis=1)
    available = total > 0
    weights_used = np.divide(weights, total[:, None], out=np.zeros_like(weights), where=available[:, None])
    rating = (weights_used * np.nan_to_num(group_scores)).sum(axis=1)
    return RatingPart(snap(np.where(available, rating, np.nan)), group_scores, weights_used)


def score_objective(indicators: Indicators, indicator_weights: np.ndarray, params: ScoringParams) -> ObjectivePart:
    """Objective part on 0–100 from workload-normalised indicators (see docs for the formulas).

    Errors and late items count as rates per completed item; volume counts for the person on a log
    scale against the cohort's median workload. Multiplying one person's workload, done, on_time and
    errors by k ≥ 1 leaves the rates alone and cannot lower the volume term, so it never lowers the score.
    """
    workload = np.asarray(indicators.workload, dtype=float)
    done = np.asarray(indicators.done, dtype=float)
    positive = workload[workload > 0]
    reference = float(np.median(positive)) if positive.size else 1.0
    ratio = workload / reference
    with np.errstate(divide="ignore"):
        volume = params.volume_score_at_median + params.volume_points_per_doubling * np.log2(ratio)
    delivered = done > 0
    per_item = np.where(delivered, done, 1.0)
    on_time_rate = np.where(delivered, np.asarray(indicators.on_time, dtype=float) / per_item, np.nan)
    error_rate = np.where(delivered, np.asarray(indicators.errors, dtype=float) / per_item, np.nan)
    satisfaction = np.asarray(indicators.satisfaction, dtype=float)
    scores = np.stack(
        [
            np.clip(volume, 0.0, 100.0),
            np.where(delivered, 100.0 * on_time_rate, 0.0),
            np.where(delivered, np.clip(100.0 - params.error_points_per_percent * 100.0 * error_rate, 0, 100), 0.0),
            100.0 * satisfaction,
        ],
        axis=1,
    )
    values = np.stack([ratio, on_time_rate, error_rate, satisfaction], axis=1)
    weights = indicator_weights[None, :] * ~np.isnan(scores)
    weights_used = weights / weights.sum(axis=1, keepdims=True)
    common = common_scale(scores, params)
    score = snap((weights_used * np.nan_to_num(common)).sum(axis=1))
    return ObjectivePart(values, scores, weights_used, score, reference, common)


def common_scale(scores: np.ndarray, params: ScoringParams) -> np.ndarray:
    """Each indicator's scores (a column) on the common scale of the rating part: its z-score across the
    people measured, mapped to standard_mean + standard_spread · z and clipped to 0–100; NaN stays NaN.

    Weighting the raw scores instead lets the indicator with the widest spread decide (100 × on-time
    rate moves by a few points where 100 − 5 × error percent moves by tens), whatever the weights say;
    on the common scale each indicator counts as much as its weight. A column without spread gives
    everyone standard_mean. A person's z never falls when their own raw score rises with the others'
    unchanged (d z / d x = (1 − 1/n − z²/n) / spread ≥ 0, as z² ≤ n − 1)."""
    measured = ~np.isnan(scores)
    count = measured.sum(axis=0)
    safe = np.where(measured, scores, 0.0)
    mean = np.divide(safe.sum(axis=0), count, out=np.zeros(scores.shape[1]), where=count > 0)
    spread = np.sqrt(
        np.divide(
            (np.where(measured, scores - mean, 0.0) ** 2).sum(axis=0),
            count,
            out=np.zeros(scores.shape[1]),
            where=count > 0,
        )
    )
    spread = np.where(spread > 10.0**-SNAP_DECIMALS, spread, np.inf)  # no spread: z = 0 for everyone
    z = (scores - mean) / spread
    return np.where(measured, snap(np.clip(params.standard_mean + params.standard_spread * z, 0.0, 100.0)), np.nan)


def final_scores(rating: RatingPart, objective: ObjectivePart, subjective_weight: float) -> np.ndarray:
    """subjective_weight × rating + (1 − subjective_weight) × objective; a person with no shown
    rater group is scored on the objective part alone."""
    weight = np.where(rating.available, subjective_weight, 0.0)
    return snap(weight * np.nan_to_num(rating.score) + (1.0 - weight) * objective.score)


def published(values: np.ndarray) -> np.ndarray:
    """The 2-decimal figure shown on the results page; ranks and grades follow it."""
    return np.round(values, 2)


def ranking_order(final: np.ndarray, objective: np.ndarray, rating: np.ndarray, person_rank: np.ndarray):
    """Best first: higher published score, then higher objective part, then higher rating part
    (none counts below any), then id."""
    rating_key = np.where(np.isnan(rating), -1.0, published(rating))
    return np.lexsort((person_rank, -rating_key, -published(objective), -published(final)))


def assign_grades(
    order: np.ndarray,
    quota_group: np.ndarray,
    excellent_quota: float,
    bottom_grades: Mapping[int, BottomGrade],
    scale: tuple[str, ...],
) -> Grading:
    """Top grade to the best floor(quota × size) people of each quota group who have no bottom-grade
    trigger; the two bottom grades only by trigger; everyone else the second grade."""
    n = order.size
    sizes = np.bincount(quota_group)
    slots = np.floor(excellent_quota * sizes + QUOTA_EPSILON).astype(int)
    triggered = np.zeros(n, dtype=bool)
    triggered[list(bottom_grades)] = True
    in_group_order = order[np.argsort(quota_group[order], kind="stable")]
    group_of = quota_group[in_group_order]
    group_start = np.r_[0, np.cumsum(sizes)[:-1]]
    eligible = ~triggered[in_group_order]
    eligible_before_group = np.r_[0, np.cumsum(eligible)][group_start]
    eligible_position = np.cumsum(eligible) - 1 - eligible_before_group[group_of]
    top = np.zeros(n, dtype=bool)
    top[in_group_order] = eligible & (eligible_position < slots[group_of])
    rank_in_group = np.empty(n, dtype=int)
    rank_in_group[in_group_order] = np.arange(n) - group_start[group_of] + 1

    grade = np.full(n, scale[1], dtype=object)
    rule = np.full(n, "default", dtype=object)
    grade[top], rule[top] = scale[0], "quota"
    for person, trigger in bottom_grades.items():
        grade[person], rule[person] = trigger.grade, "trigger"
    return Grading(grade, rule, rank_in_group, sizes[quota_group], slots[quota_group])


# ---------------------------------------------------------------------------------------------
# The whole cycle
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleResult:
    scheme: Scheme
    cycle: Cycle
    quota_group_index: np.ndarray
    rater_weight: np.ndarray
    groups: GroupResults
    rating: RatingPart
    objective: ObjectivePart
    final: np.ndarray
    rank: np.ndarray
    grading: Grading
    rater_flags: list[RaterFlag]

    @property
    def score(self) -> np.ndarray:
        return published(self.final)

    def explain(self, person: int) -> dict:
        """The line-by-line breakdown of one person's score, for the results page. It names no rater
        and no number of raters: a group below the minimum only says that it was left out."""
        t = self._tables
        return {
            "score": t["score"][person],
            "formula": "score = subjective_weight × rating + (1 − subjective_weight) × objective",
            "weights_used": {"rating": t["rating_weight"][person], "objective": t["objective_weight"][person]},
            "rating": self._explain_rating(t, person),
            "objective": self._explain_objective(t, person),
            "grade": self._explain_grade(t, person),
        }

    @cached_property
    def _tables(self) -> dict[str, list]:
        """Every figure of every breakdown, rounded once for the whole cycle as plain Python lists
        (NaN as None): a per-person loop over numpy scalars would take a minute for 100,000 people."""
        dimension_weights = self.scheme.dimension_weight_array()
        rating_weight = np.where(self.rating.available, self.scheme.subjective_weight, 0.0)
        objective, inputs = self.objective, self.cycle.indicators
        scheme = self.scheme
        return {
            "groups": [(name, round(scheme.group_weights[name], 4)) for name in scheme.groups],
            "dimensions": [(name, round(scheme.dimension_weights[name], 4)) for name in scheme.dimensions],
            "indicator_weights": [round(scheme.params.indicator_weights.get(i, 0.0), 4) for i in INDICATORS],
            "score": self.score.tolist(),
            "rating_weight": _table(rating_weight, 4),
            "objective_weight": _table(1.0 - rating_weight, 4),
            "rating": _table(self.rating.score),
            "all_shown": self.groups.shown.all(axis=1).tolist(),
            "shown": self.groups.shown.tolist(),
            "trimmed": self.groups.trimmed.tolist(),
            "group_weight_used": _table(self.rating.group_weights_used, 4),
            "group_score": _table(self.rating.group_scores),
            "group_contribution": _table(self.rating.group_weights_used * self.rating.group_scores),
            "dimension_score": _table(self.groups.values),
            "dimension_contribution": _table(self.groups.values * dimension_weights),
            "objective": _table(objective.score),
            "indicator_value": _table(objective.values, 4),
            "indicator_score": _table(objective.scores),
            "indicator_weight_used": _table(objective.weights_used, 4),
            "indicator_common": _table(objective.common),
            "indicator_contribution": _table(objective.weights_used * np.nan_to_num(objective.common)),
            "measured": (~np.isnan(objective.scores)).tolist(),
            **{name: _table(getattr(inputs, name), 4) for name in (*INDICATOR_INPUTS, "satisfaction")},
            "quota_group": [_plain(g) for g in self.cycle.quota_groups],
            "rank_in_group": self.grading.rank_in_group.tolist(),
            "group_size": self.grading.group_size.tolist(),
            "top_slots": self.grading.top_slots.tolist(),
        }

    def _explain_rating(self, t: dict, person: int) -> dict:
        groups = []
        for g, (name, configured_weight) in enumerate(t["groups"]):
            line = {
                "group": name,
                "configured_weight": configured_weight,
                "weight_used": t["group_weight_used"][person][g],
                "shown": t["shown"][person][g],
            }
            if line["shown"]:
                line["trimmed"] = t["trimmed"][person][g]
                line["score"] = t["group_score"][person][g]
                line["contribution"] = t["group_contribution"][person][g]
                scores, contributions = t["dimension_score"][person][g], t["dimension_contribution"][person][g]
                line["dimensions"] = [
                    {"dimension": dimension, "weight": weight, "score": scores[d], "contribution": contributions[d]}
                    for d, (dimension, weight) in enumerate(t["dimensions"])
                ]
            else:
                line["reason"] = "insufficient_raters"
            groups.append(line)
        available = t["rating"][person] is not None
        return {
            "available": available,
            "score": t["rating"][person],
            "redistributed": available and not t["all_shown"][person],
            "groups": groups,
        }

    def _explain_objective(self, t: dict, person: int) -> dict:
        inputs = {
            "volume": {"workload": t["workload"][person]},
            "on_time": {"on_time": t["on_time"][person], "done": t["done"][person]},
            "accuracy": {"errors": t["errors"][person], "done": t["done"][person]},
            "satisfaction": {"satisfaction": t["satisfaction"][person]},
        }
        return {
            "score": t["objective"][person],
            "reference_workload": round(self.objective.reference_workload, 4),
            "indicators": [
                {
                    "indicator": name,
                    "inputs": inputs[name],
                    "value": t["indicator_value"][person][i],
                    "score": t["indicator_score"][person][i],
                    "on_common_scale": t["indicator_common"][person][i],
                    "configured_weight": t["indicator_weights"][i],
                    "weight_used": t["indicator_weight_used"][person][i],
                    "contribution": t["indicator_contribution"][person][i],
                    "measured": t["measured"][person][i],
                }
                for i, name in enumerate(INDICATORS)
            ],
        }

    def _explain_grade(self, t: dict, person: int) -> dict:
        trigger = self.cycle.bottom_grades.get(person)
        return {
            "code": self.grading.grade[person],
            "rule": self.grading.rule[person],
            "quota_group": t["quota_group"][person],
            "rank_in_group": t["rank_in_group"][person],
            "group_size": t["group_size"][person],
            "top_grade_slots": t["top_slots"][person],
            "reason": trigger.reason if trigger else None,
        }


def score_cycle(cycle: Cycle, scheme: Scheme) -> CycleResult:
    params = scheme.params
    dimension_weights = scheme.dimension_weight_array()
    person_rank = sort_ranks(cycle.person_ids)
    rater_rank = sort_ranks(cycle.rater_ids)
    order = canonical_rating_order(cycle.ratings, person_rank, rater_rank)
    rater = cycle.ratings.rater[order]
    ratee = cycle.ratings.ratee[order]
    group = cycle.ratings.group[order]
    scores = np.asarray(cycle.ratings.scores, dtype=float)[order]

    standardisation = standardise(rater, scores, len(cycle.rater_ids), dimension_weights, params)
    flags = flag_raters(standardisation, cycle.rater_ids, dimension_weights, params)
    n_people = len(cycle.person_ids)
    groups = aggregate_groups(
        ratee,
        group,
        standardisation.standardised,
        standardisation.weight[rater],
        n_people,
        len(scheme.groups),
        scheme.min_raters,
        params.trim_min_raters,
    )
    rating = combine_groups(groups, scheme.group_weight_array(), dimension_weights)
    objective = score_objective(cycle.indicators, scheme.indicator_weight_array(), params)
    final = final_scores(rating, objective, scheme.subjective_weight)

    ranked = ranking_order(final, objective.score, rating.score, person_rank)
    rank = np.empty(n_people, dtype=int)
    rank[ranked] = np.arange(1, n_people + 1)
    quota_group_index = np.unique(np.asarray(cycle.quota_groups), return_inverse=True)[1].ravel()
    grading = assign_grades(ranked, quota_group_index, scheme.excellent_quota, cycle.bottom_grades, scheme.grades)
    return CycleResult(
        scheme,
        cycle,
        quota_group_index,
        standardisation.weight,
        groups,
        rating,
        objective,
        final,
        rank,
        grading,
        flags,
    )


def _round(value, digits: int = 2):
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def _table(values: np.ndarray, digits: int = 2) -> list:
    """Rounded values as (nested) Python lists, NaN as None."""
    values = np.asarray(values, dtype=float)
    table = np.round(values, digits).astype(object)
    table[np.isnan(values)] = None
    return table.tolist()


def _plain(value):
    """A numpy scalar id as the plain Python value, so that results serialise to JSON."""
    return value.item() if isinstance(value, np.generic) else value
