"""Every write of task admission and the work that follows. Each function checks the actor's permission
and scope, validates, and writes in one transaction; AuditedModel and `record` keep the trail (with the
reason of every return, send-back and appeal)."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.burden import selectors as burden
from qingche.burden import services as burden_services
from qingche.core import parameters
from qingche.core.audit import audit_context, record
from qingche.core.calendar import work_calendar
from qingche.core.scope import acting_unit_ids, unit_in_scope, user_grants, user_person_id
from qingche.duties import selectors as duties
from qingche.org import roles
from qingche.org.models import Person, Unit
from qingche.org.roles import role_label
from qingche.tasks import files, rules, selectors, services_rectification
from qingche.tasks.models import (
    Admission,
    Evidence,
    ProgressPost,
    RegistryEntry,
    Reminder,
    Task,
    TaskAssignment,
    TaskRequest,
    UrgentQuota,
)

TARGET_KINDS = ("town", "street")
TASKS_LOAD_SOURCE = "tasks"  # the name of admitted tasks among burden's load sources
VILLAGE_KINDS = ("village", "community")


def _require(user, perm: str, unit: Unit | None = None) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if unit is not None and not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your scope."))


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if len(text) < 2:
        raise ValidationError({field: _("Give a reason.")})
    return text[:2000]


def translate_check(check: dict) -> str:
    params = check.get("params") or {}
    if "extra" in params:
        params = {**params, "extra": "、".join(_(rules.TRACE_MATERIALS.get(key, key)) for key in params["extra"])}
    message = _(check["reason"])
    return message % params if params else message.replace("%%", "%")


# -- the admission facts --------------------------------------------------------------------------------
def settings_now() -> dict:
    """Every parameter in one read (the admission path needs several of them)."""
    return {entry["key"]: entry["value"] for entry in parameters.all_parameters()}


def policy(values: dict | None = None) -> rules.Policy:
    values = values or settings_now()
    return rules.Policy(
        min_lead_days=int(values["tasks.min_lead_working_days"]),
        standard_materials=frozenset(values["tasks.standard_trace_materials"]),
        duplicate_threshold=float(values["tasks.duplicate_threshold"]),
        burden_red_line=burden.red_line(),
        form_return_share=float(values.get("burden.form_return_share", 0.5)),
    )


def requester_unit_of(user) -> Unit | None:
    """The department a user sends tasks for: the unit of their first grant that holds tasks.add_taskrequest."""
    unit_ids = acting_unit_ids(user, "tasks.add_taskrequest")
    return Unit.objects.filter(pk=unit_ids[0]).first() if unit_ids else None


def urgent_quota_left(unit: Unit, year: int, values: dict | None = None) -> int:
    stored = UrgentQuota.objects.filter(unit=unit, year=year).values_list("quota", flat=True).first()
    if stored is None:
        stored = (values or settings_now())["tasks.urgent_quota"]
    quota = int(stored)
    used = TaskRequest.objects.filter(requester_unit=unit, year=year, urgent=True).count()
    return quota - used


@dataclass
class Evaluation:
    request: rules.RequestFacts
    results: dict[int, tuple[list[rules.Check], str]]
    units: dict[int, Unit]
    duplicate_rows_read: int
    burden_period: str  # the month whose 小马拉大车 index the burden check used ("YYYY-MM")


def duplicate_candidates(unit_ids, since: dt.date) -> tuple[dict[int, list[rules.Candidate]], int]:
    """Tasks admitted to these units since the date, read through the (unit, admitted_on) index only."""
    rows = (
        Task.objects.filter(unit_id__in=list(unit_ids), admitted_on__gte=since)
        .order_by()
        .values_list("id", "unit_id", "title", "text")
    )
    candidates: dict[int, list[rules.Candidate]] = {}
    count = 0
    for task_id, unit_id, title, text in rows:
        count += 1
        candidates.setdefault(unit_id, []).append(
            rules.Candidate(task_id=task_id, title=title, text=text, link=f"/tasks/task/{task_id}/")
        )
    return candidates, count


def evaluate(
    *,
    requester_unit: Unit,
    units: list[Unit],
    duty_code: str,
    title: str,
    content: str,
    deadline: dt.datetime,
    needs_letter=False,
    has_veto=False,
    urgent=False,
    urgent_reason="",
    trace_materials=(),
    now: dt.datetime | None = None,
    calendar=None,
    values=None,
    duty_items: dict | None = None,
    report_form=None,
) -> Evaluation:
    """Gather the facts of every target (a few indexed reads, none scanning earlier tasks) and run the rules."""
    now = now or timezone.now()
    values = values or settings_now()
    calendar = calendar or work_calendar()
    today = timezone.localtime(now).date()
    deadline_day = timezone.localtime(deadline).date()
    year = deadline_day.year
    registered = (
        set(RegistryEntry.objects.filter(year=year, duty_code=duty_code).values_list("kind", flat=True))
        if duty_code and (needs_letter or has_veto)
        else set()
    )
    facts = rules.RequestFacts(
        requester_unit_id=requester_unit.pk,
        duty_code=duty_code,
        title=title,
        content=content,
        lead_working_days=rules.lead_working_days(today, deadline_day, calendar.is_workday),
        needs_letter=needs_letter,
        has_veto=has_veto,
        letter_on_registry=RegistryEntry.Kind.LETTER in registered,
        veto_on_registry=RegistryEntry.Kind.VETO in registered,
        urgent=urgent,
        urgent_reason=urgent_reason or "",
        urgent_quota_left=urgent_quota_left(requester_unit, today.year, values) if urgent else 0,
        trace_materials=frozenset(trace_materials),
        form_title=report_form.title if report_form is not None else "",
        form_reuse_share=burden.form_reuse_share(report_form.pk) if report_form is not None else None,
    )
    unit_ids = [unit.pk for unit in units]
    items = duty_items if duty_items is not None else duties.published_item_by_code(unit_ids, duty_code)
    window = int(values["tasks.duplicate_window_days"])
    candidates, rows_read = duplicate_candidates(unit_ids, today - dt.timedelta(days=window))
    # The burden index of the last whole month (burden's rollups are monthly; a month under way would look light).
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    burden_period = f"{last_month.year:04d}-{last_month.month:02d}"
    indexes = burden.index_for_units(unit_ids, burden_period) if unit_ids else {}
    targets = [
        rules.TargetFacts(
            unit_id=unit_id,
            duty=rules.DutyFact(**items[unit_id]) if unit_id in items else None,
            candidates=tuple(candidates.get(unit_id, ())),
            burden_index=indexes.get(unit_id),
        )
        for unit_id in unit_ids
    ]
    results = rules.admit(facts, targets, policy(values))
    return Evaluation(facts, results, {unit.pk: unit for unit in units}, rows_read, burden_period)


# -- sending a request ----------------------------------------------------------------------------------
REQUEST_FIELDS = (
    "title",
    "content",
    "basis_document",
    "duty_code",
    "deadline",
    "effort_hours",
    "needs_letter",
    "has_veto",
    "trace_materials",
    "report_form",
    "urgent",
    "urgent_reason",
    "off_list_application",
    "all_towns",
    "targets",
)


def clean_request(*, user, data: dict, now=None, values=None) -> tuple[dict, list[Unit], Unit]:
    """Validate the fields of a request (the form, the API and the live preview share this). Raises
    ValidationError naming each field."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    requester = data.get("requester_unit") or requester_unit_of(user)
    if requester is None or (not user.is_superuser and not unit_in_scope(user, "tasks.add_taskrequest", requester)):
        raise PermissionDenied(_("Only a county department can send a task."))
    clean = {
        "title": (data.get("title") or "").strip()[:200],
        "content": (data.get("content") or "").strip(),
        "basis_document": (data.get("basis_document") or "").strip()[:300],
        "duty_code": (data.get("duty_code") or "").strip()[:30],
        "needs_letter": bool(data.get("needs_letter")),
        "has_veto": bool(data.get("has_veto")),
        "urgent": bool(data.get("urgent")),
        "urgent_reason": (data.get("urgent_reason") or "").strip()[:2000],
        "off_list_application": (data.get("off_list_application") or "").strip()[:5000],
        "all_towns": bool(data.get("all_towns")),
    }
    if not clean["title"]:
        errors["title"] = _("Enter a title.")
    if not clean["content"]:
        errors["content"] = _("Say what is to be done.")
    deadline = data.get("deadline")
    if isinstance(deadline, dt.date) and not isinstance(deadline, dt.datetime):
        deadline = dt.datetime.combine(deadline, dt.time(17, 30))
    if not isinstance(deadline, dt.datetime):
        errors["deadline"] = _("Enter the deadline.")
    else:
        if timezone.is_naive(deadline):
            deadline = timezone.make_aware(deadline)
        if deadline <= now:
            errors["deadline"] = _("The deadline is in the past.")
        elif deadline > now + dt.timedelta(days=800):
            errors["deadline"] = _("The deadline is more than two years away.")
    clean["deadline"] = deadline
    try:
        effort = decimal.Decimal(str(data.get("effort_hours"))) if data.get("effort_hours") not in (None, "") else None
    except (decimal.InvalidOperation, ValueError):
        effort = None
        errors["effort_hours"] = _("Enter a number of person-hours.")
    if "effort_hours" not in errors:
        problem = rules.validate_effort(effort)
        limit = (values or {}).get("tasks.max_effort_hours") or parameters.get("tasks.max_effort_hours")
        if problem is None and effort > int(limit):
            problem = "The estimated effort is absurd: more than 2,000 person-hours per unit (a year of one person)."
        if problem:
            errors["effort_hours"] = _(problem)
    clean["effort_hours"] = effort
    materials = list(data.get("trace_materials") or [])
    unknown = [item for item in materials if item not in rules.TRACE_MATERIALS]
    if unknown:
        errors["trace_materials"] = _("Unknown trace material: %(items)s.") % {"items": ", ".join(map(str, unknown))}
    clean["trace_materials"] = sorted(set(materials) - set(unknown))

    clean["report_form"] = None
    form_ref = data.get("report_form")
    form_ref = getattr(form_ref, "pk", form_ref)
    if form_ref not in (None, ""):
        # a burden ReportForm the requester can see (一表通: the admission checks how much of it is already held)
        try:
            clean["report_form"] = burden.report_forms(user).filter(pk=int(form_ref)).first()
        except (TypeError, ValueError):
            pass
        if clean["report_form"] is None:
            errors["report_form"] = _("Unknown data-report form: %(id)s.") % {"id": form_ref}
    if clean["urgent"] and not clean["urgent_reason"]:
        errors["urgent_reason"] = _("Give the reason for urgency.")
    units: list[Unit] = []
    if clean["all_towns"]:
        units = list(Unit.objects.filter(kind__in=TARGET_KINDS, is_active=True).order_by("path"))
    else:
        raw = data.get("targets") or []
        ids = []
        for value in raw:
            value = getattr(value, "pk", value)
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                errors["targets"] = _("Unknown unit: %(id)s.") % {"id": value}
        found = {unit.pk: unit for unit in Unit.objects.filter(pk__in=ids, kind__in=TARGET_KINDS, is_active=True)}
        missing = [str(unit_id) for unit_id in ids if unit_id not in found]
        if missing:
            errors["targets"] = _("Unknown unit, or not a town or street: %(ids)s.") % {"ids": ", ".join(missing)}
        units = [found[unit_id] for unit_id in dict.fromkeys(ids) if unit_id in found]
        if not ids and "targets" not in errors:
            errors["targets"] = _("Choose at least one target unit, or all towns.")
    clean["duty_items"] = None
    if clean["duty_code"]:
        # the targets' items of that code (admission needs them anyway); if none holds it, is it on any list?
        clean["duty_items"] = duties.published_item_by_code([unit.pk for unit in units], clean["duty_code"])
        if not clean["duty_items"] and not duties.published_code_exists(clean["duty_code"]):
            errors["duty_code"] = _("Unknown duty item: %(code)s is on no published list.") % {
                "code": clean["duty_code"]
            }
    if errors:
        raise ValidationError(errors)
    return clean, units, requester


def evaluate_clean(clean: dict, units: list[Unit], requester: Unit, *, now=None, values=None) -> Evaluation:
    """Admission of a request as clean_request returned it (the submit, the page's preview and the API's)."""
    return evaluate(
        requester_unit=requester,
        units=units,
        duty_code=clean["duty_code"],
        title=clean["title"],
        content=clean["content"],
        deadline=clean["deadline"],
        needs_letter=clean["needs_letter"],
        has_veto=clean["has_veto"],
        urgent=clean["urgent"],
        urgent_reason=clean["urgent_reason"],
        trace_materials=clean["trace_materials"],
        duty_items=clean["duty_items"],
        report_form=clean["report_form"],
        now=now,
        values=values,
    )


def preview_request(*, user, data: dict) -> tuple[list[Unit], Evaluation]:
    """The admission result of a request as it stands, per target; nothing is saved. Raises as clean_request."""
    clean, units, requester = clean_request(user=user, data=data)
    return units, evaluate_clean(clean, units, requester)


@transaction.atomic
def task_request_submit(*, user, data: dict, client_token: str = "", now=None) -> TaskRequest:
    """Send a request: validate, run admission for every target, store the verdicts and create the tasks of
    the admitted targets. A repeated client token (a double click) returns the first request, unchanged."""
    _require(user, "tasks.add_taskrequest")
    client_token = (client_token or "").strip()[:64]
    if client_token:
        existing = TaskRequest.objects.filter(created_by=user, client_token=client_token).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    values = settings_now()
    clean, units, requester = clean_request(user=user, data=data, now=now, values=values)
    evaluation = evaluate_clean(clean, units, requester, now=now, values=values)
    off_list = [
        unit.name for unit in units if any(check.code == rules.NOT_ON_LIST for check in evaluation.results[unit.pk][0])
    ]
    if off_list and len(clean["off_list_application"]) < 10:
        raise ValidationError(
            {
                "off_list_application": _(
                    "The task is on none of the duty lists of %(units)s: a task outside the lists reaches a unit only "
                    "with a written application (why it must, at least 10 characters), decided with a reason."
                )
                % {"units": "、".join(off_list[:5]) + ("…" if len(off_list) > 5 else "")}
            }
        )
    if not off_list:
        clean["off_list_application"] = ""  # kept only where it was needed
    fields = {key: clean[key] for key in REQUEST_FIELDS if key in clean}
    try:
        with transaction.atomic():
            request = TaskRequest.objects.create(
                requester_unit=requester,
                created_by=user,
                client_token=client_token,
                year=timezone.localtime(now).year,
                **fields,
            )
    except IntegrityError:
        existing = TaskRequest.objects.filter(created_by=user, client_token=client_token).first()
        if existing is not None:
            return existing
        raise
    today = timezone.localtime(now).date()
    for unit in units:
        checks, verdict = evaluation.results[unit.pk]
        admission = Admission.objects.create(
            request=request,
            unit=unit,
            checks=[check.as_dict() for check in checks],
            off_list=any(check.code == rules.NOT_ON_LIST for check in checks),
            automatic_verdict=verdict,
            verdict=verdict,
            decided_at=now if verdict != Admission.Verdict.PENDING else None,
        )
        if verdict == Admission.Verdict.ADMITTED:
            _create_task(admission, today)
    return request


def _create_task(admission: Admission, today: dt.date) -> Task:
    """The task of an admitted target. Its estimated effort becomes load on the unit in burden's rollup (source
    "tasks", month of admission, sent by the requesting department), in this same transaction."""
    request = admission.request
    task = Task.objects.create(
        request=request,
        admission=admission,
        unit=admission.unit,
        title=request.title,
        text=request.content[:4000],
        deadline=request.deadline,
        admitted_on=today,
    )
    burden_services.load_add(
        source=TASKS_LOAD_SOURCE,
        unit_id=admission.unit_id,
        day=today,
        hours=request.effort_hours,
        issuer_id=request.requester_unit_id,
    )
    return task


# -- 减负办 decisions and appeals --------------------------------------------------------------------------
DECISIONS = ("approve", "return", "narrow")


def decider_role(admission: Admission) -> str:
    """The role whose holders decide a waiting target: the burden-reduction office, or for a target outside its
    duty list the role the parameter tasks.off_list_decider_role names (减负办 by default, or 组织部 acting as
    编办)."""
    if admission.off_list:
        return selectors.off_list_decider()
    return roles.BURDEN_OFFICE


@transaction.atomic
def admission_decide(*, user, admission: Admission, decision: str, reason: str = "", now=None) -> Admission:
    """The burden-reduction office decides a target waiting for it: approve (the task reaches the unit), return,
    or narrow the request by removing this target. Every decision gives a written reason, approving too: it
    overrides the checks that stopped the target, and the requesting department reads who decided and why."""
    admission = Admission.objects.select_for_update().select_related("request").get(pk=admission.pk)
    _require(user, "tasks.decide_admission", admission.unit)
    if not user.is_superuser and not any(
        grant.role == decider_role(admission) and "tasks.decide_admission" in grant.perms for grant in user_grants(user)
    ):
        raise PermissionDenied(_("Only %(role)s decides this target.") % {"role": role_label(decider_role(admission))})
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose approve, return or narrow.")})
    if admission.verdict != Admission.Verdict.PENDING:
        raise ValidationError({"decision": _("Only a target waiting for the burden-reduction office can be decided.")})
    if decision == "approve" and len((reason or "").strip()) < 2:
        message = _("Approving overrides the checks that stopped this target: give the reason.")
        raise ValidationError({"reason": message})
    off_list = any(check.get("code") == rules.NOT_ON_LIST for check in admission.checks)
    if off_list and len((reason or "").strip()) < 2:
        raise ValidationError({"reason": _("A task outside the duty lists is decided with a written reason.")})
    reason = _reason(reason)
    now = now or timezone.now()
    admission.verdict = {
        "approve": Admission.Verdict.ADMITTED,
        "return": Admission.Verdict.RETURNED,
        "narrow": Admission.Verdict.NARROWED,
    }[decision]
    admission.decided_by, admission.decided_at = user, now
    admission.decision_reason = (reason or "").strip()[:2000]
    with audit_context(reason=admission.decision_reason or decision):
        admission.save()
        if admission.verdict == Admission.Verdict.ADMITTED and not admission.tasks.exists():
            _create_task(admission, timezone.localtime(now).date())
    return admission


@transaction.atomic
def admission_appeal(*, user, admission: Admission, reason: str, now=None) -> Admission:
    """The requester appeals a returned target once, with a reason: it goes to the burden-reduction office."""
    admission = Admission.objects.select_for_update().select_related("request__requester_unit").get(pk=admission.pk)
    _require(user, "tasks.appeal_admission", admission.request.requester_unit)
    if admission.verdict != Admission.Verdict.RETURNED:
        raise ValidationError({"reason": _("Only a returned target can be appealed.")})
    if admission.appealed_at is not None:
        raise ValidationError({"reason": _("A return can be appealed only once.")})
    reason = _reason(reason)
    admission.appeal_reason, admission.appealed_at = reason, now or timezone.now()
    admission.verdict = Admission.Verdict.PENDING
    with audit_context(reason=reason):
        admission.save()
    return admission


# -- splitting, forwarding, progress ------------------------------------------------------------------------
def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _deadline_within(deadline, task: Task, now, field="deadline"):
    if not isinstance(deadline, dt.datetime):
        if isinstance(deadline, dt.date):
            deadline = dt.datetime.combine(deadline, dt.time(17, 30))
        else:
            raise ValidationError({field: _("Enter the deadline.")})
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline <= now:
        raise ValidationError({field: _("The deadline is in the past.")})
    if deadline > task.deadline:
        raise ValidationError(
            {
                field: _("The deadline cannot be later than the task's own (%(deadline)s).")
                % {"deadline": timezone.localtime(task.deadline).strftime("%Y-%m-%d %H:%M")}
            }
        )
    return deadline


def _own_task(user, task: Task, perm: str) -> Task:
    task = Task.objects.select_for_update().select_related("unit").get(pk=task.pk)
    if not user.has_perm(perm) or not unit_in_scope(user, perm, task.unit):
        raise PermissionDenied(_("This task is not your unit's."))
    if not task.is_open:
        raise ValidationError(_("The task is closed."))
    return task


@transaction.atomic
def task_split(*, user, task: Task, person: Person, part: str, deadline, now=None) -> TaskAssignment:
    """Give a part of the unit's task to one of its people, with their own deadline (责任到人)."""
    now = now or timezone.now()
    task = _own_task(user, task, "tasks.add_taskassignment")
    person = Person.objects.select_related("unit").filter(pk=_int_or_none(getattr(person, "pk", person))).first()
    if person is None or not person.unit.path.startswith(task.unit.path):
        raise ValidationError({"person": _("Choose a person of this unit.")})
    deadline = _deadline_within(deadline, task, now)
    assignment = TaskAssignment.objects.create(
        task=task, person=person, part=(part or "").strip()[:4000], deadline=deadline, created_by=user
    )
    if task.status == Task.Status.OPEN:
        task.status = Task.Status.IN_PROGRESS
        task.save()
    return assignment


@transaction.atomic
def task_forward(*, user, task: Task, unit: Unit, part: str, deadline, now=None) -> Task:
    """Forward a part of a town's task to one of its villages (communities): a task of its own for the village."""
    now = now or timezone.now()
    task = _own_task(user, task, "tasks.split_task")
    village = Unit.objects.filter(pk=_int_or_none(getattr(unit, "pk", unit))).first()
    if (
        village is None
        or village.kind not in VILLAGE_KINDS
        or not village.path.startswith(task.unit.path)
        or village.pk == task.unit_id
    ):
        raise ValidationError({"unit": _("Choose a village or community of this town.")})
    part = (part or "").strip()
    if not part:
        raise ValidationError({"part": _("Say which part is forwarded.")})
    deadline = _deadline_within(deadline, task, now)
    child = Task.objects.create(
        request=task.request,
        admission=task.admission,
        unit=village,
        parent=task,
        part=part[:4000],
        title=task.title,
        text=task.text,
        deadline=deadline,
        admitted_on=timezone.localtime(now).date(),
    )
    if task.status == Task.Status.OPEN:
        task.status = Task.Status.IN_PROGRESS
        task.save()
    return child


def _may_work_on(user, task: Task) -> TaskAssignment | None:
    """The user's open assignment on the task, or None if they may work on it as its unit; else PermissionDenied."""
    person_id = user_person_id(user)
    assignment = None
    if person_id is not None:
        assignment = task.assignments.filter(person_id=person_id).order_by("status", "id").first()
    if assignment is None and not unit_in_scope(user, "tasks.split_task", task.unit):
        raise PermissionDenied(_("This task is not yours."))
    return assignment


@transaction.atomic
def progress_post(*, user, task: Task, text: str, uploads=(), mark_done: bool = False, now=None) -> ProgressPost:
    """Post progress on a task, with evidence files (type sniffed from the content; size limited); optionally
    mark one's part (or, for the unit, the whole task) done."""
    _require(user, "tasks.add_progresspost")
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not Task.objects.visible_to(user).filter(pk=task.pk).exists():
        raise PermissionDenied(_("This task is not yours."))
    assignment = _may_work_on(user, task)
    if not task.is_open:
        raise ValidationError(_("The task is closed."))
    text = (text or "").strip()
    if not text and not uploads:
        raise ValidationError({"text": _("Say what was done, or attach evidence.")})
    checked = [files.check_upload(upload, int(parameters.get("tasks.max_evidence_bytes"))) for upload in uploads]
    post = ProgressPost.objects.create(task=task, assignment=assignment, author=user, text=text[:4000])
    for upload, (content_type, extension, data) in zip(uploads, checked, strict=True):
        evidence = Evidence(
            post=post,
            original_name=(getattr(upload, "name", "") or "file")[-200:],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        evidence.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        evidence.save()
    if task.status == Task.Status.OPEN:
        task.status = Task.Status.IN_PROGRESS
        task.save()
    if mark_done:
        _mark_done(user, task, assignment, now or timezone.now())
    return post


def _mark_done(user, task: Task, assignment: TaskAssignment | None, now) -> None:
    if assignment is not None and assignment.status == TaskAssignment.Status.OPEN:
        assignment.status, assignment.done_at = TaskAssignment.Status.DONE, now
        assignment.save()
    all_done = not task.assignments.filter(status=TaskAssignment.Status.OPEN).exists()
    if assignment is None or all_done:
        task.status, task.done_at = Task.Status.DONE, now
        task.save()


@transaction.atomic
def task_done(*, user, task: Task, now=None) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not Task.objects.visible_to(user).filter(pk=task.pk).exists():
        raise PermissionDenied(_("This task is not yours."))
    assignment = _may_work_on(user, task)
    if not task.is_open:
        raise ValidationError(_("The task is closed."))
    _mark_done(user, task, assignment, now or timezone.now())
    return task


@transaction.atomic
def task_review(*, user, task: Task, accept: bool, reason: str = "", now=None) -> Task:
    """The requesting department accepts a done task, or sends it back with a reason (the parts reopen)."""
    task = Task.objects.select_for_update().select_related("request__requester_unit").get(pk=task.pk)
    _require(user, "tasks.review_task", task.request.requester_unit)
    if task.parent_id is not None:
        raise ValidationError(_("A part forwarded to a village is reviewed by its town."))
    if task.status != Task.Status.DONE:
        raise ValidationError(_("Only a task marked done can be accepted or sent back."))
    now = now or timezone.now()
    if accept:
        task.status = Task.Status.ACCEPTED
        task.review_reason = (reason or "").strip()[:2000]
    else:
        task.review_reason = _reason(reason)
        task.status = Task.Status.SENT_BACK
        for assignment in task.assignments.filter(status=TaskAssignment.Status.DONE):
            assignment.status, assignment.done_at = TaskAssignment.Status.OPEN, None
            assignment.save()
    task.reviewed_at = now
    with audit_context(reason=task.review_reason):
        task.save()
    return task


# -- registry and quotas (减负办) --------------------------------------------------------------------------
@transaction.atomic
def registry_entry_add(*, user, year: int, kind: str, duty_code: str, title: str, approval_document: str = ""):
    _require(user, "tasks.add_registryentry")
    errors = {}
    if kind not in RegistryEntry.Kind.values:
        errors["kind"] = _("Choose a responsibility letter or a one-vote veto.")
    if not (2000 <= int(year or 0) <= 2100):
        errors["year"] = _("Enter a year.")
    if not (duty_code or "").strip():
        errors["duty_code"] = _("Enter the duty item code.")
    else:
        kinds = duties.published_code_kinds(duty_code.strip())
        if not kinds:
            errors["duty_code"] = _("Unknown duty item: %(code)s is on no published list.") % {"code": duty_code}
        elif kinds & {"cooperation", "taken_back"}:
            errors["duty_code"] = _(
                "%(code)s is a duty a county department leads (配合履职 or 上级收回) on a town's list: a "
                "responsibility letter or veto on it would push the department's responsibility onto the town."
            ) % {"code": duty_code}
    if not (title or "").strip():
        errors["title"] = _("Enter a title.")
    if not errors and RegistryEntry.objects.filter(year=year, kind=kind, duty_code=duty_code.strip()).exists():
        errors["duty_code"] = _("This item is already on the year's registry.")
    if errors:
        raise ValidationError(errors)
    return RegistryEntry.objects.create(
        year=year,
        kind=kind,
        duty_code=duty_code.strip(),
        title=title.strip()[:200],
        approval_document=(approval_document or "").strip()[:300],
    )


@transaction.atomic
def registry_entry_delete(*, user, entry: RegistryEntry) -> None:
    _require(user, "tasks.delete_registryentry")
    entry.delete()


@transaction.atomic
def urgent_quota_set(*, user, unit: Unit, year: int, quota: int) -> UrgentQuota:
    _require(user, "tasks.change_urgentquota")
    if unit.kind not in ("department", "office"):
        raise ValidationError({"unit": _("Urgent quotas are for county departments.")})
    if quota is None or int(quota) < 0 or int(quota) > 1000:
        raise ValidationError({"quota": _("Enter a number from 0 to 1000.")})
    entry = UrgentQuota.objects.filter(unit=unit, year=year).first() or UrgentQuota(unit=unit, year=year)
    entry.quota = int(quota)
    entry.save()
    return entry


# -- reminders and escalations (run by `qingche tasks_remind`) -------------------------------------------
def send_reminders(*, now=None, calendar=None) -> dict[str, int]:
    """Remind open tasks and assignments whose deadline is near, and escalate those past it to the next level.
    Derived from stored deadlines only; each reminder has a unique key, so running this again (or from two
    machines at once) sends nothing twice."""
    now = now or timezone.now()
    calendar = calendar or work_calendar()
    before_hours = float(parameters.get("tasks.remind_before_working_hours"))
    horizon = now + dt.timedelta(days=15)
    counts = {"due_soon": 0, "overdue": 0}
    open_statuses = (Task.Status.OPEN, Task.Status.IN_PROGRESS, Task.Status.SENT_BACK)
    tasks = Task.objects.filter(status__in=open_statuses, deadline__lte=horizon).select_related("unit")
    with audit_context(actor_name="system:tasks_remind"):
        for task in tasks.iterator():
            if task.deadline < now:
                parent = Unit.objects.filter(path=task.unit.path[: -Unit.steplen]).first() or task.unit
                counts["overdue"] += _remind(
                    f"overdue:task:{task.pk}",
                    Reminder.Kind.OVERDUE,
                    task,
                    None,
                    parent,
                    None,
                    _("Overdue: %(title)s (%(unit)s) passed its deadline and is escalated.")
                    % {"title": task.title, "unit": task.unit.name},
                )
            elif calendar.working_hours_between(now, task.deadline) <= before_hours:
                counts["due_soon"] += _remind(
                    f"due_soon:task:{task.pk}",
                    Reminder.Kind.DUE_SOON,
                    task,
                    None,
                    task.unit,
                    None,
                    _("Deadline approaching: %(title)s.") % {"title": task.title},
                )
        assignments = TaskAssignment.objects.filter(
            status=TaskAssignment.Status.OPEN, deadline__lte=horizon, task__status__in=open_statuses
        ).select_related("task", "task__unit", "person")
        for assignment in assignments.iterator():
            task = assignment.task
            if assignment.deadline < now:
                counts["overdue"] += _remind(
                    f"overdue:assignment:{assignment.pk}",
                    Reminder.Kind.OVERDUE,
                    task,
                    assignment,
                    task.unit,
                    None,
                    _("Overdue: %(person)s's part of %(title)s passed its deadline.")
                    % {"person": assignment.person.name, "title": task.title},
                )
            elif calendar.working_hours_between(now, assignment.deadline) <= before_hours:
                counts["due_soon"] += _remind(
                    f"due_soon:assignment:{assignment.pk}",
                    Reminder.Kind.DUE_SOON,
                    task,
                    assignment,
                    task.unit,
                    assignment.person,
                    _("Deadline approaching for your part of %(title)s.") % {"title": task.title},
                )

        # the rectification ledger and coordination decisions: the same reminders, keyed the same way
        def remind(key, kind, unit, person, message, **links):
            return _remind(key, kind, None, None, unit, person, message, **links)

        ledger = services_rectification.send_reminders(today=timezone.localtime(now).date(), remind=remind)
    return {name: counts[name] + ledger[name] for name in counts}


def _remind(key, kind, task, assignment, unit, person, message, **links) -> int:
    try:
        with transaction.atomic():
            reminder, created = Reminder.objects.get_or_create(
                key=key,
                defaults={
                    "kind": kind,
                    "task": task,
                    "assignment": assignment,
                    "recipient_unit": unit,
                    "recipient_person": person,
                    "message": message[:300],
                    **links,
                },
            )
            if created:
                record("create", obj=reminder, after={"key": key, "to": unit.name})
    except IntegrityError:  # another run created it at the same moment
        return 0
    return int(created)
