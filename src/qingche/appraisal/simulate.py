"""Score an appraisal cycle given as plain JSON data, with every input checked first.

`simulate(data)` is what the scheme editor's "try it" page and the API call: it validates the
input, names the first problem it finds in Chinese (with the English field path), and otherwise
returns the ranked results with their line-by-line breakdowns. The rules live in rules.py.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np

from qingche.appraisal import rules

WEIGHT_TOLERANCE = 1e-6
TOP_LEVEL_FIELDS = {
    "period", "excellent_quota", "min_raters", "subjective_weight", "dimensions", "rater_groups",
    "people", "ratings",
}  # fmt: skip
OPTIONAL_TOP_LEVEL_FIELDS = {"parameters"}
PERSON_FIELDS = {"id", "quota_group", "workload", "done", "on_time", "errors"}
OPTIONAL_PERSON_FIELDS = {"satisfaction", "bottom_grade"}
RATING_FIELDS = {"rater", "group", "ratee", "scores"}


class SimulationInputError(ValueError):
    """Bad simulation input; the message (Chinese, with the English field path) can be shown as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
        "rater_flags": [{"rater": f.rater, "kind": f.kind, "detail": f.detail} for f in result.rater_flags],
    }


# ---------------------------------------------------------------------------------------------
# Scheme
# ---------------------------------------------------------------------------------------------


def read_scheme(data) -> rules.Scheme:
    _require_object(data, "data")
    _check_fields(data, TOP_LEVEL_FIELDS, OPTIONAL_TOP_LEVEL_FIELDS, "")
    period = data["period"]
    if period not in rules.GRADE_SCALES:
        raise SimulationInputError(f"考核类型无效：period = {period!r}（应为 annual 或 regular）")
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
        raise SimulationInputError(f"权重不能为空：{path}")
    result = {}
    for key, value in weights.items():
        if key not in known:
            raise SimulationInputError(f"未知键：{path}.{key}（可用：{', '.join(known)}）")
        result[key] = _number(value, f"{path}.{key}")
        if result[key] < 0:
            raise SimulationInputError(f"权重不能为负：{path}.{key} = {value}")
    total = math.fsum(result.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise SimulationInputError(f"权重之和必须为 1：{path} 之和 = {total:.6g}")
    return result


def read_parameters(parameters) -> rules.ScoringParams:
    _require_object(parameters, "parameters")
    defaults = rules.ScoringParams()
    known = {f.name for f in fields(rules.ScoringParams)}
    values = {}
    for key, value in parameters.items():
        path = f"parameters.{key}"
        if key not in known:
            raise SimulationInputError(f"未知参数：{path}（可用：{', '.join(sorted(known))}）")
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
            raise SimulationInputError(f"参数必须为正：parameters.{name} = {getattr(params, name)}")
    if not 0.0 <= params.standard_mean <= 100.0:
        raise SimulationInputError(f"取值超出范围 0–100：parameters.standard_mean = {params.standard_mean}")
    if params.error_points_per_percent < 0:
        raise SimulationInputError(
            f"参数不能为负：parameters.error_points_per_percent = {params.error_points_per_percent}"
        )
    if params.trim_min_raters < 3:
        raise SimulationInputError(
            f"去掉最高最低分至少需要 3 人：parameters.trim_min_raters = {params.trim_min_raters}"
        )
    if params.indicator_weights.get("satisfaction", 0.0) >= 1.0:
        # satisfaction is optional per person: someone without it must still have a weighted indicator
        raise SimulationInputError("满意度不能占客观指标全部权重：parameters.indicator_weights.satisfaction")


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
            raise SimulationInputError(f"人员编号重复：{path}.id = {person_id!r}（与 people[{seen[person_id]}] 相同）")
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
            raise SimulationInputError(f"工作量数据不能为负：{path}.{name} = {person[name]}")
    if values["on_time"] > values["done"]:
        raise SimulationInputError(
            f"按时完成数不能大于完成数：{path}.on_time = {person['on_time']} > {path}.done = {person['done']}"
        )
    satisfaction = person.get("satisfaction")
    if satisfaction is None:
        values["satisfaction"] = math.nan
    else:
        values["satisfaction"] = _number(satisfaction, f"{path}.satisfaction")
        if not 0.0 <= values["satisfaction"] <= 1.0:
            raise SimulationInputError(f"满意度超出范围 0–1：{path}.satisfaction = {satisfaction}")
    return values


def _read_bottom_grade(trigger, path: str, scheme: rules.Scheme) -> rules.BottomGrade:
    _require_object(trigger, path)
    _check_fields(trigger, {"grade", "reason"}, set(), path)
    bottom = scheme.grades[2:]
    if trigger["grade"] not in bottom:
        raise SimulationInputError(f"低等次只能是 {' 或 '.join(bottom)}：{path}.grade = {trigger['grade']!r}")
    reason = trigger["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise SimulationInputError(f"确定低等次必须写明理由：{path}.reason")
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
            raise SimulationInputError(f"未知被评价人：{path}.ratee = {ratee!r}（不在 people 中）")
        if _identifier(rating["group"], f"{path}.group") not in group_index:
            raise SimulationInputError(f"未知评价主体：{path}.group = {rating['group']!r}（不在 rater_groups 中）")
        if rater == ratee:
            raise SimulationInputError(f"不能给自己评分：{path}.rater = {path}.ratee = {rater!r}")
        if (rater, ratee) in seen_pairs:
            raise SimulationInputError(
                f"重复评分：{path} 与 ratings[{seen_pairs[rater, ratee]}] 是同一评价人对同一被评价人"
                f"（rater = {rater!r}, ratee = {ratee!r}）"
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
            raise SimulationInputError(f"评分超出范围 0–100：{path}.{dimension} = {scores[dimension]}")
        values.append(value)
    return values


# ---------------------------------------------------------------------------------------------
# Small checks
# ---------------------------------------------------------------------------------------------


def _check_fields(obj: dict, required: set[str], optional: set[str], path: str) -> None:
    prefix = f"{path}." if path else ""
    for name in sorted(required - obj.keys()):
        raise SimulationInputError(f"缺少字段：{prefix}{name}")
    for name in sorted(obj.keys() - required - optional, key=str):
        raise SimulationInputError(f"未知字段：{prefix}{name}")


def _require_object(value, path: str) -> None:
    if not isinstance(value, dict):
        raise SimulationInputError(f"应为 JSON 对象：{path}")


def _require_list(value, path: str, non_empty: bool) -> None:
    if not isinstance(value, list):
        raise SimulationInputError(f"应为 JSON 数组：{path}")
    if non_empty and not value:
        raise SimulationInputError(f"不能为空：{path}")


def _number(value, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SimulationInputError(f"应为数值：{path} = {value!r}")
    if not math.isfinite(value):
        raise SimulationInputError(f"数值必须有限：{path} = {value!r}")
    return float(value)


def _fraction(value, path: str) -> float:
    number = _number(value, path)
    if not 0.0 <= number <= 1.0:
        raise SimulationInputError(f"取值超出范围 0–1：{path} = {value}")
    return number


def _positive_int(value, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SimulationInputError(f"应为正整数：{path} = {value!r}")
    return value


def _identifier(value, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SimulationInputError(f"应为非空字符串：{path} = {value!r}")
    return value
