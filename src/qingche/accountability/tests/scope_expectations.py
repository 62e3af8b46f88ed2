"""What each account must see of accountability, computed by hand from the account's role grants and the roles'
permissions in org.roles: 纪检监察 and 组织部 grants reach the cases (people concerned, determinations) of the
units they reach; every other grant reaches only what concerns the account's own person — a town leader does
not read the cases of the town's staff, an administrator none at all."""

from qingche.accountability.models import Case, CasePerson, Determination
from qingche.org import roles
from qingche.org.models import Person, RoleGrant

READERS = (roles.DISCIPLINE, roles.ORG_DEPARTMENT)


def _grants(user, perm):
    rows = RoleGrant.objects.filter(user=user).values_list("role__code", "scope", "unit_id", "unit__path")
    return [(code, scope, unit_id, path) for code, scope, unit_id, path in rows if perm in roles.ROLE_PERMISSIONS[code]]


def _me(user):
    return Person.objects.filter(account=user).values_list("pk", flat=True).first()


def _reaches(scope, grant_unit, grant_path, unit_id, path) -> bool:
    return (scope == "subtree" and path.startswith(grant_path)) or (scope == "unit" and unit_id == grant_unit)


def _expect(perm, rows_of):
    def expected(user):
        rows = rows_of()  # (id, {person ids concerned}, unit id, unit path)
        if user.is_superuser:
            return {row[0] for row in rows}
        grants, me = _grants(user, perm), _me(user)
        found = set()
        for pk, people, unit_id, path in rows:
            for code, scope, grant_unit, grant_path in grants:
                if me is not None and me in people:
                    found.add(pk)
                elif code in READERS and _reaches(scope, grant_unit, grant_path, unit_id, path):
                    found.add(pk)
        return found

    return expected


def _cases():
    people: dict[int, set[int]] = {}
    for case_id, person_id in CasePerson.objects.values_list("case_id", "person_id"):
        people.setdefault(case_id, set()).add(person_id)
    rows = Case.objects.values_list("id", "unit_id", "unit__path")
    return [(pk, people.get(pk, set()), unit, path) for pk, unit, path in rows]


def _case_people():
    rows = CasePerson.objects.values_list("id", "person_id", "case__unit_id", "case__unit__path")
    return [(pk, {person}, unit, path) for pk, person, unit, path in rows]


def _determinations():
    rows = Determination.objects.values_list(
        "id", "person_id", "case_person__case__unit_id", "case_person__case__unit__path"
    )
    return [(pk, {person}, unit, path) for pk, person, unit, path in rows]


cases = _expect("accountability.view_case", _cases)

EXPECTATIONS = {
    "accountabilitycase": cases,
    "caseperson": _expect("accountability.view_caseperson", _case_people),
    "determination": _expect("accountability.view_determination", _determinations),
}

PAGES = {
    "accountability-case": {
        "url": "/accountability/{pk}/",
        "perm": "accountability.view_case",
        "model": Case,
        "ids": cases,
        "paths": lambda: dict(Case.objects.values_list("pk", "unit__path")),
    },
}
