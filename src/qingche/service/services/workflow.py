"""Routing and handling: dispatch, sign, handle, return, arbitrate, extend, answer, call back, reopen, publish."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import parameters
from qingche.core.audit import record
from qingche.core.calendar import work_calendar
from qingche.org.models import Unit
from qingche.service import rules
from qingche.service.models import (
    RequestEvent,
    ServiceRequest,
)
from qingche.service.selectors import accept_limit, limit_of, public_text_proposed
from qingche.service.services.common import (
    _bump,
    _burden_load,
    _callback_deltas,
    _event,
    _fail,
    _locked,
    _require,
    _undo_dispatch,
)


# -- routing and handling ---------------------------------------------------------------------------
def _dispatch(
    request: ServiceRequest, unit: Unit, *, user, now, note="", binding=False, kind="dispatch", duty_item_code=""
) -> None:
    calendar = work_calendar()
    accept_due, due = rules.deadlines(now, limit_of(request.category), accept_limit(), calendar)
    request.status = rules.DISPATCHED
    request.unit = unit
    request.dispatched_at, request.accept_due, request.due_at = now, accept_due, due
    request.accepted_at, request.accepted_in_time, request.binding = None, False, binding
    request.extension_pending = False
    request.save()
    _bump(unit.pk, now, dispatched=1)
    _event(
        request,
        kind,
        user=user,
        at=now,
        to_unit=unit,
        note=note,
        duty_item_code=duty_item_code,
        public_note=_("Sent to %(unit)s to handle.") % {"unit": unit.name},
    )


def _handling_unit_of(user, request: ServiceRequest, perm="service.handle_servicerequest") -> None:
    if request.unit is None:
        raise ValidationError({"status": _("This request has no handling unit.")})
    _require(user, perm, request.unit)


@transaction.atomic
def request_dispatch(*, user, request: ServiceRequest, unit_id, note: str = "", now=None) -> ServiceRequest:
    _require(user, "service.dispatch_servicerequest")
    request = _locked(request)
    try:
        rules.next_status(request.status, "dispatch")
    except rules.RuleError as error:
        _fail(error)
    unit_id = str(unit_id or "")
    unit = None
    if unit_id.isdigit():
        unit = Unit.objects.filter(pk=int(unit_id), is_active=True).exclude(kind=Unit.Kind.COUNTY).first()
    if unit is None:
        raise ValidationError({"unit": _("Choose the unit that will handle the request.")})
    _dispatch(request, unit, user=user, now=now or timezone.now(), note=(note or "")[:1000])
    return request


@transaction.atomic
def request_accept(*, user, request: ServiceRequest, now=None) -> ServiceRequest:
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        request.status = rules.next_status(request.status, "accept")
    except rules.RuleError as error:
        _fail(error)
    now = now or timezone.now()
    request.accepted_at = now
    request.accepted_in_time = now <= request.accept_due
    request.save()
    if request.accepted_in_time:
        _bump(request.unit_id, request.dispatched_at, accepted_in_time=1)
    _event(request, RequestEvent.Kind.ACCEPT, user=user, at=now, public_note=_("Accepted by the handling unit."))
    return request


@transaction.atomic
def request_start(*, user, request: ServiceRequest, note: str = "", now=None) -> ServiceRequest:
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        request.status = rules.next_status(request.status, "start")
    except rules.RuleError as error:
        _fail(error)
    request.save()
    _event(
        request,
        RequestEvent.Kind.START,
        user=user,
        at=now,
        note=(note or "")[:1000],
        public_note=_("Work on it has started."),
    )
    return request


@transaction.atomic
def request_pass_on(*, user, request: ServiceRequest, village_id, note: str = "", now=None) -> ServiceRequest:
    """转村: a town that signed for a request passes it on to one of its villages or communities, which then
    handles it (its 待办诉求). The time limit runs on; the town stays the unit of record of the three rates."""
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        rules.next_status(request.status, "pass_on")
    except rules.RuleError as error:
        _fail(error)
    town = request.unit
    if town.kind not in Unit.TOWN_LEVEL:
        raise ValidationError({"unit": _("Only a town or street passes a request on to a village.")})
    villages = Unit.objects.filter(
        kind__in=Unit.GRASSROOTS, path__startswith=town.path, depth=town.depth + 1, is_active=True
    )
    village_id = str(village_id or "")
    village = villages.filter(pk=int(village_id)).first() if village_id.isdigit() else None
    if village is None:
        raise ValidationError({"unit": _("Choose a village or community of %(town)s.") % {"town": town.name}})
    request.unit, request.passed_on_by = village, town
    request.save()
    _event(
        request,
        RequestEvent.Kind.PASS_ON,
        user=user,
        at=now,
        to_unit=village,
        note=(note or "")[:1000],
        public_note=_("Passed on to %(unit)s to handle.") % {"unit": village.name},
    )
    return request


@transaction.atomic
def request_return(*, user, request: ServiceRequest, reason: str, duty_item_code: str = "", now=None):
    """A unit returns a request as not its duty (退单), citing the duty item; twice → arbitration."""
    request = _locked(request)
    _handling_unit_of(user, request)
    if request.passed_on_by_id:
        raise ValidationError(
            {
                "reason": _("%(town)s passed this request on to you: ask the town, not the dispatcher.")
                % {"town": request.passed_on_by.name}
            }
        )
    reason = (reason or "").strip()
    try:
        status = rules.next_status(
            request.status,
            "return",
            return_count=request.return_count,
            binding=request.binding,
            reason=reason,
            returns_before_arbitration=int(parameters.get("service.returns_before_arbitration")),
        )
    except rules.RuleError as error:
        if error.field == "reason":
            raise ValidationError({"reason": _("Give the reason why this is not your unit's duty.")}) from None
        _fail(error)
    now = now or timezone.now()
    _undo_dispatch(request)
    returning = request.unit
    request.status, request.unit, request.return_count = status, None, request.return_count + 1
    request.accept_due = request.due_at = None
    request.accepted_in_time = False
    request.save()
    _event(
        request,
        RequestEvent.Kind.RETURN,
        user=user,
        at=now,
        note=reason[:2000],
        duty_item_code=(duty_item_code or "").strip()[:30],
        data={"unit": returning.pk, "unit_name": returning.name},
        public_note=_("Being routed to the unit responsible."),
    )
    if status == rules.ARBITRATION:
        _event(
            request,
            RequestEvent.Kind.ARBITRATION,
            at=now,
            note=_("Returned %(count)d times: the duty lists decide.") % {"count": request.return_count},
        )
    record("update", obj=request, after={"returned_by": returning.name}, reason=reason[:500])
    return request


@transaction.atomic
def request_arbitrate(*, user, request: ServiceRequest, unit_id, reason: str, duty_item_code: str = "", now=None):
    """减负办 or the county office decides against the duty lists; the decision binds."""
    _require(user, "service.arbitrate_servicerequest")
    request = _locked(request)
    try:
        rules.next_status(request.status, "arbitrate")
    except rules.RuleError as error:
        _fail(error)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the grounds of the decision (the duty item and why).")})
    unit = Unit.objects.filter(pk=unit_id, is_active=True).exclude(kind=Unit.Kind.COUNTY).first() if unit_id else None
    if unit is None:
        raise ValidationError({"unit": _("Choose the unit that must handle the request.")})
    now = now or timezone.now()
    _event(
        request,
        RequestEvent.Kind.ARBITRATE,
        user=user,
        at=now,
        to_unit=unit,
        note=reason[:2000],
        duty_item_code=(duty_item_code or "").strip()[:30],
    )
    _dispatch(
        request,
        unit,
        user=user,
        now=now,
        note=reason[:1000],
        binding=True,
        duty_item_code=(duty_item_code or "").strip()[:30],
    )
    record("update", obj=request, after={"arbitrated_to": unit.name}, reason=reason[:500])
    return request


@transaction.atomic
def request_extension_ask(*, user, request: ServiceRequest, days: int, reason: str, now=None):
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        rules.next_status(request.status, "request_extension")
    except rules.RuleError as error:
        _fail(error)
    if request.extension_pending:
        raise ValidationError({"days": _("An extension is already waiting for approval.")})
    try:
        days = int(days)
        if not 1 <= days <= 30:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"days": _("An extension is 1 to 30 working days.")}) from None
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    request.extension_pending = True
    request.save()
    _event(request, RequestEvent.Kind.EXTENSION_REQUEST, user=user, at=now, note=reason[:2000], data={"days": days})
    return request


@transaction.atomic
def request_extension_decide(*, user, request: ServiceRequest, approve: bool, note: str = "", now=None):
    _require(user, "service.approve_extension")
    request = _locked(request)
    if not request.extension_pending:
        raise ValidationError({"status": _("No extension is waiting for approval.")})
    asked = request.events.filter(kind=RequestEvent.Kind.EXTENSION_REQUEST).order_by("-at", "-id").first()
    days = int(asked.data.get("days", 1)) if asked else 1
    request.extension_pending = False
    data = {"approved": bool(approve), "days": days}
    if approve and request.due_at is not None:
        old = request.due_at
        request.due_at = rules.extend(request.due_at, days, work_calendar())
        data.update(old_due=old.isoformat(), new_due=request.due_at.isoformat())
    request.save()
    _event(
        request,
        RequestEvent.Kind.EXTENSION_DECISION,
        user=user,
        at=now,
        note=(note or "")[:1000],
        data=data,
        public_note=_("The time limit was extended.") if approve else "",
    )
    return request


@transaction.atomic
def request_answer(*, user, request: ServiceRequest, reply: str, now=None) -> ServiceRequest:
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        reply = rules.clean_text(reply, field="reply", minimum=5)
        request.status = rules.next_status(request.status, "answer", reason=reply)
    except rules.RuleError as error:
        if error.field == "reply":
            raise ValidationError({"reply": _("Write the reply to the citizen (5 to 5,000 characters).")}) from None
        _fail(error)
    now = now or timezone.now()
    request.answered_at, request.reply = now, reply
    request.save()
    _event(request, RequestEvent.Kind.ANSWER, user=user, at=now, public_note=reply)
    _burden_load(request, now)
    return request


@transaction.atomic
def request_callback(
    *, user, request: ServiceRequest, solved, satisfaction: str, note: str = "", public: bool = False, now=None
) -> ServiceRequest:
    """The hotline's callback (or the citizen's own answer on /track/): closes the request."""
    if not public:
        _require(user, "service.callback_servicerequest")
    request = _locked(request)
    if isinstance(solved, str):
        solved = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(solved.lower())
    try:
        request.status = rules.next_status(request.status, "callback", solved=solved, satisfaction=satisfaction)
    except rules.RuleError as error:
        if request.status == rules.CLOSED:
            raise ValidationError({"status": _("This request has already been rated.")}) from None
        if error.field in ("solved", "satisfaction"):
            raise ValidationError(
                {error.field: _("Say whether it was solved and how satisfied the citizen is.")}
            ) from None
        _fail(error)
    now = now or timezone.now()
    request.callback_at, request.solved, request.satisfaction = now, solved, satisfaction
    request.callback_unit_id, request.closed_at = request.passed_on_by_id or request.unit_id, now
    request.save()
    _bump(request.callback_unit_id, now, **_callback_deltas(request, 1))
    _event(
        request,
        RequestEvent.Kind.CALLBACK,
        user=None if public else user,
        at=now,
        note=(note or "")[:1000],
        data={"solved": solved, "satisfaction": satisfaction, "by_citizen": public},
        public_note=_("Rated: %(solved)s, %(satisfaction)s.")
        % {
            "solved": _("solved") if solved else _("not solved"),
            "satisfaction": ServiceRequest.Satisfaction(satisfaction).label,
        },
    )
    return request


@transaction.atomic
def request_reopen(*, user, request: ServiceRequest, reason: str, now=None) -> ServiceRequest:
    """重办: an unsolved or unsatisfied request goes back to its unit with a new time limit."""
    _require(user, "service.callback_servicerequest")
    request = _locked(request)
    try:
        status = rules.next_status(request.status, "reopen", solved=request.solved, satisfaction=request.satisfaction)
    except rules.RuleError as error:
        _fail(error)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    now = now or timezone.now()
    _bump(request.callback_unit_id, request.callback_at, **_callback_deltas(request, -1))
    request.status, request.reopen_count = status, request.reopen_count + 1
    request.callback_at = request.closed_at = request.answered_at = None
    request.solved, request.satisfaction, request.callback_unit = None, "", None
    request.due_at = rules.add_limit(now, limit_of(request.category), work_calendar())
    request.save()
    _event(
        request,
        RequestEvent.Kind.REOPEN,
        user=user,
        at=now,
        note=reason[:2000],
        to_unit=request.unit,
        public_note=_("Reopened: the unit handles it again."),
    )
    return request


@transaction.atomic
def request_merge(*, user, request: ServiceRequest, into: ServiceRequest, reason: str = "", now=None):
    _require(user, "service.dispatch_servicerequest")
    request = _locked(request)
    if into.pk == request.pk or into.status == rules.MERGED:
        raise ValidationError({"into": _("Choose another request that is not itself merged.")})
    try:
        request.status = rules.next_status(request.status, "merge")
    except rules.RuleError as error:
        _fail(error)
    now = now or timezone.now()
    if request.unit_id:
        _undo_dispatch(request)
    request.unit, request.merged_into = None, into
    request.accept_due = request.due_at = None
    request.accepted_in_time = False
    request.closed_at = now
    request.save()
    _event(
        request,
        RequestEvent.Kind.MERGE,
        user=user,
        at=now,
        note=(reason or "")[:1000],
        data={"into": into.number},
        public_note=_("Merged with request %(number)s about the same matter; follow that one.")
        % {"number": into.number},
    )
    _event(
        into,
        RequestEvent.Kind.MERGE,
        user=user,
        at=now,
        data={"merged": request.number},
        note=_("Request %(number)s was merged into this one.") % {"number": request.number},
    )
    return request


# -- publication ------------------------------------------------------------------------------------


@transaction.atomic
def request_publish(*, user, request: ServiceRequest, public_text: str = "", now=None) -> ServiceRequest:
    """The reviewer's release: a request the citizen agreed to publish is shown with its text (as checked by
    the reviewer, redacted again) and the replies in the public Open311 reads. Audited like every save."""
    _require(user, "service.publish_servicerequest")
    request = _locked(request)
    if not request.publication_consent:
        raise ValidationError({"public_text": _("The citizen did not agree to publication.")})
    text = (public_text or "").strip() or public_text_proposed(request)
    # What the reviewer leaves in is redacted once more: a phone or ID number slipped back is still removed.
    text = rules.redact(text, names=[request.citizen_name], address=request.address)[: rules.MAX_TEXT]
    if len(text) < 2:
        raise ValidationError({"public_text": _("Write the text to publish.")})
    request.public_text, request.published_at, request.published_by = text, now or timezone.now(), user
    request.save()
    return request


@transaction.atomic
def request_unpublish(*, user, request: ServiceRequest) -> ServiceRequest:
    _require(user, "service.publish_servicerequest")
    request = _locked(request)
    if request.published_at is not None:
        request.published_at, request.published_by, request.public_text = None, None, ""
        request.save()
    return request
