"""The connections of task admission to burden monitoring and appraisal, on the real database: the measured
burden index in admission check 6, 一表通 forms returned when mostly held, admitted effort as burden load in
the admitting transaction, and task assignments as appraisal indicators."""

import datetime as dt
import math

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from qingche.appraisal import indicators
from qingche.burden import selectors as burden
from qingche.burden import services as burden_services
from qingche.burden import sources
from qingche.burden.models import CatalogField, LoadRollup, SenderRollup
from qingche.tasks import selectors, services
from qingche.tasks.models import TaskAssignment
from qingche.tasks.tests.helpers import code_of, off_list_code, person_of, request_data, town_of

pytestmark = pytest.mark.django_db


def _last_month(now=None) -> dt.date:
    today = timezone.localtime(now or timezone.now()).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _task_load(unit_id, month) -> float:
    total = LoadRollup.objects.filter(unit_id=unit_id, month=month, source="tasks").aggregate(s=Sum("hours"))["s"]
    return float(total or 0)


def _burden_check(sent):
    return next(check for check in sent.admissions.get().checks if check["rule"] == "burden")


# -- check 6: the measured burden index ------------------------------------------------------------------
def test_burden_check_uses_the_measured_index_and_red_line(accounts, client_as):
    town = town_of(accounts)
    month = _last_month()
    measured = burden.index_for_units([town.pk], f"{month:%Y-%m}")[town.pk]
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=code_of(town)))
    check = _burden_check(sent)
    assert measured is not None
    assert check["params"] == {"index": f"{measured:.2f}", "red_line": f"{burden.red_line():.2f}"}
    assert check["code"] == ("above_red_line" if measured > burden.red_line() else "within_red_line")
    page = client_as("bumen").get(reverse("tasks:request_detail", args=[sent.pk])).content.decode()
    assert 'data-rule="burden"' in page and "placeholder" not in page.lower()


def test_an_overloaded_town_gets_the_warning(accounts):
    """Admitted tasks of last month (through the admission service) push the town over its red line; the
    next request to it is warned and still admitted."""
    town = town_of(accounts)
    month = _last_month()
    period = f"{month:%Y-%m}"
    result = burden.index_results([town.pk], period)[town.pk]
    weight = burden.weights()["tasks"]
    missing_hours = (burden.red_line() - (result.value or 0)) * result.capacity / weight
    then = timezone.make_aware(dt.datetime.combine(month + dt.timedelta(days=9), dt.time(10)))
    for number in range(max(0, math.ceil(missing_hours / 2000)) + 1):
        data = request_data(
            [town],
            duty_code=code_of(town),
            effort_hours=2000,
            title=f"第{number}批入户排查任务",
            content=f"第{number}批：逐户排查并登记。",
            deadline=then + dt.timedelta(days=20),
        )
        services.task_request_submit(user=accounts["bumen"], data=data, now=then)
    assert burden.index_for_units([town.pk], period)[town.pk] > burden.red_line()
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=code_of(town)))
    check = _burden_check(sent)
    assert (check["outcome"], check["code"]) == ("warn", "above_red_line")
    assert sent.admissions.get().verdict == "admitted"  # a warning, not a block


# -- 一表通: a form whose fields are mostly held is returned ----------------------------------------------------
def _form(accounts, town, reused: int, new: int):
    department = services.requester_unit_of(accounts["bumen"])
    catalog = list(CatalogField.objects.order_by("pk").values_list("pk", flat=True)[:reused])
    assert len(catalog) == reused
    fields = [{"catalog_field": pk} for pk in catalog] + [
        {"label": f"新指标{n}", "definition": f"本次新增的第{n}项", "unit": "个"} for n in range(new)
    ]
    return burden_services.report_form_create(
        user=accounts["bumen"],
        issuer=department,
        title="企业用工统计表",
        sent_on=timezone.localdate(),
        targets=[town],
        fields=fields,
    )


def test_a_form_mostly_held_is_returned_with_a_plain_reason(accounts, client_as):
    town = town_of(accounts)
    form = _form(accounts, town, reused=3, new=1)
    assert burden.form_reuse_share(form.pk) == 0.75
    sent = services.task_request_submit(
        user=accounts["bumen"], data=request_data([town], duty_code=code_of(town), report_form=form.pk)
    )
    admission = sent.admissions.get()
    assert admission.verdict == "returned" and not sent.tasks.exists()
    assert [check["code"] for check in admission.blocking] == ["form_already_held"]
    assert sent.report_form == form
    page = client_as("bumen").get(reverse("tasks:request_detail", args=[sent.pk])).content.decode()
    assert 'data-code="form_already_held"' in page and "企业用工统计表" in page


def test_a_form_with_mostly_new_fields_passes(accounts, api_as):
    town = town_of(accounts)
    form = _form(accounts, town, reused=1, new=3)
    body = {**request_data([town], duty_code=code_of(town), report_form=form.pk)}
    body["deadline"] = body["deadline"].isoformat()
    response = api_as("bumen").post("/api/v1/task-requests/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["report_form"] == form.pk
    checks = response.json()["admissions"][0]["checks"]
    assert next(check for check in checks if check["rule"] == "form")["code"] == "form_new_data"
    assert response.json()["admissions"][0]["verdict"] == "admitted"


def test_an_unknown_form_is_refused_naming_the_field(accounts, api_as):
    town = town_of(accounts)
    body = request_data([town], duty_code=code_of(town), report_form=10**9)
    body["deadline"] = body["deadline"].isoformat()
    response = api_as("bumen").post("/api/v1/task-requests/", body, format="json")
    assert response.status_code == 400 and "report_form" in response.json()


# -- admitted effort is burden load -----------------------------------------------------------------------
def test_tasks_source_is_registered_and_no_longer_missing():
    source = sources.registered()["tasks"]
    assert source.rollup and source.sender == sources.UPPER
    assert "tasks" not in {row["name"] for row in sources.missing()}


def test_admitted_effort_feeds_the_rollup_and_the_sender(accounts):
    town = town_of(accounts)
    department = services.requester_unit_of(accounts["bumen"])
    month = timezone.localdate().replace(day=1)
    before = _task_load(town.pk, month)
    sender_before = float(
        SenderRollup.objects.filter(unit=town, month=month, issuer=department).aggregate(s=Sum("hours"))["s"] or 0
    )
    services.task_request_submit(
        user=accounts["bumen"], data=request_data([town], duty_code=code_of(town), effort_hours=12.5)
    )
    assert _task_load(town.pk, month) == before + 12.5
    assert (
        float(SenderRollup.objects.filter(unit=town, month=month, issuer=department).aggregate(s=Sum("hours"))["s"])
        == sender_before + 12.5
    )
    # a target waiting for 减负办 adds nothing until it is approved; a return adds nothing at all
    pending = services.task_request_submit(
        user=accounts["bumen"],
        data=request_data(
            [town], duty_code=off_list_code(town), effort_hours=7, title="另一项清单外任务", content="清单外的工作"
        ),
    )
    admission = pending.admissions.get()
    assert admission.verdict == "pending" and _task_load(town.pk, month) == before + 12.5
    services.admission_decide(
        user=accounts["jianfuban"], admission=admission, decision="approve", reason="确属临时重点工作"
    )
    assert _task_load(town.pk, month) == before + 19.5
    # the index reads the same figure through the registered rollup source
    loads = burden.loads_by_source([town.pk], burden._as_period(f"{month:%Y-%m}"), subtree=False)[town.pk]
    assert loads["tasks"] == before + 19.5


# -- appraisal indicators from task assignments ------------------------------------------------------------
def test_task_assignments_are_appraisal_indicators(accounts):
    assert "tasks" in indicators.registered()
    assert next(row for row in indicators.status() if row["name"] == "tasks")["connected"] is True
    town = town_of(accounts)
    yixian = person_of(accounts["yixian"])
    now = timezone.now()
    start, end = timezone.localdate() - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=60)
    before = selectors.appraisal_figures([yixian.pk], start, end).get(
        yixian.pk, {"workload": 0, "done": 0, "on_time": 0, "errors": 0}
    )
    sent = services.task_request_submit(
        user=accounts["bumen"],
        data=request_data(
            [town], duty_code=code_of(town), effort_hours=10, title="逐户核对低保对象", content="逐户核对并登记台账"
        ),
    )
    task = sent.tasks.get()
    on_time = services.task_split(
        user=accounts["xiangzhen"], task=task, person=yixian, part="东片", deadline=now + dt.timedelta(days=5)
    )
    services.task_split(
        user=accounts["xiangzhen"], task=task, person=yixian, part="西片", deadline=now + dt.timedelta(days=6)
    )
    TaskAssignment.objects.filter(pk=on_time.pk).update(status="done", done_at=now)
    after = selectors.appraisal_figures([yixian.pk], start, end)[yixian.pk]
    assert after["workload"] == pytest.approx(before["workload"] + 10)  # two parts share the task's 10 hours
    assert (after["done"], after["on_time"], after["errors"]) == (
        before["done"] + 1,
        before["on_time"] + 1,
        before["errors"],
    )
    figures, _triggers, used = indicators.collect([yixian.pk], start, end)
    assert "tasks" in used and figures[yixian.pk]["workload"] >= after["workload"]


# -- the index of a person: task parts are the person's own work ------------------------------------------------
def test_task_parts_are_own_work_in_the_index_of_a_person(accounts):
    """A task of 10 person-hours split to yixian (two parts) and a colleague (one part): 5 hours each, in the
    month of admission; burden reads them through the registered person source and takes them out of the
    town's shared load of admitted tasks."""
    from qingche.org.models import Person

    town = town_of(accounts)
    yixian = person_of(accounts["yixian"])
    colleague = Person.objects.filter(unit=town).exclude(pk=yixian.pk).order_by("id").first()
    today = timezone.localdate()
    first = today.replace(day=1)
    period = burden._as_period(f"{first:%Y-%m}")
    before = selectors.person_effort(None, town.pk, period.first, period.last)
    sent = services.task_request_submit(
        user=accounts["bumen"],
        data=request_data(
            [town], duty_code=code_of(town), effort_hours=10, title="逐户走访独居老人", content="逐户走访并登记台账"
        ),
    )
    task = sent.tasks.get()
    assert task.admitted_on == today
    soon = timezone.now() + dt.timedelta(days=5)
    for person, part in ((yixian, "东片"), (yixian, "西片"), (colleague, "南片")):
        services.task_split(user=accounts["xiangzhen"], task=task, person=person, part=part, deadline=soon)
    after = selectors.person_effort(None, town.pk, period.first, period.last)
    assert after[yixian.pk] == pytest.approx(before.get(yixian.pk, 0) + 5)
    assert after[colleague.pk] == pytest.approx(before.get(colleague.pk, 0) + 5)
    assert sum(after.values()) == pytest.approx(sum(before.values()) + 10)
    assert selectors.person_effort([yixian.pk], town.pk, period.first, period.last) == {yixian.pk: after[yixian.pk]}
    # burden's index of the person reads the same figures through the registered person source
    assert sources.person_sources()["tasks"].unit_source == "tasks"
    result = burden.person_indexes([(yixian.pk, town.pk)], period)[(yixian.pk, town.pk)]
    assert result.own["tasks"] == pytest.approx(after[yixian.pk])
    assert result.named["tasks"] == pytest.approx(sum(after.values()))
    assert result.unit_loads["tasks"] >= 10  # the admitted effort is the town's load in the month of admission
    assert result.pool["tasks"] == pytest.approx(max(0.0, result.unit_loads["tasks"] - result.named["tasks"]))
