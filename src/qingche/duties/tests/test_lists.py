"""Duty lists: demo shape, drafting, editing while draft, publishing, diffs, Excel in and out, pages and API."""

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from qingche.core.models import AuditEvent
from qingche.duties import rules, services
from qingche.duties.models import DutyItem, DutyList
from qingche.org.models import RoleGrant, Unit

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def first_town(accounts):
    return RoleGrant.objects.filter(user=accounts["xiangzhen"]).get().unit


def xlsx(rows, headers=None):
    book = Workbook()
    sheet = book.active
    sheet.append(headers or [header for _key, header in rules.EXCEL_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("清单.xlsx", buffer.getvalue())


GOOD = [
    ["JB-001", "领导辖区基层党组织建设", "基本履职事项", "党的建设", "条例", "", "", "党内管理：指导", "党建"],
    [
        "PH-900",
        "配合做好惠农补贴核实",
        "配合履职事项",
        "乡村振兴与农业农村",
        "",
        "县农业农村局",
        "县财政局",
        "",
        "补贴",
    ],
    ["SH-900", "动物检疫", "上级部门收回事项", "乡村振兴与农业农村", "", "县农业农村局", "", "", "检疫"],
]


def test_demo_towns_have_lists_shaped_like_the_national_average():
    towns = Unit.objects.filter(kind__in=("town", "street"))
    for town in towns:
        current = DutyList.objects.get(unit=town, status="published")
        counts = {kind: current.items.filter(kind=kind).count() for kind in rules.KINDS}
        assert 320 <= sum(counts.values()) <= 340
        assert 105 <= counts["basic"] <= 117 and 90 <= counts["cooperation"] <= 99
        assert 112 <= counts["taken_back"] <= 124
        assert not current.items.filter(kind__in=("cooperation", "taken_back"), lead_unit=None).exists()
    assert DutyList.objects.filter(status="superseded").exists()


def test_draft_copies_publish_supersedes_and_published_never_changes(accounts):
    town, office = first_town(accounts), accounts["jianfuban"]
    current = DutyList.objects.get(unit=town, status="published")
    draft = services.duty_list_draft(user=office, unit=town)
    assert draft.version == current.version + 1 and draft.items.count() == current.items.count()
    assert services.duty_list_draft(user=office, unit=town) == draft  # one draft at a time
    item = draft.items.get(code=current.items.order_by("code").first().code)
    services.duty_item_save(
        user=office, duty_list=draft, item=item, data={"name": item.name + "（修订）", "powers": []}
    )
    services.duty_item_save(
        user=office, duty_list=draft, data={"code": "JB-999", "name": "新增事项", "kind": "basic", "domain": "综合保障"}
    )
    with pytest.raises(ValidationError):
        services.duty_item_save(user=office, duty_list=current, item=current.items.first(), data={"name": "改"})
    with pytest.raises(ValidationError):
        services.duty_item_save(
            user=office, duty_list=draft, data={"code": "PH-998", "name": "x", "kind": "cooperation"}
        )
    base, diff, _old, _new = __import__("qingche.duties.selectors", fromlist=["x"]).diff_against_published(draft)
    assert base == current and diff.added == ["JB-999"] and list(diff.changed) == [item.code]
    assert set(diff.changed[item.code]) == {"name", "powers"}
    services.duty_list_publish(user=office, duty_list=draft)
    current.refresh_from_db()
    draft.refresh_from_db()
    assert (current.status, draft.status) == ("superseded", "published")
    with pytest.raises(ValidationError):
        services.duty_list_publish(user=office, duty_list=draft)
    assert AuditEvent.objects.filter(object_type="duties.dutylist", object_id=str(current.pk), action="update").exists()


def test_town_and_department_cannot_edit_lists(accounts):
    town = first_town(accounts)
    for name in ("xiangzhen", "bumen"):
        with pytest.raises(PermissionDenied):
            services.duty_list_draft(user=accounts[name], unit=town)


def test_flag_responsibility_without_power(accounts, client_as):
    town = first_town(accounts)
    current = DutyList.objects.get(unit=town, status="published")
    flagged = current.items.filter(kind__in=("basic", "cooperation"), powers=None).count()
    assert flagged > 0
    from qingche.duties import selectors

    assert selectors.flagged_counts([current.pk]) == {current.pk: flagged}
    page = client_as("bumen").get(reverse("duties:list_index")).content.decode()
    assert f'data-flagged="{flagged}"' in page
    page = client_as("bumen").get(reverse("duties:unit_list", args=[town.pk])).content.decode()
    assert page.count('data-flagged="1"') == flagged


def test_town_page_filters_and_search(accounts, client_as):
    town = first_town(accounts)
    client = client_as("xiangzhen")
    page = client.get(reverse("duties:unit_list", args=[town.pk]), {"kind": "taken_back"}).content.decode()
    assert 'data-code="SH-' in page and 'data-code="JB-' not in page
    page = client.get(reverse("duties:unit_list", args=[town.pk]), {"q": "秸秆"}).content.decode()
    codes = set(
        DutyItem.objects.filter(duty_list__unit=town, duty_list__status="published")
        .filter(name__contains="秸秆")
        .values_list("code", flat=True)
    )
    assert codes and all(f'data-code="{code}"' in page for code in codes)
    page = client.get(reverse("duties:unit_list", args=[town.pk]), {"domain": "党的建设"}).content.decode()
    assert 'data-code="JB-001"' in page or 'data-code="JB-002"' in page


def test_history_and_diff_pages(client_as):
    town_list = DutyList.objects.filter(status="superseded").first()
    client = client_as("rexian")
    assert client.get(reverse("duties:history", args=[town_list.unit_id])).status_code == 200
    newer = DutyList.objects.get(unit=town_list.unit, status="published")
    page = client.get(reverse("duties:diff", args=[newer.pk])).content.decode()
    assert 'id="added"' in page


def test_import_replaces_the_draft_and_can_be_published(accounts, client_as):
    town = first_town(accounts)
    response = client_as("jianfuban").post(reverse("duties:import", args=[town.pk]), {"file": xlsx(GOOD)})
    assert response.status_code == 302
    draft = DutyList.objects.get(unit=town, status="draft")
    assert sorted(draft.items.values_list("code", flat=True)) == ["JB-001", "PH-900", "SH-900"]
    item = draft.items.get(code="PH-900")
    assert item.lead_unit.name == "县农业农村局" and [u.name for u in item.cooperating_units.all()] == ["县财政局"]
    assert draft.items.get(code="JB-001").powers.get().category == "党内管理"


def test_import_with_bad_rows_saves_nothing(accounts, client_as):
    town = first_town(accounts)
    before = (DutyList.objects.count(), DutyItem.objects.count())
    bad = GOOD + [
        ["JB-001", "重复", "基本履职事项", "", "", "", "", "", ""],
        ["X-1", "未知类别", "其他事项", "", "", "", "", "", ""],
        ["X-2", "未知部门", "配合履职事项", "", "", "县不存在局", "", "", ""],
    ]
    response = client_as("jianfuban").post(reverse("duties:import", args=[town.pk]), {"file": xlsx(bad)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="row-errors"' in page and "县不存在局" in page
    assert (DutyList.objects.count(), DutyItem.objects.count()) == before


def test_import_rejects_wrong_files(accounts, api_as):
    town = first_town(accounts)
    api = api_as("jianfuban")
    url = reverse("dutylist-import-xlsx")
    fake = SimpleUploadedFile("清单.xlsx", b"not a workbook at all")
    response = api.post(url, {"unit": town.pk, "file": fake}, format="multipart")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    response = api.post(url, {"unit": town.pk, "file": xlsx(GOOD, headers=["编码", "名称"])}, format="multipart")
    assert response.status_code == 400
    response = api.post(
        url, {"unit": town.pk, "file": xlsx([["", "", "", "", "", "", "", "", "x"]])}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["rows"]
    assert not DutyList.objects.filter(unit=town, status="draft").exists()
    assert api_as("xiangzhen").post(url, {"unit": town.pk, "file": xlsx(GOOD)}, format="multipart").status_code == 403


@pytest.mark.parametrize("unit", [{"a": 1}, [1], "abc", "", None, True, 1.5, "1; DROP", 10**30, -3])
def test_draft_and_import_refuse_a_malformed_unit_with_a_400(unit, accounts, api_as):
    api = api_as("jianfuban")
    before = DutyList.objects.count(), DutyItem.objects.count()
    response = api.post(reverse("dutylist-draft"), {"unit": unit}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["unit"] and CJK.search(" ".join(response.json()["unit"]))
    response = api.post(reverse("dutylist-import-xlsx"), {"unit": unit}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["unit"], response.content
    if not isinstance(unit, dict | list) and unit is not None:  # multipart carries text only
        response = api.post(reverse("dutylist-import-xlsx"), {"unit": unit, "file": xlsx(GOOD)}, format="multipart")
        assert response.status_code == 400 and "unit" in response.json(), response.content
    assert (DutyList.objects.count(), DutyItem.objects.count()) == before


def test_draft_without_a_unit_or_with_a_unit_that_is_no_town_says_which(accounts, api_as):
    api = api_as("jianfuban")
    missing = api.post(reverse("dutylist-draft"), {}, format="json")
    assert missing.status_code == 400 and CJK.search(" ".join(missing.json()["unit"]))
    county = Unit.objects.get(depth=1)
    not_a_town = api.post(reverse("dutylist-draft"), {"unit": county.pk}, format="json")
    assert not_a_town.status_code == 400 and "乡镇" in " ".join(not_a_town.json()["unit"])
    no_file = api.post(reverse("dutylist-import-xlsx"), {"unit": first_town(accounts).pk}, format="multipart")
    assert no_file.status_code == 400 and CJK.search(" ".join(no_file.json()["file"]))


def test_export_round_trips_through_import(accounts, client_as):
    town = first_town(accounts)
    current = DutyList.objects.get(unit=town, status="published")
    response = client_as("bumen").get(reverse("duties:export", args=[current.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == [header for _key, header in rules.EXCEL_COLUMNS]
    assert sheet.max_row == current.items.count() + 1
    upload = SimpleUploadedFile("export.xlsx", response.content)
    draft = services.duty_list_import(user=accounts["jianfuban"], unit=town, upload=upload)
    from qingche.duties import selectors

    assert selectors.diff_against_published(draft)[1].is_empty
    template = client_as("bumen").get(reverse("duties:template"))
    assert template.status_code == 200 and template.content.startswith(b"PK")


def test_api_draft_edit_publish_and_diff(accounts, api_as):
    town = first_town(accounts)
    office = api_as("jianfuban")
    draft = office.post(reverse("dutylist-draft"), {"unit": town.pk}, format="json").json()
    item = DutyItem.objects.filter(duty_list_id=draft["id"]).order_by("code").first()
    response = office.patch(
        reverse("dutyitem-detail", args=[item.pk]),
        {"name": "改后的名称", "powers": [{"category": "行政检查", "description": "巡查"}]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["lacks_power"] is False
    response = office.post(
        reverse("dutyitem-list"),
        {"duty_list": draft["id"], "code": "JB-777", "name": "新事项", "kind": "basic"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["lacks_power"] is True
    assert (
        office.post(
            reverse("dutyitem-list"),
            {"duty_list": draft["id"], "code": "JB-777", "name": "重复", "kind": "basic"},
            format="json",
        ).status_code
        == 400
    )
    diff = office.get(reverse("dutylist-diff", args=[draft["id"]])).json()
    assert diff["added"] == ["JB-777"] and item.code in diff["changed"]
    assert api_as("xiangzhen").post(reverse("dutylist-publish", args=[draft["id"]])).status_code == 403
    assert office.post(reverse("dutylist-publish", args=[draft["id"]])).json()["status"] == "published"
    response = office.patch(reverse("dutyitem-detail", args=[item.pk]), {"name": "再改"}, format="json")
    assert response.status_code == 400
    assert office.delete(reverse("dutyitem-detail", args=[item.pk])).status_code == 400


def test_item_pages_change_a_draft_only(accounts, client_as):
    town = first_town(accounts)
    draft = services.duty_list_draft(user=accounts["jianfuban"], unit=town)
    item = draft.items.order_by("code").first()
    client = client_as("jianfuban")
    url = reverse("duties:item_edit", args=[draft.pk, item.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "code": item.code,
            "name": "改过的名称<script>",
            "kind": "basic",
            "domain": "党的建设",
            "powers": "行政检查：巡查\n行政处罚",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "改过的名称<script>" and item.powers.count() == 2
    page = client.get(reverse("duties:unit_list", args=[town.pk]), {"version": draft.version}).content.decode()
    assert "改过的名称&lt;script&gt;" in page
    response = client.post(
        reverse("duties:item_new", args=[draft.pk]), {"code": "PH-555", "name": "缺部门", "kind": "cooperation"}
    )
    assert response.status_code == 200 and not draft.items.filter(code="PH-555").exists()
    current = DutyList.objects.get(unit=town, status="published")
    response = client.post(
        reverse("duties:item_new", args=[current.pk]), {"code": "JB-555", "name": "x", "kind": "basic"}
    )
    assert response.status_code == 200 and not current.items.filter(code="JB-555").exists()
    assert client_as("xiangzhen").get(url).status_code == 403
