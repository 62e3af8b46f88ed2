"""Every read of awards, the reserve pool and secondment, scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q

from qingche.org.models import Person, Unit
from qingche.people import rules_awards as rules
from qingche.people.models_awards import (
    AwardRound,
    AwardType,
    Nomination,
    Objection,
    ReserveEntry,
    ReserveReview,
    ReserveTask,
    Secondment,
)


def award_types(user):
    return AwardType.objects.visible_to(user)


def award_rounds(user):
    return (
        AwardRound.objects.visible_to(user)
        .select_related("award_type")
        .annotate(
            approved=Count("nominations", filter=Q(nominations__status__in=["approved", "conferred"])),
        )
        .order_by("-year", "-id")
    )


def nominations(user):
    return Nomination.objects.visible_to(user).select_related("person", "unit", "round__award_type", "nominated_by")


def objections(user):
    return Objection.objects.visible_to(user).select_related("nomination__person", "nomination__unit")


def publicised(award_round: AwardRound):
    """The nominations shown in a round's publicity (公示): open to every account, as a 公示 is. Once the round
    is conferred: those conferred."""
    if award_round.status == AwardRound.Status.NOMINATING:
        return Nomination.objects.none()
    return (
        Nomination.objects.filter(round=award_round, status__in=["approved", "conferred", "withdrawn"])
        .select_related("person", "unit")
        .annotate(
            objection_count=Count("objections"),
            open_objections=Count("objections", filter=Q(objections__upheld__isnull=True)),
        )
        .order_by("unit__path", "id")
    )


def publicity(award_round: AwardRound, today: dt.date) -> dict:
    return {
        "state": rules.publicity_state(today, award_round.publicity_start, award_round.publicity_end),
        "start": award_round.publicity_start,
        "end": award_round.publicity_end,
    }


def awards_of_person(person_id: int) -> list[Nomination]:
    """The awards conferred on a person (shown on the person page to whoever may see the person)."""
    return list(
        Nomination.objects.filter(person_id=person_id, status=Nomination.Status.CONFERRED)
        .select_related("round__award_type")
        .order_by("-round__year", "-id")
    )


def nomination_rows(user, award_round: AwardRound):
    return nominations(user).filter(round=award_round).annotate(objection_count=Count("objections"))


# -- reserve pool ----------------------------------------------------------------------------------------
def reserve_entries(user):
    return ReserveEntry.objects.visible_to(user).select_related("person", "unit", "mentor")


def reserve_tasks(user):
    return ReserveTask.objects.visible_to(user).select_related("entry__person")


def reserve_reviews(user):
    return ReserveReview.objects.visible_to(user).select_related("entry__person")


def town_of(unit: Unit, towns: dict[str, Unit]) -> Unit | None:
    for path, town in towns.items():
        if unit.path.startswith(path):
            return town
    return None


def reserve_pool(user, *, category: str = "", town_id: int | None = None, status: str = "active", today: dt.date):
    """The pool by town and category: each entry with its town, task count and the years without a review."""
    rows = reserve_entries(user).filter(status=status).annotate(task_count=Count("tasks"))
    if category:
        rows = rows.filter(category=category)
    towns = {unit.path: unit for unit in Unit.objects.filter(kind__in=Unit.TOWN_LEVEL)}
    if town_id:
        town = next((unit for unit in towns.values() if unit.pk == town_id), None)
        rows = rows.filter(unit__path__startswith=town.path) if town else rows.none()
    rows = list(rows)
    reviewed = defaultdict(set)
    for entry_id, year in ReserveReview.objects.filter(entry__in=rows).values_list("entry_id", "year"):
        reviewed[entry_id].add(year)
    result = []
    for entry in rows:
        town = town_of(entry.unit, towns)
        result.append(
            {
                "entry": entry,
                "town": town,
                "reviews_due": rules.reserve_review_due(entry.entered_on, reviewed[entry.pk], today),
            }
        )
    result.sort(key=lambda row: (row["town"].path if row["town"] else "~", row["entry"].category, row["entry"].pk))
    return result


def reserve_towns(user):
    return Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).order_by("path")


def mentors(user):
    return Person.objects.visible_to(user).order_by("name")


# -- secondment ------------------------------------------------------------------------------------------
def secondments(user):
    return Secondment.objects.visible_to(user).select_related("person", "home_unit", "host_unit")
