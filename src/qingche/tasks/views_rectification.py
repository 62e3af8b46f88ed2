"""Pages of the rectification ledger (问题清单、整改清单、责任清单; an item's steps to 销号) and of coordination
meetings (the meeting, its issues and decisions; open decisions by owner). Thin: forms parse, services write,
selectors read."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import parameters
from qingche.core.excel import xlsx_response
from qingche.core.forms import form_errors
from qingche.core.pagination import paginate
from qingche.core.scope import acting_unit_ids, unit_in_scope, user_person_id
from qingche.org.models import Person, Unit
from qingche.tasks import forms_rectification as forms
from qingche.tasks import rules_rectification as rules
from qingche.tasks import selectors_rectification as selectors
from qingche.tasks import services_meetings, services_rectification
from qingche.tasks.models import CoordinationDecision, RectificationItem


def _refusal(form, error) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You may not do this."))
    else:
        form_errors(form, error)


# -- the ledger --------------------------------------------------------------------------------------------
LEDGER_HEADERS = {
    "problems": ["No.", "Problem", "Source", "Raised by", "Raised on", "Responsible unit", "Status"],
    "measures": ["No.", "Problem", "Rectification measures", "Deadline", "Status", "Evidence", "Closed on"],
    "responsibility": ["No.", "Responsible unit", "Responsible person", "Problem", "Deadline", "Status", "Verifier"],
}


def _row(view: str, item: RectificationItem, today: dt.date) -> list:
    status = item.get_status_display()
    if rules.is_overdue(item.status, item.deadline, today):
        status = _("%(status)s (overdue %(days)s days)") % {
            "status": status,
            "days": rules.days_overdue(item.status, item.deadline, today),
        }
    if view == "problems":
        source = item.get_source_kind_display() + (f"：{item.source_label}" if item.source_label else "")
        return [
            item.pk,
            item.problem,
            source,
            item.raiser_unit.name,
            timezone.localtime(item.created_at).date(),
            item.owner_unit.name,
            status,
        ]
    if view == "measures":
        evidence = item.submission[:200] + (f"（{item.evidence_files} {_('files')}）" if item.evidence_files else "")
        closed = timezone.localtime(item.verified_at).date() if item.verified_at else ""
        return [item.pk, item.problem, item.measures, item.deadline, status, evidence, closed]
    return [
        item.pk,
        item.owner_unit.name,
        item.owner_person.name if item.owner_person else "",
        item.problem,
        item.deadline,
        status,
        item.raiser_unit.name,
    ]


@login_required
@permission_required("tasks.view_rectificationitem", raise_exception=True)
def ledger(request):
    today = timezone.localdate()
    view = request.GET.get("view") if request.GET.get("view") in rules.VIEWS else "problems"
    rows = selectors.filtered(request.user, request.GET, today).order_by("deadline", "id")
    headers = [_(header) for header in LEDGER_HEADERS[view]]
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"{_('Rectification ledger')}-{_(rules.VIEW_LABELS[view])}-{today:%Y%m%d}.xlsx",
            headers,
            (_row(view, item, today) for item in rows.iterator(chunk_size=500)),
            sheet_title=str(_(rules.VIEW_LABELS[view]))[:30],
        )
    page = paginate(request, rows, 30)
    table = [{"item": item, "cells": list(zip(headers, _row(view, item, today), strict=True))} for item in page]
    all_rows = selectors.items(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    filters_only = query.copy()
    filters_only.pop("view", None)
    return render(
        request,
        "tasks/rectification/ledger.html",
        {
            "page": page,
            "table": table,
            "headers": headers,
            "view": view,
            "views": [(key, _(label)) for key, label in rules.VIEW_LABELS.items()],
            "query": query.urlencode(),
            "filter_query": filters_only.urlencode(),
            "progress": selectors.progress_by_unit(request.user, today, all_rows)[:15],
            "overdue": all_rows.filter(status__in=rules.NOT_CLOSED, deadline__lt=today).order_by("deadline")[:10],
            "overdue_count": all_rows.filter(status__in=rules.NOT_CLOSED, deadline__lt=today).count(),
            "statuses": RectificationItem.Status.choices,
            "sources": RectificationItem.Source.choices,
            "owners": selectors.owner_units(request.user),
            "filters": {key: request.GET.get(key, "") for key in ("status", "source", "owner", "q")},
            "today": today,
        },
    )


@login_required
@permission_required("tasks.add_rectificationitem", raise_exception=True)
def ledger_new(request):
    raiser = services_rectification.raiser_unit_of(request.user)
    source_kind = request.GET.get("source", RectificationItem.Source.MANUAL)
    source_id = request.GET.get("source_id") or None
    initial = {
        "source_kind": source_kind if source_kind in RectificationItem.Source.values else "manual",
        "source_id": source_id,
        "deadline": timezone.localdate() + dt.timedelta(days=int(parameters.get("tasks.rectification_default_days"))),
    }
    facts = {"label": "", "owner": None, "problem": ""}
    if request.method == "GET" and source_id:
        try:
            facts = services_rectification.source_facts(request.user, initial["source_kind"], source_id)
        except ValidationError:
            raise Http404 from None
        initial.update({"source_label": facts["label"], "problem": facts["problem"], "owner_unit": facts["owner"]})
    form = forms.RaiseForm(request.POST or None, initial=initial, raiser_unit=raiser)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services_rectification.rectification_raise(user=request.user, raiser_unit=raiser, **data)
        except (ValidationError, PermissionDenied) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("On the ledger: the responsible unit has been given the item."))
            return redirect("tasks:ledger_item", pk=item.pk)
    return render(
        request,
        "tasks/rectification/new.html",
        {"form": form, "raiser": raiser, "facts": facts},
        status=400 if form.errors else 200,
    )


def _may(user, perm, unit) -> bool:
    return user.has_perm(perm) and unit_in_scope(user, perm, unit)


@login_required
@permission_required("tasks.view_rectificationitem", raise_exception=True)
def ledger_item(request, pk):
    item = get_object_or_404(selectors.items(request.user), pk=pk)
    user = request.user
    me = user_person_id(user)
    is_owner = _may(user, services_rectification.WORK, item.owner_unit) or (
        user.has_perm(services_rectification.WORK) and me is not None and me == item.owner_person_id
    )
    is_raiser = _may(user, services_rectification.VERIFY, item.raiser_unit)
    action = request.POST.get("action") if request.method == "POST" else None
    people = Person.objects.filter(unit__path__startswith=item.owner_unit.path).order_by("name")[:300]
    measures_form = forms.MeasuresForm(
        request.POST if action == "measures" else None,
        people=people,
        initial={"measures": item.measures, "owner_person": item.owner_person_id},
    )
    submit_form = forms.SubmitForm(request.POST if action == "submit" else None, request.FILES or None)
    verify_form = forms.VerifyForm(request.POST if action == "verify" else None)
    back_form = forms.SendBackForm(request.POST if action == "send_back" else None)
    form = {"measures": measures_form, "submit": submit_form, "verify": verify_form, "send_back": back_form}.get(action)
    if form is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "measures":
                    services_rectification.rectification_set_measures(
                        user=user, item=item, measures=data["measures"], owner_person=data["owner_person"] or None
                    )
                elif action == "submit":
                    services_rectification.rectification_submit(
                        user=user, item=item, text=data["text"], uploads=data["files"]
                    )
                elif action == "verify":
                    services_rectification.rectification_verify(user=user, item=item, note=data["note"])
                else:
                    services_rectification.rectification_send_back(user=user, item=item, reason=data["reason"])
            except (ValidationError, PermissionDenied) as error:
                _refusal(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("tasks:ledger_item", pk=pk)
    elif action is not None:
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "tasks/rectification/item.html",
        {
            "item": item,
            "evidence": item.evidence.all(),
            "overdue": rules.days_overdue(item.status, item.deadline, today),
            "can_measures": is_owner and rules.next_status(rules.SET_MEASURES, item.status) is not None,
            "can_submit": is_owner and rules.next_status(rules.SUBMIT, item.status) is not None,
            "can_verify": is_raiser and item.status == rules.SUBMITTED and item.submitted_by_id != user.pk,
            "measures_form": measures_form,
            "submit_form": submit_form,
            "verify_form": verify_form,
            "back_form": back_form,
            "decision": getattr(item, "decision", None) if hasattr(item, "decision") else None,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@permission_required("tasks.view_rectificationevidence", raise_exception=True)
def ledger_evidence(request, pk):
    evidence = get_object_or_404(selectors.evidence(request.user), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type)


# -- coordination meetings -------------------------------------------------------------------------------------
def _convener(user) -> Unit | None:
    ids = acting_unit_ids(user, services_meetings.CONVENE)
    return Unit.objects.filter(pk=ids[0]).first() if ids else None


@login_required
@permission_required("tasks.view_coordinationmeeting", raise_exception=True)
def coordination_list(request):
    rows = selectors.meetings(request.user)
    return render(
        request,
        "tasks/coordination/list.html",
        {"page": paginate(request, rows, 30), "can_convene": request.user.has_perm(services_meetings.CONVENE)},
    )


@login_required
@permission_required("tasks.add_coordinationmeeting", raise_exception=True)
def coordination_new(request):
    convener = _convener(request.user)
    form = forms.CoordinationMeetingForm(request.POST or None, convener=convener)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services_meetings.coordination_meeting_create(
                user=request.user, convener=convener, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved: the meeting also counts in the meeting registry."))
            return redirect("tasks:coordination_detail", pk=meeting.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": _("Record a coordination meeting")},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("tasks.view_coordinationmeeting", raise_exception=True)
def coordination_detail(request, pk):
    meeting = get_object_or_404(selectors.meetings(request.user), pk=pk)
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    issue_form = forms.IssueForm(request.POST if action == "issue" else None, meeting=meeting)
    decision_form = forms.DecisionForm(request.POST if action == "decision" else None, meeting=meeting)
    if action == "issue" and issue_form.is_valid():
        data = issue_form.cleaned_data
        try:
            item = None
            if data["item"]:
                item = selectors.items(user).filter(pk=data["item"]).first()
                if item is None:
                    raise ValidationError({"item": _("No rectification item of this number in your scope.")})
            services_meetings.coordination_issue_add(
                user=user, meeting=meeting, raised_by_unit=data["raised_by_unit"], text=data["text"], item=item
            )
        except (ValidationError, PermissionDenied) as error:
            _refusal(issue_form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("tasks:coordination_detail", pk=pk)
    elif action == "decision" and decision_form.is_valid():
        data = decision_form.cleaned_data
        issue = meeting.issues.filter(pk=data["issue"]).first() if data["issue"] else None
        try:
            services_meetings.coordination_decision_add(
                user=user,
                meeting=meeting,
                text=data["text"],
                owner_unit=data["owner_unit"],
                deadline=data["deadline"],
                form=data["form"],
                issue=issue,
                duty_code=data["duty_code"],
                evidence_required=data["evidence_required"],
            )
        except (ValidationError, PermissionDenied) as error:
            _refusal(decision_form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("tasks:coordination_detail", pk=pk)
    elif action not in (None, "issue", "decision"):
        raise Http404
    may_record = _may(user, services_meetings.CONVENE, meeting.convener)
    decisions = list(selectors.decisions(user).filter(meeting=meeting).order_by("deadline", "id"))
    today = timezone.localdate()
    for decision in decisions:
        decision.overdue = decision.status == "open" and decision.deadline < today
    return render(
        request,
        "tasks/coordination/detail.html",
        {
            "meeting": meeting,
            "issues": meeting.issues.select_related("raised_by_unit", "item"),
            "decisions": decisions,
            "may_record": may_record,
            "issue_form": issue_form,
            "decision_form": decision_form,
        },
        status=400 if issue_form.errors or decision_form.errors else 200,
    )


@login_required
@permission_required("tasks.view_coordinationdecision", raise_exception=True)
def decision_detail(request, pk):
    decision = get_object_or_404(selectors.decisions(request.user), pk=pk)
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    task_form = forms.DecisionTaskForm(
        request.POST if action == "task" else None,
        initial={"content": decision.text, "deadline": dt.datetime.combine(decision.deadline, dt.time(17, 30))},
    )
    done_form = forms.DecisionDoneForm(request.POST if action == "done" else None)
    form = {"task": task_form, "done": done_form}.get(action)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "task":
                services_meetings.decision_send_task(
                    user=user,
                    decision=decision,
                    data={
                        "title": decision.text[:200],
                        "content": data["content"],
                        "duty_code": data["duty_code"],
                        "deadline": data["deadline"],
                        "effort_hours": data["effort_hours"],
                        "targets": list(data["targets"]),
                        "basis_document": str(decision.meeting)[:300],
                    },
                )
            else:
                services_meetings.decision_done(user=user, decision=decision, note=data["note"])
        except (ValidationError, PermissionDenied) as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("tasks:decision_detail", pk=pk)
    elif action not in (None, "task", "done"):
        raise Http404
    is_owner = _may(user, services_meetings.CARRY_OUT, decision.owner_unit)
    return render(
        request,
        "tasks/coordination/decision.html",
        {
            "decision": decision,
            "overdue": decision.status == "open" and decision.deadline < timezone.localdate(),
            "can_send_task": is_owner
            and decision.form == "task"
            and decision.task_request_id is None
            and user.has_perm("tasks.add_taskrequest"),
            "can_mark_done": is_owner
            and decision.status == "open"
            and decision.form != "rectification"
            and (decision.form != "task" or decision.task_request_id is not None),
            "task_form": task_form,
            "done_form": done_form,
            "forms_label": dict(CoordinationDecision.Form.choices),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@permission_required("tasks.view_coordinationdecision", raise_exception=True)
def decisions_open(request):
    today = timezone.localdate()
    return render(
        request,
        "tasks/coordination/open_decisions.html",
        {"groups": selectors.open_decisions_by_owner(request.user, today), "today": today},
    )


def ledger_url(item) -> str:
    return reverse("tasks:ledger_item", args=[item.pk])
