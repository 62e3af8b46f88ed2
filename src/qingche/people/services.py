"""Every write of care: start of work, leave requests and decisions, health checks, talk records and the
overload flags. Each checks the actor's permission and scope, validates, writes in one transaction;
AuditedModel and `record` put every change in the audit trail."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import parameters
from qingche.core.audit import audit_context, record
from qingche.core.calendar import work_calendar
from qingche.core.scope import unit_in_scope, user_person_id
from qingche.org.models import Person
from qingche.people import rules, selectors
from qingche.people.models import HealthCheck, LeaveRequest, OverloadFlag, Talk, TalkNote, WorkStart


def _require(user, perm: str, person: Person, *, own_allowed: bool = False) -> None:
    """The user holds `perm` through a grant reaching the person's unit, or (own_allowed) acts for themself."""
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if own_allowed and user_person_id(user) == person.pk:
        return
    if not unit_in_scope(user, perm, person.unit):
        raise PermissionDenied(_("This person is outside your scope."))


def _actor_person(user) -> Person | None:
    person_id = user_person_id(user)
    return Person.objects.filter(pk=person_id).first() if person_id else None


@transaction.atomic
def work_start_set(*, user, person: Person, started_on: dt.date) -> WorkStart:
    _require(user, "people.change_workstart", person)
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("The start of work cannot be in the future.")})
    work_start, _created = WorkStart.objects.update_or_create(person=person, defaults={"started_on": started_on})
    return work_start


# -- leave ------------------------------------------------------------------------------------------------
@transaction.atomic
def leave_request_submit(*, user, person: Person, start: dt.date, end: dt.date, note: str = "") -> LeaveRequest:
    """A request for paid annual leave, by the person or by their unit; refused beyond the year's entitlement."""
    _require(user, "people.add_leaverequest", person, own_allowed=True)
    if end < start:
        raise ValidationError({"end": _("The last day of leave is before the first.")})
    if start.year != end.year:
        raise ValidationError({"end": _("Leave is taken within one calendar year: split it at the new year.")})
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one request at a time per person
    calendar = work_calendar()
    days = rules.leave_days(start, end, calendar.is_workday)
    if days == 0:
        raise ValidationError({"start": _("These days are all holidays or rest days: no leave is needed.")})
    balance = selectors.leave_balance(person, start.year)
    if balance["entitled"] is None:
        raise ValidationError(
            {"start": _("The start of work of this person is not recorded: ask the unit to record it.")}
        )
    left = balance["entitled"] - balance["taken"] - balance["pending"]
    if days > left:
        raise ValidationError(
            {
                "end": _(
                    "%(days)s working days asked, but only %(left)s of the %(entitled)s days of %(year)s are left."
                )
                % {"days": days, "left": max(left, 0), "entitled": balance["entitled"], "year": start.year}
            }
        )
    if selectors.leave_overlapping(person, start, end).exists():
        raise ValidationError({"start": _("This person already has leave requested or approved on these days.")})
    return LeaveRequest.objects.create(
        person=person,
        year=start.year,
        start=start,
        end=end,
        days=days,
        note=note.strip()[:300],
        requested_by=_actor_person(user),
    )


@transaction.atomic
def leave_request_decide(*, user, leave: LeaveRequest, approve: bool, reason: str = "") -> LeaveRequest:
    """The unit approves, or refuses with a reason (e.g. no cover on those days)."""
    _require(user, "people.decide_leaverequest", leave.person)
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    if leave.status != LeaveRequest.Status.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    me = _actor_person(user)
    if me is not None and me.pk == leave.person_id:
        raise PermissionDenied(_("You cannot decide your own leave."))
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reason for refusing, e.g. that no one can cover those days.")})
    leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REFUSED
    leave.refusal_reason = "" if approve else reason[:300]
    leave.decided_by = me
    leave.decided_at = timezone.now()
    with audit_context(reason=leave.refusal_reason):
        leave.save()
    return leave


# -- health checks ---------------------------------------------------------------------------------------
@transaction.atomic
def health_check_record(*, user, person: Person, date: dt.date, done: bool) -> HealthCheck:
    """Books the year's health check, or records it as done (only that, and the date)."""
    _require(user, "people.add_healthcheck", person, own_allowed=True)
    today = timezone.localdate()
    if done and date > today:
        raise ValidationError({"date": _("A check recorded as done cannot be in the future.")})
    if not done and date < today:
        raise ValidationError({"date": _("A booking must be for today or later.")})
    per_year = int(parameters.get("people.health_checks_per_year"))
    existing = HealthCheck.objects.select_for_update().filter(person=person, year=date.year).first()
    if existing is None:
        if per_year < 1:
            raise ValidationError({"date": _("No health checks are set for a year.")})
        return HealthCheck.objects.create(
            person=person,
            year=date.year,
            date=date,
            status=HealthCheck.Status.DONE if done else HealthCheck.Status.BOOKED,
        )
    if existing.status == HealthCheck.Status.DONE:
        raise ValidationError(
            {"date": _("This person's health check of %(year)s is already done.") % {"year": date.year}}
        )
    existing.date = date
    existing.status = HealthCheck.Status.DONE if done else HealthCheck.Status.BOOKED
    existing.save()
    return existing


# -- talks and overload flags ----------------------------------------------------------------------------
@transaction.atomic
def talk_record(*, user, person: Person, date: dt.date, kind: str, note: str) -> Talk:
    """Records a talk held by the user with a person; closes the person's open overload flag."""
    _require(user, "people.add_talk", person)
    talker = _actor_person(user)
    if talker is None:
        raise PermissionDenied(_("Only an account linked to a person can record a talk it held."))
    if talker.pk == person.pk:
        raise ValidationError({"person": _("A talk is held with someone else.")})
    if kind not in Talk.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of talk.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("A talk is recorded after it took place: the date cannot be in the future.")})
    if not note.strip():
        raise ValidationError(
            {"note": _("Write a short note of the talk (only you and the organisation department read it).")}
        )
    talk = Talk.objects.create(person=person, talker=talker, date=date, kind=kind)
    TalkNote.objects.create(talk=talk, text=note.strip()[:5000])
    for flag in OverloadFlag.objects.select_for_update().filter(person=person, closed_by__isnull=True):
        flag.closed_by = talk
        flag.save()
    return talk


@transaction.atomic
def overload_flags_refresh(*, today: dt.date | None = None) -> list[OverloadFlag]:
    """Raises a flag for each person whose burden index was above the red line in each of the last N whole
    months (parameter people.overload_months) and who has no open flag. A system job: no user."""
    today = today or timezone.localdate()
    runs = selectors.overload_runs(today)
    open_people = set(OverloadFlag.objects.filter(closed_by__isnull=True).values_list("person_id", flat=True))
    raised = []
    with audit_context(actor_name="system:people"):
        for run in runs:
            if run["person"].pk in open_people:
                continue
            flag = OverloadFlag.objects.create(
                person=run["person"],
                unit_id=run["unit_id"],
                raised_on=today,
                months=run["months"],
                red_line=run["red_line"],
            )
            raised.append(flag)
        record("refresh", object_type="people.overloadflag", after={"raised": len(raised), "on": today.isoformat()})
    return raised
