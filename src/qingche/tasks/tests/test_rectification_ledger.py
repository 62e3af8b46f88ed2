"""The rectification ledger: an item goes open → measures → evidence → verified by the raiser → 销号, never closed
without evidence or by its owner (the service and the database refuse it), reminders escalate overdue items, the
pages (three views, filters, progress, export) and the 转为整改 button on burden's pages."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from qingche.burden import selectors as burden_selectors
from qingche.burden.models import Inspection
from qingche.core.models import AuditEvent
from qingche.org.models import Unit
from qingche.tasks import rules_rectification as rules
from qingche.tasks import selectors_rectification, services, services_rectification
from qingche.tasks.models import RectificationItem, Reminder

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _messages(error) -> str:
    return " ".join(error.messages)


@pytest.fixture
def item(accounts, town):
    """An item 减负办 (jianfuban) raised on the first town (xiangzhen's), due in ten days."""
    return services_rectification.rectification_raise(
        user=accounts["jianfuban"],
        source_kind="manual",
        problem="村级挂牌过多",
        owner_unit=town,
        deadline=timezone.localdate() + dt.timedelta(days=10),
        evidence_required="清理前后照片",
    )


# -- rules --------------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([rules.SET_MEASURES, rules.SUBMIT, rules.VERIFY, rules.SEND_BACK]), max_size=8))
def test_only_verification_of_a_submitted_item_closes_it(actions):
    status = rules.OPEN
    for action in actions:
        after = rules.next_status(action, status)
        if after is None:
            assert rules.refusal(action, status)
            continue
        if after == rules.CLOSED:
            assert action == rules.VERIFY and status == rules.SUBMITTED
        status = after
    assert status in rules.STATUSES


def test_close_needs_evidence_and_another_verifier():
    assert rules.close_problem(submission="", evidence_files=0, verifier_id=2, submitter_id=1)
    assert rules.close_problem(submission="done", evidence_files=0, verifier_id=None, submitter_id=1)
    assert rules.close_problem(submission="done", evidence_files=0, verifier_id=1, submitter_id=1)
    assert rules.close_problem(
        submission="", evidence_files=1, verifier_id=2, submitter_id=1, verifier_person_id=5, owner_person_id=5
    )
    assert rules.close_problem(submission="", evidence_files=1, verifier_id=2, submitter_id=1) is None


def test_progress_by_unit_counts_overdue_first():
    today = dt.date(2026, 6, 1)
    rows = [(1, "closed", dt.date(2026, 5, 1)), (1, "open", dt.date(2026, 7, 1)), (2, "open", dt.date(2026, 5, 1))]
    first, second = rules.progress_by_unit(rows, today)
    assert (first.unit_id, first.overdue, first.total) == (2, 1, 1)
    assert (second.unit_id, second.closed, second.closed_share) == (1, 1, 0.5)


# -- the steps ----------------------------------------------------------------------------------------------
def test_item_goes_from_problem_to_close_out_with_evidence_verified_by_the_raiser(accounts, item):
    town_user, office = accounts["xiangzhen"], accounts["jianfuban"]
    assert item.status == "open" and item.raiser_unit != item.owner_unit
    with pytest.raises(ValidationError):
        services_rectification.rectification_submit(user=town_user, item=item, text="已清理")  # no measures yet
    with pytest.raises(PermissionDenied):
        services_rectification.rectification_set_measures(user=office, item=item, measures="清理")  # not the owner
    item = services_rectification.rectification_set_measures(user=town_user, item=item, measures="一周内清理挂牌")
    assert item.status == "measures_set"
    with pytest.raises(ValidationError) as refused:
        services_rectification.rectification_verify(user=office, item=item)  # nothing submitted
    assert "佐证" in _messages(refused.value)  # refusals read in Chinese
    photo = SimpleUploadedFile("after.png", PNG, content_type="image/png")
    item = services_rectification.rectification_submit(user=town_user, item=item, text="已清理", uploads=[photo])
    assert item.status == "submitted" and item.evidence_files == 1
    with pytest.raises(PermissionDenied):
        services_rectification.rectification_verify(user=town_user, item=item)  # the owner never verifies
    item = services_rectification.rectification_verify(user=office, item=item, note="核查属实")
    assert item.status == "closed" and item.verified_by == office
    events = AuditEvent.objects.filter(object_type__icontains="rectificationitem", object_id=str(item.pk))
    assert events.count() >= 4
    with pytest.raises(ValidationError):
        services_rectification.rectification_send_back(user=office, item=item, reason="再看看")


def test_sent_back_item_is_submitted_again(accounts, item):
    town_user, office = accounts["xiangzhen"], accounts["jianfuban"]
    services_rectification.rectification_set_measures(user=town_user, item=item, measures="清理")
    services_rectification.rectification_submit(user=town_user, item=item, text="已清理")
    with pytest.raises(ValidationError):
        services_rectification.rectification_send_back(user=office, item=item, reason=" ")
    item = services_rectification.rectification_send_back(user=office, item=item, reason="缺少照片")
    assert item.status == "sent_back" and item.sent_back_reason == "缺少照片"
    item = services_rectification.rectification_submit(user=town_user, item=item, text="补充照片说明")
    assert item.status == "submitted" and "补充照片说明" in item.submission


def test_the_database_refuses_a_close_out_without_evidence_or_verifier(item):
    with pytest.raises(IntegrityError), transaction.atomic():
        RectificationItem.objects.filter(pk=item.pk).update(status="closed")
    with pytest.raises(IntegrityError), transaction.atomic():
        RectificationItem.objects.filter(pk=item.pk).update(owner_unit=item.raiser_unit)


def test_raising_is_refused_on_oneself_without_evidence_required_or_outside_scope(accounts, town):
    office = accounts["jianfuban"]
    with pytest.raises(ValidationError) as refused:
        services_rectification.rectification_raise(
            user=office,
            source_kind="manual",
            problem="x问题",
            owner_unit=None,
            deadline=timezone.localdate(),
            evidence_required="",
        )
    assert {"owner_unit", "evidence_required"} <= set(refused.value.message_dict)
    with pytest.raises(PermissionDenied):
        services_rectification.rectification_raise(
            user=accounts["yixian"],
            source_kind="manual",
            problem="问题",
            owner_unit=town,
            deadline=timezone.localdate(),
            evidence_required="照片",
        )
    other = Inspection.objects.exclude(target__path__startswith=town.path).exclude(issuer__path__startswith=town.path)
    outside = other.first()
    if outside is not None:
        with pytest.raises(PermissionDenied):
            services_rectification.source_facts(accounts["xiangzhen"], "inspection", outside.pk)


def test_overdue_items_are_escalated_to_the_raiser_once(accounts, item):
    later = timezone.now() + dt.timedelta(days=12)
    first = services.send_reminders(now=later)
    reminder = Reminder.objects.get(key=f"overdue:rectification:{item.pk}")
    assert reminder.recipient_unit == item.raiser_unit and reminder.task_id is None and first["overdue"] >= 1
    services.send_reminders(now=later)
    assert Reminder.objects.filter(rectification_item=item).count() == 1


# -- pages --------------------------------------------------------------------------------------------------
def test_ledger_page_views_filters_progress_and_export(client_as, item):
    client = client_as("jianfuban")
    for view in rules.VIEWS:
        response = client.get("/tasks/ledger/", {"view": view, "status": "not_closed"})
        assert response.status_code == 200
        assert f'data-item="{item.pk}"' in response.content.decode() or response.context["page"].paginator.count > 30
    page = client.get("/tasks/ledger/", {"status": "overdue"})
    assert all(row["item"].deadline < timezone.localdate() for row in page.context["table"])
    assert page.context["progress"] and 'id="progress-by-unit"' in page.content.decode()
    export = client.get("/tasks/ledger/", {"view": "responsibility", "owner": item.owner_unit_id, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    wanted = selectors_rectification.filtered(item.raised_by, {"owner": str(item.owner_unit_id)}, timezone.localdate())
    assert len(rows) - 1 == wanted.count()
    assert any(row[0] == item.pk for row in rows[1:])


def test_item_page_steps_and_bad_input(client_as, item):
    client = client_as("xiangzhen")
    assert client.post(f"/tasks/ledger/{item.pk}/", {"action": "measures", "measures": ""}).status_code == 400
    assert client.post(f"/tasks/ledger/{item.pk}/", {"action": "measures", "measures": "清理"}).status_code == 302
    bad = SimpleUploadedFile("fake.png", b"not a png", content_type="image/png")
    response = client.post(f"/tasks/ledger/{item.pk}/", {"action": "submit", "text": "", "files": [bad]})
    assert response.status_code == 400
    assert client.post(f"/tasks/ledger/{item.pk}/", {"action": "verify"}).status_code == 400  # not the raiser
    assert client.get("/tasks/ledger/new/").status_code == 200  # a town raises on its villages
    assert client.get("/tasks/ledger/new/?source=inspection&source_id=999999999").status_code == 403


def test_raise_from_an_inspection_and_show_the_button(client_as, accounts):
    inspection = Inspection.objects.select_related("target").order_by("id").first()
    client = client_as("jianfuban")
    page = client.get(f"/burden/inspections/{inspection.pk}/").content.decode()
    assert f"/tasks/ledger/new/?source=inspection&amp;source_id={inspection.pk}" in page
    form = client.get(f"/tasks/ledger/new/?source=inspection&source_id={inspection.pk}")
    assert form.context["form"].initial["owner_unit"] == inspection.target
    deadline = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    response = client.post(
        f"/tasks/ledger/new/?source=inspection&source_id={inspection.pk}",
        {
            "source_kind": "inspection",
            "source_id": inspection.pk,
            "problem": "迎检材料过多",
            "owner_unit": inspection.target_id,
            "deadline": deadline,
            "evidence_required": "整改报告",
        },
    )
    assert response.status_code == 302
    created = RectificationItem.objects.filter(source_kind="inspection", source_id=inspection.pk).latest("id")
    assert inspection.title in created.source_label


def test_burden_report_progress_is_public_where_the_answer_is(client, accounts):
    report = burden_selectors.published_answers().first()  # the first on the public list
    if report is None:
        pytest.skip("the demo published no answer")
    town = report.sender_unit or Unit.objects.filter(kind="town").first()
    item = services_rectification.rectification_raise(
        user=accounts["jianfuban"],
        source_kind="burden_report",
        source_id=report.pk,
        problem=report.text,
        owner_unit=town,
        deadline=timezone.localdate() + dt.timedelta(days=30),
        evidence_required="整改报告",
    )
    lines = selectors_rectification.public_progress([report.pk])[report.pk]
    assert any(item.owner_unit.name in line for line in lines)
    page = client.get("/burden/voice/answers/").content.decode()
    assert f"整改责任单位 {item.owner_unit.name}" in page and "qc-followup-progress" in page
    assert "转为整改" not in page  # the public sees progress, not the office's buttons


def test_the_demo_ledger_has_every_step_and_four_meetings(demo_today):
    from qingche.tasks.models import CoordinationDecision, CoordinationMeeting

    statuses = set(RectificationItem.objects.values_list("status", flat=True))
    assert statuses == set(rules.STATUSES)
    kinds = set(RectificationItem.objects.values_list("source_kind", flat=True))
    assert {"inspection", "burden_report"} <= kinds
    assert RectificationItem.objects.filter(status__in=rules.NOT_CLOSED, deadline__lt=demo_today).exists()
    assert CoordinationMeeting.objects.count() == 4
    assert set(CoordinationDecision.objects.values_list("form", flat=True)) >= {"rectification", "task", "record"}
    assert CoordinationMeeting.objects.filter(meeting__isnull=False).count() == 4
