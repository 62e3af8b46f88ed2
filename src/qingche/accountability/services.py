"""Every write of accountability: open a case, add the people concerned, name the mainly responsible unit (after
seeing where the duty lies) and record a determination for each person. Each checks the actor's permission and
scope, validates through `rules`, writes in one transaction; AuditedModel puts every change in the audit trail."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.accountability import rules, selectors
from qingche.accountability.models import Case, CasePerson, Determination, Outcome, SanctionKind, Source
from qingche.core.audit import audit_context, record
from qingche.core.scope import unit_in_scope, user_person_id
from qingche.org.models import Person, Unit


def _require(user, perm: str, unit: Unit) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your scope."))


def _actor_person(user) -> Person | None:
    person_id = user_person_id(user)
    return Person.objects.filter(pk=person_id).first() if person_id else None


def _clean(text: str, limit: int) -> str:
    return (text or "").strip()[:limit]


@transaction.atomic
def case_open(
    *,
    user,
    unit: Unit,
    title: str,
    facts: str,
    source: str,
    source_ref: str = "",
    opened_on: dt.date | None = None,
    duty_items=(),
    people=(),
) -> Case:
    """Opens a case in the unit concerned with the duty items it involves; `people` are (person, concerned as)
    pairs. Where the duty lies is worked out at once (the red flag and the lead department)."""
    _require(user, "accountability.add_case", unit)
    opened_on = opened_on or timezone.localdate()
    if not _clean(title, 200):
        raise ValidationError({"title": _("Give the case a title.")})
    if not _clean(facts, 20000):
        raise ValidationError({"facts": _("Record the facts of the case.")})
    if source not in Source.values:
        raise ValidationError({"source": _("Choose where the case came from.")})
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("A case cannot be opened in the future.")})
    items = list(duty_items)
    allowed = set(selectors.items_for_unit(unit).values_list("pk", flat=True))
    if any(item.pk not in allowed for item in items):
        raise ValidationError({"duty_items": _("Choose duty items of the published list of the unit concerned.")})
    case = Case.objects.create(
        title=_clean(title, 200),
        facts=_clean(facts, 20000),
        unit=unit,
        source=source,
        source_ref=_clean(source_ref, 200),
        opened_on=opened_on,
        opened_by=_actor_person(user),
    )
    case.duty_items.set(items)
    if items:
        record("update", obj=case, before={"duty_items": []}, after={"duty_items": sorted(item.pk for item in items)})
    _refresh_where(case)
    for person, concerned_as in people:
        case_person_add(user=user, case=case, person=person, concerned_as=concerned_as)
    return case


@transaction.atomic
def case_duty_items_set(*, user, case: Case, duty_items) -> Case:
    """Sets the duty items the case involves (while it is open; the mainly responsible unit is named again)."""
    _require(user, "accountability.change_case", case.unit)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Case.Status.OPEN:
        raise ValidationError(_("This case is already determined."))
    if Determination.objects.filter(case_person__case=case).exists():
        raise ValidationError(_("A determination is recorded: the duty items can no longer change."))
    items = list(duty_items)
    allowed = set(selectors.items_for_unit(case.unit).values_list("pk", flat=True))
    if any(item.pk not in allowed for item in items):
        raise ValidationError({"duty_items": _("Choose duty items of the published list of the unit concerned.")})
    before = sorted(case.duty_items.values_list("pk", flat=True))
    case.duty_items.set(items)
    record("update", obj=case, before={"duty_items": before}, after={"duty_items": sorted(item.pk for item in items)})
    case.responsible_unit = None
    case.responsible_reason = ""
    case.save()
    _refresh_where(case)
    return case


def _refresh_where(case: Case) -> None:
    where = selectors.where_duty_lies(case)
    case.duty_flag = where.flag
    case.lead_unit_id = where.lead_units[0][0] if where.lead_units else None
    case.save(update_fields=["duty_flag", "lead_unit"])


@transaction.atomic
def case_person_add(*, user, case: Case, person: Person, concerned_as: str = "") -> CasePerson:
    _require(user, "accountability.add_caseperson", case.unit)
    if not unit_in_scope(user, "accountability.add_caseperson", person.unit):
        raise PermissionDenied(_("This person is outside your scope."))
    if CasePerson.objects.filter(case=case, person=person).exists():
        raise ValidationError({"person": _("This person is already concerned by the case.")})
    return CasePerson.objects.create(case=case, person=person, concerned_as=_clean(concerned_as, 100))


@transaction.atomic
def case_assign_responsibility(*, user, case: Case, responsible_unit: Unit, reason: str = "") -> Case:
    """Names the mainly responsible unit. Under the red flag (a department leads the matched items) any unit but
    the lead department needs an explicit reason: the department's work is not pushed onto the town."""
    _require(user, "accountability.change_case", case.unit)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Case.Status.OPEN:
        raise ValidationError(_("This case is already determined."))
    problem = rules.responsibility_problem(selectors.where_duty_lies(case), responsible_unit.pk, reason)
    if problem:
        raise ValidationError({"reason": problem})
    case.responsible_unit = responsible_unit
    case.responsible_reason = _clean(reason, 2000)
    with audit_context(reason=case.responsible_reason):
        case.save()
    return case


@transaction.atomic
def determination_record(
    *,
    user,
    case_person: CasePerson,
    objective_causes: str,
    subjective_causes: str,
    distinctions: dict[str, tuple[bool | None, str]],
    outcome: str,
    sanction_kind: str = "",
    sanction_from: dt.date | None = None,
    sanction_until: dt.date | None = None,
    decided_on: dt.date | None = None,
) -> Determination:
    """Records the determination for one person concerned. Refused until the mainly responsible unit is named,
    the objective and subjective causes are recorded and the three distinctions are each answered with a reason;
    an exemption needs all three in the person's favour and carries no sanction. The case is determined when
    every person concerned has a determination."""
    case = Case.objects.select_for_update().select_related("unit").get(pk=case_person.case_id)
    _require(user, "accountability.determine_case", case.unit)
    if case.responsible_unit_id is None:
        raise ValidationError(
            {"outcome": _("First name the mainly responsible unit, after seeing where the duty lies.")}
        )
    if Determination.objects.filter(case_person=case_person).exists():
        raise ValidationError(_("This person's determination is already recorded."))
    me = _actor_person(user)
    if me is not None and me.pk == case_person.person_id:
        raise PermissionDenied(_("You cannot determine a case that concerns you."))
    sanction_kind = sanction_kind or ""
    problems = rules.determination_problems(
        objective_causes=objective_causes,
        subjective_causes=subjective_causes,
        distinctions=distinctions,
        outcome=outcome,
        sanction_kind=sanction_kind,
        sanction_kinds=set(SanctionKind.values),
        sanction_from=sanction_from,
        sanction_until=sanction_until,
    )
    if problems:
        raise ValidationError(problems)
    exempt = outcome == Outcome.EXEMPT
    determination = Determination.objects.create(
        case_person=case_person,
        person_id=case_person.person_id,
        objective_causes=_clean(objective_causes, 5000),
        subjective_causes=_clean(subjective_causes, 5000),
        distinctions={
            key: [bool(distinctions[key][0]), _clean(distinctions[key][1], 1000)] for key in rules.DISTINCTIONS
        },
        outcome=outcome,
        sanction_kind="" if exempt else sanction_kind,
        sanction_from=None if exempt else sanction_from,
        sanction_until=None if exempt else sanction_until,
        decided_on=decided_on or timezone.localdate(),
        decided_by=me,
    )
    if not CasePerson.objects.filter(case=case, determination__isnull=True).exists():
        case.status = Case.Status.DETERMINED
        case.save()
    return determination
