"""The demo county lives in the day it was built: a year of history up to it, and open work around it
with a realistic mix of deadlines (due soon, on time, overdue) whose statuses agree with each other."""

import datetime as dt

import pytest
from django.utils import timezone

from qingche.service import rules as service_rules
from qingche.service.models import ServiceRequest
from qingche.tasks.models import Task, TaskAssignment

pytestmark = pytest.mark.django_db

MOST_OVERDUE = 0.2  # no more than about a fifth of the open work is overdue


def _mix(deadlines, now) -> dict[str, int]:
    soon = now + dt.timedelta(days=3)
    return {
        "overdue": sum(deadline < now for deadline in deadlines),
        "soon": sum(now <= deadline < soon for deadline in deadlines),
        "later": sum(deadline >= soon for deadline in deadlines),
    }


def test_the_demo_was_built_today_with_a_year_of_history(demo_today):
    assert demo_today == timezone.localdate()  # the session fixture built it for this run
    submitted = ServiceRequest.objects.order_by("submitted_at")
    first, last = submitted.first().submitted_at, submitted.last().submitted_at
    assert timezone.localdate(last) in (demo_today, demo_today - dt.timedelta(days=1))
    assert 360 <= (demo_today - timezone.localdate(first)).days <= 366
    latest_task = Task.objects.order_by("-admitted_on").first().admitted_on
    assert (demo_today - latest_task).days <= 31  # two requests a month at the tests' scale


def test_open_requests_are_mostly_not_overdue(demo_today):
    now = timezone.now()
    deadlines = list(ServiceRequest.objects.filter(status__in=service_rules.WITH_UNIT).values_list("due_at", flat=True))
    mix = _mix(deadlines, now)
    assert len(deadlines) >= 10, mix
    assert mix["overdue"] <= MOST_OVERDUE * len(deadlines), mix
    assert mix["soon"] > 0 and mix["later"] > 0, mix


def test_open_tasks_and_their_parts_are_mostly_not_overdue(demo_today):
    now = timezone.now()
    open_statuses = (Task.Status.OPEN, Task.Status.IN_PROGRESS, Task.Status.SENT_BACK)
    tasks = list(Task.objects.filter(status__in=open_statuses).values_list("deadline", flat=True))
    mix = _mix(tasks, now)
    assert len(tasks) >= 5, mix
    assert mix["overdue"] <= MOST_OVERDUE * len(tasks), mix
    assert mix["soon"] + mix["later"] > 0, mix
    # a person's part is late only where the task itself is late (or due within a day: parts may end a day early)
    late_parts = TaskAssignment.objects.filter(status=TaskAssignment.Status.OPEN, deadline__lt=now)
    assert not late_parts.filter(task__deadline__gte=now + dt.timedelta(days=1)).exists()


def test_task_statuses_agree_with_their_parts():
    """A task done or accepted has no part still to do; a task still open has its parts' work to show."""
    closed = (Task.Status.DONE, Task.Status.ACCEPTED)
    assert Task.objects.filter(status__in=closed).exists()
    assert not TaskAssignment.objects.filter(task__status__in=closed, status=TaskAssignment.Status.OPEN).exists()
    assert not Task.objects.filter(parent__status__in=closed).exclude(status__in=closed).exists()
    # done parts carry the day they were done, not later than the unit reported the whole task done
    done = TaskAssignment.objects.filter(status=TaskAssignment.Status.DONE).select_related("task")
    assert done.exists()
    for part in done:
        assert part.done_at is not None
        assert part.task.done_at is None or part.done_at <= part.task.done_at
