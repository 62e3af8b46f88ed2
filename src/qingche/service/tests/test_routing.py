"""Routing by meaning: the labelled set (data/routing_set.csv) and the three misroutes of keyword routing."""

import pytest

from qingche.service import rules
from qingche.service.tests import routing_set


@pytest.fixture(scope="module")
def index():
    return routing_set.catalogue_index()


def test_the_labelled_set_covers_every_domain_of_the_duty_list():
    from qingche.duties.demo import catalogue_rows

    rows = routing_set.labelled()
    domain_of = {row["code"]: row["domain"] for row in catalogue_rows()}
    assert len(rows) >= 150
    assert {domain_of[row["expected_code"]] for row in rows if row["expected_code"]} == set(domain_of.values())
    assert all(row["expected_code"] in domain_of or row["expected_unit"] == routing_set.COUNTY_OFFICE for row in rows)


def test_routing_finds_the_right_unit_for_85_percent_of_the_labelled_set(index):
    score = routing_set.evaluate(routing_set.labelled(), index)
    misses = [(row["text"], route.duty_code) for row, route in score.misses]
    assert score.unit_accuracy >= 0.85, misses
    assert score.item_accuracy >= 0.80, misses


def test_a_request_sharing_only_common_words_with_items_is_no_match(index):
    """Keyword routing sent anything saying 企业 to the industry bureau: words shared by chance score below
    the minimum, and no item is claimed."""
    text = "我在城北街道申请廉租房三年了还没分到，听说企业职工优先分配，这合理吗"
    assert index.ranked(text)  # it shares words with items (企业, 分配, 合理) …
    assert rules.match_duties(text, ["城乡建设"], index) == []  # … none enough


def test_the_reason_names_the_item_and_the_words_that_matched(index):
    route = rules.suggest_route(
        text="东河镇幸福路路灯坏了",
        category_words=["城乡建设"],
        town_id=1,
        town_name="东河镇",
        items=index,
        county_office_id=2,
        county_office_name="县政府办公室",
    )
    assert route.duty_code == "JB-028" and route.matched == ("路灯",)
    assert "JB-028" in route.reason and "路灯" in route.reason and "东河镇" not in route.matched


# -- the three misroutes of keyword routing, through intake and the demo county's published list of 东河镇 --
def _leaf(top: str, word: str):
    """The category an operator would choose: a leaf naming the matter, else one of the right branch."""
    from qingche.service.models import Category

    leaves = Category.objects.filter(children__isnull=True, is_active=True).order_by("code")
    return (
        leaves.filter(name__contains=word).first()
        or leaves.filter(parent__parent__name=top).first()
        or leaves.filter(parent__name=top).first()
        or leaves.first()
    )


def _submitted(submit, text, top, word):
    request = submit(text=text, category_id=_leaf(top, word).pk)
    return request, request.route_basis["basis"], request.suggested_unit.name if request.suggested_unit else ""


def test_a_broken_street_lamp_goes_to_the_town_by_its_facilities_item(submit, town):
    from qingche.duties.models import DutyItem

    assert DutyItem.objects.filter(duty_list__unit=town, duty_list__status="published", code="JB-028").exists()
    request, basis, unit = _submitted(submit, "东河镇幸福路路灯坏了", "城乡建设", "路灯")
    assert basis == "basic" and unit == "东河镇"
    assert "JB-028" in request.route_reason and "路灯" in request.route_reason


def test_a_low_rent_housing_complaint_saying_enterprise_does_not_go_to_the_industry_bureau(submit):
    request, basis, unit = _submitted(
        submit, "我在东河镇申请廉租房三年了还没分到，听说企业职工优先分配，这合理吗", "城乡建设", "住房"
    )
    assert unit != "县科技和工业信息化局"
    assert basis == "no_match" and unit == "县政府办公室"


def test_a_school_building_complaint_saying_data_goes_to_the_education_bureau(submit):
    text = "东河镇中心小学的教学楼外墙开裂掉块，学校公布的检测数据说没问题，家长们很担心孩子的安全"
    request, basis, unit = _submitted(submit, text, "教育文体", "学校")
    assert unit == "县教育局" and basis == "taken_back", request.route_reason
