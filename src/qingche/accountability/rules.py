"""Fair accountability (问责与容错) as plain rules: where a duty lies, when assigning the town needs a reason,
what a determination must answer before it is saved, and which sanctions lower an appraisal grade.

Seed 004: "科学分析主客观原因 … 明确界定责任主体", "不能一出现问题就不加分析地横加指责", and departments must not
push their work onto towns ("将应是部门为主、地方配合的工作责任,推给镇级"). DOMAIN_FACTS: the three distinctions
(三个区分开来) of 容错."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Duty-item kinds (duties.DutyItem.Kind values) whose lead is a county department, not the town.
DEPARTMENT_LED = ("cooperation", "taken_back")

# The three distinctions (三个区分开来) of DOMAIN_FACTS, each answered "in the person's favour" or not.
DISTINCTIONS = ("inexperience", "trial", "public_interest")
DISTINCTION_LABELS = {
    "inexperience": gettext_lazy(
        "A mistake from inexperience in reform and innovation, not a knowing violation of discipline and law"
    ),
    "trial": gettext_lazy("A mistake in a trial not yet clearly restricted, not carrying on after a ban"),
    "public_interest": gettext_lazy(
        "An unintentional error made to push development, not a violation of discipline for private gain"
    ),
}

EXEMPT, LENIENT, ACCOUNTABLE = "exempt", "lenient", "accountable"

# Default sanction kinds and the appraisal grade each one caps the year at while in force (appraisal's
# annual scale; "" = no bottom grade). A parameter (accountability.sanction_bottom_grades) may change it.
DEFAULT_SANCTION_GRADES = {
    "reminder": "",
    "criticism": "",
    "self_criticism": "",
    "admonishment": "",
    "organisational": "basically_competent",
    "demerit": "basically_competent",
    "major_demerit": "basically_competent",
    "demotion": "incompetent",
}


@dataclass(frozen=True)
class DutyItemFact:
    """What the rules need of a duty item: its kind and its lead department (id and name)."""

    kind: str
    lead_unit_id: int | None
    lead_unit_name: str = ""


@dataclass(frozen=True)
class WhereDutyLies:
    flag: bool  # 权力归部门、责任归地方: a department leads at least one of the matched items
    lead_units: tuple[tuple[int, str], ...]  # (id, name) of the lead departments, in first-seen order
    basic_items: int
    department_items: int


def where_duty_lies(items: list[DutyItemFact]) -> WhereDutyLies:
    leads: dict[int, str] = {}
    department = 0
    for item in items:
        if item.kind in DEPARTMENT_LED:
            department += 1
            if item.lead_unit_id is not None:
                leads.setdefault(item.lead_unit_id, item.lead_unit_name)
    return WhereDutyLies(
        flag=department > 0,
        lead_units=tuple(leads.items()),
        basic_items=len(items) - department,
        department_items=department,
    )


def responsibility_problem(where: WhereDutyLies, responsible_unit_id: int, reason: str) -> str | None:
    """Why the chosen main responsible unit cannot be saved, or None. Under the red flag, naming any unit but a
    lead department needs an explicit reason."""
    if not where.flag:
        return None
    if responsible_unit_id in {unit_id for unit_id, _name in where.lead_units}:
        return None
    if len(reason.strip()) < 10:
        names = "、".join(name for _id, name in where.lead_units) or _("a county department")
        return _(
            "Power lies with the department, responsibility with the locality: the matched duty items are led by "
            "%(lead)s. Naming another unit as mainly responsible needs an explicit reason (at least 10 characters)."
        ) % {"lead": names}
    return None


def determination_problems(
    *,
    objective_causes: str,
    subjective_causes: str,
    distinctions: dict[str, tuple[bool | None, str]],
    outcome: str,
    sanction_kind: str,
    sanction_kinds: set[str],
    sanction_from=None,
    sanction_until=None,
) -> dict[str, str]:
    """The fields a determination cannot be saved with, and why: the causes analysed, each distinction
    answered with a reason, an outcome that fits the analysis and a sanction only where one is due."""
    problems: dict[str, str] = {}
    if not objective_causes.strip():
        problems["objective_causes"] = _("Record the objective causes (what was outside the person's control).")
    if not subjective_causes.strip():
        problems["subjective_causes"] = _("Record the subjective causes (what lay with the person).")
    for key in DISTINCTIONS:
        favourable, reason = distinctions.get(key, (None, ""))
        if favourable is None or not (reason or "").strip():
            problems[f"distinction_{key}"] = _("Answer this distinction and give the reason.")
    if outcome not in (EXEMPT, LENIENT, ACCOUNTABLE):
        problems["outcome"] = _("Choose the outcome.")
    if problems:
        return problems
    in_favour = sum(1 for key in DISTINCTIONS if distinctions[key][0])
    if outcome == EXEMPT:
        if in_favour < len(DISTINCTIONS):
            problems["outcome"] = _(
                "Exemption (容错免责) needs all three distinctions answered in the person's favour."
            )
        if sanction_kind:
            problems["sanction_kind"] = _("An exempted person receives no sanction.")
        return problems
    if outcome == LENIENT and in_favour == 0:
        problems["outcome"] = _("A lighter outcome needs at least one distinction answered in the person's favour.")
    if not sanction_kind:
        problems["sanction_kind"] = _("Choose the kind of sanction.")
    elif sanction_kind not in sanction_kinds:
        problems["sanction_kind"] = _("Unknown kind of sanction.")
    if sanction_from is None or sanction_until is None:
        problems["sanction_until"] = _("Give the dates the sanction is in force from and until.")
    elif sanction_until < sanction_from:
        problems["sanction_until"] = _("The sanction ends before it starts.")
    return problems


def tolerated(outcome: str) -> bool:
    """A 容错 decision: exempted, or given a lighter outcome because of the distinctions."""
    return outcome in (EXEMPT, LENIENT)


def bottom_grade_of(sanction_kind: str, grades: dict[str, str]) -> str:
    return grades.get(sanction_kind, "") or ""


def overlaps(first, last, start, end) -> bool:
    return first <= end and last >= start
