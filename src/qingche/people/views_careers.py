"""Pages of careers: the rank eligibility list (组织部), a person's rank history, performance-pay pools and their
tables, special allowances, rotation alerts, posts against people and transfer requests; and the panels that
org's person and unit pages show. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingche.core import parameters
from qingche.core.audit import record
from qingche.core.excel import xlsx_response
from qingche.core.forms import error_texts, form_errors
from qingche.core.pagination import paginate
from qingche.core.periods import last_complete_month, month_param, year_param
from qingche.core.scope import user_person_id
from qingche.org import selectors as org_selectors
from qingche.org.models import Person
from qingche.people import forms_careers as forms
from qingche.people import selectors_careers as selectors
from qingche.people import services_careers as services
from qingche.people.models import WorkStart
from qingche.people.models_careers import TransferRequest


def _rotation_labels():
    return {
        "post_years": _("exchange due"),
        "level_years": _("long at one level"),
        "home_area": _("home-area avoidance"),
    }


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _error_text(error) -> str:
    return "；".join(error_texts(error) if isinstance(error, ValidationError) else [str(error)])


# -- rank ---------------------------------------------------------------------------------------------------
@login_required
@permission_required("people.add_rankchange", raise_exception=True)
def eligibility(request):
    today = timezone.localdate()
    year = year_param(request, today.year)
    order = "grassroots" if request.GET.get("order") == "grassroots" else "eligible"
    only = request.GET.get("filter") == "eligible"
    rows = selectors.eligibility_list(request.user, year, today, order=order, only_eligible=only)
    if request.GET.get("export") == "xlsx":
        record("export", object_type="people.rankchange", object_repr=_("rank eligibility %(year)s") % {"year": year})
        return xlsx_response(
            f"rank-eligibility-{year}.xlsx",
            [
                pgettext("person", "name"),
                _("unit"),
                _("current rank"),
                _("since"),
                _("next rank"),
                _("years counted"),
                _("years required"),
                _("eligible"),
                _("eligible from"),
                _("grassroots years"),
                _("reasons"),
            ],
            (
                (
                    row["person"].name,
                    row["person"].unit.name,
                    row["result"].current,
                    row["result"].since,
                    row["result"].next_rank or "",
                    row["result"].counted_years,
                    row["result"].required_years,
                    _("yes") if row["result"].eligible else _("no"),
                    row["result"].eligible_on,
                    row["grassroots_years"],
                    " ".join(row["result"].reasons),
                )
                for row in rows
            ),
        )
    return render(
        request,
        "people/careers/eligibility.html",
        {
            "year": year,
            "order": order,
            "only": only,
            "eligible_count": sum(1 for row in rows if row["result"].eligible),
            "demotions": sum(1 for row in rows if row["result"].demotion_to),
            "page": paginate(request, rows),
            "query": _query(request),
        },
    )


@login_required
@permission_required("people.view_rankchange", raise_exception=True)
def person_careers(request, person_id: int):
    person = get_object_or_404(Person.objects.visible_to(request.user).select_related("unit"), pk=person_id)
    history = list(selectors.rank_changes(request.user).filter(person=person).order_by("date", "id"))
    today = timezone.localdate()
    ladder_code = selectors.ladder_of(person)
    ranks = [name for name, _years in selectors.ladders().get(ladder_code, [])] if ladder_code else []
    form = None
    if request.user.has_perm("people.add_rankchange") and ranks:
        form = forms.RankChangeForm(request.POST or None, ranks=ranks, initial={"date": today})
        if request.method == "POST" and form.is_valid():
            try:
                services.rank_change_record(user=request.user, person=person, **form.cleaned_data)
                messages.success(request, _("Rank change recorded."))
                return redirect("people:careers_person", person.pk)
            except (ValidationError, PermissionDenied) as error:
                form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    grades, public = selectors.grades_of([person.pk])
    result = selectors.person_eligibility(person, history, grades.get(person.pk, {}), today.year, person.pk in public)
    started = WorkStart.objects.filter(person=person).values_list("started_on", flat=True).first()
    return render(
        request,
        "people/careers/person.html",
        {
            "person": person,
            "history": list(reversed(history)),
            "result": result,
            "year": today.year,
            "ladder": ladder_code,
            "form": form,
            "grassroots_years": selectors.grassroots_years([person.pk], today).get(person.pk, 0.0),
            "service_end": selectors.min_service_end(person, started),
            "transfers": selectors.transfer_requests(request.user).filter(person=person),
            "today": today,
        },
        status=400 if form is not None and form.errors else 200,
    )


def person_panel(request, person) -> dict | None:
    """org's person page: the current rank from the history, the eligibility this year and the minimum service."""
    user = request.user
    if not user.has_perm("people.view_rankchange"):
        return None
    history = list(selectors.rank_changes(user).filter(person=person).order_by("date", "id"))
    today = timezone.localdate()
    grades, public = selectors.grades_of([person.pk])
    started = WorkStart.objects.filter(person=person).values_list("started_on", flat=True).first()
    return {
        "template": "people/careers/_person_panel.html",
        "person": person,
        "last": history[-1] if history else None,
        "result": selectors.person_eligibility(
            person, history, grades.get(person.pk, {}), today.year, person.pk in public
        ),
        "service_end": selectors.min_service_end(person, started),
        "today": today,
        "year": today.year,
    }


def unit_panel(request, unit) -> dict | None:
    """org's unit page: posts against people in this unit, and the posts' hardship flags."""
    user = request.user
    if not user.has_perm("people.view_posthardship"):
        return None
    flags = selectors.staffing_flags(user, unit)
    hardship = {row.post_id: row for row in selectors.post_hardships(user).filter(post__unit=unit)}
    posts = list(org_selectors.posts(user).filter(unit=unit).order_by("id"))
    for post in posts:
        post.flags = hardship.get(post.pk)
    return {"template": "people/careers/_unit_panel.html", "flags": flags, "posts": posts, "unit": unit}


# -- pay ----------------------------------------------------------------------------------------------------
@login_required
@permission_required("people.view_paypool", raise_exception=True)
def pay(request):
    today = timezone.localdate()
    year = year_param(request, today.year - 1)
    if request.GET.get("template") == "xlsx":
        return xlsx_response("pay-pools.xlsx", [title for _key, title in services.POOL_COLUMNS], [])
    form, upload, errors = None, None, []
    if request.user.has_perm("people.add_paypool") and request.method == "POST" and request.FILES:
        upload = forms.PoolUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                result = services.pay_pools_import(user=request.user, upload=upload.cleaned_data["file"])
            except (ValidationError, PermissionDenied) as error:
                errors = [_error_text(error)]
            else:
                if not result.errors:
                    messages.success(request, _("%(count)s pools imported.") % {"count": len(result.rows)})
                    return redirect(f"{request.path}?year={year}")
                errors = [_("Row %(row)s, %(column)s: %(message)s") % vars(e) for e in result.errors]
        else:
            errors = [_error_text(ValidationError(upload.errors.get("file", [""])))]
    if request.user.has_perm("people.add_paypool"):
        upload = upload or forms.PoolUploadForm()
        form = forms.PayPoolForm(request.POST or None, units=services.pool_units(request.user), initial={"year": year})
        if request.method == "POST" and not request.FILES and form.is_valid():
            try:
                pool = services.pay_pool_set(user=request.user, **form.cleaned_data)
                messages.success(request, _("Pay pool saved."))
                return redirect("people:careers_pay_detail", pool.pk)
            except (ValidationError, PermissionDenied) as error:
                form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    pools = selectors.pay_pools(request.user).filter(year=year)
    return render(
        request,
        "people/careers/pay.html",
        {"year": year, "pools": pools, "form": form, "upload": upload, "errors": errors},
        status=400 if (form is not None and form.errors) or errors else 200,
    )


@login_required
@permission_required("people.view_paypool", raise_exception=True)
def pay_detail(request, pk: int):
    pool = get_object_or_404(selectors.pay_pools(request.user), pk=pk)
    table = selectors.pay_table(pool, timezone.localdate())
    if request.GET.get("export") == "xlsx":
        record("export", object_type="people.paypool", object_id=pool.pk, object_repr=str(pool))
        rows = [
            (
                row["person"].name,
                row["post"].name if row["post"] else "",
                row["grade_label"],
                float(row["coefficient"]),
                _remote_frontline(row),
                float(row["factor"]),
                float(row["weight"]),
                float(row["share"]) if row["share"] is not None else None,
            )
            for row in table["rows"]
        ]
        rows.append((_("total"), "", "", None, "", None, float(table["total_weight"]), float(table["total"])))
        return xlsx_response(
            f"performance-pay-{pool.year}.xlsx",
            [
                pgettext("person", "name"),
                _("post"),
                _("grade"),
                _("grade coefficient"),
                _("post flags"),
                _("post factor"),
                _("weight"),
                _("share (yuan)"),
            ],
            rows,
        )
    return render(request, "people/careers/pay_detail.html", {"table": table, "pool": pool})


def _remote_frontline(row) -> str:
    words = []
    if row["remote"]:
        words.append(_("remote"))
    if row["frontline"]:
        words.append(_("front line"))
    return "、".join(words)


@login_required
@permission_required("people.view_paypool", raise_exception=True)
def allowances(request):
    month = month_param(request, last_complete_month(timezone.localdate()))
    rows = selectors.allowances(request.user, month)
    total = sum((row["amount"] for row in rows), start=0)
    if request.GET.get("export") == "xlsx":
        record(
            "export",
            object_type="people.posthardship",
            object_repr=_("special allowances %(month)s") % {"month": f"{month:%Y-%m}"},
        )
        return xlsx_response(
            f"allowances-{month:%Y-%m}.xlsx",
            [pgettext("person", "name"), _("unit"), _("post"), _("days held"), _("allowance (yuan)")],
            [(r["person"].name, r["post"].unit.name, r["post"].name, r["days"], float(r["amount"])) for r in rows],
        )
    return render(
        request,
        "people/careers/allowances.html",
        {
            "month": month,
            "page": paginate(request, rows),
            "query": _query(request),
            "total": total,
            "rates": parameters.get("people.allowances"),
        },
    )


# -- rotation, posts and people, transfers --------------------------------------------------------------------
@login_required
@permission_required("people.add_rankchange", raise_exception=True)
def rotation(request):
    today = timezone.localdate()
    rows = selectors.rotation_alerts(request.user, today)
    labels = _rotation_labels()
    for row in rows:
        row["labels"] = [labels[code] for code in row["tenure"]["alerts"]]
    if request.GET.get("export") == "xlsx":
        record("export", object_type="org.assignment", object_repr=_("rotation alerts"))
        return xlsx_response(
            "rotation-alerts.xlsx",
            [
                pgettext("person", "name"),
                _("unit"),
                _("post"),
                _("years in the post"),
                _("years at this level"),
                _("alerts"),
            ],
            [
                (
                    r["person"].name,
                    r["tenure"]["current"].unit.name,
                    r["tenure"]["current"].post.name,
                    r["tenure"]["years_in_post"],
                    r["tenure"]["years_at_level"],
                    "、".join(str(label) for label in r["labels"]),
                )
                for r in rows
            ],
        )
    params = org_selectors.rotation_params()
    return render(
        request,
        "people/careers/rotation.html",
        {
            "page": paginate(request, rows),
            "query": _query(request),
            "count": len(rows),
            "params": params,
            "recruits": selectors.recruits_in_service(request.user, today),
            "min_service_years": parameters.get("people.min_service_years"),
        },
    )


@login_required
@permission_required("people.view_posthardship", raise_exception=True)
def staffing(request):
    return render(request, "people/careers/staffing.html", {"flags": selectors.staffing_flags(request.user)})


@login_required
@permission_required("people.change_posthardship", raise_exception=True)
def post_hardship(request, post_id: int):
    post = get_object_or_404(org_selectors.posts(request.user).select_related("unit"), pk=post_id)
    current = selectors.post_hardships(request.user).filter(post=post).first()
    initial = {"remote": bool(current and current.remote), "frontline": bool(current and current.frontline)}
    form = forms.PostHardshipForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_hardship_set(user=request.user, post=post, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("org:unit_detail", post.unit_id)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    title = _("Hardship flags of %(post)s（%(unit)s）") % {"post": post.name, "unit": post.unit.name}
    return render(request, "core/form.html", {"form": form, "title": title}, status=400 if form.errors else 200)


@login_required
@permission_required("people.add_transferrequest", raise_exception=True)
def transfers(request):
    today = timezone.localdate()
    rows = selectors.transfer_requests(request.user)
    me = user_person_id(request.user)
    return render(
        request,
        "people/careers/transfers.html",
        {
            "pending": rows.filter(status=TransferRequest.Status.REQUESTED),
            "page": paginate(request, rows.exclude(status=TransferRequest.Status.REQUESTED)),
            "me": me,
            "may_decide": request.user.has_perm("people.decide_transferrequest"),
            "min_service_years": parameters.get("people.min_service_years"),
            "today": today,
        },
    )


@login_required
@permission_required("people.add_transferrequest", raise_exception=True)
def transfer_new(request, person_id: int):
    person = get_object_or_404(Person.objects.visible_to(request.user).select_related("unit"), pk=person_id)
    form = forms.TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_request_submit(user=request.user, person=person, **form.cleaned_data)
            if transfer.early:
                messages.warning(
                    request,
                    _("Requested before the minimum service ends (%(date)s): flagged for the organisation department.")
                    % {"date": transfer.service_end},
                )
            else:
                messages.success(request, _("Transfer requested."))
            return redirect("people:careers_transfers")
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    title = _("Transfer request of %(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}
    return render(request, "core/form.html", {"form": form, "title": title}, status=400 if form.errors else 200)


@login_required
@permission_required("people.decide_transferrequest", raise_exception=True)
def transfer_decide(request, pk: int):
    transfer = get_object_or_404(selectors.transfer_requests(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.transfer_request_decide(
                user=request.user,
                transfer=transfer,
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Decision saved."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
    return redirect("people:careers_transfers")
