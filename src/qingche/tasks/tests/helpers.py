"""Shared set-ups of the tasks tests (plain functions, used inside tests that hold the db fixture)."""

import datetime as dt

from django.utils import timezone

from qingche.duties.models import DutyItem
from qingche.org.models import Person, RoleGrant, Unit
from qingche.tasks import services
from qingche.tasks.models import TaskAssignment

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def grant_unit(user) -> Unit:
    return RoleGrant.objects.filter(user=user).select_related("unit").first().unit


def town_of(accounts, name="xiangzhen") -> Unit:
    return grant_unit(accounts[name])


def other_town(accounts) -> Unit:
    first = town_of(accounts)
    return Unit.objects.filter(kind__in=("town", "street")).exclude(pk=first.pk).order_by("path").first()


def code_of(town: Unit, kind="basic", lead=None) -> str:
    items = DutyItem.objects.filter(duty_list__unit=town, duty_list__status="published", kind=kind)
    if lead is not None:
        items = items.filter(lead_unit=lead)
    return items.order_by("code").values_list("code", flat=True).first()


def off_list_code(town: Unit) -> str:
    """A code on some published list but not on this town's."""
    mine = set(
        DutyItem.objects.filter(duty_list__unit=town, duty_list__status="published").values_list("code", flat=True)
    )
    every = DutyItem.objects.filter(duty_list__status="published").values_list("code", flat=True).distinct()
    return next((code for code in every if code not in mine), "")


def request_data(targets, **changes):
    data = {
        "title": "关于做好秋冬季秸秆禁烧巡查工作的通知",
        "content": "请各乡镇组织网格员开展秸秆禁烧巡查，建立巡查台账。",
        "basis_document": "县政府办〔2026〕12号",
        "duty_code": "",
        "targets": [unit.pk for unit in targets],
        "deadline": timezone.now() + dt.timedelta(days=21),
        "effort_hours": 6,
        "trace_materials": ["ledgers"],
        # read only where a target's lists do not hold the task (then required)
        "off_list_application": "汛期临时重点工作，须各乡镇配合完成，已报县减负办。",
    }
    data.update(changes)
    return data


def person_of(user) -> Person:
    return Person.objects.get(account=user)


def worked_task(accounts):
    town = town_of(accounts)
    village = grant_unit(accounts["cungan"])
    request = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=code_of(town)))
    task = request.tasks.get()
    soon = task.deadline - dt.timedelta(days=2)
    assignment = services.task_split(
        user=accounts["xiangzhen"], task=task, person=person_of(accounts["yixian"]), part="巡查台账", deadline=soon
    )
    part = services.task_forward(user=accounts["xiangzhen"], task=task, unit=village, part="本村巡查", deadline=soon)
    post = services.progress_post(user=accounts["yixian"], task=task, text="已巡查三个村")
    services.send_reminders(now=soon - dt.timedelta(hours=1))
    services.urgent_quota_set(
        user=accounts["jianfuban"],
        unit=services.requester_unit_of(accounts["bumen"]),
        year=timezone.localdate().year,
        quota=4,
    )
    return {"request": request, "task": task, "assignment": assignment, "part": part, "post": post}


def assigned_to(task_id, user) -> bool:
    return TaskAssignment.objects.filter(task_id=task_id, person__account=user).exists()
