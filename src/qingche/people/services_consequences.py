"""Writes of 组织处理 proposals: proposing them from a closed appraisal cycle, and the organisation department's
confirmation or rejection (with a reason). A confirmed down-step is recorded in the rank history through
services_careers.rank_change_record. Every write is audited (AuditedModel, the reason in the audit context)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.appraisal.models import AppraisalCycle, Appraisee
from qingche.core.audit import audit_context
from qingche.core.scope import acting_q, unit_in_scope, user_person_id
from qingche.people import rules_careers, rules_consequences, services_careers
from qingche.people import selectors_careers as careers
from qingche.people import selectors_consequences as selectors
from qingche.people.models_careers import RankChange
from qingche.people.models_consequences import Consequence
from qingche.people.services import _actor_person


@transaction.atomic
def consequences_propose(*, user, cycle: AppraisalCycle) -> int:
    """The proposals the grades of a published (publicity or final) annual cycle imply, for the people in the
    user's scope. Proposing again adds only what is missing; decided ones stay.
    Returns how many were added."""
    if not user.has_perm("people.add_consequence"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not selectors.published_cycles(user).filter(pk=cycle.pk).exists():
        raise ValidationError(
            {"cycle": _("Proposals come from a published annual appraisal: this cycle is not published or not annual.")}
        )
    results = list(
        Appraisee.objects.filter(cycle=cycle)
        .filter(acting_q(user, "people.add_consequence", "unit"))
        .exclude(grade="")
        .values_list("person_id", "unit_id", "grade")
    )
    history, _public = careers.grades_of(person_id for person_id, _unit, _grade in results)
    limits = selectors.thresholds()
    existing = set(Consequence.objects.filter(cycle=cycle).values_list("person_id", "kind"))
    added = 0
    for person_id, unit_id, grade in results:
        grades = {**history.get(person_id, {}), cycle.year: grade}
        for proposal in rules_consequences.proposals(grades, cycle.year, limits):
            if (person_id, proposal.kind) in existing:
                continue
            Consequence.objects.create(
                person_id=person_id,
                unit_id=unit_id,
                cycle=cycle,
                year=cycle.year,
                kind=proposal.kind,
                grade=grade,
                streak=proposal.streak,
            )
            added += 1
    return added


def _demote(*, user, consequence: Consequence, date: dt.date, document_number: str, reason: str) -> RankChange:
    person = consequence.person
    last = RankChange.objects.filter(person=person).order_by("date", "id").last()
    if last is None:
        raise ValidationError(
            {"kind": _("This person has no rank history: record their rank first, then confirm the down-step.")}
        )
    ladder = careers.ladders().get(last.ladder, [])
    below = rules_careers.step_below(ladder, last.to_rank)
    if below is None:
        raise ValidationError({"kind": _("The person is on the lowest rank of the ladder: there is no step down.")})
    note = _("%(year)s annual appraisal incompetent: down one rank step") % {"year": consequence.year}
    return services_careers.rank_change_record(
        user=user,
        person=person,
        to_rank=below,
        date=date,
        basis=RankChange.Basis.DEMOTED,
        document_number=document_number,
        note=f"{note}；{reason}" if reason else note,
    )


@transaction.atomic
def consequence_decide(
    *,
    user,
    consequence: Consequence,
    confirm: bool,
    reason: str = "",
    document_number: str = "",
    date: dt.date | None = None,
) -> Consequence:
    """组织部 confirms or rejects a proposal; rejecting needs a reason; confirming a down-step needs the document
    number and writes the rank history."""
    perm = "people.decide_consequence"
    if not user.has_perm(perm) or not unit_in_scope(user, perm, consequence.unit):
        raise PermissionDenied(_("You do not have permission to do this."))
    consequence = Consequence.objects.select_for_update().select_related("person__unit").get(pk=consequence.pk)
    if consequence.status != Consequence.Status.PROPOSED:
        raise ValidationError(_("This proposal has already been decided."))
    if user_person_id(user) == consequence.person_id:
        raise PermissionDenied(_("You cannot decide a proposal about yourself."))
    reason = reason.strip()
    document_number = document_number.strip()
    if not confirm and not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting the proposal.")})
    if confirm:
        current = Appraisee.objects.filter(cycle_id=consequence.cycle_id, person_id=consequence.person_id)
        if current.values_list("grade", flat=True).first() != consequence.grade:
            raise ValidationError(
                {"kind": _("The grade was changed on review after this proposal: reject it and propose again.")}
            )
    date = date or timezone.localdate()
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date of the decision cannot be in the future.")})
    if confirm and consequence.kind == Consequence.Kind.DEMOTE:
        if not document_number:
            raise ValidationError({"document_number": _("Give the document number of the decision.")})
        consequence.rank_change = _demote(
            user=user, consequence=consequence, date=date, document_number=document_number, reason=reason
        )
    consequence.status = Consequence.Status.CONFIRMED if confirm else Consequence.Status.REJECTED
    consequence.decision_reason = reason[:300]
    consequence.document_number = document_number[:100]
    consequence.decided_by = _actor_person(user)
    consequence.decided_at = timezone.now()
    with audit_context(reason=consequence.decision_reason):
        consequence.save()
    return consequence
