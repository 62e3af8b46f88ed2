"""The pages of awards, the reserve pool and secondment, per role, on the demo county; Excel exports; bad
input answered in Chinese with a 4xx; the award on the person page."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qingche.people.models_awards import AwardRound, Nomination, ReserveEntry, Secondment

pytestmark = pytest.mark.django_db


def _round(status):
    return AwardRound.objects.filter(status=status).first()


@pytest.mark.parametrize("name", ["zuzhibu", "xiangzhen", "yixian"])
def test_award_pages_open_for_each_role(client_as, name):
    client = client_as(name)
    page = client.get(reverse("people:awards"))
    assert page.status_code == 200 and "优秀公务员" in page.content.decode()
    in_publicity = _round("publicity")
    publicity = client.get(reverse("people:publicity", args=[in_publicity.pk])).content.decode()
    assert "公示时间" in publicity
    approved = Nomination.objects.filter(round=in_publicity, status="approved").select_related("person")
    assert all(n.person.name in publicity for n in approved)
    assert client.get(reverse("people:award_round", args=[in_publicity.pk])).status_code == 200


def test_objection_texts_reach_the_organisation_department_and_the_objector_only(client_as):
    url = reverse("people:publicity", args=[_round("publicity").pk])
    org = client_as("zuzhibu").get(url).content.decode()
    assert "值班脱岗" in org and "办事态度" in org
    objector = client_as("yixian").get(url).content.decode()  # raised the first one, not the second
    assert "值班脱岗" in objector and "办事态度" not in objector


def test_round_excel_lists_the_nominations(client_as):
    in_publicity = _round("publicity")
    response = client_as("zuzhibu").get(reverse("people:award_round", args=[in_publicity.pk]) + "?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("人员", "单位")
    assert len(rows) - 1 == Nomination.objects.filter(round=in_publicity).count()


def test_objection_on_the_publicity_page_and_bad_input(client_as, accounts):
    in_publicity = _round("publicity")
    nomination = Nomination.objects.filter(round=in_publicity, status="approved").first()
    client = client_as("yixian")
    url = reverse("people:publicity", args=[in_publicity.pk])
    empty = client.post(url, {"nomination": nomination.pk, "text": " "})
    assert empty.status_code == 200 and "此项为必填项" in empty.content.decode()
    assert client.post(url, {"nomination": "abc", "text": "x"}).status_code == 404
    done = client.post(url, {"nomination": nomination.pk, "text": "请核实其考勤记录"}, follow=True)
    assert "异议已收到" in done.content.decode()
    assert nomination.objections.filter(text="请核实其考勤记录", raised_by=accounts["yixian"].person).exists()


def test_roles_without_permission_are_refused(client_as):
    in_publicity = _round("publicity")
    town = client_as("xiangzhen")
    assert (
        town.post(reverse("people:award_round_action", args=[in_publicity.pk]), {"action": "confer"}).status_code == 403
    )
    assert town.get(reverse("people:reserve_new")).status_code == 403
    assert client_as("yixian").get(reverse("people:reserve")).status_code == 403


def test_review_and_confer_refusals_show_in_chinese(client_as):
    in_publicity = _round("publicity")
    response = client_as("zuzhibu").post(
        reverse("people:award_round_action", args=[in_publicity.pk]),
        {"action": "confer", "document_number": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert "公示期到" in response.content.decode() or "未答复" in response.content.decode()


def test_reserve_and_secondment_pages_and_exports(client_as):
    client = client_as("zuzhibu")
    pool = client.get(reverse("people:reserve")).content.decode()
    entry = ReserveEntry.objects.filter(status="active").select_related("person").first()
    assert entry.person.name in pool
    assert client.get(reverse("people:reserve_detail", args=[entry.pk])).status_code == 200
    left = client.get(reverse("people:reserve") + "?status=left").content.decode()
    assert "出库" in left
    export = client.get(reverse("people:reserve") + "?format=xlsx&town=abc")
    assert export.status_code == 200
    secondment = Secondment.objects.exclude(outcome="").first()
    assert client.get(reverse("people:secondments")).status_code == 200
    detail = client.get(reverse("people:secondment_detail", args=[secondment.pk])).content.decode()
    assert secondment.get_outcome_display() in detail
    rows = list(
        load_workbook(io.BytesIO(client.get(reverse("people:secondments") + "?format=xlsx").content)).active.iter_rows(
            values_only=True
        )
    )
    assert len(rows) - 1 == Secondment.objects.count()
    bad = client.post(
        reverse("people:secondment_detail", args=[secondment.pk]), {"form": "outcome", "outcome-outcome": "appointed"}
    )
    assert bad.status_code == 200 and "去向已经决定" in bad.content.decode()


def test_conferred_award_shows_on_the_person_page(client_as):
    conferred = Nomination.objects.filter(status="conferred").select_related("round", "person").first()
    page = client_as("zuzhibu").get(reverse("org:person_detail", args=[conferred.person_id])).content.decode()
    assert conferred.round.title in page and "表彰、后备干部与挂职" in page
