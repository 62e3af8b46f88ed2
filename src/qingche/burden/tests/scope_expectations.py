"""What each account must see in the burden API, computed by hand from its role grants (not through
visible_to): a record is seen through a grant whose role reads it and that reaches the unit that
sent it or a unit it reached; `self` grants see only their own overtime. 直通车 reports are read
only by 减负办 (and the superuser)."""

from qingche.burden.models import (
    BurdenAlert,
    BurdenReport,
    CatalogField,
    Document,
    FormFill,
    Inspection,
    InspectionPlanItem,
    Meeting,
    OvertimeEntry,
    ReportForm,
    RequiredApp,
)
from qingche.org.models import Person, RoleGrant

REGISTRY_READERS = {"burden_office", "county_department", "town", "village"}
OVERTIME_READERS = REGISTRY_READERS | {"frontline"}
CATALOG_READERS = REGISTRY_READERS | {"frontline"}


def _grants(user, roles):
    grants = RoleGrant.objects.filter(user=user).select_related("unit", "role")
    return [(g.unit.pk, g.unit.path, g.scope) for g in grants if g.role.code in roles]


def _reaches(grants, units) -> bool:
    for unit_id, path, scope in grants:
        for unit in units:
            if scope == "subtree" and unit.path.startswith(path):
                return True
            if scope == "unit" and unit.pk == unit_id:
                return True
    return False


def _by_units(model, sender, receivers, roles=REGISTRY_READERS):
    def expected(user):
        rows = model.objects.all()
        if user.is_superuser:
            return set(rows.values_list("pk", flat=True))
        grants = _grants(user, roles)
        if not grants:
            return set()
        return {row.pk for row in rows if _reaches(grants, [getattr(row, sender), *receivers(row)])}

    return expected


def _overtime(user):
    if user.is_superuser:
        return set(OvertimeEntry.objects.values_list("pk", flat=True))
    found = set()
    grants = _grants(user, OVERTIME_READERS)
    person = Person.objects.filter(account=user).first()
    for entry in OvertimeEntry.objects.select_related("unit"):
        if _reaches([g for g in grants if g[2] != "self"], [entry.unit]):
            found.add(entry.pk)
        elif any(g[2] == "self" for g in grants) and person is not None and entry.person_id == person.pk:
            found.add(entry.pk)
    return found


def _global(model, roles):
    def expected(user):
        if user.is_superuser or _grants(user, roles):
            return set(model.objects.values_list("pk", flat=True))
        return set()

    return expected


EXPECTATIONS = {
    "burden-plan-item": _by_units(InspectionPlanItem, "issuer", lambda row: list(row.targets.all())),
    "burden-inspection": _by_units(Inspection, "issuer", lambda row: [row.target]),
    "burden-meeting": _by_units(Meeting, "organiser", lambda row: [a.unit for a in row.attendances.all()]),
    "burden-document": _by_units(Document, "issuer", lambda row: list(row.targets.all())),
    "burden-app": _by_units(RequiredApp, "issuer", lambda row: list(row.targets.all())),
    "burden-report-form": _by_units(ReportForm, "issuer", lambda row: list(row.targets.all())),
    "burden-form-fill": _by_units(FormFill, "unit", lambda row: [row.form.issuer]),
    "burden-alert": _by_units(BurdenAlert, "unit", lambda row: []),
    "burden-overtime": _overtime,
    "burden-catalog-field": _global(CatalogField, CATALOG_READERS),
    "burden-report": _global(BurdenReport, {"burden_office"}),
}
