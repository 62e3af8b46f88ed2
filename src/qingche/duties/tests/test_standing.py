"""The standing workload of duty items: set by 减负办 on the duty pages (with a reason, audited), refused with a
Chinese message when wrong, imported and exported with the Excel list, shown on the list pages."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qingche.core.models import AuditEvent
from qingche.duties import rules
from qingche.duties.models import DutyItem, DutyList, StandingSource
from qingche.duties.tests.test_lists import GOOD, first_town, xlsx

pytestmark = pytest.mark.django_db


def _published_item(accounts, kind=rules.BASIC):
    town = first_town(accounts)
    return DutyItem.objects.filter(duty_list__unit=town, duty_list__status="published", kind=kind).order_by("code")[0]


def test_demo_items_carry_the_lists_own_estimate_and_taken_back_items_none(accounts):
    item = _published_item(accounts)
    assert item.standing_hours > 0 and item.standing_source == StandingSource.LIST
    taken_back = _published_item(accounts, rules.TAKEN_BACK)
    assert taken_back.standing_hours is None


def test_the_burden_office_sets_the_hours_of_a_published_item_with_a_reason(accounts, client_as):
    item = _published_item(accounts)
    old = item.standing_hours
    client = client_as("jianfuban")
    url = reverse("duties:item_standing", args=[item.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"standing_hours": "123.4", "reason": "按2026年台账核定"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.standing_hours == Decimal("123.4") and item.standing_source == StandingSource.OFFICE
    event = AuditEvent.objects.filter(object_type="duties.dutyitem", object_id=str(item.pk), action="update").latest(
        "id"
    )
    assert event.reason == "按2026年台账核定" and event.actor == accounts["jianfuban"]
    assert event.before["standing_hours"] == str(old) and event.after["standing_hours"] == "123.4"
    page = client.get(f"/duties/unit/{item.duty_list.unit_id}/").content.decode()
    assert 'data-standing="123.4"' in page and "人时" in page
    overview = client.get(reverse("duties:list_index")).content.decode()
    assert "每月常态工作量（人时）" in overview


@pytest.mark.parametrize(
    ("kind", "hours", "reason", "message"),
    [
        (rules.BASIC, "很多", "核定", "每月常态工作量须填写不小于 0 的人时数。"),
        (rules.BASIC, "-3", "核定", "每月常态工作量须填写不小于 0 的人时数。"),
        (rules.BASIC, "99999", "核定", "每月常态工作量最多 5000 人时。"),
        (rules.TAKEN_BACK, "10", "核定", "上级部门收回的事项不计入乡镇的常态工作量。"),
        (rules.BASIC, "10", "", "此项为必填项。"),
    ],
)
def test_bad_hours_are_a_400_with_a_chinese_message_and_change_nothing(
    accounts, client_as, kind, hours, reason, message
):
    item = _published_item(accounts, kind)
    before = item.standing_hours
    response = client_as("jianfuban").post(
        reverse("duties:item_standing", args=[item.pk]), {"standing_hours": hours, "reason": reason}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    item.refresh_from_db()
    assert item.standing_hours == before


def test_only_the_burden_office_sets_hours(accounts, client_as):
    item = _published_item(accounts)
    for username in ("xiangzhen", "bumen"):
        response = client_as(username).post(
            reverse("duties:item_standing", args=[item.pk]), {"standing_hours": "1", "reason": "x"}
        )
        assert response.status_code == 403
    page = client_as("xiangzhen").get(f"/duties/unit/{item.duty_list.unit_id}/").content.decode()
    assert "data-set-standing" not in page and f'data-standing="{item.standing_hours}"' in page


def test_import_reads_the_column_and_an_older_file_without_it(accounts, client_as):
    town = first_town(accounts)
    rows = [GOOD[0] + [40], GOOD[1] + ["12.5"], GOOD[2] + [None]]
    assert (
        client_as("jianfuban").post(reverse("duties:import", args=[town.pk]), {"file": xlsx(rows)}).status_code == 302
    )
    draft = DutyList.objects.get(unit=town, status="draft")
    hours = dict(draft.items.values_list("code", "standing_hours"))
    assert hours == {"JB-001": Decimal("40.0"), "PH-900": Decimal("12.5"), "SH-900": None}
    assert draft.items.get(code="JB-001").standing_source == StandingSource.IMPORT
    older = [header for key, header in rules.EXCEL_COLUMNS if key != "standing_hours"]
    response = client_as("jianfuban").post(reverse("duties:import", args=[town.pk]), {"file": xlsx(GOOD, older)})
    assert response.status_code == 302
    assert set(draft.items.values_list("standing_hours", flat=True)) == {None}


def test_import_refuses_bad_hours_naming_the_row_and_column(accounts, client_as):
    town = first_town(accounts)
    rows = [GOOD[0] + ["很多"], GOOD[1], GOOD[2] + [8]]
    response = client_as("jianfuban").post(reverse("duties:import", args=[town.pk]), {"file": xlsx(rows)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "每月常态工作量（人时）" in html and "上级部门收回的事项不计入乡镇的常态工作量。" in html
    assert not DutyList.objects.filter(unit=town, status="draft").exists()


def test_export_and_template_carry_the_column(accounts, client_as):
    town = first_town(accounts)
    current = DutyList.objects.get(unit=town, status="published")
    sheet = load_workbook(
        io.BytesIO(client_as("bumen").get(reverse("duties:export", args=[current.pk])).content)
    ).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("每月常态工作量（人时）")
    exported = {row[0].value: row[column].value for row in sheet.iter_rows(min_row=2)}
    stored = dict(current.items.values_list("code", "standing_hours"))
    assert all(
        (exported[code] or None) == (float(hours) if hours is not None else None) for code, hours in stored.items()
    )
