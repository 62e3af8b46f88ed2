"""The training pages as each role sees them, in Chinese: my training and check-in (front-line), the plan and a
session (town, 组织部), coverage with its export, the survey results, compensatory rest and the leave export;
and the training history on a person's page."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qingche.people.models import Enrolment, NeedsSurvey, TrainingSession

pytestmark = pytest.mark.django_db
ENGLISH = re.compile(r">\s*[A-Za-z][a-z]+(?: [a-z]+){1,}\s*<")  # an untranslated phrase between tags


def _page(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    html = response.content.decode()
    assert not ENGLISH.search(html), ENGLISH.search(html).group(0)
    return html


def test_front_line_sees_its_training_and_a_wrong_code_is_refused_in_chinese(client_as, accounts):
    client = client_as("yixian")
    html = _page(client, reverse("people:training_mine"))
    assert "签到" in html and "基层减负与工作方法专题培训" in html  # confirmed on the demo's session of today
    response = client.post(reverse("people:training_mine"), {"code": "123"})
    assert response.status_code == 200 and "签到码不正确" in response.content.decode()
    assert client.get(reverse("people:training_coverage")).status_code == 403


def test_town_sees_the_plan_a_session_and_its_coverage(client_as):
    client = client_as("xiangzhen")
    html = _page(client, reverse("people:training_plans"))
    assert "年度干部教育培训计划" in html and "第1期" in html
    session = TrainingSession.objects.order_by("start").first()
    _page(client, reverse("people:training_session", args=[session.pk]))
    html = _page(client, reverse("people:training_coverage"))
    assert "党政主职" in html and "尚未参加培训" in html
    assert "coverage-chart" in html


def test_coverage_export_lists_the_people_not_yet_trained(client_as):
    response = client_as("zuzhibu").get(reverse("people:training_coverage"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "单位") and len(rows) > 1


def test_org_department_sees_survey_counts_and_the_organiser_view_of_a_session(client_as):
    client = client_as("zuzhibu")
    survey = NeedsSurvey.objects.first()
    html = _page(client, reverse("people:training_survey", args=[survey.pk]))
    assert "乡村振兴政策" in html
    _page(client, reverse("people:training_surveys"))
    session = TrainingSession.objects.order_by("-start").first()
    html = _page(client, reverse("people:training_session", args=[session.pk]))
    assert "签到码" in html


def test_person_page_shows_training_history(client_as):
    enrolment = Enrolment.objects.filter(attended=True).select_related("person", "session").first()
    html = _page(client_as("zuzhibu"), reverse("org:person_detail", args=[enrolment.person_id]))
    assert 'id="training-history"' in html and enrolment.session.topic in html


def test_leave_export_and_compensatory_rest_page(client_as, accounts):
    client = client_as("xiangzhen")
    response = client.get(reverse("people:leave_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) > 1
    html = _page(client, reverse("people:rest_for_person", args=[accounts["yixian"].person.pk]))
    assert "调休" in html
    assert client_as("yixian").get(reverse("people:leave_export")).status_code == 403
