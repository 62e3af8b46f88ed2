"""Pages by role: the home card, the scheme editor, the cycle page, the results that count."""

import io

import pytest
from openpyxl import load_workbook

from qingche.appraisal.models import AppraisalCycle, Appraisee

pytestmark = pytest.mark.django_db


def _annual():
    return AppraisalCycle.objects.get(status="publicity", scheme__name="乡镇一般干部年度考核方案")


def test_home_card_tells_a_rater_what_is_waiting(client_as):
    assert 'data-card="appraisal-ratings"' in client_as("yixian").get("/").content.decode()
    assert 'data-card="appraisal-ratings"' not in client_as("shenji").get("/").content.decode()


def test_scheme_editor_is_for_the_organization_department(client_as):
    assert client_as("zuzhibu").get("/appraisal/schemes/").status_code == 200
    page = client_as("zuzhibu").get("/appraisal/schemes/new/").content.decode()
    assert 'name="dim_de"' in page and 'name="grp_public"' in page and 'name="ind_volume"' in page
    assert client_as("xiangzhen").get("/appraisal/schemes/").status_code == 403


def test_cycle_page_shows_which_sources_are_connected(client_as):
    page = client_as("zuzhibu").get(f"/appraisal/cycles/{_annual().pk}/").content.decode()
    assert 'data-source="tasks" data-connected="1"' in page
    assert 'data-source="service" data-connected="1"' in page
    assert 'id="figures-source">演示数据' in page


def test_explained_result_shows_the_department_group_and_the_appeal_form(client_as, accounts):
    own = Appraisee.objects.get(cycle=_annual(), person=accounts["yixian"].person)
    page = client_as("yixian").get(f"/appraisal/results/{own.pk}/").content.decode()
    assert 'data-group="department" data-shown="1"' in page
    assert 'id="appeal-form"' in page


def test_results_that_count_page_and_exports(client_as):
    client = client_as("zuzhibu")
    page = client.get(f"/appraisal/outcomes/?year={_annual().year}")
    assert page.status_code == 200
    for key in ("pay", "rank", "awards", "actions"):
        assert f'id="outcome-{key}"' in page.content.decode()
        export = client.get(f"/appraisal/outcomes/?year={_annual().year}&export={key}")
        assert export.status_code == 200
        load_workbook(io.BytesIO(export.content))
    pay = load_workbook(io.BytesIO(client.get(f"/appraisal/outcomes/?year={_annual().year}&export=pay").content)).active
    assert pay.max_row - 1 == _annual().appraisees.count()
    assert client_as("xiangzhen").get("/appraisal/outcomes/").status_code == 403
