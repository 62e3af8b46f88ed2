"""What each account must see in the burden API, computed by hand from its role grants (not through
visible_to): a record is seen through a grant whose role reads it and that reaches the unit that
sent it or a unit it reached; `self` grants see only their own overtime. 直通车 reports are read
only by 减负办 (and the superuser). The index of a person is seen for the people the account may see
(org's rule: a grant whose role reads people reaches the unit that keeps the person's record; a `self` grant
the account's own person), by an account whose role reads people's indexes."""

from qingche.burden.models import (
    BurdenAlert,
    BurdenReport,
    CatalogField,
    Document,
    FormFill,
    FundAllocation,
    Inspection,
    InspectionPlanItem,
    Meeting,
    OvertimeEntry,
    ReportForm,
    RequiredApp,
    StaffingRequest,
)
from qingche.org.models import Person, RoleGrant
from qingche.org.roles import ROLE_PERMISSIONS

REGISTRY_READERS = {"burden_office", "county_department", "town", "village"}
OVERTIME_READERS = REGISTRY_READERS | {"frontline"}
CATALOG_READERS = REGISTRY_READERS | {"frontline"}
# Funds and staffing requests: 减负办, 编办 (in the organization department) and towns, each in its subtree.
RESOURCE_READERS = {"burden_office", "org_department", "town"}


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


def _person_index(user):
    people = list(Person.objects.values_list("pk", "unit_id", "unit__path"))
    if user.is_superuser:
        return {pk for pk, _unit, _path in people}
    grants = list(RoleGrant.objects.filter(user=user).values_list("role__code", "unit_id", "unit__path", "scope"))
    if not any("burden.view_person_index" in ROLE_PERMISSIONS[code] for code, *_rest in grants):
        return set()
    own = Person.objects.filter(account=user).values_list("pk", flat=True).first()
    found = set()
    for code, grant_unit, grant_path, scope in grants:
        if "org.view_person" not in ROLE_PERMISSIONS[code]:
            continue
        for pk, unit_id, path in people:
            if (
                (scope == "self" and pk == own)
                or (scope == "unit" and unit_id == grant_unit)
                or (scope == "subtree" and path.startswith(grant_path))
            ):
                found.add(pk)
    return found


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
    "burden-person-index": _person_index,
    "burden-fund": _by_units(FundAllocation, "unit", lambda row: [], RESOURCE_READERS),
    "burden-staffing-request": _by_units(StaffingRequest, "unit", lambda row: [], RESOURCE_READERS),
}

# Detail pages checked by the scope matrix (org/tests/test_scope_matrix.py): a row in the scope opens, rows
# just outside it are 404 (403 for a role without the page's permission).
PAGES = {
    "burden-person-index": {
        "url": "/burden/people/{pk}/",
        "perm": "burden.view_person_index",
        "model": Person,
        "ids": _person_index,
        "paths": lambda: dict(Person.objects.values_list("pk", "unit__path")),  # where each row hangs in the tree
    },
}
