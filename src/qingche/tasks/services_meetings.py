"""Every write of coordination meetings (联席会议): the meeting (recorded in burden's meeting registry through
burden's own service, so it counts there as every meeting does), its issues and its decisions, and each
decision carried out in its form — a rectification item raised at once, a task sent through admission by the
owning department, a duty-list change request recorded — and tracked to done."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.burden import services as burden_services
from qingche.burden.models import Meeting
from qingche.core.audit import audit_context, record
from qingche.core.scope import unit_in_scope
from qingche.duties import selectors as duties
from qingche.org.models import Unit
from qingche.tasks import rules_rectification as rules
from qingche.tasks import services, services_rectification
from qingche.tasks.models import CoordinationDecision, CoordinationIssue, CoordinationMeeting, RectificationItem

CONVENE = "tasks.add_coordinationmeeting"
CARRY_OUT = "tasks.change_coordinationdecision"
PARTICIPANT_KINDS = ("department", "office", *Unit.TOWN_LEVEL)


def _level(convener: Unit) -> str:
    if convener.kind in Unit.TOWN_LEVEL:
        return Meeting.Level.TOWN
    if convener.kind == Unit.Kind.DEPARTMENT:
        return Meeting.Level.DEPARTMENT
    return Meeting.Level.COUNTY


def _as_convener(user, meeting: CoordinationMeeting) -> None:
    if not user.has_perm(CONVENE) or not unit_in_scope(user, CONVENE, meeting.convener):
        raise PermissionDenied(_("Only the convening unit records this meeting's issues and decisions."))


@transaction.atomic
def coordination_meeting_create(
    *,
    user,
    convener: Unit,
    series: str,
    title: str,
    start: dt.datetime,
    end: dt.datetime,
    participants,
    attendees: int = 1,
    summary: str = "",
) -> CoordinationMeeting:
    """A coordination meeting of departments and towns. Its time and the towns attending are recorded as a
    meeting in burden monitoring (burden.services.meeting_create: the registry, the quotas and the index)."""
    if not user.has_perm(CONVENE) or not unit_in_scope(user, CONVENE, convener):
        raise PermissionDenied(_("You may not convene coordination meetings for this unit."))
    participants = list(dict.fromkeys(participants or ()))
    errors = {}
    if len((series or "").strip()) < rules.MIN_TEXT:
        errors["series"] = _("Name the meeting series (e.g. the monthly joint meeting).")
    if len((title or "").strip()) < rules.MIN_TEXT:
        errors["title"] = _("Enter a title.")
    wrong = [unit.name for unit in participants if unit.kind not in PARTICIPANT_KINDS]
    if wrong:
        errors["participants"] = _("Participants are departments, towns and streets: %(units)s is not.") % {
            "units": "、".join(wrong)
        }
    towns = [unit for unit in participants if unit.kind in Unit.TOWN_LEVEL]
    if not towns and "participants" not in errors:
        errors["participants"] = _("A coordination meeting brings in at least one town or street.")
    if errors:
        raise ValidationError(errors)
    meeting = burden_services.meeting_create(
        user=user,
        organiser=convener,
        title=title.strip()[:200],
        level=_level(convener),
        start=start,
        end=end,
        attendances=[(unit, attendees) for unit in towns],
    )
    coordination = CoordinationMeeting.objects.create(
        series=series.strip()[:100],
        title=title.strip()[:200],
        convener=convener,
        meeting=meeting,
        summary=(summary or "").strip()[:8000],
        created_by=user,
    )
    coordination.participants.set(participants)
    record("update", obj=coordination, after={"participants": sorted(unit.pk for unit in participants)})
    return coordination


@transaction.atomic
def coordination_issue_add(
    *,
    user,
    meeting: CoordinationMeeting,
    raised_by_unit: Unit | None,
    text: str = "",
    item: RectificationItem | None = None,
) -> CoordinationIssue:
    """An issue on the meeting's agenda, from a participating unit or from the ledger (an item the user sees)."""
    _as_convener(user, meeting)
    if item is not None:
        if not RectificationItem.objects.visible_to(user).filter(pk=item.pk).exists():
            raise PermissionDenied(_("This rectification item is outside your scope."))
        raised_by_unit = raised_by_unit or item.owner_unit
        text = (text or "").strip() or item.problem
    if raised_by_unit is None:
        raise ValidationError({"raised_by_unit": _("Choose the unit that raises the issue.")})
    if raised_by_unit.pk != meeting.convener_id and not meeting.participants.filter(pk=raised_by_unit.pk).exists():
        raise ValidationError({"raised_by_unit": _("Issues are raised by the convener or a participating unit.")})
    if len((text or "").strip()) < rules.MIN_TEXT:
        raise ValidationError({"text": _("Describe the issue.")})
    return CoordinationIssue.objects.create(
        meeting=meeting, raised_by_unit=raised_by_unit, text=text.strip()[:4000], item=item
    )


@transaction.atomic
def coordination_decision_add(
    *,
    user,
    meeting: CoordinationMeeting,
    text: str,
    owner_unit: Unit,
    deadline: dt.date,
    form: str,
    issue: CoordinationIssue | None = None,
    duty_code: str = "",
    evidence_required: str = "",
) -> CoordinationDecision:
    """A decision with its owning unit, deadline and form. Taken as a rectification item, the item is raised at
    once (the convener raises and verifies it, the owner rectifies); as a task, the owning department sends it
    through admission from the decision; as a duty-list change request, the duty item is named and the request
    recorded with the decision."""
    _as_convener(user, meeting)
    meeting_day = timezone.localtime(meeting.meeting.start).date()
    errors = rules.decision_problem(
        text=text,
        deadline=deadline,
        meeting_day=meeting_day,
        form=form,
        forms=CoordinationDecision.Form.values,
        duty_code=duty_code,
    )
    if owner_unit is None:
        errors["owner_unit"] = "Choose the responsible unit."
    if issue is not None and issue.meeting_id != meeting.pk:
        errors["issue"] = "The issue is not of this meeting."
    if form == CoordinationDecision.Form.TASK and owner_unit is not None and owner_unit.kind != Unit.Kind.DEPARTMENT:
        errors["owner_unit"] = "A task goes through admission from a county department: make a department responsible."
    duty_code = (duty_code or "").strip()[:30]
    if form == CoordinationDecision.Form.DUTY_CHANGE and duty_code and not duties.published_code_exists(duty_code):
        errors["duty_code"] = "Unknown duty item: %(code)s is on no published list."
    if errors:
        raise ValidationError(
            {
                field: _(message) % {"code": duty_code} if "%(code)s" in message else _(message)
                for field, message in errors.items()
            }
        )
    decision = CoordinationDecision.objects.create(
        meeting=meeting,
        issue=issue,
        text=text.strip()[:4000],
        owner_unit=owner_unit,
        deadline=deadline,
        form=form,
        duty_code=duty_code if form == CoordinationDecision.Form.DUTY_CHANGE else "",
    )
    if form == CoordinationDecision.Form.RECTIFICATION:
        decision.rectification_item = services_rectification.rectification_raise(
            user=user,
            source_kind=RectificationItem.Source.MEETING_DECISION,
            source_id=decision.pk,
            problem=(issue.text if issue is not None else decision.text),
            measures="",
            owner_unit=owner_unit,
            deadline=deadline,
            evidence_required=evidence_required or _("Evidence that the decision is carried out."),
            raiser_unit=meeting.convener,
            today=min(meeting_day, timezone.localdate()),
        )
        decision.save()
    return decision


def _as_owner(user, decision: CoordinationDecision) -> None:
    if not user.has_perm(CARRY_OUT) or not unit_in_scope(user, CARRY_OUT, decision.owner_unit):
        raise PermissionDenied(_("Only the responsible unit carries out this decision."))


@transaction.atomic
def decision_send_task(*, user, decision: CoordinationDecision, data: dict, client_token: str = ""):
    """The owning department sends the decision's task through admission (tasks.services.task_request_submit,
    with every check); the request is linked to the decision, which is done when its tasks are accepted. Where the
    task is on no list of a target, the meeting's decision is its written application unless one is given."""

    decision = CoordinationDecision.objects.select_for_update().select_related("owner_unit").get(pk=decision.pk)
    _as_owner(user, decision)
    if decision.form != CoordinationDecision.Form.TASK:
        raise ValidationError(_("This decision does not take the form of a task."))
    if decision.task_request_id is not None:
        raise ValidationError(_("The task of this decision has been sent."))
    application = _("Decided by the coordination meeting %(meeting)s: %(text)s") % {
        "meeting": decision.meeting,
        "text": decision.text,
    }
    request = services.task_request_submit(
        user=user,
        data={"off_list_application": application, **data, "requester_unit": decision.owner_unit},
        client_token=client_token,
    )
    decision.task_request = request
    decision.save()
    return request


@transaction.atomic
def decision_done(*, user, decision: CoordinationDecision, note: str, now=None) -> CoordinationDecision:
    """The owning unit reports the decision carried out, with how (a decision taken as a rectification item is
    done when the item is verified and closed; as a task, once the task has been sent)."""
    decision = CoordinationDecision.objects.select_for_update().select_related("owner_unit").get(pk=decision.pk)
    _as_owner(user, decision)
    if decision.status == CoordinationDecision.Status.DONE:
        raise ValidationError(_("The decision is already done."))
    if decision.form == CoordinationDecision.Form.RECTIFICATION:
        raise ValidationError(_("This decision is done when its rectification item is verified and closed."))
    if decision.form == CoordinationDecision.Form.TASK and decision.task_request_id is None:
        raise ValidationError(_("Send the task through admission first."))
    note = (note or "").strip()
    if len(note) < rules.MIN_TEXT:
        raise ValidationError({"note": _("Say how the decision was carried out.")})
    decision.status, decision.done_at, decision.done_by, decision.done_note = (
        "done",
        now or timezone.now(),
        user,
        note[:2000],
    )
    with audit_context(reason=note[:200]):
        decision.save()
    return decision
