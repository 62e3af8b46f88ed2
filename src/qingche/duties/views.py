"""Pages of duty lists. Thin: reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingche.core.audit import record
from qingche.core.excel import xlsx_response
from qingche.core.forms import error_texts, form_errors
from qingche.core.scope import unit_in_scope
from qingche.duties import rules, selectors, services
from qingche.duties.forms import DutyItemForm, StandingHoursForm
from qingche.duties.models import DutyItem, DutyList
from qingche.org.models import Unit


@login_required
@permission_required("duties.view_dutylist", raise_exception=True)
def list_index(request):
    """County overview: every town's current list with counts per kind and 责随权转 flags."""
    lists = list(selectors.current_lists(request.user))
    flags = selectors.flagged_counts([duty_list.pk for duty_list in lists])
    drafts = set(
        selectors.duty_lists(request.user).filter(status=DutyList.Status.DRAFT).values_list("unit_id", flat=True)
    )
    for duty_list in lists:
        duty_list.flagged = flags.get(duty_list.pk, 0)
        duty_list.total = duty_list.basic + duty_list.cooperation + duty_list.taken_back
        duty_list.has_draft = duty_list.unit_id in drafts
    listed = {duty_list.unit_id for duty_list in lists}
    missing = Unit.objects.visible_to(request.user).filter(kind__in=services.TOWN_KINDS).exclude(pk__in=listed)
    totals = {
        key: sum(getattr(duty_list, key) or 0 for duty_list in lists)
        for key in ("basic", "cooperation", "taken_back", "flagged", "total", "standing_hours")
    }
    return render(
        request,
        "duties/list_index.html",
        {
            "lists": lists,
            "missing": missing.order_by("path"),
            "totals": totals,
            "may_edit": request.user.has_perm("duties.change_dutylist"),
        },
    )


def _version_for(request, unit_id):
    version = request.GET.get("version")
    lists = selectors.versions_of(request.user, unit_id)
    if version and version.isdigit():
        return get_object_or_404(lists, version=int(version))
    return lists.filter(status=DutyList.Status.PUBLISHED).first() or lists.first()


@login_required
@permission_required("duties.view_dutylist", raise_exception=True)
def unit_list(request, unit_id):
    """A town's list in three parts, with filters by kind and domain and a search."""
    unit = get_object_or_404(Unit, pk=unit_id, kind__in=services.TOWN_KINDS)
    duty_list = _version_for(request, unit_id)
    if duty_list is None and not unit_in_scope(request.user, "duties.view_dutylist", unit):
        raise Http404
    kind, domain, query = request.GET.get("kind", ""), request.GET.get("domain", ""), request.GET.get("q", "").strip()
    items = (
        list(selectors.list_items(request.user, duty_list, kind=kind, domain=domain, query=query)) if duty_list else []
    )
    parts = []
    for code, label in DutyItem.Kind.choices:
        part_items = [item for item in items if item.kind == code]
        for item in part_items:
            item.flagged = rules.lacks_power(item.kind, len(item.powers.all()))
        parts.append({"kind": code, "label": label, "chinese": rules.KIND_LABELS[code], "items": part_items})
    domains = (
        sorted(set(DutyItem.objects.filter(duty_list=duty_list).values_list("domain", flat=True))) if duty_list else []
    )
    may_edit = request.user.has_perm("duties.change_dutylist") and unit_in_scope(
        request.user, "duties.change_dutylist", unit
    )
    may_set_hours = request.user.has_perm("duties.set_standing_hours") and unit_in_scope(
        request.user, "duties.set_standing_hours", unit
    )
    return render(
        request,
        "duties/unit_list.html",
        {
            "unit": unit,
            "duty_list": duty_list,
            "parts": parts,
            "kind": kind,
            "domain": domain,
            "query": query,
            "domains": domains,
            "kinds": DutyItem.Kind.choices,
            "may_edit": may_edit,
            "may_set_hours": may_set_hours,
            "standing_total": sum(item.standing_hours or 0 for item in items if item.kind != rules.TAKEN_BACK),
            "versions": selectors.versions_of(request.user, unit_id),
            "count": len(items),
            "flagged": sum(1 for item in items if getattr(item, "flagged", False)),
        },
    )


@login_required
@permission_required("duties.view_dutylist", raise_exception=True)
def history(request, unit_id):
    unit = get_object_or_404(Unit, pk=unit_id, kind__in=services.TOWN_KINDS)
    versions = list(selectors.versions_of(request.user, unit_id))
    return render(request, "duties/history.html", {"unit": unit, "versions": versions})


@login_required
@permission_required("duties.view_dutylist", raise_exception=True)
def diff(request, pk):
    duty_list = get_object_or_404(selectors.duty_lists(request.user), pk=pk)
    base, changes, old, new = selectors.diff_against_published(duty_list)
    return render(
        request,
        "duties/diff.html",
        {
            "duty_list": duty_list,
            "base": base,
            "changes": changes,
            "added": [(code, new[code]) for code in changes.added],
            "removed": [(code, old[code]) for code in changes.removed],
            "changed": [(code, fields, old[code], new[code]) for code, fields in changes.changed.items()],
        },
    )


@login_required
@permission_required("duties.view_dutylist", raise_exception=True)
def export(request, pk):
    duty_list = get_object_or_404(selectors.duty_lists(request.user), pk=pk)
    items = selectors.list_items(request.user, duty_list)
    record("export", obj=duty_list)
    rows = (
        (
            item.code,
            item.name,
            rules.KIND_LABELS[item.kind],
            item.domain,
            item.legal_basis,
            item.lead_unit.name if item.lead_unit else "",
            rules.SEPARATOR.join(unit.name for unit in item.cooperating_units.all()),
            rules.SEPARATOR.join(str(power) for power in item.powers.all()),
            item.keywords,
            float(item.standing_hours) if item.standing_hours is not None else None,
        )
        for item in items
    )
    return xlsx_response(
        f"{duty_list.unit.name}-职责清单-v{duty_list.version}.xlsx",
        [header for _key, header in rules.EXCEL_COLUMNS],
        _blank_as_none(rows),
        "职责清单",
    )


def _blank_as_none(rows):
    """core.excel writes '' as "'" (its formula guard matches the empty prefix); an empty cell is None."""
    for row in rows:
        yield [value if value != "" else None for value in row]


@login_required
@permission_required("duties.view_dutylist", raise_exception=True)
def template(request):
    example = [
        (
            "JB-001",
            "领导辖区基层党组织建设",
            "基本履职事项",
            "党的建设",
            "《中国共产党农村基层组织工作条例》第二十条",
            "",
            "",
            "党内管理：对村（社区）党组织工作进行领导和指导",
            "党组织；支部书记",
            40,
        ),
        (
            "PH-001",
            "配合做好耕地地力保护补贴面积核实和公示",
            "配合履职事项",
            "乡村振兴与农业农村",
            "",
            "县农业农村局",
            "县财政局",
            "行政确认：补贴面积核实",
            "补贴；耕地",
            24,
        ),
        (
            "SH-001",
            "动物及动物产品检疫",
            "上级部门收回事项",
            "乡村振兴与农业农村",
            "《中华人民共和国动物防疫法》",
            "县农业农村局",
            "",
            "",
            "检疫",
            "",
        ),
    ]
    return xlsx_response(
        "职责清单模板.xlsx", [header for _key, header in rules.EXCEL_COLUMNS], _blank_as_none(example), "职责清单"
    )


@login_required
@permission_required("duties.change_dutylist", raise_exception=True)
def import_list(request, unit_id):
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id, kind__in=services.TOWN_KINDS)
    row_errors, errors = [], []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("Choose a file.")]
        else:
            try:
                draft = services.duty_list_import(user=request.user, unit=unit, upload=upload)
            except services.ImportRejected as error:
                row_errors = error.row_errors
            except ValidationError as error:
                errors = error_texts(error)
            else:
                messages.success(
                    request, _("Imported into draft v%(version)s: check it and publish.") % {"version": draft.version}
                )
                return redirect("duties:diff", pk=draft.pk)
    return render(
        request,
        "duties/import.html",
        {"unit": unit, "row_errors": row_errors, "errors": errors},
        status=400 if (row_errors or errors) else 200,
    )


@login_required
@permission_required("duties.add_dutylist", raise_exception=True)
@require_POST
def draft(request, unit_id):
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id, kind__in=services.TOWN_KINDS)
    duty_list = services.duty_list_draft(user=request.user, unit=unit)
    messages.success(request, _("Draft v%(version)s is open for changes.") % {"version": duty_list.version})
    return redirect(f"/duties/unit/{unit.pk}/?version={duty_list.version}")


@login_required
@permission_required("duties.publish_dutylist", raise_exception=True)
@require_POST
def publish(request, pk):
    duty_list = get_object_or_404(selectors.duty_lists(request.user), pk=pk)
    try:
        services.duty_list_publish(user=request.user, duty_list=duty_list, note=request.POST.get("note", ""))
    except ValidationError as error:
        for message in error_texts(error):
            messages.error(request, message)
    else:
        messages.success(request, _("Published."))
    return redirect("duties:unit_list", unit_id=duty_list.unit_id)


@login_required
@permission_required("duties.delete_dutyitem", raise_exception=True)
@require_POST
def item_delete(request, pk):
    item = get_object_or_404(DutyItem.objects.visible_to(request.user).select_related("duty_list"), pk=pk)
    try:
        services.duty_item_delete(user=request.user, item=item)
    except ValidationError as error:
        for message in error_texts(error):
            messages.error(request, message)
    return redirect(f"/duties/unit/{item.duty_list.unit_id}/?version={item.duty_list.version}")


@login_required
@permission_required("duties.change_dutylist", raise_exception=True)
def item_edit(request, pk, item_pk=None):
    """Add an item to a draft, or change one of its items."""

    duty_list = get_object_or_404(selectors.duty_lists(request.user), pk=pk)
    item = get_object_or_404(duty_list.items, pk=item_pk) if item_pk else None
    form = DutyItemForm(request.POST or None, initial=DutyItemForm.initial_of(item) if item else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_item_save(user=request.user, duty_list=duty_list, data=form.service_data(), item=item)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("Saved in the draft."))
            return redirect(f"/duties/unit/{duty_list.unit_id}/?version={duty_list.version}")
    title = _("Change a duty item") if item else _("Add a duty item")
    return render(
        request, "core/form.html", {"form": form, "title": f"{duty_list.unit.name} v{duty_list.version}: {title}"}
    )


@login_required
@permission_required("duties.set_standing_hours", raise_exception=True)
def item_standing(request, pk):
    """减负办 sets a duty's standing workload (person-hours a month), with a reason."""

    item = get_object_or_404(DutyItem.objects.visible_to(request.user).select_related("duty_list__unit"), pk=pk)
    initial = {"standing_hours": item.standing_hours}
    form = StandingHoursForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_item_standing_set(
                user=request.user,
                item=item,
                hours=form.cleaned_data["standing_hours"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(
                request, _("Standing workload of %(code)s saved.") % {"code": f"{item.code} {item.name[:20]}"}
            )
            return redirect(f"/duties/unit/{item.duty_list.unit_id}/?version={item.duty_list.version}")
    if request.method == "POST":
        status = 400
    title = _("Standing workload of a duty")
    return render(
        request,
        "duties/standing.html",
        {"form": form, "item": item, "title": f"{item.duty_list.unit.name} · {title}"},
        status=status,
    )
