"""People read words, never codes, in the reader's language: rater flags, rater groups, dimensions,
indicators, grades, the results that count and the exports, on the Chinese and on the English interface;
the scoring engine's messages and the what-if command's input errors are translated too."""

import io
import re

import pytest
from django.utils import translation
from openpyxl import load_workbook

from qingche.appraisal import rules
from qingche.appraisal.models import AppraisalCycle, Appraisee
from qingche.appraisal.simulate import SimulationInputError, simulate
from qingche.appraisal.tests.test_simulate import valid_input

CJK = re.compile(r"[\u4e00-\u9fff]")
FLAG_ROW = re.compile(r'<tr data-kind="(\w+)"><td>.*?</td><td>(.*?)</td><td>(.*?)</td></tr>', re.S)
GROUP_CELL = re.compile(r'<tr data-group="(\w+)" data-shown="[01]">\s*<td>(.*?)</td>', re.S)


def _annual():
    return AppraisalCycle.objects.get(status="publicity", scheme__name="乡镇一般干部年度考核方案")


def _speaking(accounts, username, language):
    user = accounts[username]
    user.language = language
    user.save(update_fields=["language"])
    return user


def _flag_rows(client):
    page = client.get(f"/appraisal/cycles/{_annual().pk}/").content.decode()
    rows = FLAG_ROW.findall(page)
    assert rows, "the demo's annual cycle has flat, lenient and harsh raters"
    return rows


# -- rater flags ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_rater_flags_show_their_kind_and_message_in_chinese(client_as):
    rows = _flag_rows(client_as("zuzhibu"))
    for kind, label, message in rows:
        assert label == str(rules.LABELS[kind]) and label != kind and CJK.search(label)
        assert CJK.search(message), message
    kinds = {kind for kind, _label, _message in rows}
    assert "flat" in kinds
    flat = next(message for kind, _label, message in rows if kind == "flat")
    assert "平均主义" in flat and "权重降为" in flat


@pytest.mark.django_db
def test_rater_flags_are_english_on_the_english_interface(client_as, accounts):
    _speaking(accounts, "zuzhibu", "en")
    rows = _flag_rows(client_as("zuzhibu"))
    words = {
        "flat": "flat rating",
        "lenient": "lenient",
        "harsh": "harsh",
        "unstandardisable": "cannot be standardised",
    }
    for kind, label, message in rows:
        assert label.startswith(words[kind])
        assert not CJK.search(label) and not CJK.search(message), (label, message)
    flat = next(message for kind, _label, message in rows if kind == "flat")
    assert flat.startswith("Scores barely differ") and "weight reduced to" in flat


@pytest.mark.django_db
def test_rater_flags_api_gives_the_words_in_the_requested_language(api_as):
    api = api_as("zuzhibu")
    english = api.get(f"/api/v1/appraisal/rater-flags/?cycle={_annual().pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = api.get(f"/api/v1/appraisal/rater-flags/?cycle={_annual().pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english, chinese = english.get("results", english), chinese.get("results", chinese)
    assert english and len(english) == len(chinese)
    for en, zh in zip(english, chinese, strict=True):
        assert en["kind"] == zh["kind"] and en["detail"] == zh["detail"]
        assert not CJK.search(en["kind_label"] + en["message"])
        assert CJK.search(zh["kind_label"]) and CJK.search(zh["message"])


def test_a_flag_message_is_made_in_the_active_language():
    detail = {"ratees": 12, "mean": 95.1, "spread": 0.4, "weight": 0.2, "raters_mean": 81.0, "threshold": 2.0}
    with translation.override("en"):
        assert rules.flag_message("flat", detail) == (
            "Scores barely differ (flat rating): 12 people rated, spread 0.4 below the threshold 2.0, "
            "weight reduced to 0.2"
        )
        assert str(rules.LABELS["lenient"]) == "lenient"
    with translation.override("zh-hans"):
        assert rules.flag_message("flat", detail) == (
            "评分几乎无区分（平均主义/好人主义）：评价 12 人，离散度 0.4 低于阈值 2.0，权重降为 0.2"
        )
        assert rules.flag_message("harsh", detail).startswith("评分偏严：平均 95.1")
        assert str(rules.LABELS["lenient"]) == "偏宽"


# -- the explained result ---------------------------------------------------------------------------
def _own_result_page(client_as, accounts):
    own = Appraisee.objects.get(cycle=_annual(), person=accounts["yixian"].person)
    return client_as("yixian").get(f"/appraisal/results/{own.pk}/").content.decode()


@pytest.mark.django_db
def test_explained_result_names_groups_dimensions_and_inputs_in_chinese(client_as, accounts):
    page = _own_result_page(client_as, accounts)
    groups = dict(GROUP_CELL.findall(page))
    assert groups["superior"] == "上级" and groups["department"] == "职能部门" and groups["public"] == "群众"
    assert "德 " in page and "工作量（工时）" in page and "名次" in page
    assert "得分 = 评价得分权重" in page
    for code in ("subjective_weight", "workload ", "on_time ", ">superior<", ">de "):
        assert code not in page


@pytest.mark.django_db
def test_explained_result_is_english_on_the_english_interface(client_as, accounts):
    _speaking(accounts, "yixian", "en")
    page = _own_result_page(client_as, accounts)
    groups = dict(GROUP_CELL.findall(page))
    assert groups["superior"] == "superiors" and groups["department"] == "departments"
    assert groups["public"] == "the public"
    assert "integrity " in page and "workload (person-hours)" in page
    assert "score = weight of ratings × rating part" in page
    assert "Competent" in page or "Excellent" in page
    explanation = page[page.index('id="explanation"') :]
    # person, unit and cycle names are data; every word of the explanation itself is English
    for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", explanation, re.S):
        assert not CJK.search(cell), cell


# -- results and the results that count ------------------------------------------------------------
@pytest.mark.django_db
def test_results_export_says_rank_as_a_place_and_name_as_a_person(client_as, accounts):
    client = client_as("zuzhibu")
    url = f"/appraisal/cycles/{_annual().pk}/results/?export=xlsx"
    headers = [cell.value for cell in next(load_workbook(io.BytesIO(client.get(url).content)).active.rows)]
    assert headers[:2] == ["名次", "姓名"]  # not 职级 (a rank on the ladder) nor 名称 (a thing's name)
    _speaking(accounts, "zuzhibu", "en")
    headers = [cell.value for cell in next(load_workbook(io.BytesIO(client.get(url).content)).active.rows)]
    assert headers == ["rank", "name", "unit", "quota group", "score", "grade", "calibration reason"]
    page = client.get(f"/appraisal/cycles/{_annual().pk}/results/").content.decode()
    assert "<th>rank</th><th>name</th>" in page


@pytest.mark.django_db
def test_results_that_count_show_headings_and_yes_no(client_as, accounts):
    client = client_as("zuzhibu")
    page = client.get(f"/appraisal/outcomes/?year={_annual().year}").content.decode()
    for code in ("grade_label", "year_counts", "merit_candidate", "excellent_years_in_a_row", "<th>final</th>"):
        assert code not in page
    assert "<th>姓名</th>" in page and "<th>是否最终结果</th>" in page and "<td>否</td>" in page
    assert "<td>False</td>" not in page and "<td>True</td>" not in page
    pay = load_workbook(io.BytesIO(client.get(f"/appraisal/outcomes/?year={_annual().year}&export=pay").content)).active
    assert [cell.value for cell in next(pay.rows)] == ["姓名", "单位", "等次", "绩效工资系数", "是否最终结果"]
    assert {row[4].value for row in pay.iter_rows(min_row=2)} == {"否"}  # still in publicity

    _speaking(accounts, "zuzhibu", "en")
    page = client.get(f"/appraisal/outcomes/?year={_annual().year}").content.decode()
    assert "<th>performance-pay coefficient</th>" in page and "<td>no</td>" in page
    assert "Performance-pay coefficients" in page
    rank = load_workbook(
        io.BytesIO(client.get(f"/appraisal/outcomes/?year={_annual().year}&export=rank").content)
    ).active
    assert [cell.value for cell in next(rank.rows)] == [
        "name",
        "unit",
        "grade",
        "year counts toward rank",
        "months less before the next step",
        "years counted so far",
        "final",
    ]
    assert {row[3].value for row in rank.iter_rows(min_row=2)} <= {"yes", "no"}


@pytest.mark.django_db
def test_scheme_list_and_rater_list_show_labels(client_as, accounts):
    client = client_as("zuzhibu")
    page = client.get("/appraisal/schemes/").content.decode()
    assert "德 20.0%" in page and "de 20.0%" not in page
    quarterly = AppraisalCycle.objects.get(status="rating")
    row = quarterly.appraisees.exclude(person=accounts["zuzhibu"].person).order_by("id").first()
    page = client.get(f"/appraisal/results/{row.pk}/raters/").content.decode()
    cells = re.findall(r'<table class="table card-table" id="rater-table">.*?</table>', page, re.S)[0]
    assert "<td>上级</td>" in cells and "<td>superior</td>" not in cells
    _speaking(accounts, "zuzhibu", "en")
    page = client.get("/appraisal/schemes/").content.decode()
    assert "integrity 20.0%" in page
    page = client.get(f"/appraisal/results/{row.pk}/raters/").content.decode()
    assert "<td>superiors</td>" in page


@pytest.mark.django_db
def test_a_validation_message_names_the_dimension_in_words(client_as, accounts):
    client = client_as("yixian")
    rating = next(r for r in client.get("/appraisal/rate/").context["ratings"] if r.status != "submitted")
    response = client.post(f"/appraisal/rate/{rating.pk}/", {"score_de": "120", "action": "draft"}, follow=True)
    assert "（德：120）" in response.content.decode() and "de：120" not in response.content.decode()
    _speaking(accounts, "yixian", "en")
    response = client.post(f"/appraisal/rate/{rating.pk}/", {"score_de": "120", "action": "draft"}, follow=True)
    assert "Scores are from 0 to 100 (integrity: 120)." in response.content.decode()


# -- the what-if command's input errors -------------------------------------------------------------
def _error(data) -> SimulationInputError:
    with pytest.raises(SimulationInputError) as raised:
        simulate(data)
    return raised.value


def test_simulation_errors_are_english_in_english_and_chinese_in_chinese():
    data = valid_input()
    data["ratings"][3]["scores"]["de"] = 120
    error = _error(data)
    with translation.override("en"):
        assert error.message == "Score out of the range 0–100: ratings[3].scores.de = 120"
        assert str(error) == error.message
    with translation.override("zh-hans"):
        assert error.message == "评分超出范围 0–100：ratings[3].scores.de = 120"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(period="yearly"),
        lambda d: d["dimensions"].update(lian=0.05),
        lambda d: d["people"][0].update(on_time=99),
        lambda d: d["people"][0].update(bottom_grade={"grade": "poor", "reason": "x"}),
        lambda d: d["ratings"].append(dict(d["ratings"][0])),
        lambda d: d.update(parameters={"trim_min_raters": 2}),
        lambda d: d["people"][1].pop("workload"),
    ],
    ids=["period", "weights", "on time", "bottom grade", "duplicate", "parameter", "missing field"],
)
def test_no_simulation_error_shows_chinese_on_the_english_interface(change):
    data = valid_input()
    change(data)
    error = _error(data)
    with translation.override("en"):
        assert not CJK.search(error.message), error.message
    with translation.override("zh-hans"):
        assert CJK.search(error.message), error.message
