"""What each account must see on the duties list endpoints, computed by hand from the account's role grants and
the roles' permissions in org.roles: published (and superseded) versions are public to every role that may read
duty lists; drafts only within a unit or subtree grant."""

from qingche.duties.models import DutyItem, DutyList
from qingche.org import roles
from qingche.org.models import RoleGrant


def _grants(user, perm):
    rows = RoleGrant.objects.filter(user=user).values_list("role__code", "scope", "unit_id", "unit__path")
    return [(scope, unit_id, path) for code, scope, unit_id, path in rows if perm in roles.ROLE_PERMISSIONS[code]]


def _visible(user, perm, rows):
    if user.is_superuser:
        return {row["id"] for row in rows}
    grants = _grants(user, perm)
    if not grants:
        return set()
    found = set()
    for row in rows:
        if row["status"] in ("published", "superseded"):
            found.add(row["id"])
            continue
        for scope, unit_id, path in grants:
            if (scope == "subtree" and row["path"].startswith(path)) or (scope == "unit" and row["unit"] == unit_id):
                found.add(row["id"])
    return found


def duty_lists(user):
    rows = [
        {"id": pk, "status": status, "unit": unit, "path": path}
        for pk, status, unit, path in DutyList.objects.values_list("id", "status", "unit_id", "unit__path")
    ]
    return _visible(user, "duties.view_dutylist", rows)


def duty_items(user):
    rows = [
        {"id": pk, "status": status, "unit": unit, "path": path}
        for pk, status, unit, path in DutyItem.objects.values_list(
            "id", "duty_list__status", "duty_list__unit_id", "duty_list__unit__path"
        )
    ]
    return _visible(user, "duties.view_dutyitem", rows)


EXPECTATIONS = {"dutylist": duty_lists, "dutyitem": duty_items}
