"""The pages and the API: 纪检 walks a case from opening to determination; bad input is a Chinese message and a 4xx,
never a 500; the person concerned reads their own record and nothing else."""

import pytest
from django.urls import reverse

from qingche.accountability.models import Case
from qingche.org.models import Person


@pytest.mark.django_db
def test_discipline_opens_a_case_and_determines_it_on_the_pages(client_as, town, demo_today):
    client = client_as("jijian")
    assert client.get(reverse("accountability:cases")).status_code == 200
    excel = client.get(reverse("accountability:cases"), {"format": "xlsx", "outcome": "exempt"})
    assert excel["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.post(
        reverse("accountability:case_new"),
        {"unit": town.pk, "title": "页面案件", "facts": "事实", "source": "hand", "opened_on": demo_today},
    )
    case = Case.objects.get(title="页面案件")
    assert response.status_code == 302
    item = town.duty_lists.get(status="published").items.filter(kind="taken_back", lead_unit__isnull=False).first()
    client.post(reverse("accountability:case_items", args=[case.pk]), {"duty_items": [item.pk]})
    page = client.get(reverse("accountability:case", args=[case.pk])).content.decode()
    assert 'id="red-flag"' in page and item.lead_unit.name in page
    refused = client.post(reverse("accountability:case_responsibility", args=[case.pk]), {"responsible_unit": town.pk})
    assert refused.status_code == 200 and "权力归部门" in refused.content.decode()
    client.post(
        reverse("accountability:case_responsibility", args=[case.pk]),
        {"responsible_unit": town.pk, "reason": "镇级属地巡查确有疏漏，经研究由镇承担属地责任"},
    )
    person = Person.objects.filter(unit=town, account=None).order_by("-id").first()
    added = {"person": person.pk, "concerned_as": "直接"}
    client.post(reverse("accountability:case_person_new", args=[case.pk]), added)
    case_person = case.people.get()
    url = reverse("accountability:determination_new", args=[case_person.pk])
    half = client.post(url, {"objective_causes": "客观", "subjective_causes": "主观", "outcome": "exempt"})
    assert half.status_code == 200 and "请回答这一区分并写明理由" in half.content.decode()
    answers = {}
    for key in ("inexperience", "trial", "public_interest"):
        answers[f"distinction_{key}"] = "yes"
        answers[f"reason_{key}"] = "出于公心的探索"
    done = client.post(url, {"objective_causes": "客观", "subjective_causes": "主观", "outcome": "exempt", **answers})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "determined"
    assert "容错" in client.get(reverse("accountability:case", args=[case.pk])).content.decode()


@pytest.mark.django_db
def test_the_person_concerned_reads_their_record_and_cannot_open_cases(client_as, accounts):
    client = client_as("yixian")
    assert client.get(reverse("accountability:cases")).status_code == 403
    mine = client.get(reverse("accountability:mine")).content.decode()
    case = Case.objects.get(people__person=accounts["yixian"].person)
    assert case.title in mine
    assert client.get(reverse("accountability:case", args=[case.pk])).status_code == 200
    other = Case.objects.exclude(pk=case.pk).first()
    assert client.get(reverse("accountability:case", args=[other.pk])).status_code == 404
    assert client_as("xiangzhen").get(reverse("accountability:case", args=[case.pk])).status_code == 404


@pytest.mark.django_db
def test_api_determination_refuses_without_the_analysis(api_as, accounts, town):
    api = api_as("jijian")
    person = Person.objects.filter(unit=town, account=None).order_by("-id").first()
    body = {"unit": town.pk, "title": "接口案件", "facts": "事实", "source": "hand"}
    created = api.post(reverse("accountabilitycase-list"), body, format="json")
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    joined = api.post(reverse("caseperson-list"), {"case": case_id, "person": person.pk}, format="json")
    assert joined.status_code == 201, joined.content
    assert (
        api.post(
            reverse("accountabilitycase-responsibility", args=[case_id]), {"responsible_unit": town.pk}, format="json"
        ).status_code
        == 200
    )
    url = reverse("caseperson-determine", args=[joined.json()["id"]])
    body = {
        "objective_causes": "客观",
        "subjective_causes": "",
        "inexperience": {"in_favour": False, "reason": "明知故犯"},
        "trial": {"in_favour": False, "reason": "常规工作"},
        "public_interest": {"in_favour": False, "reason": "作风不实"},
        "outcome": "accountable",
        "sanction_kind": "demerit",
    }
    refused = api.post(url, body, format="json")
    assert refused.status_code == 400 and "subjective_causes" in refused.json()
    assert api_as("xiangzhen").post(url, body, format="json").status_code in (403, 404)
    body.update(subjective_causes="主观", sanction_from="2026-01-01", sanction_until="2026-12-31")
    assert api.post(url, body, format="json").status_code == 201
