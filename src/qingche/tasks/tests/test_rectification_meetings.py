"""Coordination meetings (联席会议): recorded once, counted in burden's meeting registry; issues from units or the
ledger; decisions in their forms (a rectification item, a task through admission, a duty-list change) tracked to
done; the page of open decisions by owner; the API."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingche.burden.models import Meeting
from qingche.org.models import Unit
from qingche.tasks import services_meetings, services_rectification
from qingche.tasks.models import CoordinationDecision, RectificationItem, TaskRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(accounts, town):
    office = Unit.objects.get(name__contains="减负工作机制办公室")
    department = accounts["bumen"].person.unit
    start = timezone.now() - dt.timedelta(days=1)
    return services_meetings.coordination_meeting_create(
        user=accounts["jianfuban"],
        convener=office,
        series="乡镇与县直部门联席会议",
        title="测试联席会议",
        start=start,
        end=start + dt.timedelta(hours=2),
        participants=[town, department],
    )


def test_meeting_counts_in_the_burden_registry_and_refuses_bad_participants(accounts, meeting, town):
    assert Meeting.objects.filter(pk=meeting.meeting_id, organiser=meeting.convener).exists()
    assert list(meeting.meeting.attendances.values_list("unit_id", flat=True)) == [town.pk]
    village = Unit.objects.filter(kind="village").first()
    with pytest.raises(ValidationError) as refused:
        services_meetings.coordination_meeting_create(
            user=accounts["jianfuban"],
            convener=meeting.convener,
            series="联席会议",
            title="再开一次",
            start=meeting.meeting.start,
            end=meeting.meeting.end,
            participants=[village],
        )
    assert "participants" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services_meetings.coordination_meeting_create(
            user=accounts["xiangzhen"],
            convener=town,
            series="联席会议",
            title="乡镇自己开",
            start=meeting.meeting.start,
            end=meeting.meeting.end,
            participants=[town],
        )


def test_rectification_decision_raises_an_item_and_is_done_when_it_is_closed(accounts, meeting, town):
    office, town_user = accounts["jianfuban"], accounts["xiangzhen"]
    issue = services_meetings.coordination_issue_add(user=office, meeting=meeting, raised_by_unit=town, text="考核过多")
    decision = services_meetings.coordination_decision_add(
        user=office,
        meeting=meeting,
        text="合并同类考核",
        owner_unit=town,
        deadline=timezone.localdate() + dt.timedelta(days=30),
        form="rectification",
        issue=issue,
    )
    item = decision.rectification_item
    assert item.source_kind == "meeting_decision" and item.raiser_unit == meeting.convener and item.owner_unit == town
    with pytest.raises(ValidationError):
        services_meetings.decision_done(user=town_user, decision=decision, note="已办")  # done only through the item
    services_rectification.rectification_set_measures(user=town_user, item=item, measures="合并考核")
    services_rectification.rectification_submit(user=town_user, item=item, text="已合并")
    services_rectification.rectification_verify(user=office, item=item)
    decision.refresh_from_db()
    assert decision.status == "done" and decision.done_note


def test_task_decision_goes_through_admission_from_the_owning_department(accounts, meeting, town):
    office, department_user = accounts["jianfuban"], accounts["bumen"]
    department = department_user.person.unit
    with pytest.raises(ValidationError) as refused:
        services_meetings.coordination_decision_add(
            user=office,
            meeting=meeting,
            text="派发任务",
            owner_unit=town,
            deadline=timezone.localdate() + dt.timedelta(days=30),
            form="task",
        )
    assert "owner_unit" in refused.value.message_dict
    decision = services_meetings.coordination_decision_add(
        user=office,
        meeting=meeting,
        text="派发人居环境整治任务",
        owner_unit=department,
        deadline=timezone.localdate() + dt.timedelta(days=30),
        form="task",
    )
    with pytest.raises(ValidationError):
        services_meetings.decision_done(user=department_user, decision=decision, note="已办")  # no task yet
    with pytest.raises(PermissionDenied):
        services_meetings.decision_send_task(user=accounts["xiangzhen"], decision=decision, data={})
    deadline = timezone.now() + dt.timedelta(days=21)
    request = services_meetings.decision_send_task(
        user=department_user,
        decision=decision,
        data={
            "title": decision.text,
            "content": decision.text,
            "deadline": deadline,
            "effort_hours": 4,
            "targets": [town],
        },
    )
    assert TaskRequest.objects.filter(pk=request.pk, requester_unit=department).exists()
    assert request.admissions.count() == 1  # admission ran
    decision = services_meetings.decision_done(user=department_user, decision=decision, note="任务已派发并完成")
    assert decision.status == "done"


def test_pages_of_meetings_and_open_decisions(client_as, accounts, meeting, town):
    office = client_as("jianfuban")
    deadline = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = office.post(
        f"/tasks/coordination/{meeting.pk}/",
        {"action": "decision", "text": "清理挂牌", "owner_unit": town.pk, "deadline": deadline, "form": "duty_change"},
    )
    assert response.status_code == 400  # a duty-list change names its duty item
    assert office.post(f"/tasks/coordination/{meeting.pk}/", {"action": "issue", "item": 999999999}).status_code == 400
    response = office.post(
        f"/tasks/coordination/{meeting.pk}/",
        {"action": "decision", "text": "清理挂牌", "owner_unit": town.pk, "deadline": deadline, "form": "record"},
    )
    assert response.status_code == 302
    decision = CoordinationDecision.objects.get(meeting=meeting)
    page = client_as("xiangzhen").get("/tasks/coordination/decisions/")
    assert page.status_code == 200 and f"/tasks/coordination/decisions/{decision.pk}/" in page.content.decode()
    group = next(group for group in page.context["groups"] if group["unit"] == town)
    assert group["overdue"] >= 1
    done = client_as("xiangzhen").post(f"/tasks/coordination/decisions/{decision.pk}/", {"action": "done", "note": ""})
    assert done.status_code == 400
    done = client_as("xiangzhen").post(
        f"/tasks/coordination/decisions/{decision.pk}/", {"action": "done", "note": "已清理"}
    )
    assert done.status_code == 302
    assert client_as("jianfuban").get("/tasks/coordination/").status_code == 200
    assert client_as("jianfuban").get("/tasks/coordination/new/").status_code == 200


def test_api_raises_and_refuses_the_owner_verifying(api_as, accounts, town):
    deadline = (timezone.localdate() + dt.timedelta(days=15)).isoformat()
    created = api_as("jianfuban").post(
        "/api/v1/rectification-items/",
        {
            "source_kind": "manual",
            "problem": "报表过多",
            "owner_unit": town.pk,
            "deadline": deadline,
            "evidence_required": "清理文件",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    town_api = api_as("xiangzhen")
    assert (
        town_api.post(
            f"/api/v1/rectification-items/{pk}/measures/", {"measures": "合并报表"}, format="json"
        ).status_code
        == 200
    )
    assert (
        town_api.post(f"/api/v1/rectification-items/{pk}/submit/", {"text": "已合并"}, format="json").status_code == 200
    )
    refused = town_api.post(f"/api/v1/rectification-items/{pk}/verify/", {}, format="json")
    assert refused.status_code == 403
    bad = api_as("jianfuban").post("/api/v1/rectification-items/", {"source_kind": "nope"}, format="json")
    assert bad.status_code == 400
    closed = api_as("jianfuban").post(f"/api/v1/rectification-items/{pk}/verify/", {"note": "属实"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert RectificationItem.objects.get(pk=pk).verified_by == accounts["jianfuban"]
