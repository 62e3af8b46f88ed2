"""Raters stay anonymous: the person rated (and their unit) cannot learn who rated them — not via the
API, pages, exports, the audit trail or group results below the minimum number of raters."""

import io
import json

import pytest
from openpyxl import load_workbook

from qingche.appraisal import services
from qingche.appraisal.models import AppraisalCycle, Appraisee, Rating
from qingche.appraisal.tests.conftest import rate_everything
from qingche.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def yixian_person(accounts):
    return accounts["yixian"].person


def _quarterly():
    return AppraisalCycle.objects.get(status="rating", scheme__name="乡镇一般干部平时考核方案（季度）")


def _annual():
    return AppraisalCycle.objects.get(status="publicity", scheme__name="乡镇一般干部年度考核方案")


def test_a_ratee_sees_only_the_ratings_they_give(api_as, yixian_person):
    api = api_as("yixian")
    rows = api.get("/api/v1/appraisal/ratings/?page_size=500").data["results"]
    assert rows, "yixian rates colleagues in the demo"
    mine = set(Rating.objects.filter(rater_person=yixian_person).values_list("pk", flat=True))
    assert {row["id"] for row in rows} <= mine
    assert all("rater" not in key for row in rows for key in row)
    about_me = Rating.objects.filter(ratee__person=yixian_person).values_list("pk", flat=True)
    assert about_me
    for pk in about_me[:5]:
        assert api.get(f"/api/v1/appraisal/ratings/{pk}/").status_code == 404
    own_row = Appraisee.objects.get(cycle=_quarterly(), person=yixian_person)
    filtered = api.get(f"/api/v1/appraisal/ratings/?ratee={own_row.pk}").data["results"]
    assert all(row["ratee"] != own_row.pk for row in filtered)


def test_a_result_names_no_rater_and_counts_none(api_as, yixian_person):
    own = Appraisee.objects.get(cycle=_annual(), person=yixian_person)
    response = api_as("yixian").get(f"/api/v1/appraisal/results/{own.pk}/")
    assert response.status_code == 200
    text = json.dumps(response.data, ensure_ascii=False)
    rater_names = set(
        Rating.objects.filter(ratee=own, rater_person__isnull=False).values_list("rater_person__name", flat=True)
    )
    colleagues = set(Appraisee.objects.filter(cycle=own.cycle).values_list("person__name", flat=True))
    assert rater_names
    for name in rater_names - colleagues - {yixian_person.name}:
        assert name not in text
    assert "rater" not in text.replace("min_raters", "").replace("insufficient_raters", "")
    for line in response.data["breakdown"]["rating"]["groups"]:
        assert set(line) <= {
            "group",
            "configured_weight",
            "weight_used",
            "shown",
            "trimmed",
            "score",
            "contribution",
            "dimensions",
            "reason",
        }


def test_the_result_page_and_export_show_no_rater(client_as, yixian_person, accounts):
    own = Appraisee.objects.get(cycle=_annual(), person=yixian_person)
    page = client_as("yixian").get(f"/appraisal/results/{own.pk}/").content.decode()
    assert 'id="explanation"' in page and "rater-flags" not in page
    export = client_as("xiangzhen").get(f"/appraisal/cycles/{own.cycle_id}/results/?export=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert len(header) == 7
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    town_people = set(Appraisee.objects.filter(cycle=own.cycle, unit=own.unit).values_list("person__name", flat=True))
    assert rows and {row[1] for row in rows} <= town_people  # the town's own people, nobody else


def test_progress_and_rater_flags_are_for_the_organization_department_only(api_as, client_as):
    quarterly, annual = _quarterly(), _annual()
    progress = api_as("zuzhibu").get(f"/api/v1/appraisal/cycles/{quarterly.pk}/progress/")
    assert progress.status_code == 200
    groups = {row["group"]: row for row in progress.data["groups"]}
    assert groups["peer"]["total"] >= groups["peer"]["submitted"] > 0
    assert set(groups["peer"]) == {"group", "total", "submitted", "draft", "label", "share"}  # counts, no names
    for name in ("xiangzhen", "yixian", "bumen"):
        assert api_as(name).get(f"/api/v1/appraisal/cycles/{quarterly.pk}/progress/").status_code in (403, 404)
        assert api_as(name).get("/api/v1/appraisal/rater-flags/").data["count"] == 0
        page = client_as(name).get(f"/appraisal/cycles/{annual.pk}/").content.decode()
        assert 'id="progress-table"' not in page and 'id="rater-flags"' not in page
    assert api_as("zuzhibu").get("/api/v1/appraisal/rater-flags/").data["count"] > 0


def test_a_group_below_the_minimum_is_not_shown(org_user, cycle, api_as):
    target = cycle.appraisees.order_by("id").first()
    superiors = list(cycle.ratings.filter(ratee=target, group="superior").order_by("id"))
    assert len(superiors) >= 3
    skip = [r.pk for r in superiors[2:]]  # only two superiors rate this person; the minimum is three
    services.figures_set(user=org_user, cycle=cycle, rows=rate_everything(cycle, skip=skip), source="测试")
    services.cycle_score(user=org_user, cycle=cycle)
    target.refresh_from_db()
    line = next(g for g in target.breakdown["rating"]["groups"] if g["group"] == "superior")
    assert line == {
        "group": "superior",
        "configured_weight": 0.5,
        "weight_used": 0.0,
        "shown": False,
        "reason": "insufficient_raters",
    }
    assert target.breakdown["rating"]["redistributed"] is True
    response = api_as("zuzhibu").get(f"/api/v1/appraisal/results/{target.pk}/")
    shown = next(g for g in response.data["breakdown"]["rating"]["groups"] if g["group"] == "superior")
    assert "score" not in shown and "dimensions" not in shown


def test_a_town_and_a_person_see_results_only_from_publicity(api_as, client_as, accounts, yixian_person):
    quarterly, annual = _quarterly(), _annual()
    town = api_as("xiangzhen").get("/api/v1/appraisal/results/?page_size=500")
    cycles = {row["cycle"] for row in town.data["results"]}
    assert cycles == {annual.pk}
    xiangzhen_town = accounts["xiangzhen"].role_grants.first().unit
    assert all(
        Appraisee.objects.get(pk=row["id"]).unit.path.startswith(xiangzhen_town.path) for row in town.data["results"]
    )
    page = client_as("xiangzhen").get(f"/appraisal/cycles/{quarterly.pk}/results/").content.decode()
    assert 'id="not-published"' in page and 'id="result-table"' not in page
    mine = api_as("yixian").get("/api/v1/appraisal/results/").data["results"]
    assert [row["person"] for row in mine] == [yixian_person.pk]


def test_the_audit_trail_records_a_rating_without_whom_it_is_about(api_as, yixian_person):
    rating = Rating.objects.filter(rater_person=yixian_person, cycle=_quarterly(), status="pending").first()
    response = api_as("yixian").patch(
        f"/api/v1/appraisal/ratings/{rating.pk}/", {"scores": {"de": 80}, "comment": "秘密"}, format="json"
    )
    assert response.status_code == 200
    events = AuditEvent.objects.filter(object_type="appraisal.rating", object_id=str(rating.pk))
    assert events.exists()
    for event in events:
        text = json.dumps([event.before, event.after, event.object_repr], ensure_ascii=False)
        assert "ratee" not in text and "秘密" not in text and "80" not in text


def test_asking_who_rates_me_is_refused(client_as, accounts, yixian_person):
    own = Appraisee.objects.get(cycle=_quarterly(), person=yixian_person)
    assert client_as("yixian").get(f"/appraisal/results/{own.pk}/raters/").status_code == 403
    assert client_as("xiangzhen").get(f"/appraisal/results/{own.pk}/raters/").status_code == 403
    page = client_as("zuzhibu").get(f"/appraisal/results/{own.pk}/raters/")
    assert page.status_code == 200 and 'id="rater-table"' in page.content.decode()  # the department assigning
    from qingche.appraisal import selectors

    assert not selectors.rater_assignments(accounts["yixian"], own).exists()
