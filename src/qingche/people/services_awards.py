"""Every write of awards, the reserve pool and secondment. Each checks permission and scope, validates,
writes in one transaction; AuditedModel records the change, with the reason in the audit context."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.appraisal import selectors as appraisal_selectors
from qingche.core import parameters
from qingche.core.audit import audit_context
from qingche.core.calendar import work_calendar
from qingche.core.scope import unit_in_scope, user_person_id
from qingche.org.models import Person, Unit
from qingche.people import rules_awards as rules
from qingche.people.models_awards import (
    AwardRound,
    AwardType,
    Nomination,
    Objection,
    ReserveEntry,
    ReserveReview,
    ReserveTask,
    Secondment,
)

REVIEW = "people.review_nomination"


def _perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _in_scope(user, perm: str, unit: Unit) -> None:
    _perm(user, perm)
    if not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This person is outside your scope."))


def _me(user) -> Person | None:
    person_id = user_person_id(user)
    return Person.objects.filter(pk=person_id).first() if person_id else None


def _text(value: str, field: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value[:limit]


# -- award types and rounds ------------------------------------------------------------------------------
@transaction.atomic
def award_type_create(*, user, name: str, quota: int, candidates_from: str, description: str = "") -> AwardType:
    _perm(user, "people.add_awardtype")
    name = _text(name, "name", _("Enter a name."), 60)
    if quota is None or quota < 1:
        raise ValidationError({"quota": _("The quota is at least 1.")})
    if candidates_from not in AwardType.Source.values:
        raise ValidationError({"candidates_from": _("Choose one of the offered values.")})
    if AwardType.objects.filter(name=name).exists():
        raise ValidationError({"name": _("An award type of this name exists.")})
    return AwardType.objects.create(
        name=name, quota=quota, candidates_from=candidates_from, description=(description or "").strip()[:300]
    )


@transaction.atomic
def award_round_open(*, user, award_type: AwardType, year: int, title: str = "") -> AwardRound:
    _perm(user, "people.add_awardround")
    today = timezone.localdate()
    if not 2000 <= year <= today.year + 1:
        raise ValidationError({"year": _("Enter a year from 2000 to next year.")})
    if AwardRound.objects.filter(award_type=award_type, year=year).exists():
        raise ValidationError({"year": _("This award already has a round in %(year)s.") % {"year": year}})
    title = (title or "").strip()[:120] or f"{year}年度{award_type.name}"
    return AwardRound.objects.create(award_type=award_type, year=year, title=title)


def _round_for_update(award_round: AwardRound) -> AwardRound:
    return AwardRound.objects.select_for_update().select_related("award_type").get(pk=award_round.pk)


# -- nominations -----------------------------------------------------------------------------------------
@transaction.atomic
def nomination_submit(*, user, award_round: AwardRound, person: Person, reason: str, evidence: str = "") -> Nomination:
    """A unit puts a person forward, with the reason and the evidence (deeds, figures, documents)."""
    _in_scope(user, "people.add_nomination", person.unit)
    award_round = _round_for_update(award_round)
    if award_round.status != AwardRound.Status.NOMINATING:
        raise ValidationError(_("This round no longer takes nominations."))
    reason = _text(reason, "reason", _("Give the reason: what the person did that deserves the award."), 2000)
    if Nomination.objects.filter(round=award_round, person=person).exists():
        raise ValidationError({"person": _("This person is already nominated in this round.")})
    return Nomination.objects.create(
        round=award_round,
        person=person,
        unit=person.unit,
        source=Nomination.Source.UNIT,
        reason=reason,
        evidence=(evidence or "").strip()[:5000],
        nominated_by=_me(user),
    )


def _appraisal_reason(line: dict, award_type: AwardType) -> str:
    if award_type.candidates_from == AwardType.Source.MERIT:
        return _("Top grade in the annual appraisal %(years)s years in a row (score %(score)s).") % {
            "years": line["excellent_years_in_a_row"],
            "score": line["score"],
        }
    return _("Top grade in the annual appraisal (score %(score)s).") % {"score": line["score"]}


@transaction.atomic
def nominations_from_appraisal(*, user, award_round: AwardRound) -> list[Nomination]:
    """The automatic candidates: the year's published top grades (appraisal's award-nomination list), or for a
    merit award those with the top grade the set number of years in a row. Already nominated people are
    left alone."""
    _perm(user, REVIEW)
    award_round = _round_for_update(award_round)
    if award_round.status != AwardRound.Status.NOMINATING:
        raise ValidationError(_("This round no longer takes nominations."))
    kind = award_round.award_type.candidates_from
    if kind == AwardType.Source.UNITS:
        raise ValidationError(_("This award takes nominations from units only."))
    lines = appraisal_selectors.award_nominations(user, award_round.year)
    if kind == AwardType.Source.MERIT:
        lines = [line for line in lines if line["merit_candidate"]]
    taken = set(Nomination.objects.filter(round=award_round).values_list("person_id", flat=True))
    people = Person.objects.in_bulk([line["person_id"] for line in lines if line["person_id"] not in taken])
    created = []
    for line in lines:
        person = people.get(line["person_id"])
        if person is None:
            continue
        created.append(
            Nomination.objects.create(
                round=award_round,
                person=person,
                unit_id=person.unit_id,
                source=Nomination.Source.APPRAISAL,
                reason=_appraisal_reason(line, award_round.award_type),
                evidence=_("Appraisal results of %(year)s") % {"year": award_round.year},
                nominated_by=_me(user),
            )
        )
        people.pop(person.pk)
    return created


@transaction.atomic
def nomination_review(*, user, nomination: Nomination, approve: bool, note: str = "") -> Nomination:
    """组织部 approves within the award's quota, or rejects with a reason."""
    _in_scope(user, REVIEW, nomination.unit)
    award_round = _round_for_update(nomination.round)
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if award_round.status != AwardRound.Status.NOMINATING:
        raise ValidationError(_("The review is closed: the round is already in publicity."))
    if nomination.status not in (Nomination.Status.NOMINATED, Nomination.Status.APPROVED, Nomination.Status.REJECTED):
        raise ValidationError(_("This nomination can no longer be reviewed."))
    note = (note or "").strip()[:300]
    if not approve and not note:
        raise ValidationError({"note": _("Give the reason for not approving.")})
    if approve and nomination.status != Nomination.Status.APPROVED:
        approved = Nomination.objects.filter(round=award_round, status=Nomination.Status.APPROVED).count()
        if rules.quota_left(award_round.award_type.quota, approved) == 0:
            raise ValidationError(
                _("The quota of %(quota)s for this award is used up: reject another first.")
                % {"quota": award_round.award_type.quota}
            )
    nomination.status = Nomination.Status.APPROVED if approve else Nomination.Status.REJECTED
    nomination.review_note = note
    with audit_context(reason=note):
        nomination.save()
    return nomination


@transaction.atomic
def publicity_start(*, user, award_round: AwardRound, start: dt.date | None = None) -> AwardRound:
    """Publishes the approved nominations for the set number of working days (people.award_publicity_days)."""
    _perm(user, REVIEW)
    award_round = _round_for_update(award_round)
    if award_round.status != AwardRound.Status.NOMINATING:
        raise ValidationError(_("This round is already past nominations."))
    if Nomination.objects.filter(round=award_round, status=Nomination.Status.NOMINATED).exists():
        raise ValidationError(_("Review every nomination before the publicity starts."))
    if not Nomination.objects.filter(round=award_round, status=Nomination.Status.APPROVED).exists():
        raise ValidationError(_("No nomination is approved: nothing to publicise."))
    start = start or timezone.localdate()
    days = int(parameters.get("people.award_publicity_days"))
    award_round.publicity_start = start
    award_round.publicity_end = rules.publicity_end(start, days, work_calendar().is_workday)
    award_round.status = AwardRound.Status.PUBLICITY
    award_round.save()
    return award_round


@transaction.atomic
def objection_raise(*, user, nomination: Nomination, text: str) -> Objection:
    """Anyone with an account may object during the publicity period; the text goes to 组织部 only."""
    _perm(user, "people.add_objection")
    nomination = Nomination.objects.select_related("round").get(pk=nomination.pk)
    award_round = nomination.round
    today = timezone.localdate()
    state = rules.publicity_state(today, award_round.publicity_start, award_round.publicity_end)
    if award_round.status != AwardRound.Status.PUBLICITY or state != "open" or nomination.status != "approved":
        raise ValidationError(_("Objections are taken only while the nomination is in its publicity period."))
    text = _text(text, "text", _("Write what the objection is about."), 5000)
    return Objection.objects.create(nomination=nomination, received_on=today, text=text, raised_by=_me(user))


@transaction.atomic
def objection_answer(*, user, objection: Objection, upheld: bool, answer: str) -> Objection:
    """组织部 records its finding; an upheld objection withdraws the nomination."""
    _in_scope(user, "people.answer_objection", objection.nomination.unit)
    objection = Objection.objects.select_for_update().select_related("nomination").get(pk=objection.pk)
    if objection.upheld is not None:
        raise ValidationError(_("This objection has already been answered."))
    answer = _text(answer, "answer", _("Write the finding: what was checked and what was found."), 2000)
    objection.answer, objection.upheld, objection.answered_on = answer, upheld, timezone.localdate()
    with audit_context(reason=answer[:300]):
        objection.save()
        if upheld:
            nomination = objection.nomination
            nomination.status = Nomination.Status.WITHDRAWN
            nomination.review_note = _("Withdrawn: objection upheld.")
            nomination.save()
    return objection


@transaction.atomic
def award_round_confer(*, user, award_round: AwardRound, document_number: str) -> AwardRound:
    """After the publicity period, with every objection answered: the approved nominations are conferred and
    recorded on each person."""
    _perm(user, REVIEW)
    award_round = _round_for_update(award_round)
    if award_round.status != AwardRound.Status.PUBLICITY:
        raise ValidationError(_("Only a round in publicity can be conferred."))
    document_number = _text(document_number, "document_number", _("Give the number of the commendation document."), 60)
    approved = list(Nomination.objects.select_for_update().filter(round=award_round, status=Nomination.Status.APPROVED))
    findings = list(
        Objection.objects.filter(nomination__round=award_round, nomination__status="approved").values_list(
            "upheld", flat=True
        )
    )
    blockers = rules.conferral_blockers(
        today=timezone.localdate(), publicity_end=award_round.publicity_end, objections=findings
    )
    if blockers:
        raise ValidationError(" ".join(blockers))
    award_round.status = AwardRound.Status.CONFERRED
    award_round.conferred_on = timezone.localdate()
    award_round.document_number = document_number
    award_round.save()
    for nomination in approved:
        nomination.status = Nomination.Status.CONFERRED
        nomination.save()
    return award_round


# -- reserve pool ----------------------------------------------------------------------------------------
@transaction.atomic
def reserve_enter(
    *, user, person: Person, category: str, plan: str, mentor: Person | None = None, entered_on: dt.date | None = None
) -> ReserveEntry:
    _in_scope(user, "people.add_reserveentry", person.unit)
    if category not in ReserveEntry.Category.values:
        raise ValidationError({"category": _("Choose one of the offered values.")})
    plan = _text(plan, "plan", _("Write the development plan: what the person is to learn and do, and by when."), 5000)
    if mentor is not None and mentor.pk == person.pk:
        raise ValidationError({"mentor": _("A mentor is someone else.")})
    entered_on = entered_on or timezone.localdate()
    if entered_on > timezone.localdate():
        raise ValidationError({"entered_on": _("The date cannot be in the future.")})
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if ReserveEntry.objects.filter(person=person, status=ReserveEntry.Status.ACTIVE).exists():
        raise ValidationError({"person": _("This person is already in the reserve pool.")})
    return ReserveEntry.objects.create(
        person=person, unit=person.unit, category=category, plan=plan, mentor=mentor, entered_on=entered_on
    )


@transaction.atomic
def reserve_task_add(
    *, user, entry: ReserveEntry, title: str, start: dt.date, end: dt.date | None = None, result: str = ""
) -> ReserveTask:
    _in_scope(user, "people.add_reservetask", entry.unit)
    if entry.status != ReserveEntry.Status.ACTIVE:
        raise ValidationError(_("This person has left the reserve pool."))
    title = _text(title, "title", _("Say what the assignment is."), 200)
    if end is not None and end < start:
        raise ValidationError({"end": _("The end is before the start.")})
    return ReserveTask.objects.create(
        entry=entry, title=title, start=start, end=end, result=(result or "").strip()[:300]
    )


@transaction.atomic
def reserve_review(*, user, entry: ReserveEntry, year: int, conclusion: str, note: str = "") -> ReserveReview:
    _in_scope(user, "people.add_reservereview", entry.unit)
    if entry.status != ReserveEntry.Status.ACTIVE:
        raise ValidationError(_("This person has left the reserve pool."))
    if conclusion not in ReserveReview.Conclusion.values:
        raise ValidationError({"conclusion": _("Choose one of the offered values.")})
    if not entry.entered_on.year <= year <= timezone.localdate().year:
        raise ValidationError({"year": _("The year must be between the entry into the pool and this year.")})
    note = (note or "").strip()[:300]
    if conclusion == ReserveReview.Conclusion.LEAVE and not note:
        raise ValidationError({"note": _("Say why the person should leave the pool.")})
    if ReserveReview.objects.filter(entry=entry, year=year).exists():
        raise ValidationError({"year": _("This year's review is already recorded.")})
    return ReserveReview.objects.create(entry=entry, year=year, conclusion=conclusion, note=note)


@transaction.atomic
def reserve_leave(*, user, entry: ReserveEntry, reason: str) -> ReserveEntry:
    """Leaving the pool (promoted, transferred out, review found unsuitable …) always with the reason."""
    _in_scope(user, "people.change_reserveentry", entry.unit)
    entry = ReserveEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != ReserveEntry.Status.ACTIVE:
        raise ValidationError(_("This person has already left the reserve pool."))
    reason = _text(reason, "reason", _("Give the reason for leaving the pool."), 300)
    entry.status, entry.left_on, entry.leave_reason = ReserveEntry.Status.LEFT, timezone.localdate(), reason
    with audit_context(reason=reason):
        entry.save()
    return entry


# -- secondment ------------------------------------------------------------------------------------------
@transaction.atomic
def secondment_start(*, user, person: Person, host_unit: Unit, start: dt.date, end: dt.date, goals: str) -> Secondment:
    _in_scope(user, "people.add_secondment", person.unit)
    if host_unit.pk == person.unit_id:
        raise ValidationError({"host_unit": _("The host unit is another unit than the person's own.")})
    if end <= start:
        raise ValidationError({"end": _("The end is after the start.")})
    goals = _text(goals, "goals", _("Write the goals of the secondment."), 5000)
    if Secondment.objects.filter(person=person, outcome="", start__lte=end, end__gte=start).exists():
        raise ValidationError({"start": _("This person already has a secondment in these dates.")})
    return Secondment.objects.create(
        person=person, home_unit=person.unit, host_unit=host_unit, start=start, end=end, goals=goals
    )


@transaction.atomic
def secondment_assess(*, user, secondment: Secondment, assessment: str, wish: str, note: str = "") -> Secondment:
    """The end assessment and the person's wish, recorded once the secondment is near its end or over."""
    _in_scope(user, "people.change_secondment", secondment.home_unit)
    secondment = Secondment.objects.select_for_update().get(pk=secondment.pk)
    if secondment.outcome:
        raise ValidationError(_("The outcome of this secondment is already decided."))
    if assessment not in Secondment.Grade.values:
        raise ValidationError({"assessment": _("Choose one of the offered values.")})
    if wish not in Secondment.Wish.values:
        raise ValidationError({"wish": _("Choose one of the offered values.")})
    early = int(parameters.get("people.secondment_assess_days_before_end"))
    if timezone.localdate() < secondment.end - dt.timedelta(days=early):
        raise ValidationError(
            _("The end assessment is made in the last %(days)s days of the secondment or after.") % {"days": early}
        )
    secondment.assessment, secondment.wish = assessment, wish
    secondment.assessment_note = (note or "").strip()[:300]
    secondment.save()
    return secondment


@transaction.atomic
def secondment_decide(*, user, secondment: Secondment, outcome: str) -> Secondment:
    """正式任职 only when the assessment is competent or better and the person wishes to stay; otherwise
    back to the home unit."""
    _in_scope(user, "people.change_secondment", secondment.home_unit)
    secondment = Secondment.objects.select_for_update().get(pk=secondment.pk)
    if secondment.outcome:
        raise ValidationError(_("The outcome of this secondment is already decided."))
    allowed = rules.secondment_outcomes(secondment.assessment, secondment.wish)
    if not allowed:
        raise ValidationError(_("Record the end assessment and the person's wish first."))
    if outcome not in allowed:
        raise ValidationError(
            {
                "outcome": _(
                    "Appointment at the host unit needs an assessment of competent or better and the person's "
                    "wish to stay."
                )
            }
        )
    secondment.outcome, secondment.outcome_on = outcome, timezone.localdate()
    secondment.save()
    return secondment
