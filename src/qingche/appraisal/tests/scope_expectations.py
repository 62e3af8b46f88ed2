"""What each account must see in each appraisal list endpoint, computed by hand from the account's
role grants (role permissions, unit path, scope) — deliberately not through visible_to.

Rules, in words:
- schemes: reference data for whoever may view schemes (the organization department).
- cycles: a cycle organised by a unit in the grant's reach, or by a unit above the grant's unit.
- results: the organization department (manage permission) sees every appraisee in its reach at any
  stage; other grants see their reach only once the cycle is in publicity or final, and only if they
  may read personnel records at all (热线 and 减负办 may not: they see no one's score, rank or
  breakdown); everyone sees their own result from publicity on.
- ratings: only the ones the account's own person gives, whatever the grant.
- appeals: one's own; the organization department also those in its reach.
- rater flags: the organization department only, for cycles organised in its reach.
"""

from __future__ import annotations

MANAGE = "manage_appraisalcycle"
PUBLISHED = {"publicity", "final"}
# Roles with no part in personnel work: named here by hand, not read from their permissions.
NO_PERSONNEL_WORK = {"hotline", "burden_office"}


def _grants(user):
    from qingche.org.models import RoleGrant

    rows = []
    for grant in RoleGrant.objects.filter(user=user).select_related("role", "unit"):
        codenames = {
            f"{app}.{code}" for app, code in grant.role.permissions.values_list("content_type__app_label", "codename")
        }
        if grant.role.code in NO_PERSONNEL_WORK:
            codenames.add("no_personnel_work")
        rows.append((grant.scope, grant.unit.pk, grant.unit.path, codenames))
    return rows


def _reaches(scope: str, unit_id: int, unit_path: str, target_id: int, target_path: str) -> bool:
    if scope == "unit":
        return target_id == unit_id
    if scope == "subtree":
        return target_path.startswith(unit_path)
    return False


def _person(user):
    from qingche.org.models import Person

    return Person.objects.filter(account=user).values_list("pk", flat=True).first()


def _holds(user, perm):
    return user.is_superuser or any(f"appraisal.{perm}" in perms for _s, _u, _p, perms in _grants(user))


def schemes(user) -> set[int]:
    from qingche.appraisal.models import AppraisalScheme

    if not _holds(user, "view_appraisalscheme"):
        return set()
    return set(AppraisalScheme.objects.values_list("pk", flat=True))


def cycles(user) -> set[int]:
    from qingche.appraisal.models import AppraisalCycle

    rows = list(AppraisalCycle.objects.values_list("pk", "unit_id", "unit__path"))
    if user.is_superuser:
        return {pk for pk, _u, _p in rows}
    seen = set()
    for scope, unit_id, unit_path, perms in _grants(user):
        if "appraisal.view_appraisalcycle" not in perms:
            continue
        for pk, cycle_unit, cycle_path in rows:
            if _reaches(scope, unit_id, unit_path, cycle_unit, cycle_path) or unit_path.startswith(cycle_path):
                seen.add(pk)
    return seen


def results(user) -> set[int]:
    from qingche.appraisal.models import Appraisee

    rows = list(Appraisee.objects.values_list("pk", "unit_id", "unit__path", "cycle__status", "person_id"))
    if user.is_superuser:
        return {row[0] for row in rows}
    me = _person(user)
    seen = set()
    for scope, unit_id, unit_path, perms in _grants(user):
        if "appraisal.view_appraisee" not in perms:
            continue
        manage = f"appraisal.{MANAGE}" in perms and scope != "self"
        others = manage or "no_personnel_work" not in perms
        for pk, target, path, status, person in rows:
            if me is not None and person == me and status in PUBLISHED:
                seen.add(pk)
            elif others and _reaches(scope, unit_id, unit_path, target, path) and (manage or status in PUBLISHED):
                seen.add(pk)
    return seen


def ratings(user) -> set[int]:
    from qingche.appraisal.models import Rating

    if user.is_superuser:
        return set(Rating.objects.values_list("pk", flat=True))
    me = _person(user)
    if me is None or not _holds(user, "view_rating"):
        return set()
    return set(Rating.objects.filter(rater_person_id=me).values_list("pk", flat=True))


def appeals(user) -> set[int]:
    from qingche.appraisal.models import Appeal

    rows = list(Appeal.objects.values_list("pk", "appraisee__person_id", "appraisee__unit_id", "appraisee__unit__path"))
    if user.is_superuser:
        return {row[0] for row in rows}
    me = _person(user)
    seen = set()
    for scope, unit_id, unit_path, perms in _grants(user):
        if "appraisal.view_appeal" not in perms:
            continue
        for pk, person, target, path in rows:
            if (me is not None and person == me) or (
                f"appraisal.{MANAGE}" in perms and _reaches(scope, unit_id, unit_path, target, path)
            ):
                seen.add(pk)
    return seen


def rater_flags(user) -> set[int]:
    from qingche.appraisal.models import RaterFlag

    rows = list(RaterFlag.objects.values_list("pk", "cycle__unit_id", "cycle__unit__path"))
    if user.is_superuser:
        return {row[0] for row in rows}
    seen = set()
    for scope, unit_id, unit_path, perms in _grants(user):
        if "appraisal.view_raterflag" in perms and f"appraisal.{MANAGE}" in perms:
            seen |= {pk for pk, target, path in rows if _reaches(scope, unit_id, unit_path, target, path)}
    return seen


EXPECTATIONS = {
    "appraisal-scheme": schemes,
    "appraisal-cycle": cycles,
    "appraisal-result": results,
    "appraisal-rating": ratings,
    "appraisal-appeal": appeals,
    "appraisal-rater-flag": rater_flags,
}
