"""Pages of 组织处理 proposals (组织部): the list with its filters and Excel export, proposing from a closed
appraisal cycle, confirming or rejecting one; and the person-page panel of confirmed consequences."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingche.core.audit import record
from qingche.core.excel import xlsx_response
from qingche.core.forms import error_texts
from qingche.core.pagination import paginate
from qingche.people import selectors_consequences as selectors
from qingche.people import services_consequences as services
from qingche.people.models_consequences import Consequence


def _error_text(error) -> str:
    return "；".join(error_texts(error) if isinstance(error, ValidationError) else [str(error)])


def _filtered(request):
    rows = selectors.consequences(request.user)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    year = request.GET.get("year", "")
    if status in Consequence.Status.values:
        rows = rows.filter(status=status)
    if kind in Consequence.Kind.values:
        rows = rows.filter(kind=kind)
    if year.isdigit():
        rows = rows.filter(year=int(year))
    return rows, {"status": status, "kind": kind, "year": year}


@login_required
@permission_required("people.view_consequence", raise_exception=True)
def consequences(request):
    rows, chosen = _filtered(request)
    if request.GET.get("export") == "xlsx":
        record("export", object_type="people.consequence", object_repr=_("organisational consequences"))
        return xlsx_response(
            "organisational-consequences.xlsx",
            [
                _("year"),
                pgettext("person", "name"),
                _("unit"),
                _("grade"),
                _("consequence"),
                _("rule"),
                _("status"),
                _("reason of the decision"),
                _("document number"),
                _("decided by"),
            ],
            [
                (
                    row.year,
                    row.person.name,
                    row.unit.name,
                    selectors.grade_label(row.grade),
                    row.get_kind_display(),
                    selectors.rule_text(row),
                    row.get_status_display(),
                    row.decision_reason,
                    row.document_number,
                    row.decided_by.name if row.decided_by else "",
                )
                for row in rows
            ],
        )
    page = paginate(request, rows)
    for row in page:
        row.grade_label = selectors.grade_label(row.grade)
        row.rule = selectors.rule_text(row)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/consequences/list.html",
        {
            "page": page,
            "chosen": chosen,
            "counts": selectors.counts(rows),
            "kinds": Consequence.Kind.choices,
            "statuses": Consequence.Status.choices,
            "cycles": selectors.published_cycles(request.user)
            if request.user.has_perm("people.add_consequence")
            else [],
            "may_decide": request.user.has_perm("people.decide_consequence"),
            "query": query.urlencode(),
        },
    )


@login_required
@permission_required("people.add_consequence", raise_exception=True)
def propose(request):
    if request.method == "POST":
        cycle_id = request.POST.get("cycle", "")
        cycles = selectors.published_cycles(request.user)
        cycle = cycles.filter(pk=int(cycle_id)).first() if cycle_id.isdigit() else None
        if cycle is None:
            messages.error(request, _("Choose a published annual appraisal cycle."))
        else:
            try:
                added = services.consequences_propose(user=request.user, cycle=cycle)
                messages.success(request, _("%(count)s proposals added.") % {"count": added})
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, _error_text(error))
    return redirect("people:consequences")


@login_required
@permission_required("people.decide_consequence", raise_exception=True)
def decide(request, pk: int):
    consequence = get_object_or_404(selectors.consequences(request.user), pk=pk)
    if request.method == "POST":
        date = None
        raw = request.POST.get("date", "").strip()
        try:
            if raw:
                try:
                    date = dt.date.fromisoformat(raw)
                except ValueError as error:
                    raise ValidationError({"date": _("Enter a valid date.")}) from error
            services.consequence_decide(
                user=request.user,
                consequence=consequence,
                confirm=request.POST.get("decision") == "confirm",
                reason=request.POST.get("reason", ""),
                document_number=request.POST.get("document_number", ""),
                date=date,
            )
            messages.success(request, _("Decision saved."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
    return redirect("people:consequences")


def person_panel(request, person):
    """Confirmed consequences on org's person page."""
    if not request.user.has_perm("people.view_consequence"):
        return None
    rows = list(selectors.confirmed_of(request.user, person.pk)[:20])
    if not rows:
        return None
    for row in rows:
        row.rule = selectors.rule_text(row)
    return {"template": "people/consequences/_person_panel.html", "consequences": rows}
