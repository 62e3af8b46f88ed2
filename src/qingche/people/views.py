"""Pages of care: my leave and health check (front-line, on a phone), the town's leave plan and health-check
coverage, talks and overload flags (organisation department and town leaders). Thin: forms validate,
services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import parameters
from qingche.core.forms import error_texts, form_errors
from qingche.core.pagination import paginate
from qingche.core.scope import user_person_id
from qingche.people import forms, selectors, selectors_training, services


def _year(request) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@login_required
@permission_required("people.add_leaverequest", raise_exception=True)
def mine(request):
    person = selectors.people(request.user).filter(pk=user_person_id(request.user)).first()
    if person is None:  # e.g. an administrator's account: no person, no leave of one's own
        return render(request, "people/mine.html", {"person": None})
    today = timezone.localdate()
    leave_form, check_form = forms.LeaveForm(prefix="leave"), forms.HealthCheckForm(prefix="check")
    if request.method == "POST":
        if "leave-start" in request.POST:
            leave_form = forms.LeaveForm(request.POST, prefix="leave")
            if leave_form.is_valid():
                try:
                    services.leave_request_submit(user=request.user, person=person, **leave_form.cleaned_data)
                    messages.success(request, _("Leave requested: your unit will decide."))
                    return redirect("people:mine")
                except ValidationError as error:
                    form_errors(leave_form, error)
        else:
            check_form = forms.HealthCheckForm(request.POST, prefix="check")
            if check_form.is_valid():
                try:
                    services.health_check_record(user=request.user, person=person, **check_form.cleaned_data)
                    messages.success(request, _("Health check saved."))
                    return redirect("people:mine")
                except ValidationError as error:
                    form_errors(check_form, error)
    return render(
        request,
        "people/mine.html",
        {
            "person": person,
            "year": today.year,
            "balance": selectors.leave_balance(person, today.year),
            "requests": selectors.leave_requests(request.user).filter(person=person, year=today.year),
            "check": selectors.health_checks(request.user).filter(person=person, year=today.year).first(),
            "talks": selectors.talks(request.user).filter(person=person)[:10],
            "rest": selectors_training.rest_balance(person, today.year),
            "leave_form": leave_form,
            "check_form": check_form,
        },
    )


@login_required
@permission_required("people.decide_leaverequest", raise_exception=True)
def leave_plan(request):
    year, today = _year(request), timezone.localdate()
    unused_only = request.GET.get("filter") == "unused"
    pending = selectors.leave_requests(request.user).filter(status="requested").order_by("start")
    return render(
        request,
        "people/leave_plan.html",
        {
            "year": year,
            "unused_only": unused_only,
            "query": f"year={year}" + ("&filter=unused" if unused_only else ""),
            "from_month": parameters.get("people.leave_unused_from_month"),
            "pending": pending,
            "page": paginate(request, selectors.leave_plan(request.user, year, today, unused_only=unused_only)),
        },
    )


@login_required
@permission_required("people.decide_leaverequest", raise_exception=True)
def leave_decide(request, pk: int):
    leave = get_object_or_404(selectors.leave_requests(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.leave_request_decide(
                user=request.user,
                leave=leave,
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Decision saved."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(
                request, "；".join(error_texts(error) if isinstance(error, ValidationError) else [str(error)])
            )
    return redirect("people:leave_plan")


@login_required
@permission_required("people.decide_leaverequest", raise_exception=True)
def leave_for_person(request, person_id: int):
    person = get_object_or_404(selectors.people(request.user), pk=person_id)
    title = _("Leave for %(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}
    form = forms.LeaveForm(request.POST or None)
    return _person_form(request, person, form, services.leave_request_submit, title, "people:leave_plan")


def _person_form(request, person, form, service, title, done_url, **extra):
    """A one-form page for a person in scope: the service writes, its refusal is shown on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            service(user=request.user, person=person, **form.cleaned_data, **extra)
            messages.success(request, _("Saved."))
            return redirect(done_url)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(request, "core/form.html", {"form": form, "title": title})


@login_required
@permission_required("people.change_workstart", raise_exception=True)
def work_start_edit(request, person_id: int):
    person = get_object_or_404(selectors.people(request.user), pk=person_id)
    current = selectors.work_starts(request.user).filter(person=person).first()
    form = forms.WorkStartForm(request.POST or None, initial={"started_on": current and current.started_on})
    title = _("Start of work of %(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}
    return _person_form(request, person, form, services.work_start_set, title, "people:leave_plan")


@login_required
@permission_required("people.change_workstart", raise_exception=True)
def health_for_person(request, person_id: int):
    person = get_object_or_404(selectors.people(request.user), pk=person_id)
    form = forms.HealthCheckForm(request.POST or None, initial={"date": timezone.localdate()})
    title = _("Health check of %(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}
    return _person_form(request, person, form, services.health_check_record, title, "people:health")


@login_required
@permission_required("people.change_workstart", raise_exception=True)
def health(request):
    year = _year(request)
    return render(
        request,
        "people/health.html",
        {
            "year": year,
            "coverage": selectors.health_coverage(request.user, year),
            "page": paginate(request, selectors.health_unchecked(request.user, year)),
        },
    )


@login_required
@permission_required("people.add_talk", raise_exception=True)
def talks(request):
    today = timezone.localdate()
    return render(
        request,
        "people/talks.html",
        {
            "flags": paginate(
                request, selectors.overload_flags(request.user).filter(closed_by__isnull=True), param="flags_page"
            ),
            "overload_months": parameters.get("people.overload_months"),
            "red_line": selectors.red_line(),
            "talk_months": parameters.get("people.talk_months"),
            "recent": selectors.talks(request.user)[:20],
            "page": paginate(request, selectors.talks_overdue(request.user, today)),
        },
    )


@login_required
@permission_required("people.add_talk", raise_exception=True)
def talk_new(request, person_id: int):
    person = get_object_or_404(selectors.people(request.user), pk=person_id)
    form = forms.TalkForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            talk = services.talk_record(user=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("Talk recorded."))
            return redirect("people:talk_detail", talk.pk)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    title = _("Talk with %(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}
    return render(request, "core/form.html", {"form": form, "title": title})


@login_required
@permission_required("people.view_talk", raise_exception=True)
def talk_detail(request, pk: int):
    talk = get_object_or_404(selectors.talks(request.user), pk=pk)
    note = selectors.talk_notes(request.user).filter(talk=talk).first()
    return render(request, "people/talk_detail.html", {"talk": talk, "note": note})
