"""组织处理 proposals against the demo county: proposed from the published annual appraisal as the rules say,
confirmed or rejected by 组织部 with a reason, a confirmed down-step written to the rank history; the page, its
Excel export, the API and the person page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qingche.appraisal.models import Appraisee
from qingche.core.models import AuditEvent
from qingche.people import rules_careers
from qingche.people import selectors_careers as careers
from qingche.people import selectors_consequences as selectors
from qingche.people import services_consequences as services
from qingche.people.models_careers import RankChange
from qingche.people.models_consequences import Consequence
from qingche.people.rules_consequences import proposals

pytestmark = pytest.mark.django_db


def _cycle(accounts):
    return selectors.published_cycles(accounts["zuzhibu"]).first()


def test_demo_proposals_follow_the_rules_and_its_demotions_are_confirmed_with_the_rank_change(accounts):
    cycle = _cycle(accounts)
    rows = list(Consequence.objects.filter(cycle=cycle))
    assert rows
    grades, _public = careers.grades_of({row.person_id for row in rows})
    for row in rows:
        assert row.kind in {p.kind for p in proposals(grades[row.person_id], cycle.year, selectors.thresholds())}
    confirmed = [row for row in rows if row.status == Consequence.Status.CONFIRMED]
    assert confirmed and any(row.status == Consequence.Status.REJECTED for row in rows)
    for row in confirmed:
        if row.kind == Consequence.Kind.DEMOTE:
            assert row.rank_change.basis == RankChange.Basis.DEMOTED and row.rank_change.person_id == row.person_id
    assert services.consequences_propose(user=accounts["zuzhibu"], cycle=cycle) == 0  # nothing missing


def test_confirming_a_down_step_writes_the_rank_history_and_the_audit(accounts, client_as):
    org, cycle = accounts["zuzhibu"], _cycle(accounts)
    demoted = set(RankChange.objects.filter(basis=RankChange.Basis.DEMOTED).values_list("person_id", flat=True))
    ranked = set(RankChange.objects.exclude(from_rank="").values_list("person_id", flat=True)) - demoted
    appraisee = (
        Appraisee.objects.filter(cycle=cycle, grade="competent", person_id__in=ranked)
        .exclude(person__account=org)
        .order_by("id")
        .first()
    )
    Appraisee.objects.filter(pk=appraisee.pk).update(grade="incompetent")  # as if calibrated so
    assert services.consequences_propose(user=org, cycle=cycle) == 2
    demote = Consequence.objects.get(person_id=appraisee.person_id, cycle=cycle, kind=Consequence.Kind.DEMOTE)
    adjust = Consequence.objects.get(person_id=appraisee.person_id, cycle=cycle, kind=Consequence.Kind.ADJUST_POST)
    with pytest.raises(ValidationError, match="document_number"):
        services.consequence_decide(user=org, consequence=demote, confirm=True)
    with pytest.raises(ValidationError, match="reason"):
        services.consequence_decide(user=org, consequence=adjust, confirm=False)
    with pytest.raises(PermissionDenied):
        services.consequence_decide(user=accounts["xiangzhen"], consequence=adjust, confirm=False, reason="x")
    last = RankChange.objects.filter(person_id=appraisee.person_id).order_by("date", "id").last()
    below = rules_careers.step_below(careers.ladders()[last.ladder], last.to_rank)
    done = services.consequence_decide(
        user=org, consequence=demote, confirm=True, document_number="县委组〔2026〕9号", reason="经部务会研究"
    )
    assert done.status == Consequence.Status.CONFIRMED
    assert (done.rank_change.from_rank, done.rank_change.to_rank) == (last.to_rank, below)
    assert done.rank_change.basis == RankChange.Basis.DEMOTED
    assert AuditEvent.objects.filter(object_type="people.consequence", object_id=str(done.pk), reason="经部务会研究")
    with pytest.raises(ValidationError):
        services.consequence_decide(user=org, consequence=done, confirm=False, reason="again")
    Appraisee.objects.filter(pk=appraisee.pk).update(grade="competent")  # changed on review
    with pytest.raises(ValidationError, match="kind"):
        services.consequence_decide(user=org, consequence=adjust, confirm=True)
    page = client_as("zuzhibu").get(f"/org/people/{appraisee.person_id}/")
    assert page.status_code == 200 and "县委组〔2026〕9号" in page.content.decode()


def test_page_export_api_and_scope(accounts, client_as, api_as):
    client = client_as("zuzhibu")
    page = client.get("/people/consequences/?status=proposed")
    assert page.status_code == 200 and 'id="propose-form"' in page.content.decode()
    export = client.get("/people/consequences/?export=xlsx")
    assert export.status_code == 200 and "spreadsheet" in export["Content-Type"]
    assert client_as("cungan").get("/people/consequences/").status_code == 403
    api = api_as("zuzhibu")
    row = Consequence.objects.filter(status=Consequence.Status.PROPOSED).exclude(kind="demote").first()
    refused = api.post(f"/api/v1/consequences/{row.pk}/decide/", {"confirm": False}, format="json")
    assert refused.status_code == 400 and "理由" in refused.content.decode()
    done = api.post(f"/api/v1/consequences/{row.pk}/decide/", {"confirm": False, "reason": "已另行处理"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert api_as("xiangzhen").post("/api/v1/consequences/propose/", {"cycle": row.cycle_id}).status_code == 403
    town = api_as("xiangzhen").get("/api/v1/consequences/").json()
    town_ids = {item["id"] for item in town.get("results", town)}
    assert town_ids <= set(selectors.consequences(accounts["xiangzhen"]).values_list("id", flat=True))
