"""Resources against load: funds per unit and year (减负办 records them and what arrived; late or short is
flagged), the county page 资源与负担, and staffing requests (a town files one citing its index, 减负办 or 编办
decides with a reason) — through services, pages and the API, with scope, permissions and bad input."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingche.burden import rules, selectors, services
from qingche.burden.models import FundAllocation, StaffingRequest
from qingche.core.audit import audit_context
from qingche.core.models import AuditEvent
from qingche.org.models import Unit

pytestmark = pytest.mark.django_db


REASON = "防汛和网格任务增加，人员长期加班，申请增加岗位。"


def _towns():
    return list(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).order_by("path"))


def _allocate(accounts, unit, **overrides):
    data = {"year": 2026, "purpose": "村级组织运转经费", "amount": Decimal("50"), "due_on": dt.date(2026, 3, 31)}
    data.update(overrides)
    with audit_context(actor=accounts["jianfuban"]):
        return services.fund_allocation_create(user=accounts["jianfuban"], unit=unit, **data)


def _file(accounts, town, posts=3, username="xiangzhen"):
    with audit_context(actor=accounts[username]):
        return services.staffing_request_file(user=accounts[username], unit=town, posts_asked=posts, reason=REASON)


def _clear_pending(town):
    StaffingRequest.objects.filter(unit=town, status=StaffingRequest.Status.PENDING).delete()


# -- funds ------------------------------------------------------------------------------------------------------
def test_burden_office_records_an_allocation_and_its_arrival_audited(accounts, town):
    allocation = _allocate(accounts, town)
    assert AuditEvent.objects.filter(object_type="burden.fundallocation", object_id=str(allocation.pk)).exists()
    today = timezone.localdate()
    with audit_context(actor=accounts["jianfuban"]):
        services.fund_allocation_record_arrival(
            user=accounts["jianfuban"], allocation=allocation, amount_arrived="30", arrived_on=dt.date(2026, 3, 1)
        )
    allocation.refresh_from_db()
    assert allocation.amount_arrived == Decimal("30.00")
    assert rules.fund_status(allocation.amount, allocation.amount_arrived, allocation.due_on, None, today) == "short"
    assert AuditEvent.objects.filter(
        object_type="burden.fundallocation", object_id=str(allocation.pk), action="update"
    ).exists()


def test_only_the_burden_office_records_funds(accounts, town):
    for username in ("xiangzhen", "zuzhibu", "bumen"):
        with pytest.raises(PermissionDenied):
            services.fund_allocation_create(
                user=accounts[username], unit=town, year=2026, purpose="x", amount=1, due_on=dt.date(2026, 3, 1)
            )


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"amount": Decimal("-5")}, "amount", "不能为负数"),
        ({"amount": Decimal("0")}, "amount", "大于零"),
        ({"amount": "很多"}, "amount", "万元"),
        ({"amount": Decimal("1e12")}, "amount", "不合常理"),
        ({"year": 1900}, "year", "年份"),
        ({"due_on": dt.date(2030, 1, 1)}, "due_on", "应到位日期"),
        ({"due_on": "明天"}, "due_on", "日期"),
        ({"purpose": "  "}, "purpose", "必填"),
    ],
)
def test_bad_fund_input_is_refused_in_chinese_and_nothing_saved(accounts, town, overrides, field, words):
    before = FundAllocation.objects.count()
    with pytest.raises(ValidationError) as raised:
        _allocate(accounts, town, **overrides)
    assert words in " ".join(raised.value.message_dict[field])
    assert FundAllocation.objects.count() == before


def test_funds_go_to_towns_and_villages_only(accounts):
    county = Unit.objects.get(depth=1)
    with pytest.raises(ValidationError) as raised:
        _allocate(accounts, county)
    assert "乡镇" in raised.value.message_dict["unit"][0]


def test_arrival_is_checked(accounts, town):
    allocation = _allocate(accounts, town)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for amount, day, field in (
        ("60", dt.date(2026, 3, 1), "amount_arrived"),  # more than the 50 allocated
        ("-1", dt.date(2026, 3, 1), "amount_arrived"),
        ("20", tomorrow, "arrived_on"),
        ("20", dt.date(2025, 12, 31), "arrived_on"),  # before the funds' year
        ("20", None, "arrived_on"),
    ):
        with pytest.raises(ValidationError) as raised:
            services.fund_allocation_record_arrival(
                user=accounts["jianfuban"], allocation=allocation, amount_arrived=amount, arrived_on=day
            )
        assert field in raised.value.message_dict, (amount, day)
    allocation.refresh_from_db()
    assert allocation.amount_arrived == 0 and allocation.arrived_on is None


def test_fund_api_create_arrival_and_4xx(api_as, accounts, town):
    api = api_as("jianfuban")
    body = {"unit": town.pk, "year": 2026, "purpose": "防汛专项", "amount": "80", "due_on": "2026-05-31"}
    created = api.post("/api/v1/burden/funds/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    late = api.post(f"/api/v1/burden/funds/{pk}/arrival/", {"amount_arrived": "80", "arrived_on": "2026-06-20"})
    assert late.status_code == 200, late.content
    assert late.json()["status"] == "late" and late.json()["flagged"] is True
    too_much = api.post(f"/api/v1/burden/funds/{pk}/arrival/", {"amount_arrived": "81", "arrived_on": "2026-06-20"})
    assert too_much.status_code == 400 and "amount_arrived" in too_much.json()
    negative = api.post("/api/v1/burden/funds/", {**body, "amount": "-3"}, format="json")
    assert negative.status_code == 400 and "amount" in negative.json()
    town_api = api_as("xiangzhen")
    assert town_api.post("/api/v1/burden/funds/", body, format="json").status_code == 403
    assert town_api.post(f"/api/v1/burden/funds/{pk}/arrival/", {"amount_arrived": "1"}).status_code == 403
    assert town_api.get(f"/api/v1/burden/funds/{pk}/").status_code == 200  # the town sees its own funds
    assert api_as("bumen").get(f"/api/v1/burden/funds/{pk}/").status_code == 404


def test_a_town_sees_its_own_funds_the_county_offices_all(api_as, accounts):
    first, other = _towns()[0], _towns()[1]
    _allocate(accounts, first)
    _allocate(accounts, other)

    def units(username):
        rows = api_as(username).get("/api/v1/burden/funds/?page_size=200").json()["results"]
        return {row["unit"] for row in rows}

    assert other.pk not in units("xiangzhen") and first.pk in units("xiangzhen")
    assert {first.pk, other.pk} <= units("jianfuban")
    assert {first.pk, other.pk} <= units("zuzhibu")
    assert units("bumen") == set()


# -- the county page ----------------------------------------------------------------------------------------------
def test_resources_page_ranks_towns_by_index_against_people_and_funds(client_as, accounts):
    month = selectors.latest_month_with_data()
    response = client_as("jianfuban").get(f"/burden/resources/?month={month:%Y-%m}")
    assert response.status_code == 200
    html = response.content.decode()
    rows = response.context["data"]["rows"]
    assert len(rows) == len(_towns())
    values = [row["result"].value for row in rows if row["result"].value is not None]
    assert values == sorted(values, reverse=True)
    expected = selectors.index_results([rows[0]["unit"].pk], rules.Period.month(month.year, month.month))
    assert rows[0]["result"].value == expected[rows[0]["unit"].pk].value
    assert all(row["funds"]["allocated"] > 0 for row in rows)  # the demo's funds of the year
    assert any(row["funds"]["flagged"] for row in rows)
    assert "资源与负担" in html and "编制数" in html and "迟到或未足额" in html
    visible = re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1])
    assert not re.search(r"\b(on_time|late|short|pending|partly)\b", visible)  # words, not codes


def test_resources_page_opens_on_the_latest_month_with_data_and_survives_a_bad_month(client_as):
    client = client_as("zuzhibu")  # 编办 sits in the organization department
    response = client.get("/burden/resources/")
    assert response.status_code == 200
    assert response.context["period"].first == selectors.latest_month_with_data()
    assert client.get("/burden/resources/?month=2026-13").status_code == 200
    assert client.get("/burden/resources/?month=abc").status_code == 200


def test_resources_page_scope_and_permission(client_as, town):
    response = client_as("xiangzhen").get("/burden/resources/")
    assert [row["unit"] for row in response.context["data"]["rows"]] == [town]
    assert client_as("bumen").get("/burden/resources/").status_code == 403
    assert client_as("yixian").get("/burden/resources/").status_code == 403


def test_resources_api(api_as):
    answer = api_as("jianfuban").get("/api/v1/burden/resources/ranking/")
    assert answer.status_code == 200
    data = answer.json()
    assert data["month"] == f"{selectors.latest_month_with_data():%Y-%m}"
    assert {"index", "quota", "in_post", "vacancies", "people_short", "funds"} <= set(data["towns"][0])
    bad = api_as("jianfuban").get("/api/v1/burden/resources/ranking/?month=2026-13")
    assert bad.status_code == 400 and "月份" in bad.json()["month"][0]
    assert api_as("bumen").get("/api/v1/burden/resources/ranking/").status_code == 403


def test_unit_resources_page_records_funds_and_refuses_bad_input(client_as, town):
    client = client_as("jianfuban")
    url = f"/burden/resources/{town.pk}/?year=2026"
    page = client.get(url)
    assert page.status_code == 200
    assert [row["year"] for row in page.context["staffing"]] == [2024, 2025, 2026]
    before = FundAllocation.objects.count()
    bad = client.post(
        url, {"action": "allocate", "year": "2026", "purpose": "专项", "amount": "-1", "due_on": "2026-04-01"}
    )
    assert bad.status_code == 400 and "金额不能为负数" in bad.content.decode()
    assert FundAllocation.objects.count() == before
    good = client.post(
        url, {"action": "allocate", "year": "2026", "purpose": "专项", "amount": "12.5", "due_on": "2026-04-01"}
    )
    assert good.status_code == 302
    allocation = FundAllocation.objects.get(unit=town, purpose="专项")
    arrival = client.post(
        url, {"action": "arrival", "allocation": allocation.pk, "amount_arrived": "99", "arrived_on": "2026-04-01"}
    )
    assert arrival.status_code == 400 and "到位金额不能超过安排金额" in arrival.content.decode()
    town_view = client_as("xiangzhen").get(url)
    assert town_view.status_code == 200 and 'name="action" value="allocate"' not in town_view.content.decode()
    assert client_as("xiangzhen").post(url, {"action": "allocate"}).status_code == 403
    assert not FundAllocation.objects.filter(unit=town, purpose="").exists()
    other = _towns()[1]
    assert client_as("xiangzhen").get(f"/burden/resources/{other.pk}/").status_code == 404


# -- staffing requests ---------------------------------------------------------------------------------------------
def test_a_town_files_a_request_citing_its_index_audited(accounts, town):
    _clear_pending(town)
    staffing_request = _file(accounts, town)
    month = selectors.latest_month_with_data()
    value = selectors.index_results([town.pk], rules.Period.month(month.year, month.month))[town.pk].value
    assert staffing_request.index_month == month
    assert staffing_request.index_value == Decimal(str(round(value, 3)))
    assert staffing_request.status == StaffingRequest.Status.PENDING
    assert AuditEvent.objects.filter(
        object_type="burden.staffingrequest", object_id=str(staffing_request.pk), action="create"
    ).exists()
    with pytest.raises(ValidationError) as raised:
        _file(accounts, town)  # one waiting request at a time
    assert "待决定" in raised.value.message_dict["unit"][0]


def test_filing_is_checked(accounts, town):
    _clear_pending(town)
    other = _towns()[1]
    with pytest.raises(PermissionDenied):
        _file(accounts, other)  # not the account's town
    with pytest.raises(PermissionDenied):
        _file(accounts, town, username="jianfuban")  # 减负办 decides, it does not file
    village = Unit.objects.filter(kind="village", path__startswith=town.path).first()
    with pytest.raises(ValidationError):
        _file(accounts, village)
    for posts in (0, 201, "两个"):
        with pytest.raises(ValidationError) as raised:
            _file(accounts, town, posts=posts)
        assert "1至200" in raised.value.message_dict["posts_asked"][0]
    with pytest.raises(ValidationError) as raised:
        services.staffing_request_file(user=accounts["xiangzhen"], unit=town, posts_asked=1, reason="缺人")
    assert "至少10个字" in raised.value.message_dict["reason"][0]
    assert not StaffingRequest.objects.filter(unit=town, status="pending").exists()


def test_deciding_partly_with_a_reason_and_the_town_sees_who_and_why(accounts, town, client_as):
    _clear_pending(town)
    staffing_request = _file(accounts, town, posts=4)
    zuzhibu = accounts["zuzhibu"]
    for decision, granted, reason, field in (
        ("partly", 4, "先给两个", "posts_granted"),
        ("partly", 0, "先给两个", "posts_granted"),
        ("partly", None, "先给两个", "posts_granted"),
        ("approved", None, " ", "reason"),
        ("maybe", None, "理由", "decision"),
    ):
        with pytest.raises(ValidationError) as raised:
            services.staffing_request_decide(
                user=zuzhibu, staffing_request=staffing_request, decision=decision, posts_granted=granted, reason=reason
            )
        assert field in raised.value.message_dict
    with pytest.raises(PermissionDenied):
        services.staffing_request_decide(
            user=accounts["xiangzhen"], staffing_request=staffing_request, decision="approved", reason="自己批"
        )
    with audit_context(actor=zuzhibu):
        decided = services.staffing_request_decide(
            user=zuzhibu, staffing_request=staffing_request, decision="partly", posts_granted=2, reason="先增加2名"
        )
    assert (decided.status, decided.posts_granted, decided.decided_by) == ("partly", 2, zuzhibu)
    assert AuditEvent.objects.filter(
        object_type="burden.staffingrequest", object_id=str(decided.pk), action="update"
    ).exists()
    with pytest.raises(ValidationError):  # decided once
        services.staffing_request_decide(
            user=accounts["jianfuban"], staffing_request=decided, decision="refused", reason="再议"
        )
    html = client_as("xiangzhen").get(f"/burden/staffing/{decided.pk}/").content.decode()
    assert "部分同意" in html and "先增加2名" in html
    assert zuzhibu.person.name in html and zuzhibu.username not in html


def test_staffing_api_file_decide_and_scope(api_as, accounts, town):
    _clear_pending(town)
    other = _towns()[1]
    filed = api_as("xiangzhen").post(
        "/api/v1/burden/staffing-requests/",
        {"unit": town.pk, "posts_asked": 2, "reason": "人员不足，防汛任务重，申请增加两个岗位。"},
        format="json",
    )
    assert filed.status_code == 201, filed.content
    pk = filed.json()["id"]
    assert filed.json()["index_month"] == f"{selectors.latest_month_with_data():%Y-%m-%d}"
    bad = api_as("xiangzhen").post(
        "/api/v1/burden/staffing-requests/", {"unit": other.pk, "posts_asked": 2, "reason": "x" * 20}, format="json"
    )
    assert bad.status_code == 403
    assert api_as("xiangzhen").post(f"/api/v1/burden/staffing-requests/{pk}/decide/", {}).status_code == 403
    wrong = api_as("jianfuban").post(
        f"/api/v1/burden/staffing-requests/{pk}/decide/", {"decision": "partly", "posts_granted": 3, "reason": "理由"}
    )
    assert wrong.status_code == 400 and "posts_granted" in wrong.json()
    decided = api_as("jianfuban").post(
        f"/api/v1/burden/staffing-requests/{pk}/decide/", {"decision": "approved", "reason": "指数高于红线"}
    )
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert body["status"] == "approved" and body["posts_granted"] == 2
    assert body["decided_by_name"].startswith(accounts["jianfuban"].person.name)
    with audit_context(actor=accounts["admin"]):
        services.staffing_request_file(
            user=accounts["admin"], unit=other, posts_asked=1, reason="另一个镇的申请，用于检查范围。"
        )
    seen = {row["unit"] for row in api_as("xiangzhen").get("/api/v1/burden/staffing-requests/").json()["results"]}
    assert seen == {town.pk}
    county = {row["unit"] for row in api_as("zuzhibu").get("/api/v1/burden/staffing-requests/").json()["results"]}
    assert {town.pk, other.pk} <= county
    assert api_as("bumen").get("/api/v1/burden/staffing-requests/").json()["count"] == 0


def test_staffing_pages(client_as, accounts, town):
    _clear_pending(town)
    client = client_as("xiangzhen")
    form = client.get("/burden/staffing/new/")
    assert form.status_code == 200
    assert town.name in form.content.decode() and "data-waiting" not in form.content.decode()
    bad = client.post("/burden/staffing/new/", {"unit": town.pk, "posts_asked": "3", "reason": "缺人"})
    assert bad.status_code == 400 and "至少10个字" in bad.content.decode()
    good = client.post(
        "/burden/staffing/new/", {"unit": town.pk, "posts_asked": "3", "reason": "防汛和网格任务增加，申请增加岗位。"}
    )
    assert good.status_code == 302
    pk = int(good["Location"].rstrip("/").split("/")[-1])
    again = client.get("/burden/staffing/new/").content.decode()
    assert f'data-waiting="{pk}"' in again and "已有一份待决定的编制申请" in again  # told before filing twice
    listing = client.get("/burden/staffing/").content.decode()
    assert f"/burden/staffing/{pk}/" in listing and "待决定" in listing
    assert client.post(f"/burden/staffing/{pk}/", {"decision": "approved", "reason": "自己批"}).status_code == 403
    office = client_as("jianfuban")
    refused = office.post(f"/burden/staffing/{pk}/", {"decision": "partly", "posts_granted": "", "reason": "理由"})
    assert refused.status_code == 400 and "部分同意时" in refused.content.decode()
    done = office.post(f"/burden/staffing/{pk}/", {"decision": "refused", "reason": "仍有空编未补"})
    assert done.status_code == 302
    assert StaffingRequest.objects.get(pk=pk).status == "refused"
    assert client_as("bumen").get("/burden/staffing/").status_code == 403
    assert client_as("bumen").get(f"/burden/staffing/{pk}/").status_code == 403


def test_the_demo_has_funds_for_every_town_and_requests_in_several_states(town):
    year = FundAllocation.objects.order_by("-year").values_list("year", flat=True).first()
    towns = _towns()
    funded = set(FundAllocation.objects.filter(year=year).values_list("unit_id", flat=True))
    assert {t.pk for t in towns} <= funded
    today = timezone.localdate()
    statuses = {
        rules.fund_status(f.amount, f.amount_arrived, f.due_on, f.arrived_on, today)
        for f in FundAllocation.objects.filter(year=year)
    }
    assert {"on_time", "late", "short"} <= statuses
    assert {"pending", "partly", "refused"} <= set(StaffingRequest.objects.values_list("status", flat=True))


def test_the_deciders_home_shows_the_requests_waiting(client_as):
    waiting = StaffingRequest.objects.filter(status="pending").count()
    card = next(c for c in client_as("zuzhibu").get("/").context["cards"] if c["key"] == "staffing")
    assert card["stats"][0][1] == waiting
    assert "/burden/staffing/?status=pending" in client_as("jianfuban").get("/").content.decode()
    assert "/burden/staffing/?status=pending" not in client_as("xiangzhen").get("/").content.decode()
