"""Demo appraisal data: schemes for each category, the annual cycle of 乡镇一般干部 of the latest complete
year before the demo's today (rated by fair, lenient, harsh and flat raters, by the leaders of the departments
whose tasks reached each town and by 群众 through links, scored, calibrated, in publicity), and the regular
cycle of 东河镇 for the latest complete quarter, still being rated. Objective figures start as demo figures; in
the quarterly cycle the people with task assignments then get theirs from the connected sources (the tasks module's demo
runs before this one). The service module is not connected yet, and the cycle page says so."""

from __future__ import annotations

import datetime as dt

from qingche.appraisal import services
from qingche.appraisal.models import AppraisalCycle, PersonCategory
from qingche.org.models import Unit

DIMENSIONS = {"de": 20, "neng": 20, "qin": 20, "ji": 30, "lian": 10}
INDICATORS = {"volume": 30, "on_time": 30, "accuracy": 20, "satisfaction": 20}
SCHEMES = [
    # name, category, period, scale, rater group weights
    (
        "乡镇一般干部年度考核方案",
        PersonCategory.TOWN_STAFF,
        "annual",
        "annual",
        {"superior": 40, "peer": 30, "department": 10, "public": 20},
    ),
    (
        "乡镇一般干部平时考核方案（季度）",
        PersonCategory.TOWN_STAFF,
        "regular",
        "regular",
        {"superior": 50, "peer": 30, "public": 20},
    ),
    (
        "乡镇班子成员年度考核方案",
        PersonCategory.TOWN_LEADER,
        "annual",
        "annual",
        {"superior": 30, "peer": 20, "subordinate": 20, "party_committee": 10, "public": 20},
    ),
    (
        "村（社区）干部年度考核方案",
        PersonCategory.VILLAGE_CADRE,
        "annual",
        "annual",
        {"superior": 40, "peer": 20, "public": 40},
    ),
    (
        "乡镇事业单位人员年度考核方案",
        PersonCategory.PUBLIC_INSTITUTION,
        "annual",
        "public_institution",
        {"superior": 50, "peer": 30, "public": 20},
    ),
]
BEHAVIOURS = (("fair", 0.62), ("lenient", 0.15), ("harsh", 0.1), ("flat", 0.08), ("absent", 0.05))
COMMENTS = ["工作扎实，群众认可", "责任心强", "业务熟练，能吃苦", "服务态度好", "", "", "", "建议加强学习"]


def build(ctx) -> None:
    user = ctx.accounts["zuzhibu"]
    county = ctx.units[0]
    schemes = {}
    for name, category, period, scale, groups in SCHEMES:
        schemes[name] = services.scheme_create(
            user=user,
            unit=county,
            name=name,
            person_category=category,
            period_type=period,
            grade_scale=scale,
            dimension_weights=DIMENSIONS,
            group_weights=groups,
            indicator_weights=INDICATORS,
            subjective_weight=60,
            min_raters=3,
            excellent_quota=20 if period != "regular" else 40,
            quota_group="town",
        )

    year = ctx.today.year - 1  # the latest complete year
    annual = services.cycle_create(
        user=user,
        scheme=schemes[SCHEMES[0][0]],
        name=f"{year}年度乡镇一般干部考核",
        year=year,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        unit=county,
    )
    towns = [unit for unit in ctx.units if unit.kind in Unit.TOWN_LEVEL]
    for town in towns:
        services.links_create(user=user, cycle=annual, unit=town, count=6)
    truth = _fill_figures(ctx, user, annual)
    _rate(ctx, annual, truth, absent_share=1.0)
    services.cycle_score(user=user, cycle=annual)
    annual = services.cycle_open_calibration(user=user, cycle=annual)
    _calibrate_one(user, annual)
    services.cycle_publish(user=user, cycle=annual)

    first_town = next(unit for unit in towns if unit.kind == Unit.Kind.TOWN)
    first, last = last_complete_quarter(ctx.today)
    quarterly = services.cycle_create(
        user=user,
        scheme=schemes[SCHEMES[1][0]],
        name=f"{first.year}年第{'一二三四'[first.month // 3]}季度{first_town.name}平时考核",
        year=first.year,
        period_start=first,
        period_end=last,
        unit=first_town,
    )
    services.links_create(user=user, cycle=quarterly, unit=first_town, count=4)
    truth = _fill_figures(ctx, user, quarterly)
    services.figures_collect(user=user, cycle=quarterly)  # real task assignments where the people have them
    # yixian's and xiangzhen's own ratings stay open, so the demo shows the form with work to do.
    keep_open = {
        account.person.pk
        for name in ("yixian", "xiangzhen")
        if (account := ctx.accounts.get(name)) and getattr(account, "person", None)
    }
    _rate(ctx, quarterly, truth, absent_share=1.0, keep_open=keep_open)


def last_complete_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the latest quarter that ended before `today`."""
    this_quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    last = this_quarter - dt.timedelta(days=1)
    return dt.date(last.year, last.month - 2, 1), last


def _fill_figures(ctx, user, cycle: AppraisalCycle) -> dict[int, float]:
    """Plausible workload/done/on-time/errors figures; `truth` is each person's hidden performance."""
    rng = ctx.random
    scale = (cycle.period_end - cycle.period_start).days / 365.0
    truth, rows = {}, {}
    for appraisee in cycle.appraisees.order_by("id"):
        t = rng.gauss(0, 1)
        truth[appraisee.pk] = t
        workload = round(rng.lognormvariate(7.3, 0.35) * (1 + 0.05 * t) * scale, 1)
        done = max(1, round(workload / 20 * rng.uniform(0.8, 1.2)))
        on_time = min(done, round(done * min(1.0, max(0.0, 0.86 + 0.05 * t + rng.gauss(0, 0.03)))))
        errors = max(0, round(done * max(0.0, 0.03 - 0.01 * t) + rng.gauss(0, 0.5)))
        satisfaction = (
            None if rng.random() < 0.1 else round(min(1.0, max(0.0, 0.86 + 0.04 * t + rng.gauss(0, 0.03))), 3)
        )
        rows[appraisee.pk] = {
            "workload": workload,
            "done": done,
            "on_time": on_time,
            "errors": errors,
            "satisfaction": satisfaction,
        }
    services.figures_set(user=user, cycle=cycle, rows=rows, source="演示数据")
    return truth


def _rate(ctx, cycle: AppraisalCycle, truth: dict[int, float], absent_share: float, keep_open=frozenset()) -> None:
    rng = ctx.random
    behaviour = {}
    dimensions = services.scheme_dimensions(cycle.scheme)
    ratings = list(cycle.ratings.order_by("id"))
    rows = []
    for rating in ratings:
        key = rating.rater_key
        if key not in behaviour:
            behaviour[key] = rng.choices([b for b, _w in BEHAVIOURS], weights=[w for _b, w in BEHAVIOURS])[0]
        kind = behaviour[key]
        if rating.rater_person_id in keep_open or (kind == "absent" and rng.random() < absent_share):
            continue
        t = truth[rating.ratee_id]
        scores = {}
        for dimension in dimensions:
            profile = 80 + 6 * t + rng.gauss(0, 2)
            noise = rng.gauss(0, 4)
            value = {
                "fair": profile + noise,
                "lenient": 93 + 0.4 * (profile - 80) + 0.5 * noise,
                "harsh": 62 + (profile - 80) + noise,
                "flat": 95 + 0.1 * noise,
            }[kind]
            scores[dimension] = float(min(100, max(0, round(value))))
        draft = rng.random() < 0.03
        rows.append((rating.pk, scores, rng.choice(COMMENTS), not draft))
    services.ratings_bulk_load(cycle=cycle, rows=rows)


def _calibrate_one(user, cycle: AppraisalCycle) -> None:
    """The committee lowers one 优秀 to 称职 with a reason, as calibration does."""
    top = cycle.appraisees.filter(grade="excellent").order_by("-rank").first()
    if top is not None:
        services.result_calibrate(
            user=user,
            appraisee=top,
            grade="competent",
            reason="考核委员会复议：年内有一项重点工作被督查通报，调整为称职",
        )
