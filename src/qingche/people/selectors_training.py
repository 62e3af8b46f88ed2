"""Every read of training and compensatory rest, scoped to the user; also the appraisal indicator `training`."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Q, Sum

from qingche.burden import selectors as burden_selectors
from qingche.burden.models import OvertimeEntry
from qingche.core import parameters
from qingche.core.scope import acting_q, unit_in_scope, user_person_id
from qingche.org.models import Assignment, Person, Unit
from qingche.people import rules_training as rules
from qingche.people.models import (
    CompensatoryRest,
    Enrolment,
    NeedsAnswer,
    NeedsSurvey,
    TrainingPlan,
    TrainingSession,
)

MANAGE = "people.change_trainingplan"


def surveys(user):
    return NeedsSurvey.objects.visible_to(user).select_related("unit").prefetch_related("target_units")


def my_answers(user):
    """Only the user's own answers (NeedsAnswer.scope_q): no superior reads one."""
    return NeedsAnswer.objects.visible_to(user).select_related("survey")


def training_plans(user):
    """Published plans, and the drafts of the units the user organises training for."""
    plans = TrainingPlan.objects.visible_to(user).select_related("unit")
    if user.is_superuser:
        return plans
    mine = Unit.objects.filter(acting_q(user, MANAGE)).values("pk")
    return plans.filter(Q(status=TrainingPlan.Status.PUBLISHED) | Q(unit_id__in=mine))


def sessions(user):
    return (
        TrainingSession.objects.visible_to(user)
        .filter(plan__in=training_plans(user))
        .select_related("plan", "organiser")
        .prefetch_related("target_units")
    )


def enrolments(user):
    return Enrolment.objects.visible_to(user).select_related("session", "person__unit")


def compensatory_rest(user):
    return CompensatoryRest.objects.visible_to(user).select_related("person")


def organiser_unit(user) -> Unit | None:
    """The unit the user organises training for: 县委组织部 itself when the grant is held at the county, else
    the highest unit the grant reaches."""
    units = Unit.objects.filter(acting_q(user, MANAGE)).order_by("depth", "path")
    return units.filter(name__contains="组织部").first() or units.first()


def may_manage(user, session_or_plan) -> bool:
    """Whether the user organises this plan's or session's training (its organiser unit is in their reach)."""

    unit = getattr(session_or_plan, "organiser", None) or session_or_plan.unit
    return user.has_perm(MANAGE) and unit_in_scope(user, MANAGE, unit)


def nominate_people(user, session: TrainingSession):
    """The people the user may nominate for a session: in scope, in its target group, not yet on it."""
    paths = [unit.path for unit in session.target_units.all()]
    people = Person.objects.filter(acting_q(user, "people.add_enrolment", "unit")).select_related("unit")
    if session.target_categories:
        people = people.filter(category__in=session.target_categories)
    if paths:
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(unit__path__startswith=path)
        people = people.filter(condition)
    return people.exclude(pk__in=session.enrolments.values("person_id")).order_by("unit__path", "name")


def places_taken(session: TrainingSession) -> int:
    return session.enrolments.exclude(status=Enrolment.Status.DECLINED).count()


# -- needs survey ------------------------------------------------------------------------------------------------
def survey_targets(survey: NeedsSurvey, person: Person) -> bool:
    return rules.targets(
        person.unit.path, person.category, [unit.path for unit in survey.target_units.all()], survey.target_categories
    )


def survey_results(user, survey: NeedsSurvey) -> dict:
    """Counts of the topics and formats asked for, by person category and by town, over the answers of the
    people in the user's scope; a count below the anonymity minimum is hidden (None). No answer is listed."""
    minimum = int(parameters.get("people.survey_anonymity_minimum"))
    scoped = Person.objects.visible_to(user).values("pk")
    answers = list(
        NeedsAnswer.objects.filter(survey=survey, person_id__in=scoped).values_list(
            "topics", "modes", "person__category", "person__unit__path"
        )
    )
    towns = list(burden_selectors.town_level_units(user))
    topics, modes = Counter(), Counter()
    by_category: dict[str, Counter] = defaultdict(Counter)
    by_town: dict[int, Counter] = defaultdict(Counter)
    for answer_topics, answer_modes, category, path in answers:
        topics.update(answer_topics)
        modes.update(answer_modes)
        by_category[category].update(answer_topics)
        town = next((town for town in towns if path.startswith(town.path)), None)
        if town is not None:
            by_town[town.pk].update(answer_topics)
            by_town[town.pk]["__answers"] += 1

    def shown(counter):
        return [(topic, rules.shown_count(counter.get(topic, 0), minimum)) for topic in survey.topics]

    return {
        "answers": rules.shown_count(len(answers), minimum),
        "minimum": minimum,
        "topics": shown(topics),
        "modes": [(mode, rules.shown_count(count, minimum)) for mode, count in modes.most_common()],
        "by_category": [(category, shown(counter)) for category, counter in sorted(by_category.items())],
        "by_town": [
            (town, rules.shown_count(by_town[town.pk]["__answers"], minimum), shown(by_town[town.pk]))
            for town in towns
            if by_town.get(town.pk)
        ],
    }


# -- 轮训 coverage ------------------------------------------------------------------------------------------------
def trained_ids(year: int, person_ids=None) -> set[int]:
    rows = Enrolment.objects.filter(session__plan__year=year, attended=True).exclude(passed=False)
    if person_ids is not None:
        rows = rows.filter(person_id__in=person_ids)
    return set(rows.values_list("person_id", flat=True))


def head_ids(person_ids) -> set[int]:
    """党政主职 among the people: a current post named in parameter people.training_head_posts."""
    heads = parameters.get("people.training_head_posts")
    posts = defaultdict(list)
    for person_id, post in Assignment.objects.filter(person_id__in=person_ids, end_date__isnull=True).values_list(
        "person_id", "post__name"
    ):
        posts[person_id].append(post)
    return {person_id for person_id, names in posts.items() if rules.is_head(names, heads)}


def _coverage_people(user, category: str = ""):
    people = Person.objects.visible_to(user).filter(
        pk__in=Assignment.objects.filter(end_date__isnull=True).values("person_id")
    )
    if category:
        people = people.filter(category=category)
    return people


def coverage(user, year: int, category: str = "") -> dict:
    """Per town the user may see: people in post, trained this year, and the same for 党政主职 and the others
    separately; with the county (scope) totals."""
    towns = list(burden_selectors.town_level_units(user))
    rows = list(_coverage_people(user, category).values_list("pk", "unit__path"))
    ids = [pk for pk, _path in rows]
    trained, heads = trained_ids(year, ids), head_ids(ids)
    counts = {town.pk: dict.fromkeys(("people", "trained", "heads", "heads_trained"), 0) for town in towns}
    total = dict.fromkeys(("people", "trained", "heads", "heads_trained"), 0)
    for pk, path in rows:
        town = next((town for town in towns if path.startswith(town.path)), None)
        targets = [total] + ([counts[town.pk]] if town is not None else [])
        for row in targets:
            row["people"] += 1
            row["trained"] += pk in trained
            row["heads"] += pk in heads
            row["heads_trained"] += pk in heads and pk in trained
    result = []
    for town in towns:
        row = counts[town.pk]
        if row["people"]:
            result.append({"town": town, **_shares(row)})
    return {"towns": result, "total": _shares(total)}


def _shares(row: dict) -> dict:
    others, others_trained = row["people"] - row["heads"], row["trained"] - row["heads_trained"]
    return {
        **row,
        "others": others,
        "others_trained": others_trained,
        "share": rules.coverage_share(row["trained"], row["people"]),
        "heads_share": rules.coverage_share(row["heads_trained"], row["heads"]),
        "others_share": rules.coverage_share(others_trained, others),
    }


def untrained(user, year: int, category: str = "") -> list[dict]:
    """People in post in scope not yet trained this year, heads marked."""
    people = list(
        _coverage_people(user, category)
        .exclude(pk__in=trained_ids(year))
        .select_related("unit")
        .order_by("unit__path", "name")
    )
    heads = head_ids([person.pk for person in people])
    return [{"person": person, "head": person.pk in heads} for person in people]


def history(person, *, user=None):
    """A person's training: every enrolment with its session, newest first (scoped when a user is given)."""
    rows = enrolments(user) if user is not None else Enrolment.objects.select_related("session")
    return rows.filter(person=person).select_related("session__plan").order_by("-session__start")


def appraisal_figures(person_ids, start: dt.date, end: dt.date) -> dict[int, dict]:
    rows = Enrolment.objects.filter(
        person_id__in=list(person_ids), session__end__gte=start, session__end__lte=end, attended=True
    ).values_list("person_id", "session__hours", "attended", "passed")
    return rules.appraisal_figures(rows)


def open_for_nomination(user, today: dt.date):
    """Published sessions not yet begun whose target units include the user's units: the home card."""
    return sessions(user).filter(plan__status=TrainingPlan.Status.PUBLISHED, start__gt=today)


# -- compensatory rest -------------------------------------------------------------------------------------------
def rest_balance(person, year: int) -> dict:
    """Confirmed overtime of the year (burden) against compensatory rest taken."""
    confirmed = OvertimeEntry.objects.filter(
        person=person, status=OvertimeEntry.Status.CONFIRMED, date__year=year
    ).aggregate(total=Sum("hours"))["total"] or Decimal(0)
    taken = CompensatoryRest.objects.filter(person=person, date__year=year).aggregate(total=Sum("hours"))[
        "total"
    ] or Decimal(0)
    return {
        "confirmed": float(confirmed),
        "taken": float(taken),
        "left": rules.rest_left(float(confirmed), float(taken)),
    }


def me(user) -> Person | None:
    person_id = user_person_id(user)
    return Person.objects.select_related("unit").filter(pk=person_id).first() if person_id else None
