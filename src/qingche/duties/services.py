"""Every write of duty lists: drafting a new version, editing items while it is a draft, publishing,
importing from Excel. A published version never changes; publishing supersedes the previous one.

Each function checks the actor's permission and scope (the town's unit), validates, and writes in
one transaction; AuditedModel and `record` put every change in the audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core.audit import audit_context, record
from qingche.core.excel import read_xlsx
from qingche.core.scope import unit_in_scope
from qingche.duties import rules
from qingche.duties.models import DutyItem, DutyList, Power, StandingSource
from qingche.org.models import Unit

TOWN_KINDS = ("town", "street")


def _require(user, perm: str, unit: Unit) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your scope."))


def _require_draft(duty_list: DutyList) -> None:
    if duty_list.status != DutyList.Status.DRAFT:
        raise ValidationError(_("Only a draft can be changed: a published version never changes. Draft a new version."))


def department_units() -> dict[str, Unit]:
    """County departments (and offices) by name: what a list's lead and cooperating departments resolve to."""
    return {unit.name: unit for unit in Unit.objects.filter(kind__in=("department", "office"), is_active=True)}


@transaction.atomic
def duty_list_draft(*, user, unit: Unit, note: str = "") -> DutyList:
    """A new draft version of the town's list, copied from its current published version (or empty).
    If a draft already exists it is returned unchanged."""
    _require(user, "duties.add_dutylist", unit)
    if unit.kind not in TOWN_KINDS:
        raise ValidationError({"unit": _("Duty lists belong to towns and streets.")})
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    existing = DutyList.objects.filter(unit=unit, status=DutyList.Status.DRAFT).first()
    if existing is not None:
        return existing
    number = (DutyList.objects.filter(unit=unit).aggregate(top=Max("version"))["top"] or 0) + 1
    draft = DutyList.objects.create(unit=unit, version=number, note=note[:2000])
    current = DutyList.objects.filter(unit=unit, status=DutyList.Status.PUBLISHED).first()
    if current is not None:
        _copy_items(current, draft)
    return draft


def _copy_items(source: DutyList, target: DutyList) -> None:
    items = list(source.items.prefetch_related("powers", "cooperating_units"))
    _bulk_items(
        target,
        [
            {
                "kind": item.kind,
                "code": item.code,
                "name": item.name,
                "domain": item.domain,
                "legal_basis": item.legal_basis,
                "lead_unit": item.lead_unit,
                "keywords": item.keywords,
                "standing_hours": item.standing_hours,
                "standing_source": item.standing_source,
                "cooperating": list(item.cooperating_units.all()),
                "powers": [(power.category, power.description) for power in item.powers.all()],
            }
            for item in items
        ],
    )
    record("create", obj=target, after={"copied_from": source.pk, "items": len(items)})


def _bulk_items(duty_list: DutyList, specs: list[dict]) -> None:
    """Many items at once (a copied version, an import, the demo); one audit event for the whole set is
    written by the caller."""
    created = DutyItem.objects.bulk_create(
        [
            DutyItem(
                duty_list=duty_list,
                kind=spec["kind"],
                code=spec["code"],
                name=spec["name"][:300],
                domain=spec["domain"][:50],
                legal_basis=spec["legal_basis"],
                lead_unit=spec["lead_unit"],
                keywords=spec["keywords"][:300],
                standing_hours=spec.get("standing_hours"),
                standing_source=spec.get("standing_source", "") if spec.get("standing_hours") is not None else "",
            )
            for spec in specs
        ]
    )
    if any(item.pk is None for item in created):  # backends that do not return keys
        by_code = dict(DutyItem.objects.filter(duty_list=duty_list).values_list("code", "pk"))
        for item in created:
            item.pk = by_code[item.code]
    through = DutyItem.cooperating_units.through
    through.objects.bulk_create(
        [
            through(dutyitem_id=item.pk, unit_id=unit.pk)
            for item, spec in zip(created, specs, strict=True)
            for unit in spec["cooperating"]
        ]
    )
    Power.objects.bulk_create(
        [
            Power(item_id=item.pk, category=category[:30], description=description[:300])
            for item, spec in zip(created, specs, strict=True)
            for category, description in spec["powers"]
        ]
    )


@transaction.atomic
def duty_item_save(*, user, duty_list: DutyList, data: dict, item: DutyItem | None = None) -> DutyItem:
    """Add an item to a draft, or change one. data: code, name, kind, domain, legal_basis, lead_unit (Unit or
    None), cooperating_units (list of Unit), keywords, powers (list of (category, description)) — missing
    keys keep the item's value."""
    duty_list = DutyList.objects.select_for_update().get(pk=duty_list.pk)
    _require(user, "duties.change_dutylist", duty_list.unit)
    _require_draft(duty_list)
    if item is not None and item.duty_list_id != duty_list.pk:
        raise ValidationError(_("The item is not in this list."))
    item = item or DutyItem(duty_list=duty_list)
    for key in ("code", "name", "kind", "domain", "legal_basis", "keywords"):
        if key in data:
            setattr(item, key, (data[key] or "").strip())
    if "lead_unit" in data:
        item.lead_unit = data["lead_unit"]
    errors = {}
    if not item.code:
        errors["code"] = _("Enter the item code.")
    elif DutyItem.objects.filter(duty_list=duty_list, code=item.code).exclude(pk=item.pk).exists():
        errors["code"] = _("This code is already in the list.")
    if not item.name:
        errors["name"] = _("Enter the item name.")
    if item.kind not in rules.KINDS:
        errors["kind"] = _("Choose basic, cooperation or taken back.")
    elif item.kind != rules.BASIC and item.lead_unit is None:
        errors["lead_unit"] = _("A cooperation duty or a duty taken back names its department.")
    if item.lead_unit is not None and item.lead_unit.kind not in ("department", "office"):
        errors["lead_unit"] = _("The lead must be a county department.")
    if errors:
        raise ValidationError(errors)
    item.full_clean(exclude=["duty_list", "lead_unit"])
    item.save()
    if "cooperating_units" in data:
        item.cooperating_units.set(data["cooperating_units"])
    if "powers" in data:
        for power in item.powers.all():
            power.delete()
        for category, description in data["powers"]:
            if category.strip():
                Power.objects.create(item=item, category=category.strip()[:30], description=description.strip()[:300])
    return item


@transaction.atomic
def duty_item_standing_set(*, user, item: DutyItem, hours, reason: str = "") -> DutyItem:
    """减负办 sets a duty's standing workload (person-hours a month, empty for "not estimated"), on a draft or
    on a published list alike: the estimate is the office's measure of the duty, not part of the published
    text. The audit trail keeps the old and new figure and the reason."""
    item = DutyItem.objects.select_for_update().select_related("duty_list__unit").get(pk=item.pk)
    _require(user, "duties.set_standing_hours", item.duty_list.unit)
    problem = rules.standing_hours_problem(item.kind, hours)
    if problem:
        raise ValidationError({"standing_hours": _(problem)})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the standing workload changes.")})
    item.standing_hours = rules.standing_hours_value(hours)
    item.standing_source = StandingSource.OFFICE if item.standing_hours is not None else ""
    with audit_context(reason=reason[:500]):
        item.save(update_fields=["standing_hours", "standing_source"])  # the trail keeps old and new figure
    return item


@transaction.atomic
def duty_item_delete(*, user, item: DutyItem) -> None:
    duty_list = DutyList.objects.select_for_update().get(pk=item.duty_list_id)
    _require(user, "duties.delete_dutyitem", duty_list.unit)
    _require_draft(duty_list)
    item.delete()


@transaction.atomic
def duty_list_publish(*, user, duty_list: DutyList, note: str = "") -> DutyList:
    """Publish a draft: it becomes the town's current list and the previous published version is superseded."""
    duty_list = DutyList.objects.select_for_update().get(pk=duty_list.pk)
    _require(user, "duties.publish_dutylist", duty_list.unit)
    _require_draft(duty_list)
    if not duty_list.items.exists():
        raise ValidationError(_("An empty list cannot be published."))
    previous = DutyList.objects.select_for_update().filter(unit=duty_list.unit, status=DutyList.Status.PUBLISHED)
    for old in previous:
        old.status = DutyList.Status.SUPERSEDED
        old.save()
    duty_list.status = DutyList.Status.PUBLISHED
    duty_list.published_at = timezone.now()
    duty_list.published_by = user if user.pk else None
    if note:
        duty_list.note = note[:2000]
    duty_list.save()
    return duty_list


def import_rows(rows, departments: dict[str, Unit]):
    """Validate rows as read_xlsx gives them; returns (specs, errors as translated (row, column, message))."""
    items, errors = rules.check_rows(rows, departments.keys())
    messages = [(row, column, _(message) % params if params else _(message)) for row, column, message, params in errors]
    specs = [
        {
            "kind": item.kind,
            "code": item.code,
            "name": item.name,
            "domain": item.domain,
            "legal_basis": item.legal_basis,
            "lead_unit": departments.get(item.lead_department),
            "keywords": item.keywords,
            "powers": item.powers,
            "cooperating": [departments[name] for name in item.cooperating_departments],
            "standing_hours": item.standing_hours,
            "standing_source": StandingSource.IMPORT,
        }
        for item in items
    ]
    return specs, messages


class ImportRejected(ValidationError):
    """The file has row-level errors; `row_errors` lists (row, column, message). Nothing was saved."""

    def __init__(self, row_errors):
        self.row_errors = row_errors
        super().__init__(
            [
                _("Row %(row)s, %(column)s: %(message)s") % {"row": row, "column": column or "-", "message": message}
                for row, column, message in row_errors[:200]
            ]
        )


@transaction.atomic
def duty_list_import(*, user, unit: Unit, upload) -> DutyList:
    """Replace the items of the town's draft (created from nothing if there is none) with an Excel file in
    the published layout. The whole file is checked first; on any error nothing is saved."""
    _require(user, "duties.change_dutylist", unit)
    rows = read_xlsx(upload, rules.EXCEL_COLUMNS, optional=rules.OPTIONAL_COLUMNS)
    specs, errors = import_rows(rows, department_units())
    if errors:
        raise ImportRejected(errors)
    draft = duty_list_draft(user=user, unit=unit)
    draft.items.all().delete()
    _bulk_items(draft, specs)
    record("import", obj=draft, after={"items": len(specs), "file": getattr(upload, "name", "")[:200]})
    return draft


def duty_list_build(*, unit: Unit, specs: list[dict], user=None, note: str = "") -> DutyList:
    """For the demo and bulk loads run by the operator: a published version from specs in one go."""
    with transaction.atomic():
        number = (DutyList.objects.filter(unit=unit).aggregate(top=Max("version"))["top"] or 0) + 1
        DutyList.objects.filter(unit=unit, status=DutyList.Status.PUBLISHED).update(status=DutyList.Status.SUPERSEDED)
        duty_list = DutyList.objects.create(
            unit=unit,
            version=number,
            note=note,
            status=DutyList.Status.PUBLISHED,
            published_at=timezone.now(),
            published_by=user,
        )
        _bulk_items(duty_list, specs)
        record("import", obj=duty_list, after={"items": len(specs)})
    return duty_list
