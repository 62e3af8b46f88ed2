"""The pages and the API of surveys: a builder builds and publishes, a front-line worker answers on the page,
the results (page, Excel, API) hide the same small groups, and a registered result action shows its button."""

import io
import json

import pytest
from openpyxl import load_workbook

from qingche.surveys import actions, selectors
from qingche.surveys.models import Response, Survey

pytestmark = pytest.mark.django_db


def _cadre():
    return Survey.objects.get(preset="town_cadre", anonymous=True)


def test_build_publish_and_answer_on_the_pages(client_as, accounts, demo_today):
    from django.utils import timezone

    today = timezone.localdate()
    client = client_as("zuzhibu")
    assert client.get("/surveys/").status_code == 200
    response = client.post(
        "/surveys/new/",
        {"title": "培训需求调查", "opens_on": today, "closes_on": today, "anonymous": "on", "target_categories": []},
    )
    assert response.status_code == 302
    survey = Survey.objects.get(title="培训需求调查")
    url = f"/surveys/{survey.pk}/"
    bad = client.post(url, {"kind": "single", "text": "只有一个选项", "choices": "甲", "scale_max": 5})
    assert bad.status_code == 200 and Survey.objects.get(pk=survey.pk).questions.count() == 0
    client.post(
        url, {"kind": "single", "text": "最需要的培训", "choices": "政策\n方法", "scale_max": 5, "required": "on"}
    )
    client.post(url, {"kind": "scale", "text": "压力", "choices": "小\n大", "scale_max": 5, "required": "on"})
    assert client.post(f"{url}publish/").status_code == 302
    assert Survey.objects.get(pk=survey.pk).status == "published"

    phone = client_as("yixian")
    mine = phone.get("/surveys/mine/").content.decode()
    assert "培训需求调查" in mine
    q1, q2 = selectors.questions(survey)
    refused = phone.post(f"/surveys/{survey.pk}/answer/", {f"q{q1.pk}": "9"})
    assert refused.status_code == 400
    assert phone.post(f"/surveys/{survey.pk}/answer/", {f"q{q1.pk}": "1", f"q{q2.pk}": "4"}).status_code == 302
    stored = Response.objects.get(survey=survey)
    assert stored.person_id is None and stored.answers == {str(q1.pk): 1, str(q2.pk): 4}
    assert "bg-green-lt" in phone.get("/surveys/mine/").content.decode()  # answered
    # a front-line account builds nothing and reads no results
    assert phone.get("/surveys/").status_code == 403
    assert phone.get(f"/surveys/{_cadre().pk}/results/").status_code == 403


def test_results_page_excel_and_api_hide_the_same_cells(client_as, api_as):
    survey = _cadre()
    result = selectors.results(survey)
    hidden_units = {row["label"] for row in result["questions"][0]["by_unit"] if row["figures"] is None}
    assert hidden_units
    page = client_as("zuzhibu").get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "qc-hidden" in page
    workbook = load_workbook(io.BytesIO(client_as("zuzhibu").get(f"/surveys/{survey.pk}/results/?format=xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))[1:]
    for label in hidden_units:
        mine = [row for row in rows if row[2] == label]
        assert mine and all(row[4] in ("", None) for row in mine)
    body = api_as("zuzhibu").get(f"/api/v1/surveys/{survey.pk}/results/").json()
    by_unit = {row["label"]: row for row in body["questions"][0]["by_unit"]}
    for label in hidden_units:
        assert by_unit[label]["figures"] is None and by_unit[label]["shown"] is False
    text = json.dumps(body, ensure_ascii=False)
    assert body["min_group"] == 5 and "person" not in text
    # picking a hidden town as a filter shows nothing of it either
    unit = next(row["key"] for row in result["questions"][0]["by_unit"] if row["figures"] is None)
    filtered = api_as("zuzhibu").get(f"/api/v1/surveys/{survey.pk}/results/", {"unit": unit}).json()
    assert filtered["shown"] is False and filtered["n"] is None
    assert all(q["overall"] is None for q in filtered["questions"])
    assert api_as("zuzhibu").get(f"/api/v1/surveys/{survey.pk}/results/", {"unit": "x"}).status_code == 400
    assert client_as("zuzhibu").get(f"/surveys/{survey.pk}/results/?unit=x&category=nope").status_code == 200


def test_a_result_action_shows_only_when_registered(client_as):
    survey = _cadre()
    url = f"/surveys/{survey.pk}/results/"
    installed = list(actions._actions)  # the ledger's 转为整改, registered by tasks/wiring.py
    assert any(f"source=survey&source_id={survey.pk}" in action.url(survey) for action in installed)
    actions._actions.clear()
    try:
        assert "result-action" not in client_as("zuzhibu").get(url).content.decode()
        action = actions.register_result_action(
            label="转为整改", url=lambda survey, question: f"/ledger/new/?survey={survey.pk}"
        )
        page = client_as("zuzhibu").get(url).content.decode()
        assert "转为整改" in page and f"/ledger/new/?survey={survey.pk}" in page
        actions.unregister(action)
    finally:
        actions._actions[:] = installed


def test_api_build_and_answer(api_as, accounts):
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    builder = api_as("jianfuban")
    created = builder.post(
        "/api/v1/surveys/",
        {"title": "接口问卷", "opens_on": today, "closes_on": today, "anonymous": False},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    question = builder.post(
        f"/api/v1/surveys/{pk}/questions/", {"kind": "multiple", "text": "负担", "choices": ["会", "表"]}, format="json"
    )
    assert question.status_code == 201
    assert builder.post(f"/api/v1/surveys/{pk}/publish/").json()["state"] == "open"
    worker = api_as("cungan")
    assert pk in [row["id"] for row in worker.get("/api/v1/survey-inbox/").json()["results"]]
    qid = str(question.json()["id"])
    assert worker.post(f"/api/v1/survey-inbox/{pk}/answer/", {"answers": {qid: [5]}}, format="json").status_code == 400
    assert (
        worker.post(f"/api/v1/survey-inbox/{pk}/answer/", {"answers": {qid: [0, 1]}}, format="json").status_code == 201
    )
    assert worker.get(f"/api/v1/survey-inbox/{pk}/").json()["answered"] is True
    assert worker.post(f"/api/v1/survey-inbox/{pk}/answer/", {"answers": {qid: [0]}}, format="json").status_code == 400
    assert builder.get(f"/api/v1/surveys/{pk}/results/").status_code == 400  # still open
    assert worker.post("/api/v1/surveys/", {"title": "x"}, format="json").status_code == 403
    assert api_as("xiangzhen").get(f"/api/v1/surveys/{pk}/").status_code == 404
