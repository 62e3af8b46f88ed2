"""Reads of 组织处理 proposals: scoped lists, the cycles they can be proposed from, a person's confirmed ones."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from qingche.appraisal.models import AppraisalCycle
from qingche.core import parameters
from qingche.people import rules_consequences as rules
from qingche.people.models_consequences import Consequence
from qingche.people.selectors_careers import ANNUAL_PERIODS, grade_labels


def thresholds() -> dict:
    return {
        **parameters.get("people.consequence_thresholds"),
        "merit_years": parameters.get("appraisal.award_excellent_in_a_row"),
    }


def consequences(user):
    return Consequence.objects.visible_to(user).select_related("person", "unit", "cycle", "decided_by", "rank_change")


def published_cycles(user):
    """Published annual (and term) cycles the user can see (in publicity or final): the ones proposals come from,
    as every other consumer of grades (pay, rank years) counts them. A grade changed on review after a proposal
    blocks its confirmation (services_consequences.consequence_decide)."""
    return (
        AppraisalCycle.objects.visible_to(user)
        .filter(status__in=AppraisalCycle.PUBLISHED, scheme__period_type__in=ANNUAL_PERIODS)
        .select_related("scheme", "unit")
        .order_by("-year", "-id")
    )


def confirmed_of(user, person_id: int):
    return consequences(user).filter(person_id=person_id, status=Consequence.Status.CONFIRMED).order_by("-year", "kind")


def counts(rows) -> dict:
    return rows.aggregate(
        proposed=Count("id", filter=Q(status=Consequence.Status.PROPOSED)),
        confirmed=Count("id", filter=Q(status=Consequence.Status.CONFIRMED)),
        rejected=Count("id", filter=Q(status=Consequence.Status.REJECTED)),
    )


def grade_label(code: str) -> str:
    return grade_labels().get(code, code)


def rule_text(row: Consequence) -> str:
    """The rule behind a proposal, in words (the grade and the years in a row)."""

    words = {
        rules.ADMONISH: _("%(grade)s (%(years)s year(s) in a row)"),
        rules.DEMOTE: _("%(grade)s"),
        rules.ADJUST_POST: _("%(grade)s"),
        rules.DISMISSAL: _("%(grade)s %(years)s years in a row"),
        rules.PAY_STEP: _("competent or better %(years)s years in a row"),
        rules.LEVEL: _("competent or better %(years)s years in a row"),
        rules.COMMEND: _("%(grade)s"),
        rules.MERIT: _("%(grade)s %(years)s years in a row"),
        rules.EARLY_RANK: _("%(grade)s %(years)s years in a row"),
    }
    return words[row.kind] % {"grade": grade_label(row.grade), "years": row.streak}
