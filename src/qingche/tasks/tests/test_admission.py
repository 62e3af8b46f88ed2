"""Admission through the service and the API: verdicts stored per target, the office's queue, appeals,
idempotent sending, and bad input answered with 4xx and nothing saved."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from qingche.core.models import AuditEvent
from qingche.org.models import Unit
from qingche.tasks import rules, services
from qingche.tasks.models import Admission, RegistryEntry, Task, TaskRequest, UrgentQuota
from qingche.tasks.tests.helpers import code_of, off_list_code, other_town, request_data, town_of

pytestmark = pytest.mark.django_db


def verdicts(request):
    return {admission.unit_id: admission.verdict for admission in request.admissions.all()}


def test_basic_item_is_admitted_and_becomes_a_task(accounts):
    town = town_of(accounts)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=code_of(town)))
    assert verdicts(sent) == {town.pk: "admitted"}
    task = Task.objects.get(request=sent)
    assert (task.unit, task.status, task.deadline) == (town, "open", sent.deadline)
    assert AuditEvent.objects.filter(object_type="tasks.admission", object_id=str(sent.admissions.get().pk)).exists()


def test_taken_back_item_is_returned_with_its_reason(accounts):
    town = town_of(accounts)
    sent = services.task_request_submit(
        user=accounts["bumen"], data=request_data([town], duty_code=code_of(town, "taken_back"))
    )
    admission = sent.admissions.get()
    assert admission.verdict == "returned" and not Task.objects.filter(request=sent).exists()
    block = admission.blocking[0]
    assert (block["rule"], block["code"]) == ("duty", "taken_back")
    assert "%" not in services.translate_check(block)


def test_cooperation_only_for_the_lead_department(accounts):
    town = town_of(accounts)
    bumen_unit = services.requester_unit_of(accounts["bumen"])
    led = code_of(town, "cooperation", lead=bumen_unit)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=led))
    assert verdicts(sent) == {town.pk: "admitted"}
    other = (
        town.duty_lists.get(status="published")
        .items.filter(kind="cooperation")
        .exclude(lead_unit=bumen_unit)
        .values_list("code", flat=True)
        .first()
    )
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=other))
    assert verdicts(sent) == {town.pk: "returned"}


def test_off_list_waits_then_office_approves(accounts, api_as, client_as):
    town = town_of(accounts)
    data = request_data([town], duty_code=off_list_code(town))
    sent = services.task_request_submit(user=accounts["bumen"], data=data)
    admission = sent.admissions.get()
    assert admission.verdict == "pending"
    queue = api_as("jianfuban").get(reverse("admission-list"), {"verdict": "pending"}).json()
    assert admission.pk in {row["id"] for row in queue["results"]}
    assert (
        api_as("bumen")
        .post(reverse("admission-decide", args=[admission.pk]), {"decision": "approve"}, format="json")
        .status_code
        == 403
    )
    url = reverse("admission-decide", args=[admission.pk])
    # Approving overrides the block: not without a written reason.
    response = api_as("jianfuban").post(url, {"decision": "approve"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert not Task.objects.filter(admission=admission).exists()
    response = api_as("jianfuban").post(url, {"decision": "approve", "reason": "汛期临时重点工作"}, format="json")
    assert response.status_code == 200 and response.json()["verdict"] == "admitted"
    assert response.json()["decision_reason"] == "汛期临时重点工作"
    assert Task.objects.filter(admission=admission).count() == 1
    # The requesting department reads the decision, who made it and why.
    page = client_as("bumen").get(reverse("tasks:request_detail", args=[sent.pk])).content.decode()
    decision = page[page.index(f'id="decision-{admission.pk}"') :]
    assert "汛期临时重点工作" in decision[:600] and accounts["jianfuban"].username not in decision[:600]


def test_an_off_list_task_needs_a_written_application_and_a_decision_with_a_reason(accounts, client_as):
    town = town_of(accounts)
    before = TaskRequest.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.task_request_submit(
            user=accounts["bumen"], data=request_data([town], duty_code="", off_list_application="需要")
        )
    assert "off_list_application" in refused.value.message_dict and TaskRequest.objects.count() == before
    on_list = services.task_request_submit(
        user=accounts["bumen"], data=request_data([town], duty_code=code_of(town), off_list_application="")
    )
    assert on_list.admissions.get().verdict == "admitted"  # on the list: no application asked
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=""))
    admission = sent.admissions.get()
    with pytest.raises(ValidationError):
        services.admission_decide(user=accounts["jianfuban"], admission=admission, decision="narrow", reason="")
    queue = client_as("jianfuban").get(reverse("tasks:queue")).content.decode()
    assert sent.off_list_application in queue


def test_return_needs_a_reason_and_appeal_only_once(accounts, api_as):
    town = town_of(accounts)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=""))
    admission = sent.admissions.get()
    url = reverse("admission-decide", args=[admission.pk])
    response = api_as("jianfuban").post(url, {"decision": "return"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert (
        api_as("jianfuban").post(url, {"decision": "return", "reason": "不属于乡镇职责"}, format="json").status_code
        == 200
    )
    appeal = reverse("admission-appeal", args=[admission.pk])
    assert api_as("bumen").post(appeal, {"reason": ""}, format="json").status_code == 400
    assert api_as("bumen").post(appeal, {"reason": "确需乡镇配合"}, format="json").json()["verdict"] == "pending"
    assert api_as("jianfuban").post(url, {"decision": "return", "reason": "维持退回"}, format="json").status_code == 200
    response = api_as("bumen").post(appeal, {"reason": "再次申诉"}, format="json")
    assert response.status_code == 400
    assert AuditEvent.objects.filter(
        object_type="tasks.admission", object_id=str(admission.pk), reason="确需乡镇配合"
    ).exists()


def test_narrowing_removes_one_target(accounts):
    town, other = town_of(accounts), other_town(accounts)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town, other], duty_code=""))
    first = sent.admissions.get(unit=town)
    services.admission_decide(user=accounts["jianfuban"], admission=first, decision="narrow", reason="该镇无此情况")
    other_admission = sent.admissions.get(unit=other)
    services.admission_decide(user=accounts["jianfuban"], admission=other_admission, decision="approve", reason="同意")
    assert verdicts(sent) == {town.pk: "narrowed", other.pk: "admitted"}
    assert list(Task.objects.filter(request=sent).values_list("unit_id", flat=True)) == [other.pk]


def test_registry_page_counts_letters_and_vetoes_per_unit(accounts, client_as):
    town = town_of(accounts)
    code = code_of(town)
    data = request_data([town], duty_code=code, needs_letter=True)
    year = timezone.localtime(data["deadline"]).year
    RegistryEntry.objects.create(year=year, kind="letter", duty_code=code, title="目标责任书")
    services.task_request_submit(user=accounts["bumen"], data=data)
    page = client_as("jianfuban").get(reverse("tasks:registry"), {"year": year}).content.decode()
    board = page[page.index('id="letters-by-unit"') :]
    assert town.name in board


def test_registry_and_letter(accounts):
    town = town_of(accounts)
    code = code_of(town)
    data = request_data([town], duty_code=code, needs_letter=True)
    assert verdicts(services.task_request_submit(user=accounts["bumen"], data=data)) == {town.pk: "returned"}
    RegistryEntry.objects.create(
        year=timezone.localtime(data["deadline"]).year, kind="letter", duty_code=code, title="目标责任书"
    )
    assert verdicts(services.task_request_submit(user=accounts["bumen"], data=data)) == {town.pk: "admitted"}


def test_letter_on_a_cooperation_duty_is_returned_even_when_registered_and_the_registry_refuses_it(accounts):
    town = town_of(accounts)
    department = services.requester_unit_of(accounts["bumen"])
    code = code_of(town, "cooperation", lead=department) or code_of(town, "cooperation")
    data = request_data([town], duty_code=code, has_veto=True)
    year = timezone.localtime(data["deadline"]).year
    RegistryEntry.objects.create(year=year, kind="veto", duty_code=code, title="旧登记")  # registered before the rule
    admission = services.task_request_submit(user=accounts["bumen"], data=data).admissions.get()
    assert admission.verdict == "returned"
    assert "letter_on_department_duty" in {check["code"] for check in admission.blocking}
    from qingche.tasks import selectors

    row = next(row for row in selectors.letters_and_vetoes(accounts["jianfuban"], year) if row["unit_id"] == town.pk)
    assert row["vetoes_refused"] >= 1
    with pytest.raises(ValidationError) as refused:
        services.registry_entry_add(
            user=accounts["jianfuban"], year=year, kind="letter", duty_code=code, title="责任书"
        )
    assert "duty_code" in refused.value.message_dict
    basic = services.registry_entry_add(
        user=accounts["jianfuban"], year=year, kind="letter", duty_code=code_of(town), title="目标责任书"
    )
    assert basic.pk


def test_short_lead_time_and_urgent_quota(accounts):
    town = town_of(accounts)
    soon = timezone.now() + dt.timedelta(hours=30)
    data = request_data([town], duty_code=code_of(town), deadline=soon)
    assert verdicts(services.task_request_submit(user=accounts["bumen"], data=data)) == {town.pk: "returned"}
    urgent = {**data, "urgent": True, "urgent_reason": "防汛紧急"}
    assert verdicts(services.task_request_submit(user=accounts["bumen"], data=urgent)) == {town.pk: "admitted"}
    UrgentQuota.objects.create(
        unit=services.requester_unit_of(accounts["bumen"]), year=timezone.localdate().year, quota=1
    )
    sent = services.task_request_submit(user=accounts["bumen"], data=urgent)
    assert sent.admissions.get().blocking[0]["code"] == "quota_used"


def test_near_duplicate_warns_and_links(accounts):
    town = town_of(accounts)
    data = request_data([town], duty_code=code_of(town))
    first = services.task_request_submit(user=accounts["bumen"], data=data)
    second = services.task_request_submit(user=accounts["bumen"], data={**data, "title": data["title"] + "（补充）"})
    check = next(check for check in second.admissions.get().checks if check["rule"] == "duplicate")
    assert check["outcome"] == "warn" and check["link"] == f"/tasks/task/{first.tasks.get().pk}/"
    assert second.admissions.get().verdict == "admitted"


def test_double_submit_creates_one_request(accounts, api_as):
    town = town_of(accounts)
    body = {**request_data([town], duty_code=code_of(town)), "client_token": "click-1"}
    body["deadline"] = body["deadline"].isoformat()
    before = TaskRequest.objects.count()
    first = api_as("bumen").post(reverse("taskrequest-list"), body, format="json")
    second = api_as("bumen").post(reverse("taskrequest-list"), body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and TaskRequest.objects.count() == before + 1


def test_double_submit_through_the_form(accounts, client_as):
    town = town_of(accounts)
    client = client_as("bumen")
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "title": "关于做好禁烧巡查的通知",
        "content": "巡查",
        "duty_code": code_of(town),
        "targets": [town.pk],
        "deadline": deadline,
        "effort_hours": "4",
        "client_token": "form-token-1",
    }
    before = TaskRequest.objects.count()
    assert client.post(reverse("tasks:request_new"), form).status_code == 302
    assert client.post(reverse("tasks:request_new"), form).status_code == 302
    assert TaskRequest.objects.count() == before + 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deadline": "2020-01-01T10:00:00+08:00"}, "deadline"),
        ({"effort_hours": -3}, "effort_hours"),
        ({"effort_hours": 0}, "effort_hours"),
        ({"effort_hours": 999999}, "effort_hours"),
        ({"targets": [987654321]}, "targets"),
        ({"targets": []}, "targets"),
        ({"duty_code": "NO-SUCH-ITEM"}, "duty_code"),
        ({"title": ""}, "title"),
        ({"trace_materials": ["selfies"]}, "trace_materials"),
        ({"urgent": True, "urgent_reason": ""}, "urgent_reason"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(accounts, api_as, change, field):
    town = town_of(accounts)
    body = {**request_data([town], duty_code=code_of(town)), **change}
    if not isinstance(body["deadline"], str):
        body["deadline"] = body["deadline"].isoformat()
    counts = (TaskRequest.objects.count(), Admission.objects.count(), Task.objects.count())
    response = api_as("bumen").post(reverse("taskrequest-list"), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (TaskRequest.objects.count(), Admission.objects.count(), Task.objects.count()) == counts


def test_only_departments_send_tasks(accounts, api_as):
    town = town_of(accounts)
    body = request_data([town], duty_code=code_of(town))
    body["deadline"] = body["deadline"].isoformat()
    assert api_as("xiangzhen").post(reverse("taskrequest-list"), body, format="json").status_code == 403
    with pytest.raises(PermissionDenied):
        services.task_request_submit(user=accounts["yixian"], data=request_data([town]))


def test_preview_saves_nothing_and_shows_verdicts(accounts, client_as, api_as):
    town = town_of(accounts)
    before = TaskRequest.objects.count()
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M")
    page = (
        client_as("bumen")
        .post(
            reverse("tasks:request_preview"),
            {
                "title": "关于报送统计表的通知",
                "content": "报送",
                "duty_code": "",
                "targets": [town.pk],
                "deadline": deadline,
                "effort_hours": "2",
            },
        )
        .content.decode()
    )
    assert 'data-verdict="pending"' in page and 'data-code="not_on_list"' in page
    body = request_data([town], duty_code=code_of(town))
    body["deadline"] = body["deadline"].isoformat()
    rows = api_as("bumen").post(reverse("taskrequest-preview"), body, format="json").json()
    assert rows[0]["verdict"] == "admitted" and len(rows[0]["checks"]) == len(rules.RULES)
    assert TaskRequest.objects.count() == before
    errors = client_as("bumen").post(reverse("tasks:request_preview"), {"title": ""}).content.decode()
    assert 'id="preview-errors"' in errors


def test_all_towns(accounts):
    sent = services.task_request_submit(
        user=accounts["bumen"], data=request_data([], duty_code=code_of(town_of(accounts)), all_towns=True)
    )
    assert sent.admissions.count() >= 3


def test_overview_counts_returned_share(accounts, client_as):
    from qingche.tasks import selectors

    data = selectors.admission_overview(accounts["jianfuban"])
    assert sum(data["by_verdict"].values()) == Admission.objects.count()
    assert any(row["returned"] for row in data["departments"])
    assert all(0 <= row["returned_share"] <= 1 for row in data["departments"])
    page = client_as("jianfuban").get(reverse("tasks:overview")).content.decode()
    assert 'id="by-department"' in page


def test_service_rejects_unknown_decision(accounts):
    town = town_of(accounts)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=""))
    with pytest.raises(ValidationError):
        services.admission_decide(user=accounts["jianfuban"], admission=sent.admissions.get(), decision="maybe")


def test_urgent_quota_api(accounts, api_as):
    unit = services.requester_unit_of(accounts["bumen"])
    body = {"unit": unit.pk, "year": 2026, "quota": 3}
    assert api_as("bumen").post(reverse("urgentquota-list"), body, format="json").status_code == 403
    response = api_as("jianfuban").post(reverse("urgentquota-list"), body, format="json")
    assert response.status_code == 201 and response.json()["quota"] == 3
    assert (
        api_as("jianfuban").post(reverse("urgentquota-list"), {**body, "quota": -1}, format="json").status_code == 400
    )
    assert (
        api_as("jianfuban")
        .post(reverse("urgentquota-list"), {**body, "unit": town_of(accounts).pk}, format="json")
        .status_code
        == 400
    )
    assert {row["quota"] for row in api_as("bumen").get(reverse("urgentquota-list")).json()["results"]} == {3}


def _send_through_the_form(client, town, duty_code, token):
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "title": "关于做好禁烧巡查的通知",
        "content": "巡查",
        "duty_code": duty_code,
        "targets": [town.pk],
        "deadline": deadline,
        "effort_hours": "4",
        "client_token": token,
        "off_list_application": "确需乡镇配合的临时性工作，已说明理由。",
    }
    return client.post(reverse("tasks:request_new"), form, follow=True).content.decode()


def test_a_request_refused_for_every_target_is_not_shown_as_a_success(accounts, client_as):
    town = town_of(accounts)
    bumen_unit = services.requester_unit_of(accounts["bumen"])
    led_by_another = (
        town.duty_lists.get(status="published")
        .items.filter(kind="cooperation")
        .exclude(lead_unit=bumen_unit)
        .values_list("code", flat=True)
        .first()
    )
    client = client_as("bumen")
    refused = _send_through_the_form(client, town, led_by_another, "refused-1")
    assert 'class="alert alert-danger"' in refused and "全部未获准入" in refused
    assert "alert-success" not in refused
    admitted = _send_through_the_form(client, town, code_of(town), "admitted-1")
    assert 'class="alert alert-success"' in admitted and "alert-danger" not in admitted
    waiting = _send_through_the_form(client, town, off_list_code(town), "waiting-1")
    assert 'class="alert alert-warning"' in waiting and "1 个目标单位中 0 个已准入" in waiting
    assert "alert-success" not in waiting


def test_the_approval_queue_pages_and_filters(accounts, client_as):
    town = town_of(accounts)
    for number in range(3):
        data = request_data([town], duty_code=off_list_code(town), title=f"队列筛选测试{number}")
        services.task_request_submit(user=accounts["bumen"], data=data)
    client = client_as("jianfuban")
    page = client.get(reverse("tasks:queue")).content.decode()
    assert page.count('class="card mb-2 queue-item"') <= 20
    found = client.get(reverse("tasks:queue"), {"q": "队列筛选测试"}).content.decode()
    assert found.count('class="card mb-2 queue-item"') == 3
    other = Unit.objects.filter(kind="department").exclude(pk=services.requester_unit_of(accounts["bumen"]).pk).first()
    none = client.get(reverse("tasks:queue"), {"q": "队列筛选测试", "requester": other.pk}).content.decode()
    assert 'id="queue-empty"' in none
    # Deciding keeps the filter and says what was done.
    admission = Admission.objects.filter(request__title="队列筛选测试0").get()
    back = client.post(
        reverse("tasks:admission_decide", args=[admission.pk]),
        {"decision": "approve", "reason": "同意", "next": "/tasks/queue/?q=队列筛选测试"},
        follow=True,
    ).content.decode()
    assert back.count('class="card mb-2 queue-item"') == 2 and "已批准" in back


def test_who_decides_off_list_tasks_is_a_parameter(accounts, client_as):
    """减负办 by default; with tasks.off_list_decider_role = org_department, 组织部 (acting as 编办) decides them,
    and 减负办 no longer sees or decides them."""
    from qingche.core.models import Parameter

    town = town_of(accounts)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=""))
    admission = sent.admissions.get()
    assert admission.off_list and services.decider_role(admission) == "burden_office"
    assert sent.title in client_as("jianfuban").get(reverse("tasks:queue")).content.decode()
    assert sent.title not in client_as("zuzhibu").get(reverse("tasks:queue")).content.decode()
    with pytest.raises(PermissionDenied):
        services.admission_decide(user=accounts["zuzhibu"], admission=admission, decision="approve", reason="同意")
    Parameter.objects.update_or_create(key="tasks.off_list_decider_role", defaults={"value": "org_department"})
    try:
        assert services.decider_role(admission) == "org_department"
        assert sent.title not in client_as("jianfuban").get(reverse("tasks:queue")).content.decode()
        assert sent.title in client_as("zuzhibu").get(reverse("tasks:queue")).content.decode()
        assert 'data-card="tasks"' in client_as("zuzhibu").get("/").content.decode()
        with pytest.raises(PermissionDenied):
            services.admission_decide(
                user=accounts["jianfuban"], admission=admission, decision="approve", reason="同意"
            )
        decided = services.admission_decide(
            user=accounts["zuzhibu"], admission=admission, decision="approve", reason="编办同意临时承接"
        )
        assert decided.verdict == "admitted" and decided.decided_by == accounts["zuzhibu"]
        # an unknown role code falls back to 减负办: off-list targets always have a decider
        Parameter.objects.update_or_create(key="tasks.off_list_decider_role", defaults={"value": "nobody"})
        assert services.decider_role(admission) == "burden_office"
    finally:
        Parameter.objects.filter(key="tasks.off_list_decider_role").delete()
