"""What each account must see on each list endpoint of the tasks module, computed by hand from the account's
role grants and the roles' permissions as written in org.roles (not through visible_to)."""

from qingche.org import roles
from qingche.org.models import Person, RoleGrant
from qingche.tasks.models import (
    Admission,
    ProgressPost,
    RegistryEntry,
    Reminder,
    Task,
    TaskAssignment,
    TaskRequest,
    UrgentQuota,
)


def grants(user, perm):
    """(scope, unit id, unit path) of the user's grants whose role holds perm by org.roles."""
    rows = RoleGrant.objects.filter(user=user).values_list("role__code", "scope", "unit_id", "unit__path")
    return [(scope, unit_id, path) for code, scope, unit_id, path in rows if perm in roles.ROLE_PERMISSIONS[code]]


def person_id(user):
    return Person.objects.filter(account=user).values_list("id", flat=True).first()


def _in(scope, unit_id, path, unit):
    """Whether a unit (id, path) is reached by a unit or subtree grant."""
    if scope == "subtree":
        return unit[1].startswith(path)
    if scope == "unit":
        return unit[0] == unit_id
    return False


def _reached(user, perm, rows, unit_keys, person_key=None):
    """ids of rows (dicts) reached by a grant through any of unit_keys (pairs of id/path keys) or, for self
    grants, person_key."""
    if user.is_superuser:
        return {row["id"] for row in rows}
    found = set()
    me = person_id(user)
    for scope, unit_id, path in grants(user, perm):
        for row in rows:
            if scope == "self":
                if person_key and me is not None and row.get(person_key) == me:
                    found.add(row["id"])
                continue
            if any(_in(scope, unit_id, path, (row[id_key], row[path_key])) for id_key, path_key in unit_keys):
                found.add(row["id"])
    return found


def task_requests(user):
    rows = list(TaskRequest.objects.values("id", "requester_unit_id", "requester_unit__path"))
    return _reached(user, "tasks.view_taskrequest", rows, [("requester_unit_id", "requester_unit__path")])


def admissions(user):
    rows = list(
        Admission.objects.values(
            "id", "unit_id", "unit__path", "request__requester_unit_id", "request__requester_unit__path"
        )
    )
    return _reached(
        user,
        "tasks.view_admission",
        rows,
        [("unit_id", "unit__path"), ("request__requester_unit_id", "request__requester_unit__path")],
    )


def _task_rows():
    rows = list(
        Task.objects.values(
            "id", "unit_id", "unit__path", "request__requester_unit_id", "request__requester_unit__path"
        )
    )
    people: dict[int, set[int]] = {}
    for task_id, person in TaskAssignment.objects.values_list("task_id", "person_id"):
        people.setdefault(task_id, set()).add(person)
    return rows, people


def tasks(user, perm="tasks.view_task"):
    rows, people = _task_rows()
    found = _reached(
        user, perm, rows, [("unit_id", "unit__path"), ("request__requester_unit_id", "request__requester_unit__path")]
    )
    me = person_id(user)
    if not user.is_superuser and me is not None and any(scope == "self" for scope, _u, _p in grants(user, perm)):
        found |= {row["id"] for row in rows if me in people.get(row["id"], set())}
    return found


def task_assignments(user):
    rows = list(TaskAssignment.objects.values("id", "person_id", "task__unit_id", "task__unit__path"))
    return _reached(user, "tasks.view_taskassignment", rows, [("task__unit_id", "task__unit__path")], "person_id")


def progress_posts(user):
    if not user.is_superuser and not grants(user, "tasks.view_progresspost"):
        return set()
    visible = tasks(user, "tasks.view_progresspost")
    return set(ProgressPost.objects.filter(task_id__in=visible).values_list("id", flat=True))


def registry(user):
    if user.is_superuser or grants(user, "tasks.view_registryentry"):
        return set(RegistryEntry.objects.values_list("id", flat=True))
    return set()


def urgent_quotas(user):
    if user.is_superuser or grants(user, "tasks.view_urgentquota"):
        return set(UrgentQuota.objects.values_list("id", flat=True))
    return set()


def reminders(user):
    rows = list(Reminder.objects.values("id", "recipient_unit_id", "recipient_unit__path", "recipient_person_id"))
    return _reached(
        user, "tasks.view_reminder", rows, [("recipient_unit_id", "recipient_unit__path")], "recipient_person_id"
    )


EXPECTATIONS = {
    "taskrequest": task_requests,
    "admission": admissions,
    "task": tasks,
    "taskassignment": task_assignments,
    "progresspost": progress_posts,
    "registryentry": registry,
    "reminder": reminders,
    "urgentquota": urgent_quotas,
}
