"""Careers against the demo county: the demo's rank histories follow the rule, rank changes are checked, the
rank shown everywhere comes from the history, pay tables add up to the pool, early transfers are flagged, and
the person page's rotation badges follow the same rule and parameters as the county alert page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingche.core import parameters
from qingche.core.excel import write_xlsx
from qingche.core.models import Parameter
from qingche.org import selectors as org_selectors
from qingche.org.models import Assignment, Person, Post, Unit
from qingche.people import rules_careers as rules
from qingche.people import selectors_careers as selectors
from qingche.people import services_careers as services
from qingche.people.models import WorkStart
from qingche.people.models_careers import PayPool, RankChange, TransferRequest

pytestmark = pytest.mark.django_db


def test_every_demo_civil_servant_has_a_history_that_follows_the_rule(demo_today):
    record_ranks = dict(Person.objects.filter(category="civil_servant").exclude(rank="").values_list("pk", "rank"))
    with_rank = set(record_ranks)
    histories = selectors.history_of(with_rank)
    assert set(histories) == with_rank
    grades, _public = selectors.grades_of(with_rank)
    ladders, grade_rules = selectors.ladders(), parameters.get("appraisal.rank_years")
    demoted = 0
    for person_id, changes in histories.items():
        person_rank = record_ranks[person_id]
        names = [name for name, _years in ladders[changes[-1].ladder]]
        if changes[-1].basis == RankChange.Basis.DEMOTED:
            demoted += 1
            assert grades[person_id][changes[-1].date.year - 1] == "incompetent"
            assert names.index(changes[-1].to_rank) == names.index(person_rank) - 1
        else:
            assert changes[-1].to_rank == person_rank  # the record's value, migrated
        for before, change in zip(changes, changes[1:], strict=False):
            assert change.from_rank == before.to_rank and change.date >= before.date
            if change.basis != RankChange.Basis.PROMOTED:
                continue
            known = {y: g for y, g in grades.get(person_id, {}).items() if y < change.date.year}
            result = rules.eligibility(
                ladder=ladders[change.ladder],
                current=before.to_rank,
                since=before.date,
                grades=known,
                year=change.date.year,
                grade_rules=grade_rules,
            )
            assert result.next_rank == change.to_rank and result.eligible_on <= change.date, (person_id, change)
    should = 0
    for person_id, changes in histories.items():
        names = [name for name, _years in ladders[changes[0].ladder]]
        incompetent = grades.get(person_id, {}).get(demo_today.year - 1) == "incompetent"
        record_rank = record_ranks[person_id]
        should += incompetent and record_rank != names[0] and dt.date(demo_today.year, 2, 20) <= demo_today
    assert demoted == should


def test_a_rank_change_is_checked_and_becomes_the_rank_shown(accounts, client_as):
    org = accounts["zuzhibu"]
    change = RankChange.objects.filter(basis__in=["promoted", "converted", "appointed"]).select_related("person").last()
    person = change.person
    last = RankChange.objects.filter(person=person).order_by("date", "id").last()
    names = [name for name, _y in selectors.ladders()[last.ladder]]
    if names.index(last.to_rank) + 2 >= len(names):
        pytest.skip("at the top of the ladder")
    two_up, one_up = names[names.index(last.to_rank) + 2], names[names.index(last.to_rank) + 1]
    today = dt.date.today()
    common = {"user": org, "person": person, "date": today, "document_number": "县委组〔2026〕9号"}
    with pytest.raises(ValidationError, match="一个职级"):
        services.rank_change_record(to_rank=two_up, basis="promoted", **common)
    with pytest.raises(ValidationError):
        services.rank_change_record(to_rank=one_up, basis="promoted", **{**common, "document_number": ""})
    with pytest.raises(ValidationError):
        services.rank_change_record(to_rank=one_up, basis="promoted", **{**common, "date": today + dt.timedelta(1)})
    with pytest.raises(ValidationError):
        services.rank_change_record(to_rank="副主任科员", basis="promoted", **common)
    services.rank_change_record(to_rank=one_up, basis="promoted", **common)
    page = client_as("zuzhibu").get(reverse("org:person_detail", args=[person.pk])).content.decode()
    assert one_up in page and 'id="careers-panel"' in page
    assert selectors.current_ranks([person.pk]) == {person.pk: one_up}
    village = Person.objects.filter(category="village_cadre").first()
    with pytest.raises(ValidationError):
        services.rank_change_record(user=org, person=village, to_rank=one_up, basis="promoted", date=today)
    bad = client_as("zuzhibu").post(
        reverse("people:careers_person", args=[person.pk]),
        {"to_rank": names[0], "date": "2001-01-01", "basis": "corrected"},
    )
    assert bad.status_code == 400 and "不能早于" in bad.content.decode()


def test_every_demo_pay_table_adds_up_to_its_pool(demo_today):
    pools = list(PayPool.objects.select_related("unit"))
    assert pools
    for pool in pools:
        table = selectors.pay_table(pool, demo_today)
        assert table["rows"] and table["total"] == pool.amount
    remote = [row for pool in pools for row in selectors.pay_table(pool, demo_today)["rows"] if row["remote"]]
    assert remote and all(row["factor"] >= Decimal("1.2") for row in remote)


def test_pay_pool_input_is_checked(accounts, client_as, town):
    org = accounts["zuzhibu"]
    for amount in ("-1", "12.345", "abc", "1e20"):
        with pytest.raises(ValidationError):
            services.pay_pool_set(user=org, unit=town, year=2025, amount=amount)
    village = Unit.objects.filter(path__startswith=town.path, kind="village").first()
    with pytest.raises(ValidationError):
        services.pay_pool_set(user=org, unit=village, year=2025, amount="1000")
    response = client_as("zuzhibu").post(reverse("people:careers_pay"), {"unit": town.pk, "year": 2025, "amount": "-5"})
    assert response.status_code == 400
    pool = services.pay_pool_set(user=org, unit=town, year=2024, amount="100000.01")
    export = client_as("xiangzhen").get(reverse("people:careers_pay_detail", args=[pool.pk]) + "?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    shares = client_as("xiangzhen").get(reverse("paypool-shares", args=[pool.pk]))
    assert sum(Decimal(row["share"]) for row in shares.json()) == Decimal("100000.01")


def test_an_early_transfer_is_flagged_and_needs_a_reason(accounts, demo_today):
    org, town_leader = accounts["zuzhibu"], accounts["xiangzhen"]
    recruit = selectors.recruits_in_service(town_leader, demo_today)
    person = next(
        row["person"] for row in recruit if not TransferRequest.objects.filter(person=row["person"], status="requested")
    )
    transfer = services.transfer_request_submit(user=town_leader, person=person, destination="县城", reason="家庭原因")
    started = WorkStart.objects.get(person=person).started_on
    assert transfer.early and transfer.service_end == rules.service_end(started, 5)
    with pytest.raises(ValidationError):
        services.transfer_request_submit(user=town_leader, person=person, destination="县城", reason="again")
    with pytest.raises(ValidationError, match="理由"):
        services.transfer_request_decide(user=org, transfer=transfer, approve=True)
    with pytest.raises(ValidationError):
        services.transfer_request_decide(user=org, transfer=transfer, approve=False)
    decided = services.transfer_request_decide(user=org, transfer=transfer, approve=True, reason="组织需要")
    assert decided.status == "approved" and decided.decided_by is not None


def test_rotation_badges_and_alerts_follow_one_rule_and_its_parameters(accounts, client_as, demo_today):
    rows = selectors.rotation_alerts(accounts["zuzhibu"], demo_today)
    assert rows and all(row["person"].category in ("civil_servant", "public_institution") for row in rows)
    long = next(row for row in rows if "post_years" in row["tenure"]["alerts"])
    url = reverse("org:person_detail", args=[long["person"].pk])
    assert 'id="long-tenure"' in client_as("zuzhibu").get(url).content.decode()
    # a village cadre long in post gets no badge: rotation is not for village cadres
    village = next(
        a
        for a in Assignment.objects.filter(person__category="village_cadre", end_date__isnull=True)
        .select_related("person")
        .order_by("start_date")
    )
    tenure = org_selectors.person_tenure(
        org_selectors.person_assignments(accounts["admin"], village.person), person=village.person
    )
    assert tenure["years_in_post"] >= 0 and tenure["alerts"] == []
    Parameter.objects.update_or_create(key="org.rotation_post_years", defaults={"value": 40})
    assert 'id="long-tenure"' not in client_as("zuzhibu").get(url).content.decode()
    assert all(
        "post_years" not in row["tenure"]["alerts"]
        for row in selectors.rotation_alerts(accounts["zuzhibu"], demo_today)
    )


def test_posts_against_people_on_the_unit_page(accounts, client_as, town):
    person = Person.objects.filter(unit=town, category="civil_servant").first()
    other = Post.objects.filter(unit=town).exclude(assignments__person=person).first()
    Assignment.objects.create(person=person, post=other, start_date=dt.date(2020, 1, 1))
    contract = Person.objects.filter(category="contract", unit__path__startswith=town.path).first()
    staff_post = Post.objects.filter(unit=town, kind="staff").first()
    Assignment.objects.create(person=contract, post=staff_post, start_date=dt.date(2021, 1, 1))
    flags = selectors.staffing_flags(accounts["zuzhibu"], town)
    assert person in [row["person"] for row in flags["several"]]
    assert contract in [row["person"] for row in flags["mixed"]]
    page = client_as("xiangzhen").get(reverse("org:unit_detail", args=[town.pk])).content.decode()
    assert 'id="posts-people-panel"' in page and person.name in page
    assert client_as("zuzhibu").get(reverse("people:careers_staffing")).status_code == 200


@pytest.mark.parametrize(
    ("name", "url", "status"),
    [
        ("zuzhibu", "people:careers_rotation", 200),
        ("zuzhibu", "people:careers_allowances", 200),
        ("zuzhibu", "people:careers_transfers", 200),
        ("xiangzhen", "people:careers_pay", 200),
        ("xiangzhen", "people:careers_staffing", 200),
        ("xiangzhen", "people:careers_eligibility", 403),
        ("yixian", "people:careers_transfers", 200),
        ("yixian", "people:careers_allowances", 403),
    ],
)
def test_pages_per_role(client_as, name, url, status):
    assert client_as(name).get(reverse(url)).status_code == status


def test_exports_and_the_eligibility_list(client_as, demo_today):
    client = client_as("zuzhibu")
    page = client.get(reverse("people:careers_eligibility"), {"year": demo_today.year, "order": "grassroots"})
    assert page.status_code == 200 and "符合条件" in page.content.decode()
    for url in ("people:careers_eligibility", "people:careers_rotation", "people:careers_allowances"):
        response = client.get(reverse(url), {"export": "xlsx"})
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    months = client.get(reverse("people:careers_allowances"), {"month": f"{demo_today:%Y-%m}"}).content.decode()
    assert "元" in months


def test_a_pool_posted_again_through_the_api_changes_it(api_as, town):
    api = api_as("zuzhibu")
    first = api.post(reverse("paypool-list"), {"unit": town.pk, "year": 2023, "amount": "1000.00"}, format="json")
    again = api.post(reverse("paypool-list"), {"unit": town.pk, "year": 2023, "amount": "2000.50"}, format="json")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert PayPool.objects.get(pk=first.json()["id"]).amount == Decimal("2000.50")
    bad = api.post(reverse("paypool-list"), {"unit": town.pk, "year": 2023, "amount": "-3"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()
    assert (
        api_as("xiangzhen").post(reverse("paypool-list"), {"unit": town.pk, "year": 2023, "amount": "1"}).status_code
        == 403
    )


def test_pools_from_excel_are_checked_whole(client_as, town):
    def upload(rows):
        data = write_xlsx(["单位", "年度", "绩效工资总额（元）", "备注"], rows)
        return {"file": SimpleUploadedFile("pools.xlsx", data)}

    client = client_as("zuzhibu")
    bad = client.post(
        reverse("people:careers_pay"), upload([(town.name, 2022, "500.00", ""), ("无此镇", 2022, "1.234", "")])
    )
    assert bad.status_code == 400 and "第 3 行" in bad.content.decode()
    assert not PayPool.objects.filter(year=2022).exists()
    good = client.post(reverse("people:careers_pay"), upload([(town.name, 2022, "500.00", "补录")]))
    assert good.status_code == 302 and PayPool.objects.get(unit=town, year=2022).amount == Decimal("500.00")
    assert client.get(reverse("people:careers_pay"), {"template": "xlsx"}).status_code == 200


def test_a_person_reads_their_own_rank_page_and_no_one_elses(accounts, client_as):
    me = accounts["yixian"].person
    assert client_as("yixian").get(reverse("people:careers_person", args=[me.pk])).status_code == 200
    other = Person.objects.exclude(pk=me.pk).filter(category="civil_servant").first()
    assert client_as("yixian").get(reverse("people:careers_person", args=[other.pk])).status_code == 404
    page = client_as("zuzhibu").get(reverse("people:careers_person", args=[other.pk])).content.decode()
    assert 'id="rank-change-form"' in page and 'id="rank-history"' in page
