"""What each account must see on each list endpoint of the tasks module, computed by hand from the account's
role grants and the roles' permissions as written in org.roles (not through visible_to)."""

from qingche.org import roles
from qingche.org.models import Person, RoleGrant
from qingche.tasks.models import (
    Admission,
    CoordinationDecision,
    CoordinationIssue,
    CoordinationMeeting,
    ProgressPost,
    RectificationEvidence,
    RectificationItem,
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


def rectification_items(user, perm="tasks.view_rectificationitem"):
    rows = list(
        RectificationItem.objects.values(
            "id", "owner_unit_id", "owner_unit__path", "raiser_unit_id", "raiser_unit__path", "owner_person_id"
        )
    )
    return _reached(
        user,
        perm,
        rows,
        [("owner_unit_id", "owner_unit__path"), ("raiser_unit_id", "raiser_unit__path")],
        "owner_person_id",
    )


def rectification_evidence(user):
    if not user.is_superuser and not grants(user, "tasks.view_rectificationevidence"):
        return set()
    items = rectification_items(user, "tasks.view_rectificationevidence")
    return set(RectificationEvidence.objects.filter(item_id__in=items).values_list("id", flat=True))


def coordination_meetings(user, perm="tasks.view_coordinationmeeting"):
    rows = [
        {**row, "participants": []} for row in CoordinationMeeting.objects.values("id", "convener_id", "convener__path")
    ]
    by_id = {row["id"]: row for row in rows}
    for meeting_id, unit_id, path in CoordinationMeeting.participants.through.objects.values_list(
        "coordinationmeeting_id", "unit_id", "unit__path"
    ):
        by_id[meeting_id]["participants"].append((unit_id, path))
    if user.is_superuser:
        return set(by_id)
    found = set()
    for scope, unit_id, path in grants(user, perm):
        for row in rows:
            units = [(row["convener_id"], row["convener__path"]), *row["participants"]]
            if any(_in(scope, unit_id, path, unit) for unit in units):
                found.add(row["id"])
    return found


def coordination_issues(user):
    if not user.is_superuser and not grants(user, "tasks.view_coordinationissue"):
        return set()
    meetings = coordination_meetings(user, "tasks.view_coordinationissue")
    return set(CoordinationIssue.objects.filter(meeting_id__in=meetings).values_list("id", flat=True))


def coordination_decisions(user):
    rows = list(
        CoordinationDecision.objects.values(
            "id", "owner_unit_id", "owner_unit__path", "meeting__convener_id", "meeting__convener__path"
        )
    )
    return _reached(
        user,
        "tasks.view_coordinationdecision",
        rows,
        [("owner_unit_id", "owner_unit__path"), ("meeting__convener_id", "meeting__convener__path")],
    )


EXPECTATIONS = {
    "rectificationitem": rectification_items,
    "rectificationevidence": rectification_evidence,
    "coordinationmeeting": coordination_meetings,
    "coordinationissue": coordination_issues,
    "coordinationdecision": coordination_decisions,
    "taskrequest": task_requests,
    "admission": admissions,
    "task": tasks,
    "taskassignment": task_assignments,
    "progresspost": progress_posts,
    "registryentry": registry,
    "reminder": reminders,
    "urgentquota": urgent_quotas,
}

# Detail pages checked by the scope matrix (org/tests/test_scope_matrix.py).
PAGES = {
    "tasks-ledger-item": {
        "url": "/tasks/ledger/{pk}/",
        "perm": "tasks.view_rectificationitem",
        "model": RectificationItem,
        "ids": rectification_items,
        "paths": lambda: dict(RectificationItem.objects.values_list("pk", "owner_unit__path")),
    },
    "tasks-coordination-meeting": {
        "url": "/tasks/coordination/{pk}/",
        "perm": "tasks.view_coordinationmeeting",
        "model": CoordinationMeeting,
        "ids": coordination_meetings,
        "paths": lambda: dict(CoordinationMeeting.objects.values_list("pk", "convener__path")),
    },
}
