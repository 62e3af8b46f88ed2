"""The care API: scoped reads, writes through the services, refusals as 4xx in Chinese."""

import pytest
from django.urls import reverse
from django.utils import timezone

from qingche.people.models import LeaveRequest, Talk

pytestmark = pytest.mark.django_db


def test_leave_request_by_api_beyond_entitlement_is_a_400_in_chinese(api_as, accounts):
    person = accounts["yixian"].person
    LeaveRequest.objects.filter(person=person).delete()  # whatever the demo gave: the whole year is too much
    year = timezone.localdate().year
    response = api_as("yixian").post(
        reverse("leaverequest-list"),
        {"person": person.pk, "start": f"{year}-01-01", "end": f"{year}-12-31"},
        format="json",
    )
    assert response.status_code == 400
    assert "天" in str(response.json())
    assert not LeaveRequest.objects.filter(person=person, start=f"{year}-01-01").exists()


def test_leave_decision_by_api_needs_the_town_role(api_as, accounts):
    pending = LeaveRequest.objects.filter(status="requested", person__unit__path__startswith="").first()
    url = reverse("leaverequest-decide", args=[pending.pk])
    assert api_as("yixian").post(url, {"approve": True}, format="json").status_code in (403, 404)
    response = api_as("xiangzhen").post(url, {"approve": False, "reason": ""}, format="json")
    assert response.status_code == 400 and "理由" in str(response.json())
    response = api_as("xiangzhen").post(url, {"approve": True}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_talk_by_api_keeps_the_note_out_of_the_talk(api_as, accounts):
    person = accounts["yixian"].person
    response = api_as("xiangzhen").post(
        reverse("talk-list"),
        {"person": person.pk, "date": str(timezone.localdate()), "kind": "care", "note": "笔记乙"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    talk = Talk.objects.get(pk=response.json()["id"])
    assert "笔记乙" not in str(api_as("yixian").get(reverse("talk-detail", args=[talk.pk])).json())
    assert api_as("yixian").get(reverse("talknote-list")).json()["count"] == 0
    notes = api_as("zuzhibu").get(reverse("talknote-list")).json()
    assert any(row["text"] == "笔记乙" for row in notes["results"]) or notes["count"] > 0
