"""Pages of the burden module. Thin: reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from qingche.burden import forms, rules, selectors, services, sources
from qingche.burden.models import Approval, CatalogField, OvertimeEntry, StaffingRequest
from qingche.core import parameters, periods, ratelimit
from qingche.core.charts import chart, series
from qingche.core.forms import error_texts, form_errors
from qingche.core.middleware import client_ip
from qingche.core.pagination import paginate
from qingche.core.periods import month_param, year_param
from qingche.core.scope import acting_q, user_person_id
from qingche.org.models import Unit


def _period(request) -> rules.Period:
    """The month asked for (?month=YYYY-MM), or else the latest complete month with load recorded."""
    month = month_param(request, selectors.default_month())
    return rules.Period.month(month.year, month.month)


def _months(period: rules.Period) -> list:
    """The months the period picker offers."""
    return periods.month_choices(selectors.months_with_data(), period.first)


def _year(request) -> int:
    """The year asked for (?year=), or else the year of the latest complete month with load recorded."""
    return year_param(request, selectors.default_month().year)


def _create_page(request, form, title, save, success_url):
    """Shared create flow: parse the form, call the service, show its errors in place."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not do this."))
        else:
            messages.success(request, _("Saved."))
            return redirect(success_url)
    return render(request, "core/form.html", {"form": form, "title": title}, status=400 if form.errors else 200)


# -- dashboard, index, ranking ---------------------------------------------------------------------------
@login_required
@permission_required("burden.view_loadrollup", raise_exception=True)
def dashboard(request):
    """The county figures of a year, with the index of one month of it (?month=, or ?year= for the latest
    month with data in that year; by default the latest complete month with data)."""
    if "month" not in request.GET and "year" in request.GET:
        month = selectors.default_month(year_param(request, timezone.localdate().year))
    else:
        month = month_param(request, selectors.default_month())
    year = month.year
    data = selectors.dashboard(request.user, year, month)
    counts = data["counts"]
    this, last = counts[year]["monthly"], counts[year - 1]["monthly"]

    def monthly(figures, metric):
        return figures.get(metric, [0] * 12)

    months = [f"{month}" for month in range(1, 13)]
    labels = data["source_labels"]
    charts = {
        "towns": chart(
            "bar",
            [row["name"] for row in data["towns"]],
            series(_("index"), [row["value"] for row in data["towns"]]),
            horizontal=True,
            mark=data["red_line"],
        ),
        "sources": chart(
            "bar",
            months,
            *(series(labels.get(name, name), values, stack="load") for name, values in data["by_source"].items()),
        ),
        "inspections": chart(
            "bar",
            months,
            series(_("planned"), monthly(this, "inspections_planned"), stack="inspections"),
            series(_("unplanned"), monthly(this, "inspections_unplanned"), stack="inspections"),
        ),
        "meetings": chart(
            "line",
            months,
            series(_("meetings"), monthly(this, "meetings")),
            series(_("meetings (last year)"), monthly(last, "meetings"), dashed=True),
            series(_("documents"), monthly(this, "documents")),
            series(_("documents (last year)"), monthly(last, "documents"), dashed=True),
        ),
        "forms": chart(
            "bar",
            months,
            series(_("fields"), monthly(this, "form_fields")),
            series(_("reused from the catalog"), monthly(this, "form_fields_reused")),
            series(_("forms"), monthly(this, "forms"), kind="line"),
        ),
    }
    return render(
        request,
        "burden/dashboard.html",
        {
            "data": data,
            "months": periods.month_choices(selectors.months_with_data(), month),
            "charts": charts,
            "year": year,
            "totals": counts[year]["totals"],
            "last_totals": counts[year - 1]["totals"],
        },
    )


@login_required
@permission_required("burden.view_loadrollup", raise_exception=True)
def unit_index(request, pk):
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    period = _period(request)
    data = selectors.unit_page(request.user, unit, period)
    people = selectors.unit_people(request.user, unit, period)
    trend = chart(
        "line",
        [row["month"] for row in data["trend"]],
        series(_("index"), [row["value"] for row in data["trend"]]),
        series(_("imposed share"), [row["imposed_share"] for row in data["trend"]], dashed=True),
    )
    return render(
        request,
        "burden/unit_index.html",
        {
            "unit": unit,
            "period": period,
            "months": _months(period),
            "data": data,
            "people": people,
            "trend_chart": trend,
        },
    )


@login_required
@permission_required("burden.view_person_index", raise_exception=True)
def person_index(request, pk):
    """A person's index in one of the units they were in post in (?unit=, by default the one with the most
    working days), for a month (?month=, by default the latest complete month with load recorded)."""
    person = get_object_or_404(selectors.people_for_index(request.user).select_related("unit"), pk=pk)
    period = _period(request)
    units = selectors.person_units(request.user, person, period)
    wanted = request.GET.get("unit", "")
    if wanted:
        chosen = next((row for row in units if str(row["unit"].pk) == wanted), None)
    else:
        chosen = units[0] if units else None
    if chosen is None:
        raise Http404
    unit = chosen["unit"]
    data = selectors.person_page(request.user, person, unit, period)
    unit_link = (
        request.user.has_perm("burden.view_loadrollup")
        and Unit.objects.visible_to(request.user).filter(pk=unit.pk).exists()
    )
    return render(
        request,
        "burden/unit_person.html",
        {
            "person": person,
            "unit": unit,
            "units": units,
            "period": period,
            "months": _months(period),
            "data": data,
            "unit_link": unit_link,
            "is_me": user_person_id(request.user) == person.pk,
        },
    )


@login_required
@permission_required("burden.view_person_index", raise_exception=True)
def my_index(request):
    """The entry point of one's own index (front-line staff and everyone with a person record)."""
    person_id = user_person_id(request.user)
    if person_id is None:
        return render(request, "burden/unit_person_missing.html")
    url = reverse("burden:person_index", args=[person_id])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@login_required
@permission_required("burden.view_loadrollup", raise_exception=True)
def ranking(request):
    period = _period(request)
    return render(
        request,
        "burden/ranking.html",
        {
            "rows": selectors.ranking(request.user, period),
            "period": period,
            "months": _months(period),
            "red_line": selectors.red_line(),
            "missing_sources": sources.missing(),
        },
    )


@login_required
@permission_required("burden.change_burdenalert", raise_exception=True)
def index_settings(request):
    registered = sources.registered()
    current = selectors.weights()
    form = forms.SettingsForm(
        request.POST or None,
        source_names=[(n, s.label) for n, s in registered.items()],
        initial={"red_line": selectors.red_line(), **{f"weight_{name}": weight for name, weight in current.items()}},
    )

    def save(data):
        services.index_settings_save(
            user=request.user, red_line=data["red_line"], weights={name: data[f"weight_{name}"] for name in registered}
        )

    response = _create_page(request, form, _("Burden index settings"), save, "burden:settings")
    return response


@login_required
@permission_required("burden.view_burdenalert", raise_exception=True)
def alert_list(request):
    if request.method == "POST":
        alert = get_object_or_404(selectors.alerts(request.user), pk=request.POST.get("alert"))
        try:
            services.alert_acknowledge(user=request.user, alert=alert, note=request.POST.get("note", ""))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        return redirect("burden:alert_list")
    return render(request, "burden/alert_list.html", {"page": paginate(request, selectors.alerts(request.user))})


# -- inspections -------------------------------------------------------------------------------------------
@login_required
@permission_required("burden.view_inspection", raise_exception=True)
def inspection_list(request):
    year = _year(request)
    rows = selectors.inspections(request.user).filter(date__year=year)
    if request.GET.get("filter") == "pending":
        rows = rows.filter(approval=Approval.PENDING)
    elif request.GET.get("filter") == "merge":
        rows = rows.filter(merge_with__isnull=False)
    elif request.GET.get("filter") == "refused_held":
        rows = rows & selectors.held_despite_refusal(request.user)
    return render(
        request,
        "burden/inspection_list.html",
        {
            "page": paginate(request, rows),
            "year": year,
            "plan": selectors.plan_progress(request.user, year),
            "filter": request.GET.get("filter", ""),
        },
    )


@login_required
def inspection_new(request):
    form = forms.InspectionForm(request.POST or None, user=request.user)

    def save(data):
        services.inspection_create(user=request.user, **data)

    return _create_page(request, form, _("Record an inspection"), save, "burden:inspection_list")


@login_required
def plan_item_new(request):
    form = forms.PlanItemForm(request.POST or None, user=request.user, initial={"year": timezone.localdate().year})

    def save(data):
        services.plan_item_create(user=request.user, **data)

    return _create_page(request, form, _("Add an item to the inspection plan"), save, "burden:inspection_list")


@login_required
@permission_required("burden.view_inspection", raise_exception=True)
def inspection_detail(request, pk):
    inspection = get_object_or_404(selectors.inspections(request.user), pk=pk)
    hours_form = forms.InspectionHoursForm(
        request.POST if request.POST.get("action") == "hours" else None,
        initial={"preparation_hours": inspection.preparation_hours, "reception_hours": inspection.reception_hours},
    )
    decision_form = forms.DecisionForm(request.POST if request.POST.get("action") in ("approve", "refuse") else None)
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "hours" and hours_form.is_valid():
                services.inspection_set_hours(user=request.user, inspection=inspection, **hours_form.cleaned_data)
            elif action in ("approve", "refuse") and decision_form.is_valid():
                services.inspection_decide(
                    user=request.user,
                    inspection=inspection,
                    approve=action == "approve",
                    note=decision_form.cleaned_data["note"],
                )
            else:
                raise ValidationError(_("Check the form."))
        except ValidationError as error:
            form_errors(hours_form if request.POST.get("action") == "hours" else decision_form, error)
        except PermissionDenied as error:
            messages.error(request, str(error) or _("You may not do this."))
        else:
            messages.success(request, _("Saved."))
            return redirect("burden:inspection_detail", pk=pk)
    return render(
        request,
        "burden/inspection_detail.html",
        {
            "inspection": inspection,
            "hours_form": hours_form,
            "decision_form": decision_form,
            "can_approve": request.user.has_perm("burden.approve_inspection"),
        },
        status=400 if hours_form.errors or decision_form.errors else 200,
    )


# -- meetings, documents, apps --------------------------------------------------------------------------------
@login_required
@permission_required("burden.view_meeting", raise_exception=True)
def meeting_list(request):
    year = _year(request)
    if request.method == "POST":
        meeting = get_object_or_404(selectors.meetings(request.user), pk=request.POST.get("meeting"))
        try:
            services.meeting_decide(
                user=request.user,
                meeting=meeting,
                approve=request.POST.get("action") == "approve",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Saved."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        return redirect("burden:meeting_list")
    rows = selectors.meetings(request.user).filter(start__year=year)
    return render(
        request,
        "burden/meeting_list.html",
        {
            "page": paginate(request, rows),
            "year": year,
            "by_organiser": selectors.meeting_counts_by_organiser(request.user, year),
            "speech_cap": parameters.get("burden.speech_cap_minutes"),
            "can_approve": request.user.has_perm("burden.approve_meeting"),
        },
    )


@login_required
def meeting_new(request):
    form = forms.MeetingForm(request.POST or None, user=request.user)

    def save(data):
        services.meeting_create(
            user=request.user,
            organiser=data["issuer"],
            title=data["title"],
            level=data["level"],
            start=data["start"],
            end=data["end"],
            speech_minutes=data["speech_minutes"],
            with_group_discussion=data["with_group_discussion"],
            reaches_grassroots=data["reaches_grassroots"],
            attendances=[(unit, data["attendees"]) for unit in data["targets"]],
        )

    return _create_page(request, form, _("Record a meeting"), save, "burden:meeting_list")


@login_required
@permission_required("burden.view_document", raise_exception=True)
def document_list(request):
    year = _year(request)
    if request.method == "POST":
        issuer = get_object_or_404(Unit, pk=request.POST.get("issuer") or 0)
        try:
            services.document_explain(user=request.user, issuer=issuer, year=year, text=request.POST.get("text", ""))
            messages.success(request, _("Explanation saved."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(
                request, "；".join(error_texts(error) if isinstance(error, ValidationError) else [str(error)])
            )
        return redirect(f"{request.path}?year={year}")
    rows = selectors.documents(request.user).filter(issued_on__year=year)
    return render(
        request,
        "burden/document_list.html",
        {
            "page": paginate(request, rows),
            "year": year,
            "by_issuer": selectors.document_counts_by_issuer(request.user, year),
            "may_explain": set(
                Unit.objects.filter(acting_q(request.user, "burden.add_document")).values_list("pk", flat=True)
            ),
            "cap": parameters.get("burden.document_cap_chars"),
            "special_cap": parameters.get("burden.document_cap_special_chars"),
        },
    )


@login_required
def document_new(request):
    form = forms.DocumentForm(request.POST or None, user=request.user)

    def save(data):
        services.document_create(user=request.user, **data)

    return _create_page(request, form, _("Record a document"), save, "burden:document_list")


@login_required
@permission_required("burden.view_requiredapp", raise_exception=True)
def app_list(request):
    return render(request, "burden/app_list.html", {"page": paginate(request, selectors.apps(request.user))})


@login_required
def app_new(request):
    form = forms.AppForm(request.POST or None, user=request.user)

    def save(data):
        services.app_create(user=request.user, **data)

    return _create_page(request, form, _("Record a required app or work group"), save, "burden:app_list")


# -- overtime ---------------------------------------------------------------------------------------------
@login_required
@permission_required("burden.view_overtimeentry", raise_exception=True)
def overtime_list(request):
    if request.method == "POST":
        entry = get_object_or_404(selectors.overtime(request.user), pk=request.POST.get("entry"))
        try:
            services.overtime_decide(user=request.user, entry=entry, confirm=request.POST.get("action") == "confirm")
            messages.success(request, _("Saved."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        return redirect("burden:overtime_list")
    return render(
        request,
        "burden/overtime_list.html",
        {
            "page": paginate(request, selectors.overtime(request.user)),
            "can_confirm": request.user.has_perm("burden.confirm_overtimeentry"),
            "reported": OvertimeEntry.Status.REPORTED,
        },
    )


@login_required
def overtime_new(request):
    form = forms.OvertimeForm(request.POST or None)

    def save(data):
        services.overtime_report(user=request.user, **data)

    return _create_page(request, form, _("Log overtime"), save, "burden:overtime_list")


# -- 一表通 --------------------------------------------------------------------------------------------------
@login_required
@permission_required("burden.view_catalogfield", raise_exception=True)
def catalog_list(request):
    query = request.GET.get("q", "").strip()
    rows = selectors.catalog(request.user)
    if query:
        rows = rows.filter(name__icontains=query)
    return render(
        request,
        "burden/catalog_list.html",
        {"page": paginate(request, rows, 100), "query": query, "fillers": sources.fillers()},
    )


@login_required
def catalog_new(request):
    form = forms.CatalogFieldForm(request.POST or None, user=request.user)

    def save(data):
        services.catalog_field_create(user=request.user, **data)

    return _create_page(request, form, _("Add a catalog field"), save, "burden:catalog_list")


@login_required
@permission_required("burden.view_reportform", raise_exception=True)
def form_list(request):
    return render(
        request,
        "burden/form_list.html",
        {
            "page": paginate(request, selectors.report_forms(request.user)),
            "to_fill": selectors.forms_to_fill(request.user)[:50]
            if request.user.has_perm("burden.add_formfill")
            else [],
            "can_create": request.user.has_perm("burden.add_reportform"),
        },
    )


def _editor_fields(data) -> tuple[list[int], list[str]]:
    catalog_ids = []
    for value in data.getlist("catalog"):
        try:
            catalog_ids.append(int(value))
        except ValueError:
            catalog_ids.append(value)
    new_labels = [line.strip() for line in data.get("new_fields", "").splitlines() if line.strip()]
    return catalog_ids, new_labels


@login_required
@permission_required("burden.add_reportform", raise_exception=True)
def form_new(request):
    form = forms.ReportFormForm(request.POST or None, user=request.user, initial={"sent_on": timezone.localdate()})
    catalog_ids, new_labels = _editor_fields(request.POST) if request.method == "POST" else ([], [])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = [{"catalog_field": pk} for pk in catalog_ids] + [{"label": label} for label in new_labels]
        try:
            created = services.report_form_create(
                user=request.user,
                issuer=data["issuer"],
                title=data["title"],
                sent_on=data["sent_on"],
                due_on=data["due_on"],
                targets=data["targets"],
                fields=fields,
            )
        except ValidationError as error:
            form_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The form was sent."))
            return redirect("burden:form_detail", pk=created.pk)
    valid_ids = [pk for pk in catalog_ids if isinstance(pk, int)]
    return render(
        request,
        "burden/form_editor.html",
        {
            "form": form,
            "catalog": CatalogField.objects.filter(is_active=True).select_related("owner"),
            "chosen": set(valid_ids),
            "new_fields": "\n".join(new_labels),
            "preview": selectors.form_preview(valid_ids, new_labels),
        },
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("burden.add_reportform", raise_exception=True)
def form_preview(request):
    catalog_ids, new_labels = _editor_fields(request.POST if request.method == "POST" else request.GET)
    preview = selectors.form_preview([pk for pk in catalog_ids if isinstance(pk, int)], new_labels)
    return render(request, "burden/_form_preview.html", {"preview": preview})


@login_required
@permission_required("burden.view_reportform", raise_exception=True)
def form_detail(request, pk):
    report_form = get_object_or_404(selectors.report_forms(request.user), pk=pk)
    fills = selectors.form_fills(request.user).filter(form=report_form)
    fillable = (
        selectors.units_for_user(request.user, "burden.add_formfill")
        .filter(pk__in=report_form.targets.values("pk"))
        .exclude(pk__in=fills.values("unit"))
    )
    return render(
        request,
        "burden/form_detail.html",
        {
            "report_form": report_form,
            "fields": report_form.fields.select_related("catalog_field"),
            "fills": fills,
            "targets": report_form.targets.all(),
            "fillable": fillable,
            "share": rules.reuse_share(report_form.field_count, report_form.reused_count),
        },
    )


@login_required
@permission_required("burden.add_formfill", raise_exception=True)
def form_fill(request, pk, unit_pk):
    report_form = get_object_or_404(selectors.report_forms(request.user), pk=pk)
    unit = get_object_or_404(selectors.units_for_user(request.user, "burden.add_formfill"), pk=unit_pk)
    fields = list(report_form.fields.select_related("catalog_field"))
    known = selectors.known_values(unit, [field.catalog_field for field in fields if field.catalog_field_id])
    errors = {}
    if request.method == "POST":
        values = {field.pk: request.POST.get(f"field_{field.pk}", "") for field in fields}
        try:
            services.form_fill_submit(user=request.user, form=report_form, unit=unit, values=values)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        except PermissionDenied as error:
            errors = {"__all__": [str(error)]}
        else:
            messages.success(request, _("The form was submitted."))
            return redirect("burden:form_detail", pk=pk)
    rows = []
    for field in fields:
        held = known.get(field.catalog_field_id)
        value = request.POST.get(f"field_{field.pk}") if request.method == "POST" else (held or {}).get("value", "")
        rows.append({"field": field, "held": held, "value": value or "", "errors": errors.get(f"field_{field.pk}", [])})
    return render(
        request,
        "burden/form_fill.html",
        {
            "report_form": report_form,
            "unit": unit,
            "rows": rows,
            "errors": errors.get("__all__", []) + errors.get("unit", []),
            "prefilled": sum(1 for row in rows if row["held"]),
        },
        status=400 if errors else 200,
    )


@login_required
@permission_required("burden.view_reportform", raise_exception=True)
def form_report(request):
    year = _year(request)
    return render(request, "burden/form_report.html", {"rows": selectors.form_report(request.user, year), "year": year})


# -- 直通车 (no login) ------------------------------------------------------------------------------------------
def _rate_limited(request) -> bool:
    """Per sender and for everyone together, in the cache only (core.ratelimit): nothing links a count to a
    report, and the counts expire with the window."""
    return ratelimit.over_limit(
        "burden.report",
        client_ip(request) or "",
        window=int(parameters.get("burden.report_rate_window_seconds")),
        limit=int(parameters.get("burden.report_rate_limit")),
        total_limit=int(parameters.get("burden.report_rate_limit_total")),
    )


@never_cache
def voice(request):
    form = forms.BurdenReportForm(request.POST or None)
    code = None
    status = 200
    if request.method == "POST":
        if _rate_limited(request):
            form.add_error(None, _("Too many reports have just been sent. Please try again in a few minutes."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                _report, code = services.burden_report_submit(
                    category=data["category"],
                    text=data["text"],
                    sender_unit=data["sender_unit"],
                    publication_allowed=data["publication_allowed"],
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                form = None
        if form is not None and form.errors and status == 200:
            status = 400
    return render(
        request,
        "burden/voice.html",
        {"form": form, "code": code, "max_chars": parameters.get("burden.report_max_chars")},
        status=status,
    )


@never_cache
def voice_follow(request):
    form = forms.FollowUpForm(request.POST or None)
    report = None
    searched = False
    if request.method == "POST" and form.is_valid():
        searched = True
        if _rate_limited(request):
            form.add_error(None, _("Too many attempts. Please try again in a few minutes."))
        else:
            report = selectors.report_by_code(form.cleaned_data["code"])
    return render(request, "burden/voice_follow.html", {"form": form, "report": report, "searched": searched})


def voice_answers(request):
    return render(request, "burden/voice_answers.html", {"page": paginate(request, selectors.published_answers(), 20)})


@login_required
@permission_required("burden.view_burdenreport", raise_exception=True)
def report_inbox(request):
    rows = selectors.burden_reports(request.user)
    if request.GET.get("status") in ("new", "answered"):
        rows = rows.filter(status=request.GET["status"])
    return render(request, "burden/report_inbox.html", {"page": paginate(request, rows)})


@login_required
@permission_required("burden.answer_burdenreport", raise_exception=True)
def report_answer(request, pk):
    report = get_object_or_404(selectors.burden_reports(request.user), pk=pk)
    form = forms.AnswerForm(
        request.POST or None,
        publication_allowed=report.publication_allowed,
        initial={"answer": report.answer, "publish": report.publication_allowed},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.burden_report_answer(user=request.user, report=report, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("Answered."))
            return redirect("burden:report_inbox")
    return render(
        request, "burden/report_answer.html", {"report": report, "form": form}, status=400 if form.errors else 200
    )


# -- resources against load (编制、经费向基层倾斜) -------------------------------------------------------------
def _resources_period(request) -> rules.Period:
    """The month asked for (?month=YYYY-MM), else the latest complete month with data."""
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        return rules.Period.month(year, month)
    except ValueError:
        month = selectors.latest_month_with_data()
        return rules.Period.month(month.year, month.month)


@login_required
@permission_required("burden.view_fundallocation", raise_exception=True)
def resources(request):
    period = _resources_period(request)
    data = selectors.resources(request.user, period)
    return render(
        request,
        "burden/resources.html",
        {"data": data, "period": period, "missing_sources": sources.missing()},
    )


def _resource_unit(request, pk) -> Unit:
    return get_object_or_404(
        Unit.objects.visible_to(request.user).filter(kind__in=(*Unit.TOWN_LEVEL, *Unit.GRASSROOTS)), pk=pk
    )


@login_required
@permission_required("burden.view_fundallocation", raise_exception=True)
def unit_resources(request, pk):
    """One unit's staffing per year, its funds of the year (flagged when not in full and on time) and its
    staffing requests; 减负办 records allocations and what arrived here."""
    unit = _resource_unit(request, pk)
    year = _year(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None and not request.user.has_perm("burden.add_fundallocation"):
        raise PermissionDenied(_("You may not do this."))
    fund_form = forms.FundAllocationForm(request.POST if action == "allocate" else None, initial={"year": year})
    arrival_form = forms.FundArrivalForm(request.POST if action == "arrival" else None)
    if action in ("allocate", "arrival"):
        form = fund_form if action == "allocate" else arrival_form
        try:
            if not form.is_valid():
                raise ValidationError(_("Check the form."))
            if action == "allocate":
                services.fund_allocation_create(user=request.user, unit=unit, **form.cleaned_data)
                done = _("Allocation recorded.")
            else:
                wanted = request.POST.get("allocation", "")
                allocation = get_object_or_404(
                    selectors.fund_allocations(request.user).filter(unit__path__startswith=unit.path),
                    pk=int(wanted) if wanted.isdigit() else 0,
                )
                services.fund_allocation_record_arrival(user=request.user, allocation=allocation, **form.cleaned_data)
                done = _("What arrived is recorded.")
        except ValidationError as error:
            if not form.errors:
                form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('burden:unit_resources', args=[unit.pk])}?year={year}")
    funds = selectors.fund_allocations(request.user).filter(unit__path__startswith=unit.path, year=year)
    return render(
        request,
        "burden/unit_resources.html",
        {
            "unit": unit,
            "year": year,
            "staffing": selectors.unit_resources(unit, [year - 2, year - 1, year]),
            "funds": selectors.fund_rows(funds.order_by("due_on", "id")),
            "requests": selectors.staffing_requests(request.user).filter(unit__path__startswith=unit.path)[:20],
            "fund_form": fund_form,
            "arrival_form": arrival_form,
            "arrival_for": request.POST.get("allocation", "") if action == "arrival" else "",
            "can_record": request.user.has_perm("burden.add_fundallocation"),
        },
        status=400 if fund_form.errors or arrival_form.errors else 200,
    )


@login_required
@permission_required("burden.view_staffingrequest", raise_exception=True)
def staffing_list(request):
    rows = selectors.staffing_requests(request.user)
    status = request.GET.get("status", "")
    if status in StaffingRequest.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "burden/staffing_list.html",
        {
            "page": paginate(request, rows),
            "status": status,
            "statuses": StaffingRequest.Status.choices,
            "can_file": request.user.has_perm("burden.add_staffingrequest"),
        },
    )


@login_required
@permission_required("burden.add_staffingrequest", raise_exception=True)
def staffing_new(request):
    form = forms.StaffingRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            staffing_request = services.staffing_request_file(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not do this."))
        else:
            messages.success(request, _("Staffing request filed."))
            return redirect("burden:staffing_detail", pk=staffing_request.pk)
    units = list(form.fields["unit"].queryset[:5])
    citations = [(unit, *selectors.index_citation(unit)) for unit in units]
    waiting = selectors.staffing_requests(request.user).filter(unit__in=units, status=StaffingRequest.Status.PENDING)
    return render(
        request,
        "burden/staffing_new.html",
        {"form": form, "citations": citations, "waiting": waiting},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("burden.view_staffingrequest", raise_exception=True)
def staffing_detail(request, pk):
    staffing_request = get_object_or_404(selectors.staffing_requests(request.user), pk=pk)
    can_decide = (
        request.user.has_perm("burden.decide_staffingrequest")
        and staffing_request.status == StaffingRequest.Status.PENDING
    )
    form = forms.StaffingDecisionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("burden.decide_staffingrequest"):
            raise PermissionDenied(_("You may not do this."))
        try:
            if not form.is_valid():
                raise ValidationError(_("Check the form."))
            decided = services.staffing_request_decide(
                user=request.user, staffing_request=staffing_request, **form.cleaned_data
            )
        except ValidationError as error:
            if not form.errors:
                form_errors(form, error)
        else:
            done = _("Decision recorded: %(decision)s.") % {"decision": decided.get_status_display()}
            messages.success(request, done)
            return redirect("burden:staffing_detail", pk=pk)
    return render(
        request,
        "burden/staffing_detail.html",
        {
            "item": staffing_request,
            "form": form,
            "can_decide": can_decide,
            "filed_by": selectors.actor_label(staffing_request.filed_by),
            "decided_by": selectors.actor_label(staffing_request.decided_by),
        },
        status=400 if form.errors else 200,
    )
