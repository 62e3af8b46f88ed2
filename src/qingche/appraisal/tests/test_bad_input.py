"""Bad input is refused with a clear 4xx naming the problem, and nothing is half-saved: self-rating,
rating twice, a rater outside the cycle, scores out of range, weights not summing to 100%."""

import pytest

from qingche.appraisal.models import AppraisalCycle, AppraisalScheme, Appraisee, Rating

pytestmark = pytest.mark.django_db
DIMS = ("de", "neng", "qin", "ji", "lian")


def _quarterly():
    return AppraisalCycle.objects.get(status="rating", scheme__name="乡镇一般干部平时考核方案（季度）")


def _my_pending(accounts, username="yixian"):
    return Rating.objects.filter(rater_person=accounts[username].person, cycle=_quarterly(), status="pending").first()


def test_self_rating_is_refused(api_as, accounts):
    own = Appraisee.objects.get(cycle=_quarterly(), person=accounts["yixian"].person)
    response = api_as("yixian").post(
        "/api/v1/appraisal/ratings/",
        {"ratee": own.pk, "scores": dict.fromkeys(DIMS, 99), "submit": True},
        format="json",
    )
    assert response.status_code == 400 and "ratee" in response.data
    assert not Rating.objects.filter(ratee=own, rater_person=accounts["yixian"].person).exists()


def test_a_rater_outside_the_cycle_is_refused(api_as, accounts, cycle):
    stranger = cycle.appraisees.first()  # 西山镇: yixian does not rate anyone there
    response = api_as("yixian").post(
        "/api/v1/appraisal/ratings/", {"ratee": stranger.pk, "scores": dict.fromkeys(DIMS, 70)}, format="json"
    )
    assert response.status_code == 403
    assert not Rating.objects.filter(ratee=stranger, rater_person=accounts["yixian"].person).exists()


@pytest.mark.parametrize("bad", [130, -1, "很好", None])
def test_scores_out_of_range_are_refused_and_nothing_is_saved(api_as, accounts, bad):
    rating = _my_pending(accounts)
    scores = dict.fromkeys(DIMS, 80) | {"ji": bad}
    response = api_as("yixian").patch(
        f"/api/v1/appraisal/ratings/{rating.pk}/", {"scores": scores, "submit": True}, format="json"
    )
    assert response.status_code == 400 and "scores" in response.data
    rating.refresh_from_db()
    assert rating.status == "pending" and rating.scores == {}


def test_save_a_draft_resume_and_submit_once(api_as, accounts):
    api, rating = api_as("yixian"), _my_pending(accounts)
    url = f"/api/v1/appraisal/ratings/{rating.pk}/"
    draft = api.patch(url, {"scores": {"de": 85, "neng": 78}, "comment": "<script>x</script>"}, format="json")
    assert draft.status_code == 200 and draft.data["status"] == "draft"
    resumed = api.get(url).data
    assert resumed["scores"] == {"de": 85, "neng": 78} and resumed["comment"] == "<script>x</script>"
    incomplete = api.patch(url, {"submit": True}, format="json")
    assert incomplete.status_code == 400 and "scores" in incomplete.data
    done = api.patch(url, {"scores": dict.fromkeys(DIMS, 82), "submit": True}, format="json")
    assert done.status_code == 200 and done.data["status"] == "submitted"
    again = api.patch(url, {"scores": dict.fromkeys(DIMS, 60), "submit": True}, format="json")
    assert again.status_code == 400
    twice = api.post(
        "/api/v1/appraisal/ratings/",
        {"ratee": rating.ratee_id, "scores": dict.fromkeys(DIMS, 60), "submit": True},
        format="json",
    )
    assert twice.status_code == 400
    rating.refresh_from_db()
    assert rating.scores == dict.fromkeys(DIMS, 82.0)


def test_a_closed_cycle_takes_no_rating(api_as, accounts):
    closed = Rating.objects.filter(rater_person=accounts["yixian"].person, cycle__status="publicity").first()
    response = api_as("yixian").patch(
        f"/api/v1/appraisal/ratings/{closed.pk}/", {"scores": dict.fromkeys(DIMS, 70), "submit": True}, format="json"
    )
    assert response.status_code == 400


def test_the_rating_form_shows_the_problem_and_keeps_nothing(client_as, accounts):
    rating = _my_pending(accounts)
    client = client_as("yixian")
    page = client.post(f"/appraisal/rate/{rating.pk}/", {"action": "submit", **{f"score_{d}": "101" for d in DIMS}})
    assert page.status_code == 200 and "0" in page.content.decode() and 'id="rating-form"' in page.content.decode()
    rating.refresh_from_db()
    assert rating.status == "pending"
    other = Rating.objects.exclude(rater_person=accounts["yixian"].person).filter(cycle=_quarterly()).first()
    assert client.get(f"/appraisal/rate/{other.pk}/").status_code == 404


def test_scheme_weights_must_sum_to_100(api_as, client_as):
    body = {
        "name": "错误方案",
        "person_category": "town_staff",
        "period_type": "annual",
        "grade_scale": "annual",
        "dimension_weights": {"de": 20, "neng": 20, "qin": 20, "ji": 25, "lian": 10},
        "group_weights": {"superior": 60, "peer": 40},
        "indicator_weights": {"volume": 50, "on_time": 50},
        "subjective_weight": 60,
        "min_raters": 3,
        "excellent_quota": 20,
        "quota_group": "town",
    }
    before = AppraisalScheme.objects.count()
    response = api_as("zuzhibu").post("/api/v1/appraisal/schemes/", body, format="json")
    assert response.status_code == 400
    assert "95%" in response.data["dimension_weights"][0] and "100%" in response.data["dimension_weights"][0]
    assert api_as("xiangzhen").post("/api/v1/appraisal/schemes/", body, format="json").status_code == 403
    body["dimension_weights"]["ji"] = 30
    body["excellent_quota"] = 30
    response = api_as("zuzhibu").post("/api/v1/appraisal/schemes/", body, format="json")
    assert response.status_code == 400 and "excellent_quota" in response.data
    assert AppraisalScheme.objects.count() == before
    form = {
        "name": "页面方案",
        "person_category": "town_staff",
        "period_type": "annual",
        "grade_scale": "annual",
        "subjective_weight": 60,
        "min_raters": 3,
        "excellent_quota": 20,
        "quota_group": "town",
        "is_active": "on",
        "dim_de": 30,
        "dim_neng": 30,
        "dim_qin": 30,
        "dim_ji": 30,
        "dim_lian": 10,
        "grp_superior": 100,
        "ind_volume": 100,
    }
    page = client_as("zuzhibu").post("/appraisal/schemes/new/", form)
    assert page.status_code == 200 and "130%" in page.content.decode()
    form["dim_ji"], form["dim_qin"], form["dim_neng"] = 20, 20, 20
    assert client_as("zuzhibu").post("/appraisal/schemes/new/", form).status_code == 302
    assert AppraisalScheme.objects.filter(name="页面方案", dimension_weights__ji=20).exists()


def test_calibration_and_appeal_refusals_through_the_api(api_as, accounts):
    own = Appraisee.objects.get(cycle__status="publicity", person=accounts["yixian"].person)
    url = f"/api/v1/appraisal/results/{own.pk}/calibrate/"
    assert api_as("yixian").post(url, {"grade": "excellent", "reason": "我要优秀"}, format="json").status_code == 403
    response = api_as("zuzhibu").post(
        f"/api/v1/appraisal/results/{own.pk}/calibrate/", {"grade": "excellent"}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.data
    response = api_as("zuzhibu").post(
        f"/api/v1/appraisal/results/{own.pk}/calibrate/", {"grade": "excellent", "reason": "x"}, format="json"
    )
    assert response.status_code == 400  # the cycle is in publicity, not calibration
    other = api_as("xiangzhen").post(
        "/api/v1/appraisal/appeals/", {"appraisee": own.pk, "reason": "代为申诉"}, format="json"
    )
    assert other.status_code == 400 and "appraisee" in other.data
    filed = api_as("yixian").post(
        "/api/v1/appraisal/appeals/", {"appraisee": own.pk, "reason": "请求复核"}, format="json"
    )
    assert filed.status_code == 201
    decided = api_as("zuzhibu").post(
        f"/api/v1/appraisal/appeals/{filed.data['id']}/decide/", {"decision": "维持"}, format="json"
    )
    assert decided.status_code == 200 and decided.data["status"] == "kept"
    assert api_as("yixian").get("/api/v1/appraisal/outcomes/rank-eligibility/?year=2026").status_code == 403
    assert api_as("zuzhibu").get("/api/v1/appraisal/outcomes/rank-eligibility/").status_code == 400
    assert api_as("zuzhibu").get("/api/v1/appraisal/outcomes/rank-eligibility/?year=2026").status_code == 200


def test_performance_pay_with_a_cycle_that_is_not_a_number_is_a_400(api_as):
    response = api_as("zuzhibu").get("/api/v1/appraisal/outcomes/performance-pay/?cycle=abc")
    assert response.status_code == 400 and response.json()["cycle"] == ["请指定考核周期编号，例如 ?cycle=3。"]
    assert api_as("zuzhibu").get("/api/v1/appraisal/outcomes/performance-pay/?cycle=999999").status_code == 404


def test_the_schema_says_the_outcomes_are_lists_and_names_both_person_categories(api_as):
    document = api_as("zuzhibu").get("/api/schema/?format=json").json()
    for name in ("performance-pay", "rank-eligibility", "award-nominations", "organizational-actions"):
        ok = document["paths"][f"/api/v1/appraisal/outcomes/{name}/"]["get"]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"]["type"] == "array", name
    enums = document["components"]["schemas"]
    assert set(AppraisalScheme.objects.values_list("person_category", flat=True)) <= set(
        enums["SchemePersonCategoryEnum"]["enum"]
    )
    assert "civil_servant" in enums["PersonCategoryEnum"]["enum"]


def test_the_top_grade_quota_limit_is_a_parameter(api_as):
    from qingche.core.models import Parameter

    body = {
        "name": "名额方案",
        "person_category": "town_staff",
        "period_type": "annual",
        "grade_scale": "annual",
        "dimension_weights": {"de": 20, "neng": 20, "qin": 20, "ji": 30, "lian": 10},
        "group_weights": {"superior": 60, "peer": 40},
        "indicator_weights": {"volume": 50, "on_time": 50},
        "subjective_weight": 60,
        "min_raters": 3,
        "excellent_quota": 22,
        "quota_group": "town",
    }
    Parameter.objects.update_or_create(key="appraisal.max_excellent_quota", defaults={"value": {"annual": 20}})
    refused = api_as("zuzhibu").post("/api/v1/appraisal/schemes/", body, format="json")
    assert refused.status_code == 400 and "20%" in refused.data["excellent_quota"][0]
    Parameter.objects.filter(key="appraisal.max_excellent_quota").delete()
    assert api_as("zuzhibu").post("/api/v1/appraisal/schemes/", body, format="json").status_code == 201
