"""Writes of care: refusals in Chinese, nothing half-written, the audit trail, notes kept to the talker."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingche.core.models import AuditEvent
from qingche.org.models import Person
from qingche.people import selectors, services
from qingche.people.models import LeaveRequest, OverloadFlag, Talk, TalkNote, WorkStart

pytestmark = pytest.mark.django_db


def _messages(error) -> str:
    return " ".join(error.messages)


@pytest.fixture
def staff(accounts):
    """yixian's own person, with 12 years of work: 10 days of leave a year, nothing taken."""
    person = accounts["yixian"].person
    WorkStart.objects.update_or_create(
        person=person,
        defaults={"started_on": timezone.localdate().replace(day=1, month=1) - dt.timedelta(days=365 * 12)},
    )
    LeaveRequest.objects.filter(person=person).delete()
    return person


def _monday(weeks_ahead: int) -> dt.date:
    today = timezone.localdate()
    day = today + dt.timedelta(days=7 * weeks_ahead - today.weekday())
    return day if day.year == today.year else today


def test_leave_beyond_entitlement_is_refused_in_chinese(accounts, staff):
    start = dt.date(timezone.localdate().year, 1, 1)
    with pytest.raises(ValidationError) as refused:
        services.leave_request_submit(
            user=accounts["yixian"], person=staff, start=start, end=dt.date(start.year, 12, 31)
        )
    assert "剩余" in _messages(refused.value) or "只剩" in _messages(refused.value)
    assert not LeaveRequest.objects.filter(person=staff).exists()


def test_leave_requested_then_refused_needs_a_reason_and_is_audited(accounts, staff):
    start = _monday(1)
    leave = services.leave_request_submit(user=accounts["yixian"], person=staff, start=start, end=start)
    assert leave.days in (0, 1) and leave.status == "requested"
    with pytest.raises(ValidationError) as refused:
        services.leave_request_decide(user=accounts["xiangzhen"], leave=leave, approve=False, reason=" ")
    assert "理由" in _messages(refused.value)
    leave = services.leave_request_decide(user=accounts["xiangzhen"], leave=leave, approve=False, reason="无人顶岗")
    assert leave.status == "refused" and leave.decided_by == accounts["xiangzhen"].person
    assert AuditEvent.objects.filter(object_type__icontains="leaverequest", object_id=str(leave.pk)).count() >= 2
    with pytest.raises(ValidationError):
        services.leave_request_decide(user=accounts["xiangzhen"], leave=leave, approve=True)


def test_a_front_line_account_cannot_decide_or_ask_for_others(accounts, staff):
    other = Person.objects.exclude(pk=staff.pk).filter(unit=staff.unit).first()
    start = _monday(2)
    with pytest.raises(PermissionDenied):
        services.leave_request_submit(user=accounts["yixian"], person=other, start=start, end=start)
    leave = services.leave_request_submit(user=accounts["xiangzhen"], person=staff, start=start, end=start)
    with pytest.raises(PermissionDenied):
        services.leave_request_decide(user=accounts["yixian"], leave=leave, approve=True)


def test_leave_over_the_new_year_and_overlapping_is_refused(accounts, staff):
    year = timezone.localdate().year
    with pytest.raises(ValidationError) as refused:
        services.leave_request_submit(
            user=accounts["yixian"], person=staff, start=dt.date(year, 12, 30), end=dt.date(year + 1, 1, 5)
        )
    assert "年" in _messages(refused.value)


def test_health_check_done_in_the_future_is_refused(accounts, staff):
    later = timezone.localdate() + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        services.health_check_record(user=accounts["yixian"], person=staff, date=later, done=True)
    assert "未来" in _messages(refused.value) or "将来" in _messages(refused.value)


def test_talk_note_read_only_by_talker_and_org_department_and_it_closes_a_flag(accounts, town):
    person = selectors.people(accounts["xiangzhen"]).exclude(account__isnull=False).first()
    flag = OverloadFlag.objects.create(
        person=person, unit=person.unit, raised_on=timezone.localdate(), months=[["2026-10", 1.2]], red_line=1.0
    )
    talk = services.talk_record(
        user=accounts["xiangzhen"], person=person, date=timezone.localdate(), kind="care", note="家里老人住院"
    )
    flag.refresh_from_db()
    assert flag.closed_by == talk
    note = TalkNote.objects.get(talk=talk)
    assert selectors.talk_notes(accounts["xiangzhen"]).filter(pk=note.pk).exists()
    assert selectors.talk_notes(accounts["zuzhibu"]).filter(pk=note.pk).exists()
    for name in ("yixian", "cungan", "jianfuban", "bumen", "xitong", "shenji", "rexian"):
        assert not selectors.talk_notes(accounts[name]).filter(pk=note.pk).exists(), name
    audit = AuditEvent.objects.filter(object_type__icontains="talknote", object_id=str(note.pk)).first()
    assert audit is not None and "家里老人住院" not in str(audit.after)


def test_talk_with_oneself_or_in_the_future_is_refused(accounts):
    me = accounts["xiangzhen"].person
    with pytest.raises(ValidationError):
        services.talk_record(user=accounts["xiangzhen"], person=me, date=timezone.localdate(), kind="care", note="x")
    other = selectors.people(accounts["xiangzhen"]).exclude(pk=me.pk).first()
    with pytest.raises(ValidationError) as refused:
        services.talk_record(
            user=accounts["xiangzhen"],
            person=other,
            date=timezone.localdate() + dt.timedelta(days=1),
            kind="care",
            note="x",
        )
    assert "日期" in _messages(refused.value)
    assert not Talk.objects.filter(person=other, date__gt=timezone.localdate()).exists()


def test_overload_refresh_flags_a_run_once(accounts, monkeypatch):
    person = selectors.people(accounts["xiangzhen"]).first()
    run = {
        "person": person,
        "unit_id": person.unit_id,
        "months": [["2026-08", 1.2], ["2026-09", 1.3], ["2026-10", 1.1]],
        "red_line": 1.0,
    }
    monkeypatch.setattr(selectors, "overload_runs", lambda today: [run])
    OverloadFlag.objects.filter(person=person).delete()
    assert len(services.overload_flags_refresh()) == 1
    assert services.overload_flags_refresh() == []
    assert selectors.open_flags_for_home(accounts["xiangzhen"]).filter(person=person).exists()
    assert not selectors.open_flags_for_home(accounts["yixian"]).exists()


def test_overload_runs_read_the_burden_person_index(monkeypatch, demo_today):
    from qingche.burden import selectors as burden_selectors

    monkeypatch.setattr(burden_selectors, "red_line", lambda: 0.0)  # every person with load is above a zero line
    runs = selectors.overload_runs(demo_today)
    assert runs and all(len(run["months"]) == 3 and all(v > 0 for _m, v in run["months"]) for run in runs)


def test_health_coverage_counts_each_person_of_the_town_once(accounts, town):
    from qingche.people.models import HealthCheck

    year = timezone.localdate().year
    rows = {row["town"].pk: row for row in selectors.health_coverage(accounts["zuzhibu"], year)}
    row = rows[town.pk]
    in_town = Person.objects.filter(unit__path__startswith=town.path)
    done = HealthCheck.objects.filter(person__in=in_town, year=year, status="done").count()
    assert (row["people"], row["done"]) == (in_town.count(), done)
    assert row["coverage"] == round(done / in_town.count(), 3)
    assert list(selectors.health_coverage(accounts["xiangzhen"], year)) == [row]
    unchecked = selectors.health_unchecked(accounts["xiangzhen"], year)
    assert unchecked.count() == in_town.count() - done
