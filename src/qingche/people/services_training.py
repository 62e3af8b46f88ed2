"""Every write of training and compensatory rest. Each checks the actor's permission and scope, validates,
writes in one transaction; AuditedModel and `record` put every change in the audit trail."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import parameters
from qingche.core.audit import record
from qingche.core.excel import read_xlsx
from qingche.core.scope import unit_in_scope
from qingche.org.models import Person, Unit
from qingche.people import rules_training as rules
from qingche.people import selectors_training as selectors
from qingche.people.models import (
    CompensatoryRest,
    Enrolment,
    NeedsAnswer,
    NeedsSurvey,
    TrainingMode,
    TrainingPlan,
    TrainingSession,
)
from qingche.people.services import _actor_person, _require

MANAGE = selectors.MANAGE


def _require_manage(user, unit: Unit) -> None:
    if not user.has_perm(MANAGE):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not unit_in_scope(user, MANAGE, unit):
        raise PermissionDenied(_("Only the organiser of this training may do this."))


def _categories(values) -> list[str]:
    known = set(Person.Category.values)
    values = [value for value in (values or []) if value]
    if any(value not in known for value in values):
        raise ValidationError({"target_categories": _("Unknown person category.")})
    return sorted(set(values))


def _topics(values, field: str) -> list[str]:
    topics = []
    for value in values or []:
        value = str(value).strip()[:60]
        if value and value not in topics:
            topics.append(value)
    if not topics:
        raise ValidationError({field: _("Name at least one topic.")})
    return topics[:30]


# -- needs survey ------------------------------------------------------------------------------------------------
@transaction.atomic
def survey_create(
    *, user, unit: Unit, year: int, title: str, topics, closes_on: dt.date, target_categories=(), target_units=()
) -> NeedsSurvey:
    _require_manage(user, unit)
    if not title.strip():
        raise ValidationError({"title": _("Give the survey a title.")})
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": _("The survey cannot close in the past.")})
    survey = NeedsSurvey.objects.create(
        unit=unit,
        year=year,
        title=title.strip()[:100],
        topics=_topics(topics, "topics"),
        closes_on=closes_on,
        target_categories=_categories(target_categories),
    )
    survey.target_units.set(list(target_units))
    return survey


@transaction.atomic
def survey_answer(*, user, survey: NeedsSurvey, topics, modes=(), note: str = "") -> NeedsAnswer:
    """The person's own answer (given again, it replaces the earlier one until the survey closes)."""
    if not user.has_perm("people.add_needsanswer"):
        raise PermissionDenied(_("You do not have permission to do this."))
    person = selectors.me(user)
    if person is None:
        raise PermissionDenied(_("Only an account linked to a person can answer a survey."))
    if survey.closes_on < timezone.localdate():
        raise ValidationError(_("This survey is closed."))
    if not selectors.survey_targets(survey, person):
        raise PermissionDenied(_("This survey is not addressed to you."))
    chosen = [topic for topic in topics or [] if topic in survey.topics]
    if not chosen and not note.strip():
        raise ValidationError({"topics": _("Choose the topics you need, or describe them under other needs.")})
    if any(mode not in TrainingMode.values for mode in modes or []):
        raise ValidationError({"modes": _("Unknown training mode.")})
    answer, _created = NeedsAnswer.objects.update_or_create(
        survey=survey,
        person=person,
        defaults={"topics": chosen, "modes": list(modes or []), "note": note.strip()[:300]},
    )
    return answer


# -- plan and sessions -------------------------------------------------------------------------------------------
@transaction.atomic
def plan_create(*, user, unit: Unit, year: int, title: str) -> TrainingPlan:
    _require_manage(user, unit)
    if not title.strip():
        raise ValidationError({"title": _("Give the plan a title.")})
    return TrainingPlan.objects.create(unit=unit, year=year, title=title.strip()[:100])


@transaction.atomic
def session_add(
    *,
    user,
    plan: TrainingPlan,
    topic: str,
    mode: str,
    hours,
    start: dt.date,
    end: dt.date,
    capacity: int,
    place: str = "",
    target_categories=(),
    target_units=(),
    needs=(),
    organiser: Unit | None = None,
) -> TrainingSession:
    _require_manage(user, plan.unit)
    organiser = organiser or plan.unit
    if not topic.strip():
        raise ValidationError({"topic": _("Give the topic.")})
    if mode not in TrainingMode.values:
        raise ValidationError({"mode": _("Choose the mode of training.")})
    try:
        hours = Decimal(str(hours))
    except InvalidOperation as error:
        raise ValidationError({"hours": _("Hours are a number.")}) from error
    if not (Decimal("0") < hours <= Decimal("2000")):
        raise ValidationError({"hours": _("Hours are more than 0 and at most 2000.")})
    if end < start:
        raise ValidationError({"end": _("The last day is before the first.")})
    if start.year != plan.year:
        raise ValidationError({"start": _("A session of the %(year)s plan starts in %(year)s.") % {"year": plan.year}})
    if not 1 <= int(capacity) <= 5000:
        raise ValidationError({"capacity": _("Capacity is between 1 and 5000.")})
    session = TrainingSession.objects.create(
        plan=plan,
        topic=topic.strip()[:100],
        mode=mode,
        hours=hours,
        start=start,
        end=end,
        place=place.strip()[:100],
        capacity=int(capacity),
        organiser=organiser,
        target_categories=_categories(target_categories),
        needs=[str(need).strip()[:60] for need in needs or [] if str(need).strip()][:10],
    )
    session.target_units.set(list(target_units))
    return session


@transaction.atomic
def plan_publish(*, user, plan: TrainingPlan) -> TrainingPlan:
    """Publishes the plan: its sessions show to every unit, whose home page announces the ones open for
    nomination (the units are notified there; the event is in the audit trail)."""
    _require_manage(user, plan.unit)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == TrainingPlan.Status.PUBLISHED:
        raise ValidationError(_("This plan is already published."))
    if not plan.sessions.exists():
        raise ValidationError(_("A plan without sessions cannot be published."))
    plan.status = TrainingPlan.Status.PUBLISHED
    plan.published_at = timezone.now()
    plan.save()
    unit_ids = set(
        TrainingSession.target_units.through.objects.filter(trainingsession__plan=plan).values_list(
            "unit_id", flat=True
        )
    )
    record(
        "notify",
        obj=plan,
        after={"sessions": plan.sessions.count(), "units": sorted(unit_ids) or "all"},
    )
    return plan


# -- enrolment ---------------------------------------------------------------------------------------------------
@transaction.atomic
def enrolment_nominate(*, user, session: TrainingSession, person: Person) -> Enrolment:
    """The person's unit puts them forward; the organiser confirms."""
    _require(user, "people.add_enrolment", person)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.plan.status != TrainingPlan.Status.PUBLISHED:
        raise ValidationError(_("The plan of this session is not published yet."))
    if session.start <= timezone.localdate():
        raise ValidationError(_("This session has begun: nominations are closed."))
    paths = [unit.path for unit in session.target_units.all()]
    if not rules.targets(person.unit.path, person.category, paths, session.target_categories):
        raise ValidationError({"person": _("This person is not in the group this session is for.")})
    if Enrolment.objects.filter(session=session, person=person).exists():
        raise ValidationError({"person": _("This person is already on this session.")})
    if selectors.places_taken(session) >= session.capacity:
        raise ValidationError(_("This session is full (%(capacity)s places).") % {"capacity": session.capacity})
    return Enrolment.objects.create(session=session, person=person, nominated_by=_actor_person(user))


@transaction.atomic
def enrolment_decide(*, user, enrolment: Enrolment, confirm: bool) -> Enrolment:
    _require_manage(user, enrolment.session.organiser)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.attended:
        raise ValidationError(_("Attendance is already recorded for this person."))
    enrolment.status = Enrolment.Status.CONFIRMED if confirm else Enrolment.Status.DECLINED
    enrolment.save()
    return enrolment


def _mark_attended(enrolment: Enrolment, via: str) -> Enrolment:
    if enrolment.status != Enrolment.Status.CONFIRMED:
        raise ValidationError(
            _("%(name)s is not confirmed on this session: attendance is recorded only for those enrolled.")
            % {"name": enrolment.person.name}
        )
    if not enrolment.attended:
        enrolment.attended, enrolment.attended_via, enrolment.attended_at = True, via, timezone.now()
        enrolment.save()
    return enrolment


def _not_enrolled(person: Person) -> ValidationError:
    return ValidationError(
        {"person": _("%(name)s is not enrolled on this session: attendance is refused.") % {"name": person.name}}
    )


@transaction.atomic
def attendance_record(*, user, session: TrainingSession, people) -> list[Enrolment]:
    """Attendance by list: every person named must be confirmed on the session, or nothing is saved."""
    _require_manage(user, session.organiser)
    if session.start > timezone.localdate():
        raise ValidationError(_("Attendance is recorded once the session has begun."))
    by_person = {row.person_id: row for row in session.enrolments.select_for_update().select_related("person")}
    done = []
    for person in people:
        enrolment = by_person.get(person.pk)
        if enrolment is None:
            raise _not_enrolled(person)
        done.append(_mark_attended(enrolment, Enrolment.Via.LIST))
    return done


ATTENDANCE_COLUMNS = [("name", "姓名"), ("unit", "单位"), ("score", "成绩"), ("passed", "是否合格")]
YES = {"是", "合格", "通过", "yes", "y", "1", "true", "pass"}
NO = {"否", "不合格", "未通过", "no", "n", "0", "false", "fail"}


@transaction.atomic
def attendance_import(*, user, session: TrainingSession, upload) -> int:
    """Attendance (and assessment when given) from Excel: 姓名, 单位, 成绩, 是否合格. Checked whole: any row
    naming someone not enrolled, or a bad score, refuses the file with the row numbers."""
    _require_manage(user, session.organiser)
    if session.start > timezone.localdate():
        raise ValidationError(_("Attendance is recorded once the session has begun."))
    rows = read_xlsx(upload, ATTENDANCE_COLUMNS, optional=("score", "passed"))
    enrolled = {
        (row.person.name, row.person.unit.name): row
        for row in session.enrolments.select_for_update().select_related("person__unit")
    }
    errors, plan = [], []
    for number, values in rows:
        enrolment = enrolled.get((str(values.get("name", "")).strip(), str(values.get("unit", "")).strip()))
        if enrolment is None or enrolment.status != Enrolment.Status.CONFIRMED:
            errors.append(_("row %(row)s: %(name)s is not enrolled on this session") % {"row": number, **values})
            continue
        try:
            score = None if values.get("score") in (None, "") else Decimal(str(values["score"]))
        except InvalidOperation:
            errors.append(_("row %(row)s: the score is not a number") % {"row": number})
            continue
        passed_text = str(values.get("passed") or "").strip().lower()
        if passed_text and passed_text not in YES | NO:
            errors.append(_("row %(row)s: 是否合格 is 是 or 否") % {"row": number})
            continue
        plan.append((enrolment, score, None if not passed_text else passed_text in YES))
    if errors:
        raise ValidationError(errors[:20])
    if not plan:
        raise ValidationError(_("The file has no rows."))
    for enrolment, score, passed in plan:
        _mark_attended(enrolment, Enrolment.Via.IMPORT)
        if score is not None or passed is not None:
            _assess(enrolment, score, passed)
    return len(plan)


@transaction.atomic
def checkin_code_issue(*, user, session: TrainingSession, minutes: int | None = None) -> TrainingSession:
    """A new code to show at the venue, valid for the given minutes (parameter people.checkin_code_minutes)."""
    _require_manage(user, session.organiser)
    today = timezone.localdate()
    if not session.start <= today <= session.end:
        raise ValidationError(_("A check-in code is shown on the days of the session."))
    minutes = int(minutes or parameters.get("people.checkin_code_minutes"))
    session.checkin_code = rules.make_code(secrets.randbelow)
    session.checkin_until = timezone.now() + dt.timedelta(minutes=max(1, min(minutes, 24 * 60)))
    session.save()
    return session


@transaction.atomic
def check_in(*, user, code: str) -> Enrolment:
    """The person checks in on a phone with the code shown at the venue: refused for a wrong or expired code,
    or when they are not confirmed on that session."""
    if not user.has_perm("people.checkin_enrolment"):
        raise PermissionDenied(_("You do not have permission to do this."))
    person = selectors.me(user)
    if person is None:
        raise PermissionDenied(_("Only an account linked to a person can check in."))
    code = rules.normalise_code(code)
    now = timezone.now()
    session = TrainingSession.objects.filter(checkin_code=code).exclude(checkin_code="").first() if code else None
    if session is None:
        raise ValidationError({"code": _("This code is wrong: check the code shown at the venue.")})
    if not rules.code_valid(code, session.checkin_code, session.checkin_until, now):
        raise ValidationError({"code": _("This code has expired: ask the organiser for the current one.")})
    enrolment = Enrolment.objects.select_for_update().filter(session=session, person=person).first()
    if enrolment is None or enrolment.status != Enrolment.Status.CONFIRMED:
        raise ValidationError({"code": _("You are not enrolled on %(topic)s: check-in refused.") % {"topic": session}})
    return _mark_attended(enrolment, Enrolment.Via.CHECKIN)


def _assess(enrolment: Enrolment, score, passed) -> Enrolment:
    if not enrolment.attended:
        raise ValidationError(_("%(name)s did not attend: no assessment.") % {"name": enrolment.person.name})
    if score is not None:
        if not Decimal(0) <= Decimal(score) <= Decimal(100):
            raise ValidationError({"score": _("A score is between 0 and 100.")})
        if passed is None:
            passed = rules.passed_from_score(float(score), float(parameters.get("people.training_pass_mark")))
    if passed is None:
        raise ValidationError({"passed": _("Give a score or pass/fail.")})
    enrolment.score, enrolment.passed = score, passed
    enrolment.save()
    return enrolment


@transaction.atomic
def assessment_record(*, user, enrolment: Enrolment, score=None, passed: bool | None = None) -> Enrolment:
    """The assessment of one person: a score (pass from the pass mark) or pass/fail."""
    _require_manage(user, enrolment.session.organiser)
    enrolment = Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)
    return _assess(enrolment, score, passed)


# -- compensatory rest -------------------------------------------------------------------------------------------
@transaction.atomic
def compensatory_rest_record(*, user, person: Person, date: dt.date, hours, note: str = "") -> CompensatoryRest:
    """Rest the unit grants against the person's confirmed overtime of the same year; refused beyond it."""
    _require(user, "people.add_compensatoryrest", person)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    try:
        hours = Decimal(str(hours))
    except InvalidOperation as error:
        raise ValidationError({"hours": _("Hours are a number.")}) from error
    if not Decimal(0) < hours <= Decimal(24):
        raise ValidationError({"hours": _("Hours are more than 0 and at most 24 a day.")})
    balance = selectors.rest_balance(person, date.year)
    if float(hours) > balance["left"]:
        raise ValidationError(
            {
                "hours": _("Only %(left)s hours of confirmed overtime of %(year)s are not yet taken as rest.")
                % {"left": balance["left"], "year": date.year}
            }
        )
    return CompensatoryRest.objects.create(person=person, date=date, hours=hours, note=note.strip()[:200])
