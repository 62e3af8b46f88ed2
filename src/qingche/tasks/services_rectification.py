"""Every write of the rectification ledger (问题 → 整改 → 销号). Each function checks the actor's permission and
scope, validates through rules_rectification, and writes in one transaction; AuditedModel keeps the trail (with
the reason of every send-back and the note of every verification)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.burden import selectors as burden
from qingche.core import parameters
from qingche.core.audit import audit_context
from qingche.core.scope import acting_unit_ids, unit_in_scope, user_person_id
from qingche.org.models import Person, Unit
from qingche.surveys import selectors as surveys
from qingche.tasks import files
from qingche.tasks import rules_rectification as rules
from qingche.tasks.models import CoordinationDecision, RectificationEvidence, RectificationItem

Source = RectificationItem.Source
RAISE = "tasks.add_rectificationitem"
WORK = "tasks.change_rectificationitem"
VERIFY = "tasks.verify_rectificationitem"


def _text(value, field: str, message: str, limit: int = 4000) -> str:
    value = (value or "").strip()
    if len(value) < rules.MIN_TEXT:
        raise ValidationError({field: message})
    return value[:limit]


def raiser_unit_of(user) -> Unit | None:
    """The unit a user raises items for: the unit of their first grant that holds the permission to raise."""
    unit_ids = acting_unit_ids(user, RAISE)
    return Unit.objects.filter(pk=unit_ids[0]).first() if unit_ids else None


def source_facts(user, kind: str, source_id) -> dict:
    """What a source record says about the item it leads to, read through the user's own scope: a label, the
    unit that should own the item and a draft of the problem. PermissionDenied if the user cannot see it."""
    if kind not in Source.values:
        raise ValidationError({"source_kind": _("Choose where the problem was found.")})
    if source_id in (None, ""):
        return {"label": "", "owner": None, "problem": ""}
    try:
        source_id = int(source_id)
    except (TypeError, ValueError):
        raise ValidationError({"source_id": _("Unknown source record.")}) from None
    if kind == Source.INSPECTION:
        row = burden.inspections(user).filter(pk=source_id).first()
        if row is None:
            raise PermissionDenied(_("This inspection is outside your scope."))
        return {
            "label": f"{row.date:%Y-%m-%d} {row.title}（{row.issuer.name}）",
            "owner": row.target,
            "problem": _('Found by the inspection "%(title)s": ') % {"title": row.title},
        }
    if kind == Source.BURDEN_ALERT:
        row = burden.alerts(user).filter(pk=source_id).first()
        if row is None:
            raise PermissionDenied(_("This alert is outside your scope."))
        return {
            "label": _("%(unit)s, %(month)s: burden index %(value)s above the red line %(red)s")
            % {"unit": row.unit.name, "month": f"{row.month:%Y-%m}", "value": row.value, "red": row.red_line},
            "owner": row.unit,
            "problem": _("The burden index of %(unit)s was above the red line in %(month)s: ")
            % {"unit": row.unit.name, "month": f"{row.month:%Y-%m}"},
        }
    if kind == Source.BURDEN_REPORT:
        row = burden.burden_reports(user).filter(pk=source_id).first()
        if row is None:
            raise PermissionDenied(_("This report is outside your scope."))
        return {
            "label": _("burden report of %(day)s: %(category)s")
            % {"day": f"{row.received_on:%Y-%m-%d}", "category": row.get_category_display()},
            "owner": row.sender_unit,
            "problem": row.text[:2000],
        }
    if kind == Source.MEETING_DECISION:
        row = CoordinationDecision.objects.visible_to(user).select_related("meeting").filter(pk=source_id).first()
        if row is None:
            raise PermissionDenied(_("This decision is outside your scope."))
        return {"label": str(row.meeting), "owner": row.owner_unit, "problem": row.text}
    if kind == Source.SURVEY:
        row = surveys.surveys(user).filter(pk=source_id).first()
        if row is None:
            raise PermissionDenied(_("This survey is outside your scope."))
        return {
            "label": _("survey: %(title)s") % {"title": row.title},
            "owner": None,
            "problem": _('Found by the survey "%(title)s": ') % {"title": row.title},
        }
    # appraisal, request patterns: the record lives in a module this one does not read; the caller gives the label
    return {"label": "", "owner": None, "problem": ""}


def _deadline(value, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        raise ValidationError({"deadline": _("Enter the deadline.")})
    if value < today:
        raise ValidationError({"deadline": _("The deadline is in the past.")})
    if value > today + dt.timedelta(days=800):
        raise ValidationError({"deadline": _("The deadline is more than two years away.")})
    return value


def _owner_person(owner_unit: Unit, person) -> Person | None:
    if person in (None, ""):
        return None
    person_id = getattr(person, "pk", person)
    try:
        found = Person.objects.select_related("unit").filter(pk=int(person_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None or not found.unit.path.startswith(owner_unit.path):
        raise ValidationError({"owner_person": _("Choose a person of the responsible unit.")})
    return found


@transaction.atomic
def rectification_raise(
    *,
    user,
    source_kind: str,
    problem: str,
    owner_unit: Unit | None,
    deadline,
    evidence_required: str,
    source_id=None,
    source_label: str = "",
    owner_person=None,
    raiser_unit: Unit | None = None,
    measures: str = "",
    today: dt.date | None = None,
) -> RectificationItem:
    """Put a problem on the ledger: the raising unit (the user's own) will verify it; the owning unit sets the
    measures and submits the evidence."""
    if not user.has_perm(RAISE):
        raise PermissionDenied(_("You may not raise rectification items."))
    raiser_unit = raiser_unit or raiser_unit_of(user)
    if raiser_unit is None or not unit_in_scope(user, RAISE, raiser_unit):
        raise PermissionDenied(_("You may not raise rectification items for this unit."))
    facts = source_facts(user, source_kind, source_id)
    today = today or timezone.localdate()
    errors = {}
    if owner_unit is None:
        errors["owner_unit"] = _("Choose the responsible unit.")
    elif owner_unit.pk == raiser_unit.pk:
        errors["owner_unit"] = _(
            "A unit does not raise items on itself: the raiser verifies, so it must be another unit."
        )
    elif not owner_unit.path.startswith(raiser_unit.root_path) or not owner_unit.is_active:
        errors["owner_unit"] = _("The responsible unit is outside this county.")
    if len((problem or "").strip()) < rules.MIN_TEXT:
        errors["problem"] = _("Describe the problem.")
    if len((evidence_required or "").strip()) < rules.MIN_TEXT:
        errors["evidence_required"] = _("Say what evidence will show it is rectified.")
    if errors:
        raise ValidationError(errors)
    item = RectificationItem.objects.create(
        source_kind=source_kind,
        source_id=int(source_id) if source_id not in (None, "") else None,
        source_label=((source_label or "").strip() or facts["label"])[:300],
        problem=problem.strip()[:4000],
        measures=(measures or "").strip()[:4000],
        evidence_required=evidence_required.strip()[:2000],
        raiser_unit=raiser_unit,
        raised_by=user,
        owner_unit=owner_unit,
        owner_person=_owner_person(owner_unit, owner_person),
        deadline=_deadline(deadline, today),
        status=rules.MEASURES_SET if (measures or "").strip() else rules.OPEN,
    )
    return item


def _locked(item: RectificationItem) -> RectificationItem:
    return RectificationItem.objects.select_for_update().select_related("owner_unit", "raiser_unit").get(pk=item.pk)


def _as_owner(user, item: RectificationItem) -> None:
    """The owning unit (the permission to work items, in scope of the owning unit) or the responsible person."""
    me = user_person_id(user)
    if me is not None and me == item.owner_person_id and user.has_perm(WORK):
        return
    if not user.has_perm(WORK) or not unit_in_scope(user, WORK, item.owner_unit):
        raise PermissionDenied(_("Only the responsible unit works on this item."))


def _as_raiser(user, item: RectificationItem) -> None:
    if not user.has_perm(VERIFY) or not unit_in_scope(user, VERIFY, item.raiser_unit):
        raise PermissionDenied(_("Only the unit that raised the item verifies it."))


def _step(action: str, item: RectificationItem) -> str:
    problem = rules.refusal(action, item.status)
    if problem:
        raise ValidationError(_(problem))
    return rules.next_status(action, item.status)


@transaction.atomic
def rectification_set_measures(*, user, item: RectificationItem, measures: str, owner_person=None) -> RectificationItem:
    item = _locked(item)
    _as_owner(user, item)
    item.status = _step(rules.SET_MEASURES, item)
    item.measures = _text(measures, "measures", _("Write the rectification measures."))
    if owner_person not in (None, ""):
        item.owner_person = _owner_person(item.owner_unit, owner_person)
    item.save()
    return item


@transaction.atomic
def rectification_submit(*, user, item: RectificationItem, text: str, uploads=(), now=None) -> RectificationItem:
    """The owner submits what was done, with evidence: text, files (type sniffed, size limited), or both."""
    item = _locked(item)
    _as_owner(user, item)
    status = _step(rules.SUBMIT, item)
    text = (text or "").strip()
    uploads = list(uploads or ())
    if len(text) < rules.MIN_TEXT and not uploads:
        raise ValidationError({"text": _("Say what was done, or attach evidence.")})
    limit = int(parameters.get("tasks.max_evidence_bytes"))
    checked = [files.check_upload(upload, limit) for upload in uploads]
    for upload, (content_type, extension, data) in zip(uploads, checked, strict=True):
        evidence = RectificationEvidence(
            item=item,
            original_name=(getattr(upload, "name", "") or "file")[-200:],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=user,
        )
        evidence.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        evidence.save()
    item.submission = (
        (item.submission + "\n\n" + text).strip()[:8000] if item.status == rules.SENT_BACK else text[:8000]
    )
    item.evidence_files = item.evidence.count()
    item.submitted_by, item.submitted_at = user, now or timezone.now()
    item.status = status
    item.save()
    return item


@transaction.atomic
def rectification_verify(*, user, item: RectificationItem, note: str = "", now=None) -> RectificationItem:
    """The unit that raised the item checks the evidence and closes it (销号). Never the owner, never without
    evidence (the database refuses it too)."""
    item = _locked(item)
    _as_raiser(user, item)
    status = _step(rules.VERIFY, item)
    problem = rules.close_problem(
        submission=item.submission,
        evidence_files=item.evidence_files,
        verifier_id=user.pk,
        submitter_id=item.submitted_by_id,
        verifier_person_id=user_person_id(user),
        owner_person_id=item.owner_person_id,
    )
    if problem:
        raise ValidationError(_(problem))
    item.status, item.verified_by, item.verified_at = status, user, now or timezone.now()
    item.verification_note = (note or "").strip()[:2000]
    with audit_context(reason=item.verification_note or "verified"):
        item.save()
    _close_decision(item, user, item.verified_at)
    return item


def _close_decision(item: RectificationItem, user, now) -> None:
    """A coordination decision taken as this item is done when the item is closed."""

    decision = CoordinationDecision.objects.filter(rectification_item=item, status="open").first()
    if decision is not None:
        decision.status, decision.done_at, decision.done_by = "done", now, user
        decision.done_note = _("Rectification item verified and closed.")
        decision.save()


@transaction.atomic
def rectification_send_back(*, user, item: RectificationItem, reason: str) -> RectificationItem:
    item = _locked(item)
    _as_raiser(user, item)
    item.status = _step(rules.SEND_BACK, item)
    item.sent_back_reason = _text(reason, "reason", _("Give a reason."), 2000)
    with audit_context(reason=item.sent_back_reason):
        item.save()
    return item


# -- reminders (run with the tasks' reminders by `qingche tasks_remind`) -------------------------------------
def send_reminders(*, today: dt.date, remind: callable) -> dict[str, int]:
    """Items and coordination decisions due within the parameter's days are reminded to their owner; past their
    deadline, escalated to the unit that raised them (the convener for decisions). `remind(key, kind, unit,
    person, message, **link)` is tasks' own sender (one reminder per unique key)."""

    days = int(parameters.get("tasks.rectification_remind_days"))
    counts = {"due_soon": 0, "overdue": 0}
    items = RectificationItem.objects.filter(
        status__in=rules.NOT_CLOSED, deadline__lte=today + dt.timedelta(days=days)
    ).select_related("owner_unit", "raiser_unit", "owner_person")
    for item in items.iterator():
        if item.deadline < today:
            counts["overdue"] += remind(
                f"overdue:rectification:{item.pk}",
                "overdue",
                item.raiser_unit,
                None,
                _("Overdue rectification: %(problem)s (%(unit)s) passed its deadline %(day)s.")
                % {"problem": str(item), "unit": item.owner_unit.name, "day": f"{item.deadline:%Y-%m-%d}"},
                rectification_item=item,
            )
        else:
            counts["due_soon"] += remind(
                f"due_soon:rectification:{item.pk}",
                "due_soon",
                item.owner_unit,
                item.owner_person,
                _("Rectification due %(day)s: %(problem)s.")
                % {"problem": str(item), "day": f"{item.deadline:%Y-%m-%d}"},
                rectification_item=item,
            )
    decisions = CoordinationDecision.objects.filter(
        status="open", deadline__lte=today + dt.timedelta(days=days)
    ).select_related("owner_unit", "meeting__convener")
    for decision in decisions.iterator():
        if decision.deadline < today:
            counts["overdue"] += remind(
                f"overdue:decision:{decision.pk}",
                "overdue",
                decision.meeting.convener,
                None,
                _("Overdue decision of %(meeting)s: %(text)s (%(unit)s).")
                % {"meeting": decision.meeting.title, "text": str(decision), "unit": decision.owner_unit.name},
                decision=decision,
            )
        else:
            counts["due_soon"] += remind(
                f"due_soon:decision:{decision.pk}",
                "due_soon",
                decision.owner_unit,
                None,
                _("Decision due %(day)s: %(text)s.") % {"text": str(decision), "day": f"{decision.deadline:%Y-%m-%d}"},
                decision=decision,
            )
    return counts
