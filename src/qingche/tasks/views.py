"""Pages of task admission and the work that follows. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingche.core import actors, parameters
from qingche.core.charts import chart, series
from qingche.core.forms import error_texts, form_errors
from qingche.core.pagination import paginate
from qingche.core.periods import year_param
from qingche.core.rules import format_size
from qingche.core.scope import unit_in_scope
from qingche.org.models import Person, Unit
from qingche.tasks import forms, rules, selectors, services
from qingche.tasks.models import Admission, Task


def _checks_display(checks: list[dict]) -> list[dict]:
    return [
        {
            **check,
            "label": _(rules.RULE_LABELS.get(check["rule"], check["rule"])),
            "text": services.translate_check(check),
        }
        for check in checks
    ]


def _request_data(post) -> dict:
    return {
        "title": post.get("title", ""),
        "content": post.get("content", ""),
        "basis_document": post.get("basis_document", ""),
        "duty_code": post.get("duty_code", ""),
        "targets": post.getlist("targets"),
        "all_towns": post.get("all_towns") in ("on", "true", "1"),
        "deadline": _parse_datetime(post.get("deadline", "")),
        "effort_hours": post.get("effort_hours", ""),
        "needs_letter": post.get("needs_letter") in ("on", "true", "1"),
        "has_veto": post.get("has_veto") in ("on", "true", "1"),
        "trace_materials": post.getlist("trace_materials"),
        "report_form": post.get("report_form", ""),
        "urgent": post.get("urgent") in ("on", "true", "1"),
        "urgent_reason": post.get("urgent_reason", ""),
        "off_list_application": post.get("off_list_application", ""),
    }


def _parse_datetime(text: str):
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return timezone.make_aware(dt.datetime.strptime(text.strip(), pattern))
        except ValueError:
            continue
    return None


# -- sending ---------------------------------------------------------------------------------------------
@login_required
@permission_required("tasks.add_taskrequest", raise_exception=True)
def request_new(request):
    form = forms.TaskRequestForm(request.POST or None, user=request.user)
    if request.method == "POST":
        try:
            sent = services.task_request_submit(
                user=request.user, data=_request_data(request.POST), client_token=request.POST.get("client_token", "")
            )
        except ValidationError as error:
            form_errors(form, error)
        except PermissionDenied as error:
            raise error
        else:
            _admission_message(request, list(sent.admissions.values_list("verdict", flat=True)))
            return redirect("tasks:request_detail", pk=sent.pk)
    return render(request, "tasks/request_new.html", {"form": form})


def _admission_message(request, verdicts: list[str]) -> None:
    """Green only when every target admitted the task; red when none did; amber in between."""
    admitted = verdicts.count(Admission.Verdict.ADMITTED)
    if admitted == len(verdicts):
        messages.success(request, _("The task request was sent and admitted for every target."))
    elif admitted == 0 and Admission.Verdict.PENDING not in verdicts:
        messages.error(
            request,
            _("The task request was refused for every target: nothing reaches the units. The reasons are below."),
        )
    else:
        messages.warning(
            request,
            _(
                "The task request was sent: %(admitted)d of %(total)d targets admitted; the others wait for the "
                "burden-reduction office or were returned (below)."
            )
            % {"admitted": admitted, "total": len(verdicts)},
        )


@login_required
@permission_required("tasks.add_taskrequest", raise_exception=True)
@require_POST
def request_preview(request):
    """htmx: the admission result for the form as it stands, recomputed as fields change. Nothing is saved."""
    try:
        units, evaluation = services.preview_request(user=request.user, data=_request_data(request.POST))
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        return render(request, "tasks/_preview.html", {"errors": errors})
    rows = []
    for unit in units:
        checks, verdict = evaluation.results[unit.pk]
        rows.append(
            {
                "unit": unit,
                "verdict": verdict,
                "verdict_label": Admission.Verdict(verdict).label,
                "checks": _checks_display([check.as_dict() for check in checks]),
            }
        )
    return render(request, "tasks/_preview.html", {"rows": rows, "burden_period": evaluation.burden_period})


@login_required
@permission_required("tasks.view_taskrequest", raise_exception=True)
def request_list(request):
    requests = selectors.task_requests(request.user).prefetch_related("admissions")
    page = paginate(request, requests, 30)
    for item in page:
        counts = {}
        for admission in item.admissions.all():
            counts[admission.verdict] = counts.get(admission.verdict, 0) + 1
        item.verdict_counts = counts
    return render(request, "tasks/request_list.html", {"page": page})


@login_required
@permission_required("tasks.view_taskrequest", raise_exception=True)
def request_detail(request, pk):
    sent = get_object_or_404(selectors.task_requests(request.user), pk=pk)
    rows = []
    for admission in sent.admissions.select_related("unit", "decided_by__person__unit").order_by("unit__path"):
        admission.check_rows = _checks_display(admission.checks)
        rows.append(admission)
    tasks = selectors.tasks(request.user).filter(request=sent, parent=None)
    return render(
        request,
        "tasks/request_detail.html",
        {
            "sent": sent,
            "admissions": rows,
            "tasks": tasks,
            "reason_form": forms.ReasonForm(),
            "may_appeal": request.user.has_perm("tasks.appeal_admission"),
            "may_decide": request.user.has_perm("tasks.decide_admission"),
            "materials": [_(rules.TRACE_MATERIALS.get(key, key)) for key in sent.trace_materials],
        },
    )


@login_required
@permission_required("tasks.appeal_admission", raise_exception=True)
@require_POST
def admission_appeal(request, pk):
    admission = get_object_or_404(selectors.admissions(request.user), pk=pk)
    try:
        services.admission_appeal(user=request.user, admission=admission, reason=request.POST.get("reason", ""))
        messages.success(request, _("The appeal was sent to the burden-reduction office."))
    except ValidationError as error:
        messages.error(request, " ".join(error_texts(error)))
    return redirect("tasks:request_detail", pk=admission.request_id)


# -- 减负办 -----------------------------------------------------------------------------------------------
QUEUE_PAGE_SIZE = 20


@login_required
@permission_required("tasks.decide_admission", raise_exception=True)
def queue(request):
    requester = request.GET.get("requester", "")
    text = request.GET.get("q", "").strip()[:100]
    waiting = selectors.approval_queue(
        request.user, requester_id=int(requester) if requester.isdigit() else None, text=text
    )
    page = paginate(request, waiting, QUEUE_PAGE_SIZE)
    for admission in page:
        admission.check_rows = _checks_display(admission.checks)
    return render(
        request,
        "tasks/queue.html",
        {
            "page": page,
            "requesters": selectors.approval_queue_requesters(request.user),
            "requester": requester,
            "text": text,
            "query": urlencode({key: value for key, value in (("requester", requester), ("q", text)) if value}),
        },
    )


@login_required
@permission_required("tasks.decide_admission", raise_exception=True)
@require_POST
def admission_decide(request, pk):
    admission = get_object_or_404(selectors.admissions(request.user), pk=pk)
    try:
        decided = services.admission_decide(
            user=request.user,
            admission=admission,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
        done = {
            Admission.Verdict.ADMITTED: _("Approved: “%(title)s” reaches %(unit)s."),
            Admission.Verdict.RETURNED: _("Returned: “%(title)s” does not reach %(unit)s."),
            Admission.Verdict.NARROWED: _("Removed %(unit)s from the targets of “%(title)s”."),
        }[decided.verdict]
        messages.success(request, done % {"title": decided.request.title, "unit": decided.unit.name})
    except ValidationError as error:
        messages.error(request, " ".join(error_texts(error)))
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/tasks/") else "tasks:queue")


@login_required
@permission_required("tasks.decide_admission", raise_exception=True)
def overview(request):
    year = year_param(request, None)  # none: every year
    data = selectors.admission_overview(request.user, year)
    reasons = [
        {"rule": _(rules.RULE_LABELS.get(rule, rule)), "cause": _(rules.CODE_LABELS.get(code, "—")), "count": count}
        for (rule, code), count in data["reasons"]
    ]
    verdicts = [(Admission.Verdict(verdict).label, verdict, count) for verdict, count in data["by_verdict"].items()]
    shown = data["departments"][:20][::-1]  # the first twenty, the first at the top
    returned = chart(
        "bar",
        [row["name"] for row in shown],
        series(_("returned share"), [row["returned_share"] for row in shown]),
        horizontal=True,
        value_max=1,
    )
    return render(
        request,
        "tasks/overview.html",
        {
            "verdicts": verdicts,
            "reasons": reasons,
            "departments": data["departments"],
            "returned_chart": returned,
            "year": year,
        },
    )


# -- towns, villages and people ---------------------------------------------------------------------------
@login_required
@permission_required("tasks.split_task", raise_exception=True)
def inbox(request):
    status = request.GET.get("status", "open")
    tasks = selectors.inbox(request.user)
    if status == "open":
        tasks = tasks.filter(status__in=(Task.Status.OPEN, Task.Status.IN_PROGRESS, Task.Status.SENT_BACK))
    elif status in Task.Status.values:
        tasks = tasks.filter(status=status)
    page = paginate(request, tasks.order_by("deadline", "id"), 30)
    return render(
        request,
        "tasks/inbox.html",
        {"page": page, "status": status, "statuses": Task.Status.choices, "now": timezone.now()},
    )


@login_required
@permission_required("tasks.add_progresspost", raise_exception=True)
def mine(request):
    assignments = selectors.my_assignments(request.user).order_by("status", "deadline")
    reminders = selectors.reminders(request.user)[:20]
    return render(
        request, "tasks/mine.html", {"assignments": assignments, "reminders": reminders, "now": timezone.now()}
    )


@login_required
@permission_required("tasks.view_task", raise_exception=True)
def task_detail(request, pk):
    task = get_object_or_404(selectors.tasks(request.user), pk=pk)
    user = request.user
    may_split = user.has_perm("tasks.split_task") and unit_in_scope(user, "tasks.split_task", task.unit)
    split_form = forward_form = None
    if may_split and task.is_open:
        split_form = forms.SplitForm()
        split_form.fields["person"].choices = _people_choices(task.unit)
        if task.unit.kind in ("town", "street"):
            forward_form = forms.ForwardForm()
            forward_form.fields["unit"].choices = _village_choices(task.unit)
    posts = list(selectors.progress_posts(user).filter(task=task))
    shown = actors.names(post.author for post in posts)
    for post in posts:
        post.author._shown_name = shown[post.author_id]
    assignments = list(task.assignments.select_related("person"))
    parts = list(task.parts.select_related("unit"))
    timeline = _timeline(task, assignments, parts, posts)
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "assignments": assignments,
            "parts": parts,
            "posts": posts,
            "timeline": timeline,
            "split_form": split_form,
            "forward_form": forward_form,
            "progress_form": forms.ProgressForm() if task.is_open and user.has_perm("tasks.add_progresspost") else None,
            "may_review": user.has_perm("tasks.review_task")
            and task.status == Task.Status.DONE
            and task.parent_id is None
            and unit_in_scope(user, "tasks.review_task", task.request.requester_unit),
            "may_done": may_split and task.is_open,
            "reason_form": forms.ReasonForm(),
            "max_size": format_size(int(parameters.get("tasks.max_evidence_bytes"))),
        },
    )


def _timeline(task, assignments, parts, posts):
    events = [(task.created_at, _("Admitted and received by %(unit)s") % {"unit": task.unit.name})]
    for assignment in assignments:
        events.append(
            (
                assignment.created_at,
                _("Assigned to %(person)s, due %(deadline)s")
                % {
                    "person": assignment.person.name,
                    "deadline": timezone.localtime(assignment.deadline).strftime("%Y-%m-%d %H:%M"),
                },
            )
        )
        if assignment.done_at:
            events.append(
                (assignment.done_at, _("%(person)s marked their part done") % {"person": assignment.person.name})
            )
    for part in parts:
        events.append((part.created_at, _("Part forwarded to %(unit)s") % {"unit": part.unit.name}))
    for post in posts:
        events.append(
            (
                post.created_at,
                _("Progress by %(user)s: %(text)s") % {"user": actors.name(post.author), "text": post.text[:80]},
            )
        )
    if task.done_at:
        events.append((task.done_at, _("Marked done")))
    if task.reviewed_at:
        label = (
            _("Accepted")
            if task.status == Task.Status.ACCEPTED
            else _("Sent back: %(reason)s") % {"reason": task.review_reason}
        )
        events.append((task.reviewed_at, label))
    for reminder in task.reminders.all():
        events.append((reminder.sent_at, reminder.message))
    return sorted(events, key=lambda event: event[0])


def _people_choices(unit):
    people = (
        Person.objects.filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("unit__path", "name")[:300]
    )
    return [(person.pk, f"{person.name}（{person.unit.name}）") for person in people]


def _village_choices(unit):
    return [
        (village.pk, village.name)
        for village in Unit.objects.filter(path__startswith=unit.path, kind__in=services.VILLAGE_KINDS).order_by("path")
    ]


def _post_action(request, pk, action):
    task = get_object_or_404(selectors.tasks(request.user), pk=pk)
    try:
        action(task)
    except ValidationError as error:
        messages.error(request, " ".join(error_texts(error)))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You do not have permission to do this."))
        raise
    return redirect("tasks:task_detail", pk=task.pk)


@login_required
@require_POST
def task_split(request, pk):
    def act(task):
        services.task_split(
            user=request.user,
            task=task,
            person=request.POST.get("person"),
            part=request.POST.get("part", ""),
            deadline=_parse_datetime(request.POST.get("deadline", "")),
        )
        messages.success(request, _("Assigned."))

    return _post_action(request, pk, act)


@login_required
@require_POST
def task_forward(request, pk):
    def act(task):
        services.task_forward(
            user=request.user,
            task=task,
            unit=request.POST.get("unit"),
            part=request.POST.get("part", ""),
            deadline=_parse_datetime(request.POST.get("deadline", "")),
        )
        messages.success(request, _("Forwarded."))

    return _post_action(request, pk, act)


@login_required
@require_POST
def task_progress(request, pk):
    def act(task):
        services.progress_post(
            user=request.user,
            task=task,
            text=request.POST.get("text", ""),
            uploads=request.FILES.getlist("files"),
            mark_done=bool(request.POST.get("mark_done")),
        )
        messages.success(request, _("Progress posted."))

    return _post_action(request, pk, act)


@login_required
@require_POST
def task_done(request, pk):
    def act(task):
        services.task_done(user=request.user, task=task)
        messages.success(request, _("Marked done."))

    return _post_action(request, pk, act)


@login_required
@require_POST
def task_review(request, pk):
    def act(task):
        accept = request.POST.get("decision") == "accept"
        services.task_review(user=request.user, task=task, accept=accept, reason=request.POST.get("reason", ""))
        messages.success(request, _("Accepted.") if accept else _("Sent back."))

    return _post_action(request, pk, act)


@login_required
@permission_required("tasks.view_evidence", raise_exception=True)
def evidence_download(request, pk):
    item = get_object_or_404(selectors.evidence(request.user), pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=item.content_type)


@login_required
@permission_required("tasks.view_registryentry", raise_exception=True)
def registry(request):
    form = forms.RegistryForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if request.POST.get("delete"):
            entry = get_object_or_404(selectors.registry(request.user), pk=request.POST["delete"])
            services.registry_entry_delete(user=request.user, entry=entry)
            messages.success(request, _("Removed from the registry."))
            return redirect("tasks:registry")
        if form.is_valid():
            try:
                services.registry_entry_add(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("Added to the registry."))
                return redirect("tasks:registry")
    year = year_param(request, timezone.localdate().year)
    return render(
        request,
        "tasks/registry.html",
        {
            "year": year,
            "by_unit": selectors.letters_and_vetoes(request.user, year),
            "entries": selectors.registry(request.user),
            "form": form,
            "may_edit": request.user.has_perm("tasks.add_registryentry"),
        },
    )
