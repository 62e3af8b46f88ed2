"""Score an appraisal cycle given as plain JSON data, with every input checked first.

`simulate(data)` is what the scheme editor's "try it" page and the API call: it validates the
input, names the first problem it finds (in the active language, Chinese by default, with the field
path as in the JSON), and otherwise returns the ranked results with their line-by-line breakdowns.
The rules live in rules.py.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
from django.utils.translation import gettext_lazy as _

from qingche.appraisal import rules

WEIGHT_TOLERANCE = 1e-6
TOP_LEVEL_FIELDS = {
    "period",
    "excellent_quota",
    "min_raters",
    "subjective_weight",
    "dimensions",
    "rater_groups",
    "people",
    "ratings",
}
OPTIONAL_TOP_LEVEL_FIELDS = {"parameters"}
PERSON_FIELDS = {"id", "quota_group", "workload", "done", "on_time", "errors"}
OPTIONAL_PERSON_FIELDS = {"satisfaction", "bottom_grade"}
RATING_FIELDS = {"rater", "group", "ratee", "scores"}


class SimulationInputError(ValueError):
    """Bad simulation input. `message` is put into words when read, in the active language (Chinese by
    default), with the field path as in the JSON; it can be shown as is."""

    def __init__(self, template, **params):
        super().__init__(template, params)
        self.template, self.params = template, params

    @property
    def message(self) -> str:
        return str(self.template) % self.params

    def __str__(self) -> str:
        return self.message


def simulate(data: dict) -> dict:
    scheme = read_scheme(data)
    person_ids, quota_groups, indicators, bottom_grades = read_people(data["people"], scheme)
    rater_ids, ratings = read_ratings(data["ratings"], scheme, person_ids)
    cycle = rules.Cycle(person_ids, quota_groups, indicators, rater_ids, ratings, bottom_grades)
    return render(rules.score_cycle(cycle, scheme))


def render(result: rules.CycleResult) -> dict:
    people = np.argsort(result.rank)
    return {
        "results": [
            {
                "id": result.cycle.person_ids[p],
                "score": float(result.score[p]),
                "rank": int(result.rank[p]),
                "grade": result.grading.grade[p],
                "breakdown": result.explain(p),
            }
            for p in people
        ],
        "rater_flags": [
            {"rater": f.rater, "kind": f.kind, "detail": {**f.detail, "message": f.message}} for f in result.rater_flags
        ],
    }


# ---------------------------------------------------------------------------------------------
# Scheme
# ---------------------------------------------------------------------------------------------


def read_scheme(data) -> rules.Scheme:
    _require_object(data, "data")
    _check_fields(data, TOP_LEVEL_FIELDS, OPTIONAL_TOP_LEVEL_FIELDS, "")
    period = data["period"]
    if period not in rules.GRADE_SCALES:
        raise SimulationInputError(
            _("Invalid appraisal type: period = %(value)s (use annual or regular)"), value=repr(period)
        )
    _require_list(data["people"], "people", non_empty=True)
    _require_list(data["ratings"], "ratings", non_empty=False)
    return rules.Scheme(
        period=period,
        dimension_weights=read_weights(data["dimensions"], "dimensions", rules.DIMENSIONS),
        group_weights=read_weights(data["rater_groups"], "rater_groups", rules.RATER_GROUPS),
        subjective_weight=_fraction(data["subjective_weight"], "subjective_weight"),
        excellent_quota=_fraction(data["excellent_quota"], "excellent_quota"),
        min_raters=_positive_int(data["min_raters"], "min_raters"),
        params=read_parameters(data.get("parameters", {})),
    )


def read_weights(weights, path: str, known: tuple[str, ...]) -> dict[str, float]:
    _require_object(weights, path)
    if not weights:
        raise SimulationInputError(_("Weights cannot be empty: %(path)s"), path=path)
    result = {}
    for key, value in weights.items():
        if key not in known:
            raise SimulationInputError(
                _("Unknown key: %(path)s (known: %(known)s)"), path=f"{path}.{key}", known=", ".join(known)
            )
        result[key] = _number(value, f"{path}.{key}")
        if result[key] < 0:
            raise SimulationInputError(
                _("A weight cannot be negative: %(path)s = %(value)s"), path=f"{path}.{key}", value=value
            )
    total = math.fsum(result.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise SimulationInputError(
            _("Weights must add up to 1: %(path)s adds up to %(total)s"), path=path, total=f"{total:.6g}"
        )
    return result


def read_parameters(parameters) -> rules.ScoringParams:
    _require_object(parameters, "parameters")
    defaults = rules.ScoringParams()
    known = {f.name for f in fields(rules.ScoringParams)}
    values = {}
    for key, value in parameters.items():
        path = f"parameters.{key}"
        if key not in known:
            raise SimulationInputError(
                _("Unknown parameter: %(path)s (known: %(known)s)"), path=path, known=", ".join(sorted(known))
            )
        if key == "indicator_weights":
            values[key] = read_weights(value, path, rules.INDICATORS)
        elif isinstance(getattr(defaults, key), int):
            values[key] = _positive_int(value, path)
        else:
            values[key] = _number(value, path)
    params = rules.ScoringParams(**values)
    _check_parameters(params)
    return params


def _check_parameters(params: rules.ScoringParams) -> None:
    for name in ("standard_spread", "flat_spread", "bias_points", "volume_points_per_doubling"):
        if getattr(params, name) <= 0:
            raise SimulationInputError(
                _("A parameter must be positive: %(path)s = %(value)s"),
                path=f"parameters.{name}",
                value=getattr(params, name),
            )
    if not 0.0 <= params.standard_mean <= 100.0:
        raise SimulationInputError(
            _("Out of the range 0–100: %(path)s = %(value)s"),
            path="parameters.standard_mean",
            value=params.standard_mean,
        )
    if params.error_points_per_percent < 0:
        raise SimulationInputError(
            _("A parameter cannot be negative: %(path)s = %(value)s"),
            path="parameters.error_points_per_percent",
            value=params.error_points_per_percent,
        )
    if params.trim_min_raters < 3:
        raise SimulationInputError(
            _("Dropping the highest and the lowest score needs at least 3 raters: %(path)s = %(value)s"),
            path="parameters.trim_min_raters",
            value=params.trim_min_raters,
        )
    if params.indicator_weights.get("satisfaction", 0.0) >= 1.0:
        # satisfaction is optional per person: someone without it must still have a weighted indicator
        raise SimulationInputError(
            _("Satisfaction cannot hold all the weight of the objective indicators: %(path)s"),
            path="parameters.indicator_weights.satisfaction",
        )


# ---------------------------------------------------------------------------------------------
# People and their objective indicators
# ---------------------------------------------------------------------------------------------


def read_people(people: list, scheme: rules.Scheme):
    ids, quota_groups, bottom_grades = [], [], {}
    columns = {name: [] for name in (*rules.INDICATOR_INPUTS, "satisfaction")}
    seen = {}
    for index, person in enumerate(people):
        path = f"people[{index}]"
        _require_object(person, path)
        _check_fields(person, PERSON_FIELDS, OPTIONAL_PERSON_FIELDS, path)
        person_id = _identifier(person["id"], f"{path}.id")
        if person_id in seen:
            raise SimulationInputError(
                _("Duplicate person id: %(path)s = %(value)s (the same as people[%(first)s])"),
                path=f"{path}.id",
                value=repr(person_id),
                first=seen[person_id],
            )
        seen[person_id] = index
        ids.append(person_id)
        quota_groups.append(_identifier(person["quota_group"], f"{path}.quota_group"))
        for name, value in _read_indicators(person, path).items():
            columns[name].append(value)
        if person.get("bottom_grade") is not None:
            bottom_grades[index] = _read_bottom_grade(person["bottom_grade"], f"{path}.bottom_grade", scheme)
    indicators = rules.Indicators(**{name: np.array(values, dtype=float) for name, values in columns.items()})
    return ids, quota_groups, indicators, bottom_grades


def _read_indicators(person: dict, path: str) -> dict[str, float]:
    values = {}
    for name in rules.INDICATOR_INPUTS:
        values[name] = _number(person[name], f"{path}.{name}")
        if values[name] < 0:
            raise SimulationInputError(
                _("Workload figures cannot be negative: %(path)s = %(value)s"),
                path=f"{path}.{name}",
                value=person[name],
            )
    if values["on_time"] > values["done"]:
        raise SimulationInputError(
            _("Items done on time cannot exceed items done: %(path)s.on_time = %(on_time)s > %(path)s.done = %(done)s"),
            path=path,
            on_time=person["on_time"],
            done=person["done"],
        )
    satisfaction = person.get("satisfaction")
    if satisfaction is None:
        values["satisfaction"] = math.nan
    else:
        values["satisfaction"] = _number(satisfaction, f"{path}.satisfaction")
        if not 0.0 <= values["satisfaction"] <= 1.0:
            raise SimulationInputError(
                _("Satisfaction out of the range 0–1: %(path)s = %(value)s"),
                path=f"{path}.satisfaction",
                value=satisfaction,
            )
    return values


def _read_bottom_grade(trigger, path: str, scheme: rules.Scheme) -> rules.BottomGrade:
    _require_object(trigger, path)
    _check_fields(trigger, {"grade", "reason"}, set(), path)
    bottom = scheme.grades[2:]
    if trigger["grade"] not in bottom:
        raise SimulationInputError(
            _("A bottom grade is %(first)s or %(second)s: %(path)s = %(value)s"),
            first=bottom[0],
            second=bottom[1],
            path=f"{path}.grade",
            value=repr(trigger["grade"]),
        )
    reason = trigger["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise SimulationInputError(_("A bottom grade needs a reason: %(path)s"), path=f"{path}.reason")
    return rules.BottomGrade(trigger["grade"], reason.strip())


# ---------------------------------------------------------------------------------------------
# Ratings
# ---------------------------------------------------------------------------------------------


def read_ratings(ratings: list, scheme: rules.Scheme, person_ids: list):
    person_index = {person_id: i for i, person_id in enumerate(person_ids)}
    group_index = {group: g for g, group in enumerate(scheme.groups)}
    rater_index: dict[str, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    columns = {"rater": [], "ratee": [], "group": [], "scores": []}
    for index, rating in enumerate(ratings):
        path = f"ratings[{index}]"
        _require_object(rating, path)
        _check_fields(rating, RATING_FIELDS, set(), path)
        rater = _identifier(rating["rater"], f"{path}.rater")
        ratee = _identifier(rating["ratee"], f"{path}.ratee")
        if ratee not in person_index:
            raise SimulationInputError(
                _("Unknown person rated: %(path)s = %(value)s (not in people)"), path=f"{path}.ratee", value=repr(ratee)
            )
        if _identifier(rating["group"], f"{path}.group") not in group_index:
            raise SimulationInputError(
                _("Unknown rater group: %(path)s = %(value)s (not in rater_groups)"),
                path=f"{path}.group",
                value=repr(rating["group"]),
            )
        if rater == ratee:
            raise SimulationInputError(
                _("Nobody rates themselves: %(path)s.rater = %(path)s.ratee = %(value)s"), path=path, value=repr(rater)
            )
        if (rater, ratee) in seen_pairs:
            raise SimulationInputError(
                _(
                    "Duplicate rating: %(path)s and ratings[%(first)s] are the same rater rating the same person "
                    "(rater = %(rater)s, ratee = %(ratee)s)"
                ),
                path=path,
                first=seen_pairs[rater, ratee],
                rater=repr(rater),
                ratee=repr(ratee),
            )
        seen_pairs[rater, ratee] = index
        columns["rater"].append(rater_index.setdefault(rater, len(rater_index)))
        columns["ratee"].append(person_index[ratee])
        columns["group"].append(group_index[rating["group"]])
        columns["scores"].append(_read_scores(rating["scores"], f"{path}.scores", scheme.dimensions))
    table = rules.Ratings(
        rater=np.array(columns["rater"], dtype=np.intp),
        ratee=np.array(columns["ratee"], dtype=np.intp),
        group=np.array(columns["group"], dtype=np.intp),
        scores=np.array(columns["scores"], dtype=float).reshape(len(ratings), len(scheme.dimensions)),
    )
    return list(rater_index), table


def _read_scores(scores, path: str, dimensions: tuple[str, ...]) -> list[float]:
    _require_object(scores, path)
    _check_fields(scores, set(dimensions), set(), path)
    values = []
    for dimension in dimensions:
        value = _number(scores[dimension], f"{path}.{dimension}")
        if not 0.0 <= value <= 100.0:
            raise SimulationInputError(
                _("Score out of the range 0–100: %(path)s = %(value)s"),
                path=f"{path}.{dimension}",
                value=scores[dimension],
            )
        values.append(value)
    return values


# ---------------------------------------------------------------------------------------------
# Small checks
# ---------------------------------------------------------------------------------------------


def _check_fields(obj: dict, required: set[str], optional: set[str], path: str) -> None:
    prefix = f"{path}." if path else ""
    for name in sorted(required - obj.keys()):
        raise SimulationInputError(_("Missing field: %(path)s"), path=f"{prefix}{name}")
    for name in sorted(obj.keys() - required - optional, key=str):
        raise SimulationInputError(_("Unknown field: %(path)s"), path=f"{prefix}{name}")


def _require_object(value, path: str) -> None:
    if not isinstance(value, dict):
        raise SimulationInputError(_("Expected a JSON object: %(path)s"), path=path)


def _require_list(value, path: str, non_empty: bool) -> None:
    if not isinstance(value, list):
        raise SimulationInputError(_("Expected a JSON array: %(path)s"), path=path)
    if non_empty and not value:
        raise SimulationInputError(_("Cannot be empty: %(path)s"), path=path)


def _number(value, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SimulationInputError(_("Expected a number: %(path)s = %(value)s"), path=path, value=repr(value))
    if not math.isfinite(value):
        raise SimulationInputError(_("The number must be finite: %(path)s = %(value)s"), path=path, value=repr(value))
    return float(value)


def _fraction(value, path: str) -> float:
    number = _number(value, path)
    if not 0.0 <= number <= 1.0:
        raise SimulationInputError(_("Out of the range 0–1: %(path)s = %(value)s"), path=path, value=value)
    return number


def _positive_int(value, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SimulationInputError(
            _("Expected a positive whole number: %(path)s = %(value)s"), path=path, value=repr(value)
        )
    return value


def _identifier(value, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SimulationInputError(_("Expected a non-empty string: %(path)s = %(value)s"), path=path, value=repr(value))
    return value
