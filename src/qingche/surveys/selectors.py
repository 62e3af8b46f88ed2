"""Every read of surveys, scoped to the user: the surveys a unit runs (builders), the surveys sent to a person
(everyone), and the results with their disclosure control (rules.results)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from qingche.core import parameters
from qingche.core.scope import acting_q, user_person_id
from qingche.org.models import Person, Unit
from qingche.surveys import rules
from qingche.surveys.models import AnsweredMark, Question, Response, Survey

BUILD = "surveys.add_survey"


def surveys(user):
    """The surveys run by units in the user's scope (organisation department, burden-reduction office)."""
    return Survey.objects.visible_to(user).select_related("unit").prefetch_related("target_units")


def questions(survey: Survey):
    return list(Question.objects.filter(survey=survey).order_by("position", "id"))


def specs(survey: Survey) -> list[rules.QuestionSpec]:
    return [
        rules.QuestionSpec(q.id, q.kind, q.text, tuple(q.choices), q.scale_max, q.required) for q in questions(survey)
    ]


def min_group() -> int:
    return max(int(parameters.get("surveys.min_group")), 2)


def units_for_builder(user):
    """The units the user may run a survey for."""
    return Unit.objects.filter(acting_q(user, BUILD)).order_by("path")


def target_unit_choices():
    """Towns and county departments (and the county itself): what a survey targets and its results name."""
    return Unit.objects.filter(depth__lte=2, is_active=True).order_by("path")


def state(survey: Survey, today=None) -> str:
    return rules.state(survey.status, survey.opens_on, survey.closes_on, today or timezone.localdate())


def person_of(user) -> Person | None:
    person_id = user_person_id(user)
    return Person.objects.select_related("unit").filter(pk=person_id).first() if person_id else None


def secret() -> bytes:
    return settings.FIELD_HASH_KEY.encode()


def targets(survey: Survey, person: Person) -> bool:
    return rules.is_targeted(
        person.unit.path, person.category, [unit.path for unit in survey.target_units.all()], survey.target_categories
    )


def has_answered(survey: Survey, person: Person) -> bool:
    if survey.anonymous:
        key = rules.answered_key(secret(), survey.pk, person.pk)
        return AnsweredMark.objects.filter(key=key).exists()
    return Response.objects.filter(survey=survey, person=person).exists()


def inbox(user):
    """The published surveys sent to the user's person (open, scheduled or closed), as a queryset."""
    person = person_of(user)
    if person is None or not user.has_perm("surveys.answer_survey"):
        return Survey.objects.none()
    published = Survey.objects.exclude(status=Survey.Status.DRAFT).prefetch_related("target_units")
    ids = [survey.pk for survey in published if targets(survey, person)]
    return Survey.objects.filter(pk__in=ids).select_related("unit").order_by("-opens_on", "-id")


def inbox_rows(user, today=None) -> list[dict]:
    """My surveys with their state and whether I have answered."""
    person = person_of(user)
    rows = []
    if person is None:
        return rows
    surveys_sent = list(inbox(user))
    marks = set(
        AnsweredMark.objects.filter(
            key__in=[rules.answered_key(secret(), s.pk, person.pk) for s in surveys_sent if s.anonymous]
        ).values_list("survey_id", flat=True)
    )
    named = set(Response.objects.filter(survey__in=surveys_sent, person=person).values_list("survey_id", flat=True))
    for survey in surveys_sent:
        rows.append(
            {"survey": survey, "state": state(survey, today), "answered": survey.pk in marks or survey.pk in named}
        )
    return rows


def response_count(survey: Survey) -> int:
    return Response.objects.filter(survey=survey).count()


def targeted_people(survey: Survey):
    """The people a survey is sent to (for the response rate and, identified, who has not answered)."""
    people = Person.objects.select_related("unit")
    if survey.target_categories:
        people = people.filter(category__in=survey.target_categories)
    paths = [unit.path for unit in survey.target_units.all()]
    if paths:
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(unit__path__startswith=path)
        people = people.filter(condition)
    return people


def respondents(survey: Survey) -> list[rules.Respondent]:
    rows = Response.objects.filter(survey=survey).values_list("unit_id", "category", "answers")
    return [rules.Respondent(unit_id, category, answers) for unit_id, category, answers in rows]


def results(survey: Survey, *, unit: int | None = None, category: str | None = None) -> dict | None:
    """The results of a closed survey (None while it is open: a result watched as answers come in would
    single out the last one to answer)."""
    if state(survey) != rules.CLOSED:
        return None
    people = respondents(survey)
    unit_ids = sorted({person.unit for person in people})
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    units = sorted(((pk, names.get(pk, "")) for pk in unit_ids), key=lambda item: item[1])
    categories = [(value, str(label)) for value, label in Person.Category.choices]
    result = rules.results(
        specs(survey), people, min_group(), unit=unit, category=category, units=units, categories=categories
    )
    result["unit_choices"] = units  # every town or department that answered, for the filter
    return result
