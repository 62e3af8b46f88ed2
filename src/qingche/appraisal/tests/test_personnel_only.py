"""Roles with no part in personnel work (热线, 减负办) see no one's appraisal scores, ranks or breakdowns
and cannot export them (Trust I, item 6); what everyone who sees a cycle may read is the 公示 list, during
公示: names, units and the top grade, nothing more."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from qingche.appraisal.models import AppraisalCycle, Appraisee
from qingche.org.models import Person

pytestmark = pytest.mark.django_db

NO_PERSONNEL_WORK = ["rexian", "jianfuban"]


def _annual():
    return AppraisalCycle.objects.get(status="publicity", scheme__name="乡镇一般干部年度考核方案")


def _own_person(account):
    return Person.objects.filter(account=account).values_list("pk", flat=True).first()


def _all_results(api):
    rows, url = [], "/api/v1/appraisal/results/?page_size=500"
    while url:
        body = api.get(url).json()
        rows += body["results"]
        url = body.get("next")
    return rows


@pytest.mark.parametrize("name", NO_PERSONNEL_WORK)
def test_no_scores_ranks_or_breakdowns_of_others(name, accounts, api_as, client_as):
    cycle, me = _annual(), _own_person(accounts[name])
    others = Appraisee.objects.filter(cycle=cycle, score__isnull=False).exclude(person_id=me)
    assert others.count() > 10
    other = others.order_by("rank").first()
    api = api_as(name)
    assert {row["person"] for row in _all_results(api)} <= {me}
    assert api.get(f"/api/v1/appraisal/results/{other.pk}/").status_code == 404
    client = client_as(name)
    page = client.get(f"/appraisal/cycles/{cycle.pk}/results/")
    shown = set(page.content.decode().split('data-result="')[1:])
    assert not any(chunk.split('"', 1)[0] == str(other.pk) for chunk in shown)
    assert client.get(f"/appraisal/results/{other.pk}/").status_code == 404
    export = client.get(f"/appraisal/cycles/{cycle.pk}/results/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content), read_only=True).active.iter_rows(values_only=True))[1:]
    names = set(others.values_list("person__name", flat=True)) - set(
        Person.objects.filter(pk=me).values_list("name", flat=True)
    )
    assert not [row for row in rows if row[1] in names]
    assert client.get("/appraisal/outcomes/").status_code == 403


def test_a_town_still_sees_its_people_once_published(accounts, api_as):
    town = accounts["xiangzhen"].role_grants.get().unit
    rows = _all_results(api_as("xiangzhen"))
    assert len({row["person"] for row in rows}) > 1
    assert all(Appraisee.objects.get(pk=row["id"]).unit.path.startswith(town.path) for row in rows)


@pytest.mark.parametrize("name", [*NO_PERSONNEL_WORK, "xiangzhen", "yixian"])
def test_the_publicity_list_names_the_top_grade_without_scores(name, client_as):
    cycle = _annual()
    top = Appraisee.objects.filter(cycle=cycle, grade="excellent").select_related("person").order_by("pk")
    assert top.exists()
    response = client_as(name).get(f"/appraisal/cycles/{cycle.pk}/publicity/")
    assert response.status_code == 200
    page = response.content.decode()
    table = page.split('id="publicity-table"', 1)[1].split("</table>", 1)[0]
    assert all(row.person.name in table for row in top)
    assert table.count("<tr>") == top.count() + 1  # the heading and one line each
    for row in top[:5]:
        assert f"{row.score}" not in table
    api = client_as(name).get(f"/api/v1/appraisal/cycles/{cycle.pk}/publicity/").json()
    assert sorted(line["person"] for line in api) == sorted(row.person.name for row in top)
    assert all(set(line) == {"person", "unit", "grade"} for line in api)


def test_the_publicity_list_is_only_open_during_publicity(client_as):
    rating = AppraisalCycle.objects.filter(status="rating").first()
    assert client_as("rexian").get(f"/appraisal/cycles/{rating.pk}/publicity/").status_code == 404
    assert client_as("rexian").get(f"/api/v1/appraisal/cycles/{rating.pk}/publicity/").status_code == 404
