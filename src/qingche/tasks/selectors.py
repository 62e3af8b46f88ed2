"""Reads of task requests, admissions, tasks and their parts, already scoped to the user."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from qingche.core import parameters
from qingche.core.scope import user_grants, user_person_id
from qingche.org import roles
from qingche.org.models import Unit
from qingche.tasks.models import (
    Admission,
    Evidence,
    ProgressPost,
    RegistryEntry,
    Reminder,
    Task,
    TaskAssignment,
    TaskRequest,
    UrgentQuota,
)


def task_requests(user):
    return TaskRequest.objects.visible_to(user).select_related("requester_unit")


def admissions(user):
    return Admission.objects.visible_to(user).select_related("request", "request__requester_unit", "unit")


def off_list_decider() -> str:
    """The role code that decides off-list targets (tasks.off_list_decider_role): 减负办 or 组织部 acting as 编办;
    any other value falls back to 减负办, so off-list targets always have someone to decide them."""
    value = parameters.get("tasks.off_list_decider_role")
    return value if value in (roles.BURDEN_OFFICE, roles.ORG_DEPARTMENT) else roles.BURDEN_OFFICE


def decides_admissions(user) -> bool:
    """Whether the user decides waiting targets now: 减负办, or the off-list decider's role when the parameter
    names another (组织部 holds the permission but decides nothing while 减负办 decides off-list targets)."""
    if not user.has_perm("tasks.decide_admission"):
        return False
    held = {grant.role for grant in user_grants(user) if "tasks.decide_admission" in grant.perms}
    return user.is_superuser or bool(held & {roles.BURDEN_OFFICE, off_list_decider()})


def approval_queue(user, *, requester_id: int | None = None, text: str = ""):
    """Targets waiting for the burden-reduction office, oldest first; optionally of one requesting department
    and with `text` in the task's title or the target unit's name."""
    waiting = (
        Admission.objects.visible_to(user, action="decide")
        .filter(verdict=Admission.Verdict.PENDING)
        .select_related("request", "request__requester_unit", "unit")
        .order_by("request__created_at", "id")
    )
    if not user.is_superuser:
        # each role sees the targets it decides: 减负办 those on a duty list, the off-list decider the others
        off_list_role = off_list_decider()
        held = {grant.role for grant in user_grants(user) if "tasks.decide_admission" in grant.perms}
        kinds = Q(pk__in=[])
        if roles.BURDEN_OFFICE in held:
            kinds |= Q(off_list=False)
        if off_list_role in held:
            kinds |= Q(off_list=True)
        waiting = waiting.filter(kinds)
    if requester_id is not None:
        waiting = waiting.filter(request__requester_unit_id=requester_id)
    if text:
        waiting = waiting.filter(Q(request__title__icontains=text) | Q(unit__name__icontains=text))
    return waiting


def approval_queue_requesters(user):
    """The departments with targets waiting, for the queue's filter."""
    waiting = approval_queue(user).values("request__requester_unit")
    return Unit.objects.filter(pk__in=waiting).order_by("path")


def tasks(user):
    return Task.objects.visible_to(user).select_related("unit", "request", "request__requester_unit", "parent")


def inbox(user):
    """Tasks of the units the user may split (towns, villages), newest deadlines first."""
    return (
        Task.objects.visible_to(user, action="split")
        .select_related("unit", "request", "request__requester_unit")
        .annotate(assignment_count=Count("assignments"))
    )


def my_assignments(user):
    person_id = user_person_id(user)
    if person_id is None:
        return TaskAssignment.objects.none()
    return (
        TaskAssignment.objects.visible_to(user)
        .filter(person_id=person_id)
        .select_related("task", "task__unit", "task__request", "task__request__requester_unit")
    )


def task_assignments(user):
    return TaskAssignment.objects.visible_to(user).select_related("task", "person")


def progress_posts(user):
    return ProgressPost.objects.visible_to(user).select_related("author", "assignment").prefetch_related("evidence")


def evidence(user):
    return Evidence.objects.visible_to(user).select_related("post")


def reminders(user):
    return Reminder.objects.visible_to(user).select_related("task", "recipient_unit")


def registry(user):
    return RegistryEntry.objects.visible_to(user)


def urgent_quotas(user):
    return UrgentQuota.objects.visible_to(user).select_related("unit").order_by("-year", "unit__path")


def admission_overview(user, year: int | None = None):
    """Admissions by verdict, by reason of the block, and each department's returned share."""
    rows = admissions(user)
    if year:
        rows = rows.filter(request__year=year)
    by_verdict = dict(rows.values_list("verdict").annotate(n=Count("id")).values_list("verdict", "n"))
    reasons: dict[tuple[str, str], int] = {}
    for checks in rows.exclude(verdict=Admission.Verdict.ADMITTED).values_list("checks", flat=True).iterator():
        for check in checks:
            if check.get("outcome") == "block":
                key = (check.get("rule", ""), check.get("code", ""))
                reasons[key] = reasons.get(key, 0) + 1
    departments = (
        rows.values("request__requester_unit__id", "request__requester_unit__name")
        .annotate(
            total=Count("id"),
            returned=Count("id", filter=Q(verdict=Admission.Verdict.RETURNED)),
            pending=Count("id", filter=Q(verdict=Admission.Verdict.PENDING)),
        )
        .order_by("-returned", "request__requester_unit__name")
    )
    department_rows = [
        {
            "id": row["request__requester_unit__id"],
            "name": row["request__requester_unit__name"],
            "total": row["total"],
            "returned": row["returned"],
            "pending": row["pending"],
            "returned_share": round(row["returned"] / row["total"], 3) if row["total"] else 0.0,
        }
        for row in departments
    ]
    return {
        "by_verdict": by_verdict,
        "reasons": sorted(reasons.items(), key=lambda item: -item[1]),
        "departments": department_rows,
    }


# -- figures other modules read (registered in wiring.py) -------------------------------------------------
def appraisal_figures(person_ids, start, end) -> dict[int, dict]:
    """Objective indicators for the appraisal module: each person's task assignments whose deadline falls in
    start..end (dates). workload = the task's estimated effort (person-hours per unit) shared equally among the
    task's assignments; done = assignments done; on_time = done by their deadline; errors = assignments late
    (done after the deadline, or still open after it by `end`) plus those of tasks sent back for more work.
    Not scoped to a user: the appraisal service that calls it checks its own permissions."""
    person_ids = list(person_ids)
    if not person_ids:
        return {}
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    rows = list(
        TaskAssignment.objects.filter(person_id__in=person_ids, deadline__gte=first, deadline__lte=last)
        .order_by()
        .values_list(
            "person_id", "task_id", "deadline", "status", "done_at", "task__status", "task__request__effort_hours"
        )
    )
    if not rows:
        return {}
    shares = dict(
        TaskAssignment.objects.filter(task_id__in={row[1] for row in rows})
        .order_by()
        .values_list("task_id")
        .annotate(n=Count("id"))
        .values_list("task_id", "n")
    )
    now = min(timezone.now(), last)
    figures: dict[int, dict] = {}
    for person_id, task_id, deadline, status, done_at, task_status, effort in rows:
        row = figures.setdefault(person_id, {"workload": 0.0, "done": 0, "on_time": 0, "errors": 0})
        row["workload"] += float(effort or 0) / max(1, shares.get(task_id, 1))
        done = status == TaskAssignment.Status.DONE and done_at is not None
        if done:
            row["done"] += 1
            if done_at <= deadline:
                row["on_time"] += 1
            else:
                row["errors"] += 1
        elif deadline < now:
            row["errors"] += 1
        if task_status == Task.Status.SENT_BACK:
            row["errors"] += 1
    for row in figures.values():
        row["workload"] = round(row["workload"], 1)
    return figures


def requesting_departments(unit_ids, start, end) -> dict[int, dict[int, int]]:
    """The county departments that worked with each unit, for the appraisal module's 职能部门 rater group:
    {unit id: {department id: tasks}} over the tasks admitted to the unit (forwarded parts included: a village's
    part of a town's task is a task admitted to the village) with admitted_on in start..end (dates), counted by
    the department that requested them. Only requesters that are county departments count. Not scoped to a
    user: the appraisal service that calls it checks its own permissions."""
    unit_ids = sorted(set(unit_ids))
    result: dict[int, dict[int, int]] = {}
    for first in range(0, len(unit_ids), 500):
        rows = (
            Task.objects.filter(
                unit_id__in=unit_ids[first : first + 500],
                admitted_on__gte=start,
                admitted_on__lte=end,
                request__requester_unit__kind=Unit.Kind.DEPARTMENT,
            )
            .order_by()
            .values_list("unit_id", "request__requester_unit_id")
            .annotate(n=Count("id"))
            .values_list("unit_id", "request__requester_unit_id", "n")
        )
        for unit_id, department_id, count in rows:
            result.setdefault(unit_id, {})[department_id] = count
    return result


def person_effort(person_ids, unit_id: int, first, last) -> dict[int, float]:
    """For burden's index of a person: each person's share of the estimated effort of the unit's tasks
    admitted in first..last (dates; the month of admission is when the effort became the unit's load). A task's
    effort (person-hours per unit, from its request) is shared equally among the distinct people it was split
    to (two parts of one task given to one person count once). person_ids None gives every person. Not scoped
    to a user: burden's selectors decide whose index a user may read."""
    rows = (
        TaskAssignment.objects.filter(task__unit_id=unit_id, task__admitted_on__gte=first, task__admitted_on__lte=last)
        .order_by()
        .values_list("task_id", "person_id", "task__request__effort_hours")
        .distinct()
    )
    people: dict[int, set[int]] = {}
    effort: dict[int, float] = {}
    for task_id, person_id, hours in rows:
        people.setdefault(task_id, set()).add(person_id)
        effort[task_id] = float(hours or 0)
    wanted = None if person_ids is None else set(person_ids)
    shares: dict[int, float] = {}
    for task_id, assigned in people.items():
        for person_id in assigned:
            if wanted is None or person_id in wanted:
                shares[person_id] = shares.get(person_id, 0.0) + effort[task_id] / len(assigned)
    return {person_id: round(hours, 4) for person_id, hours in shares.items()}


def letters_and_vetoes(user, year: int) -> list[dict]:
    """Per target unit (towns, streets, villages) and year: the responsibility letters and one-vote vetoes that
    reached it (admitted) and those refused at admission, from the admissions the user may see. The seeds'
    warning: some towns used to sign 40–50 letters a year."""
    admitted = Q(verdict=Admission.Verdict.ADMITTED)
    refused = Q(verdict=Admission.Verdict.RETURNED) | Q(verdict=Admission.Verdict.NARROWED)
    letter, veto = Q(request__needs_letter=True), Q(request__has_veto=True)
    rows = (
        admissions(user)
        .filter(request__year=year)
        .filter(letter | veto)
        .values("unit_id", "unit__name", "unit__path")
        .annotate(
            letters=Count("id", filter=letter & admitted),
            vetoes=Count("id", filter=veto & admitted),
            letters_refused=Count("id", filter=letter & refused),
            vetoes_refused=Count("id", filter=veto & refused),
        )
        .order_by("-letters", "-vetoes", "unit__path")
    )
    return list(rows)
