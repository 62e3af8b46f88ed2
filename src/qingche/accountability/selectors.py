"""Every read of accountability, scoped to the user (纪检/组织部 by unit, everyone else their own person only);
also where a duty lies for a case, and the figures the appraisal module collects."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Prefetch, Q

from qingche.accountability import rules
from qingche.accountability.models import Case, CasePerson, Determination, Outcome
from qingche.core import parameters
from qingche.core.scope import acting_q, user_person_id
from qingche.duties.models import DutyItem
from qingche.org.models import Person, Unit


def cases(user):
    return Case.objects.visible_to(user).select_related("unit", "responsible_unit", "lead_unit")


def case_people(user):
    return CasePerson.objects.visible_to(user).select_related("person__unit", "case")


def determinations(user):
    return Determination.objects.visible_to(user).select_related("person__unit", "case_person__case")


def case_list(user, *, status: str = "", outcome: str = "", query: str = ""):
    rows = cases(user).annotate(people_count=Count("people", distinct=True)).order_by("-opened_on", "-id")
    if status in Case.Status.values:
        rows = rows.filter(status=status)
    if outcome in Outcome.values:
        rows = rows.filter(people__determination__outcome=outcome).distinct()
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(unit__name__icontains=query))
    return rows


def case_detail(user, case: Case) -> dict:
    """The case as its page shows it: the people concerned the user may see (all of them for 纪检/组织部, only
    oneself for the person concerned), their determinations, and where the duty lies."""
    people = list(
        case_people(user)
        .filter(case=case)
        .prefetch_related(Prefetch("determination", queryset=Determination.objects.select_related("decided_by")))
    )
    return {"people": people, "where": where_duty_lies(case), "items": duty_items_of(case)}


def duty_items_of(case: Case):
    return case.duty_items.select_related("lead_unit", "duty_list__unit").order_by("kind", "code")


def where_duty_lies(case: Case) -> rules.WhereDutyLies:
    return rules.where_duty_lies(item_facts(duty_items_of(case)))


def item_facts(items) -> list[rules.DutyItemFact]:
    return [
        rules.DutyItemFact(item.kind, item.lead_unit_id, item.lead_unit.name if item.lead_unit_id else "")
        for item in items
    ]


def items_for_unit(unit: Unit):
    """The duty items of the unit's published list (the items a case in that unit can involve)."""
    return (
        DutyItem.objects.filter(duty_list__unit=unit, duty_list__status="published")
        .select_related("lead_unit")
        .order_by("kind", "code")
    )


def units_for_cases(user):
    """The units a user may open a case in: those its case-adding grants reach."""

    return Unit.objects.filter(acting_q(user, "accountability.add_case")).order_by("path")


def people_for_case(user, case: Case):
    """The people who may be added to the case: those of the unit concerned and its subtree that the user sees."""
    return Person.objects.visible_to(user).filter(unit__path__startswith=case.unit.path).select_related("unit")


def my_record(user) -> dict:
    """The account's own person: the cases that concern them and their determinations, 容错 included."""
    me = user_person_id(user)
    if me is None:
        return {"cases": [], "determinations": [], "tolerated": 0}
    mine = list(cases(user).filter(people__person_id=me).distinct())
    decided = list(determinations(user).filter(person_id=me))
    return {"cases": mine, "determinations": decided, "tolerated": sum(1 for row in decided if row.tolerated)}


def sanction_grades() -> dict[str, str]:
    return dict(parameters.get("accountability.sanction_bottom_grades"))


def sanctions_in_force(person_ids, start, end):
    return Determination.objects.filter(
        person_id__in=person_ids,
        outcome__in=(Outcome.ACCOUNTABLE, Outcome.LENIENT),
        sanction_from__lte=end,
        sanction_until__gte=start,
    ).select_related("case_person__case")


def appraisal_figures(person_ids, start, end) -> dict[int, dict]:
    """The appraisal indicator source: a sanction in force during the period whose kind caps the grade is a
    bottom-grade trigger (the harsher one wins), with the case named as the reason; each 容错 decision in the
    period takes errors off the person's figures (parameter accountability.tolerance_offsets_errors)."""
    grades = sanction_grades()
    severity = {"basically_competent": 1, "incompetent": 2}
    result: dict[int, dict] = defaultdict(dict)
    for row in sanctions_in_force(person_ids, start, end):
        grade = rules.bottom_grade_of(row.sanction_kind, grades)
        if grade not in severity:
            continue
        current = result[row.person_id].get("bottom_grade")
        if current is None or severity[grade] > severity[current]:
            result[row.person_id]["bottom_grade"] = grade
            result[row.person_id]["reason"] = (
                f"{row.case_person.case.title}：{row.get_sanction_kind_display()}"
                f"（{row.sanction_from.isoformat()} 至 {row.sanction_until.isoformat()}）"
            )
    offset = float(parameters.get("accountability.tolerance_offsets_errors") or 0)
    if offset:
        tolerated = (
            Determination.objects.filter(
                person_id__in=person_ids,
                outcome__in=(Outcome.EXEMPT, Outcome.LENIENT),
                decided_on__gte=start,
                decided_on__lte=end,
            )
            .values("person_id")
            .annotate(n=Count("id"))
        )
        for row in tolerated:
            result[row["person_id"]]["errors"] = -offset * row["n"]
    return dict(result)
