"""Every read of the appraisal module, already scoped to the user; and the results that count
(performance pay, rank years, award nominations, 组织处理), which other modules call.

Nothing here returns who rated whom to anyone but the organization department running the cycle,
and never to the person rated; progress is counted per rater group, never per person rated."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from qingche.appraisal import rules
from qingche.appraisal.models import (
    Appeal,
    AppraisalCycle,
    AppraisalScheme,
    Appraisee,
    GradeScale,
    RaterFlag,
    Rating,
    RatingLink,
)
from qingche.core import parameters
from qingche.core.scope import user_person_id

GRADE_LABELS = {
    "excellent": _("Excellent"),
    "competent": _("Competent"),
    "basically_competent": _("Basically competent"),
    "incompetent": _("Incompetent"),
    "good": _("Good"),
    "fairly_good": _("Fairly good"),
    "average": _("Average"),
    "poor": _("Poor"),
}
PUBLIC_INSTITUTION_LABELS = {
    "excellent": _("Excellent"),
    "competent": _("Qualified"),
    "basically_competent": _("Basically qualified"),
    "incompetent": _("Unqualified"),
}


def grade_label(scheme: AppraisalScheme, code: str) -> str:
    if not code:
        return ""
    labels = PUBLIC_INSTITUTION_LABELS if scheme.grade_scale == GradeScale.PUBLIC_INSTITUTION else GRADE_LABELS
    return str(labels.get(code, code))


def quota_group_label(value: str) -> str:
    """A stored quota group in words: a town's or unit's name, or the whole cycle."""
    return str(_("the whole cycle")) if value == "cycle" else value


def label(code: str) -> str:
    """The words for a code of the scoring rules (dimension, rater group, indicator, grade, rater flag)."""
    return str(rules.LABELS.get(code, code))


def explained(breakdown: dict | None) -> dict:
    """A stored breakdown (CycleResult.explain) with the words for each code, for the results page: every
    rater group, dimension, indicator and input gets a `label` in the reader's language."""
    if not breakdown:
        return {}
    shown = {**breakdown}
    rating = dict(breakdown.get("rating") or {})
    groups = []
    for line in rating.get("groups", []):
        line = {**line, "label": label(line.get("group", ""))}
        if "dimensions" in line:
            line["dimensions"] = [{**d, "label": label(d.get("dimension", ""))} for d in line["dimensions"]]
        groups.append(line)
    rating["groups"] = groups
    shown["rating"] = rating
    objective = dict(breakdown.get("objective") or {})
    objective["indicators"] = [
        {
            **i,
            "label": label(i.get("indicator", "")),
            "input_lines": [(str(rules.INPUT_LABELS.get(k, k)), v) for k, v in (i.get("inputs") or {}).items()],
        }
        for i in objective.get("indicators", [])
    ]
    shown["objective"] = objective
    if shown.get("grade"):
        shown["grade"] = {**shown["grade"], "quota_group": quota_group_label(shown["grade"].get("quota_group", ""))}
    return shown


def grade_choices(scheme: AppraisalScheme) -> list[tuple[str, str]]:
    return [(code, grade_label(scheme, code)) for code in rules.GRADE_SCALES[scheme.engine_period]]


# -- plain reads ------------------------------------------------------------------------------------
def schemes(user):
    return AppraisalScheme.objects.visible_to(user).select_related("unit")


def cycles(user):
    return AppraisalCycle.objects.visible_to(user).select_related("scheme", "unit")


def managed_cycles(user):
    return AppraisalCycle.objects.visible_to(user, action="manage").select_related("scheme", "unit")


def can_manage(user, cycle: AppraisalCycle) -> bool:
    return managed_cycles(user).filter(pk=cycle.pk).exists()


def results(user):
    """Appraisees with their results: the organization department in its scope; a town its own
    people once publicity starts; a person their own result once publicity starts. The person's encrypted
    fields are left out: appraisal shows names, and decrypting them cost two ciphers a row."""
    return (
        Appraisee.objects.visible_to(user)
        .select_related("cycle__scheme", "person", "unit")
        .defer("person__id_number", "person__phone")
    )


def results_listed(user):
    """results(user) for lists and tables: without the line-by-line breakdown, which only one result's
    page shows."""
    return results(user).defer("breakdown")


def ranked_results(user, cycle: AppraisalCycle):
    """A cycle's scored appraisees by rank, for the results list and its export: without the line-by-line
    breakdown and the person's encrypted data, which neither shows."""
    return results_listed(user).filter(cycle=cycle, score__isnull=False).order_by("rank", "id")


def publicity_list(user, cycle: AppraisalCycle) -> list[dict] | None:
    """The 公示 list: who is to receive the top grade, by name and unit — no score, rank or breakdown. Open
    to everyone who sees the cycle, and only while the cycle is in publicity (None otherwise)."""
    if cycle.status != AppraisalCycle.Status.PUBLICITY or not cycles(user).filter(pk=cycle.pk).exists():
        return None
    top = rules.GRADE_SCALES[cycle.scheme.engine_period][0]
    rows = (
        Appraisee.objects.filter(cycle=cycle, grade=top)
        .order_by("unit__path", "person__name", "pk")
        .values_list("person__name", "unit__name")
    )
    label = grade_label(cycle.scheme, top)
    return [{"person": person, "unit": unit, "grade": label} for person, unit in rows]


def my_results(user):
    person_id = user_person_id(user)
    if person_id is None:
        return Appraisee.objects.none()
    return results(user).filter(person_id=person_id, cycle__status__in=AppraisalCycle.PUBLISHED)


# What a rater never sees of the person rated, and would cost a decryption or a large read per rating.
RATEE_UNSHOWN = ("ratee__person__id_number", "ratee__person__phone", "ratee__breakdown")


def my_ratings(user):
    """The user's own ratings (as rater) — the only way any rating is read."""
    return (
        Rating.objects.visible_to(user)
        .select_related("cycle__scheme", "ratee__person", "ratee__unit")
        .defer(*RATEE_UNSHOWN)
        .order_by("cycle_id", "ratee__unit_id", "ratee__person__name", "id")
    )


def open_ratings(user):
    return my_ratings(user).filter(cycle__status=AppraisalCycle.Status.RATING)


def link_ratings(link: RatingLink):
    return (
        Rating.objects.filter(rater_link=link)
        .select_related("ratee__person", "ratee__unit", "cycle__scheme")
        .defer(*RATEE_UNSHOWN)
        .order_by("ratee__unit_id", "ratee__person__name", "id")
    )


def rater_flags(user):
    return (
        RaterFlag.objects.visible_to(user)
        .select_related("rater_person", "rater_link", "cycle")
        .defer("rater_person__id_number", "rater_person__phone")  # a name is shown; decrypting costs per row
    )


def appeals(user):
    return (
        Appeal.objects.visible_to(user)
        .select_related("appraisee__person", "appraisee__cycle__scheme")
        .defer("appraisee__person__id_number", "appraisee__person__phone", "appraisee__breakdown")
    )


def links(user, cycle: AppraisalCycle):
    return RatingLink.objects.visible_to(user).filter(cycle=cycle).select_related("unit")


def progress(user, cycle: AppraisalCycle) -> list[dict] | None:
    """Per rater group: assigned, drafts, submitted — for the organization department only (None for
    anyone else), and never per person rated."""
    if not can_manage(user, cycle):
        return None
    person_id = user_person_id(user)
    rows = (
        Rating.objects.filter(cycle=cycle)
        .exclude(ratee__person_id=person_id)
        .values("group")
        .annotate(
            total=Count("id"),
            submitted=Count("id", filter=Q(status=Rating.Status.SUBMITTED)),
            draft=Count("id", filter=Q(status=Rating.Status.DRAFT)),
        )
        .order_by("group")
    )
    order = {group: i for i, group in enumerate(rules.RATER_GROUPS)}
    table = [
        {
            **row,
            "label": label(row["group"]),
            "share": round(100 * row["submitted"] / row["total"]) if row["total"] else 0,
        }
        for row in rows
    ]
    return sorted(table, key=lambda row: order.get(row["group"], 99))


def rater_assignments(user, appraisee: Appraisee):
    """Who is assigned to rate `appraisee` (not what they gave): for the organization department
    editing the raters, and never for the person themselves."""
    if not can_manage(user, appraisee.cycle) or appraisee.person_id == user_person_id(user):
        return Rating.objects.none()
    return (
        Rating.objects.filter(ratee=appraisee, rater_person__isnull=False)
        .select_related("rater_person")
        .only("id", "group", "status", "rater_person__name", "ratee_id", "cycle_id")
        .order_by("group", "rater_person__name")
    )


# -- the results that count (other modules call these) -------------------------------------------
def _counted_results(user, year: int | None = None, cycle: AppraisalCycle | None = None):
    rows = results_listed(user).filter(cycle__status__in=AppraisalCycle.PUBLISHED).exclude(grade="")
    if cycle is not None:
        rows = rows.filter(cycle=cycle)
    if year is not None:
        rows = rows.filter(cycle__year=year)
    return rows.order_by("cycle_id", "rank", "id")


def performance_pay(user, cycle: AppraisalCycle) -> list[dict]:
    """Performance-pay coefficient per person by grade (configurable table appraisal.pay_coefficients)."""
    table = parameters.get("appraisal.pay_coefficients")
    return [
        {
            "person_id": row.person_id,
            "person": row.person.name,
            "unit": row.unit.name,
            "grade": row.grade,
            "grade_label": grade_label(row.cycle.scheme, row.grade),
            "coefficient": table.get(row.grade),
            "final": row.cycle.status == AppraisalCycle.Status.FINAL,
        }
        for row in _counted_results(user, cycle=cycle)
    ]


def _annual(rows):
    return rows.filter(cycle__scheme__period_type__in=["annual", "mid_term", "end_term"])


def rank_eligibility(user, year: int) -> list[dict]:
    """Whether the year counts toward rank (职级) years, by annual grade (appraisal.rank_years):
    基本称职 and 不称职 years do not count; 优秀 shortens the wait for the next step."""
    table = parameters.get("appraisal.rank_years")
    history = defaultdict(list)  # person -> the grades of every published year: two columns, no objects
    for person_id, grade in _annual(
        results(user).filter(cycle__status__in=AppraisalCycle.PUBLISHED).exclude(grade="")
    ).values_list("person_id", "grade"):
        history[person_id].append(grade)
    lines = []
    for row in _annual(_counted_results(user, year=year)):
        rule = table.get(row.grade, {"counts": False, "months_less": 0})
        counted = sum(1 for grade in history[row.person_id] if table.get(grade, {}).get("counts"))
        lines.append(
            {
                "person_id": row.person_id,
                "person": row.person.name,
                "unit": row.unit.name,
                "year": year,
                "grade": row.grade,
                "grade_label": grade_label(row.cycle.scheme, row.grade),
                "year_counts": bool(rule.get("counts")),
                "months_less": int(rule.get("months_less", 0)),
                "years_counted": counted,
                "final": row.cycle.status == AppraisalCycle.Status.FINAL,
            }
        )
    return lines


def award_nominations(user, year: int) -> list[dict]:
    """Top results (the top grade) of the year, best first; three top grades in a row → 三等功 candidate."""
    in_a_row = int(parameters.get("appraisal.award_excellent_in_a_row"))
    rows = list(_annual(_counted_results(user, year=year)).filter(grade="excellent").order_by("-score", "id"))
    excellent_years = defaultdict(set)  # one read for everyone's top-grade years, not one per line
    for person_id, cycle_year in _annual(
        results(user).filter(person_id__in={row.person_id for row in rows}, grade="excellent")
    ).values_list("person_id", "cycle__year"):
        excellent_years[person_id].add(cycle_year)
    lines = []
    for row in rows:
        years = excellent_years[row.person_id]
        streak = 0
        while (year - streak) in years:
            streak += 1
        lines.append(
            {
                "person_id": row.person_id,
                "person": row.person.name,
                "unit": row.unit.name,
                "score": row.score,
                "excellent_years_in_a_row": streak,
                "merit_candidate": streak >= in_a_row,
                "final": row.cycle.status == AppraisalCycle.Status.FINAL,
            }
        )
    return lines


def organizational_actions(user, year: int) -> list[dict]:
    """组织处理: 不称职 this year, or 基本称职 in two years (this one and an earlier one)."""
    rows = list(_annual(_counted_results(user, year=year)).filter(grade__in=["incompetent", "basically_competent"]))
    # one read for who was 基本称职 in an earlier published year, not one per line
    twice = set(
        _annual(
            results(user).filter(
                person_id__in={row.person_id for row in rows if row.grade == "basically_competent"},
                grade="basically_competent",
            )
        )
        .filter(cycle__year__lt=year, cycle__status__in=AppraisalCycle.PUBLISHED)
        .values_list("person_id", flat=True)
    )
    lines = []
    for row in rows:
        if row.grade == "incompetent":
            reason = _("Incompetent this year")
        else:
            if row.person_id not in twice:
                continue
            reason = _("Basically competent twice")
        lines.append(
            {
                "person_id": row.person_id,
                "person": row.person.name,
                "unit": row.unit.name,
                "grade": row.grade,
                "grade_label": grade_label(row.cycle.scheme, row.grade),
                "reason": str(reason),
                "final": row.cycle.status == AppraisalCycle.Status.FINAL,
            }
        )
    return lines
