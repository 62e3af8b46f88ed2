"""Pages of accountability: the case list of 纪检/组织部 (filters, Excel), opening a case, the case page (where
the duty lies, the mainly responsible unit, the people concerned and their determinations) and "my record" for
the person concerned. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.accountability import forms, rules, selectors, services
from qingche.accountability.models import Case, Outcome
from qingche.core.excel import xlsx_response
from qingche.core.forms import form_errors
from qingche.core.pagination import paginate
from qingche.org.models import Unit


def _refusal(error) -> ValidationError:
    return error if isinstance(error, ValidationError) else ValidationError(str(error))


@login_required
@permission_required("accountability.add_case", raise_exception=True)
def cases(request):
    status, outcome, query = request.GET.get("status", ""), request.GET.get("outcome", ""), request.GET.get("q", "")
    rows = selectors.case_list(request.user, status=status, outcome=outcome, query=query.strip()[:50])
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            "accountability-cases.xlsx",
            [
                _("opened on"),
                _("title"),
                _("unit concerned"),
                _("source"),
                _("status"),
                _("red flag"),
                _("lead department"),
                _("mainly responsible unit"),
                _("people concerned"),
            ],
            (
                [
                    case.opened_on,
                    case.title,
                    case.unit.name,
                    case.get_source_display(),
                    case.get_status_display(),
                    _("yes") if case.duty_flag else "",
                    case.lead_unit.name if case.lead_unit_id else "",
                    case.responsible_unit.name if case.responsible_unit_id else "",
                    case.people_count,
                ]
                for case in rows
            ),
        )
    return render(
        request,
        "accountability/cases.html",
        {
            "page": paginate(request, rows),
            "status": status,
            "outcome": outcome,
            "q": query,
            "statuses": Case.Status.choices,
            "outcomes": Outcome.choices,
            "query": urlencode({"status": status, "outcome": outcome, "q": query}),
        },
    )


@login_required
@permission_required("accountability.add_case", raise_exception=True)
def case_new(request):
    form = forms.CaseForm(
        request.POST or None, units=selectors.units_for_cases(request.user), initial={"opened_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(user=request.user, **form.cleaned_data)
            messages.success(request, _("Case opened: now choose the duty items it involves."))
            return redirect("accountability:case", case.pk)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, _refusal(error))
    return render(request, "core/form.html", {"form": form, "title": _("Open an accountability case")})


@login_required
@permission_required("accountability.view_case", raise_exception=True)
def case_detail(request, pk: int):
    case = get_object_or_404(selectors.cases(request.user), pk=pk)
    detail = selectors.case_detail(request.user, case)
    where = detail["where"]
    can_change = request.user.has_perm("accountability.change_case") and case.status == Case.Status.OPEN
    context = {"case": case, **detail, "can_change": can_change}
    if can_change:
        units = Unit.objects.filter(pk__in=[case.unit_id, *[unit_id for unit_id, _name in where.lead_units]]).order_by(
            "path"
        )
        context["items_form"] = forms.DutyItemsForm(
            items=selectors.items_for_unit(case.unit), initial={"duty_items": list(detail["items"])}
        )
        proposed = where.lead_units[0][0] if where.flag else case.unit_id
        context["responsibility_form"] = forms.ResponsibilityForm(
            units=units, initial={"responsible_unit": case.responsible_unit_id or proposed}
        )
        context["person_form"] = forms.CasePersonForm(people=selectors.people_for_case(request.user, case))
    context["distinction_labels"] = rules.DISTINCTION_LABELS
    return render(request, "accountability/case.html", context)


def _case_form_post(request, pk: int, perm: str, build, save, done: str):
    if not request.user.has_perm(perm):
        raise PermissionDenied
    case = get_object_or_404(selectors.cases(request.user), pk=pk)
    form = build(case)
    if request.method == "POST" and form.is_valid():
        try:
            save(case, form.cleaned_data)
            messages.success(request, done)
            return redirect("accountability:case", case.pk)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, _refusal(error))
    return render(request, "core/form.html", {"form": form, "title": case.title})


@login_required
def case_items(request, pk: int):
    return _case_form_post(
        request,
        pk,
        "accountability.change_case",
        lambda case: forms.DutyItemsForm(request.POST or None, items=selectors.items_for_unit(case.unit)),
        lambda case, data: services.case_duty_items_set(user=request.user, case=case, **data),
        _("Duty items saved: see where the duty lies."),
    )


@login_required
def case_responsibility(request, pk: int):
    def build(case):
        where = selectors.where_duty_lies(case)
        units = Unit.objects.filter(pk__in=[case.unit_id, *[unit_id for unit_id, _name in where.lead_units]])
        return forms.ResponsibilityForm(request.POST or None, units=units)

    return _case_form_post(
        request,
        pk,
        "accountability.change_case",
        build,
        lambda case, data: services.case_assign_responsibility(user=request.user, case=case, **data),
        _("Mainly responsible unit saved."),
    )


@login_required
def case_person_new(request, pk: int):
    return _case_form_post(
        request,
        pk,
        "accountability.add_caseperson",
        lambda case: forms.CasePersonForm(request.POST or None, people=selectors.people_for_case(request.user, case)),
        lambda case, data: services.case_person_add(user=request.user, case=case, **data),
        _("Person added to the case."),
    )


@login_required
@permission_required("accountability.determine_case", raise_exception=True)
def determination_new(request, pk: int):
    case_person = get_object_or_404(selectors.case_people(request.user), pk=pk)
    form = forms.DeterminationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.determination_record(user=request.user, case_person=case_person, **form.service_arguments())
            messages.success(request, _("Determination saved."))
            return redirect("accountability:case", case_person.case_id)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, _refusal(error))
    title = _("Determination for %(name)s（%(unit)s）") % {
        "name": case_person.person.name,
        "unit": case_person.person.unit.name,
    }
    return render(request, "core/form.html", {"form": form, "title": title})


@login_required
@permission_required("accountability.view_case", raise_exception=True)
def mine(request):
    return render(request, "accountability/mine.html", selectors.my_record(request.user))
