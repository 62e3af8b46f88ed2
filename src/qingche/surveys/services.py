"""Every write of surveys: building (survey, questions, from a template), publishing, closing and answering.
Each checks permission and scope, validates and writes in one transaction. Surveys and questions are
AuditedModels; an answer is recorded in the trail as "answered" on the survey — never with the response, so
that the trail cannot join a person to an anonymous answer."""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core.audit import audit_context, record
from qingche.core.scope import ancestor_paths, unit_in_scope
from qingche.org.models import Person, Unit
from qingche.surveys import presets, rules, selectors
from qingche.surveys.models import AnsweredMark, Question, Response, Survey

BUILD, CHANGE = "surveys.add_survey", "surveys.change_survey"


def _require_builder(user, perm: str, unit: Unit) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your scope."))


def _check_dates(opens_on: dt.date, closes_on: dt.date) -> None:
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The survey closes before it opens.")})


def _check_categories(categories) -> list[str]:
    categories = list(dict.fromkeys(categories or []))
    unknown = [value for value in categories if value not in Person.Category.values]
    if unknown:
        raise ValidationError({"target_categories": _("Unknown person category.")})
    return categories


def _draft(survey: Survey) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError(_("A published survey cannot be changed: its questions stay as answered."))
    return survey


@transaction.atomic
def survey_create(
    *,
    user,
    unit: Unit,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    anonymous: bool = True,
    description: str = "",
    target_units=(),
    target_categories=(),
    preset: str = "",
) -> Survey:
    _require_builder(user, BUILD, unit)
    if not title.strip():
        raise ValidationError({"title": _("Give the survey a title.")})
    _check_dates(opens_on, closes_on)
    survey = Survey.objects.create(
        title=title.strip()[:200],
        description=description.strip(),
        unit=unit,
        anonymous=anonymous,
        opens_on=opens_on,
        closes_on=closes_on,
        target_categories=_check_categories(target_categories),
        preset=preset,
        created_by=user if user.pk else None,
    )
    if target_units:
        survey.target_units.set(target_units)
        record("targets", obj=survey, after={"target_units": sorted(unit.pk for unit in target_units)})
    return survey


@transaction.atomic
def survey_from_preset(*, user, unit: Unit, preset: str, opens_on: dt.date, closes_on: dt.date, **extra) -> Survey:
    """A draft survey with the questions of a template from the seeds (presets.PRESETS)."""
    spec = presets.PRESETS.get(preset)
    if spec is None:
        raise ValidationError({"preset": _("Unknown survey template.")})
    survey = survey_create(
        user=user,
        unit=unit,
        title=spec["title"],
        description=spec["description"],
        anonymous=extra.pop("anonymous", spec["anonymous"]),
        opens_on=opens_on,
        closes_on=closes_on,
        preset=preset,
        **extra,
    )
    for kind, text, choices, required in spec["questions"]:
        question_add(user=user, survey=survey, kind=kind, text=text, choices=choices, required=required)
    return survey


@transaction.atomic
def question_add(
    *, user, survey: Survey, kind: str, text: str, choices=(), scale_max: int = 5, required: bool = True
) -> Question:
    _require_builder(user, CHANGE if user.has_perm(CHANGE) else BUILD, survey.unit)
    survey = _draft(survey)
    choices = [str(choice).strip()[:100] for choice in choices if str(choice).strip()]
    if kind == rules.TEXT:
        choices = []
    if kind == rules.SCALE:
        choices = (choices + ["", ""])[:2] if choices else []
    errors = rules.check_question(kind, text, choices, scale_max)
    if errors:
        raise ValidationError(errors)
    position = Question.objects.filter(survey=survey).count() + 1
    return Question.objects.create(
        survey=survey,
        position=position,
        kind=kind,
        text=text.strip()[:300],
        choices=choices,
        scale_max=scale_max if kind == rules.SCALE else 5,
        required=required,
    )


@transaction.atomic
def question_delete(*, user, question: Question) -> None:
    _require_builder(user, CHANGE, question.survey.unit)
    _draft(question.survey)
    question.delete()


@transaction.atomic
def survey_publish(*, user, survey: Survey) -> Survey:
    _require_builder(user, CHANGE, survey.unit)
    survey = _draft(survey)
    if not Question.objects.filter(survey=survey).exists():
        raise ValidationError(_("Add at least one question before publishing."))
    if survey.closes_on < timezone.localdate():
        raise ValidationError({"closes_on": _("The closing date has passed: set a later one.")})
    survey.status = Survey.Status.PUBLISHED
    survey.save()
    return survey


@transaction.atomic
def survey_close(*, user, survey: Survey) -> Survey:
    """Closes a survey before its date. An anonymous survey's answers are written again in a random order
    with new keys, so that not even the order in which rows lie in the database follows the order of
    answering."""
    _require_builder(user, CHANGE, survey.unit)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.PUBLISHED:
        raise ValidationError(_("Only a published survey can be closed."))
    survey.status = Survey.Status.CLOSED
    survey.save()
    if survey.anonymous:
        _reshuffle(survey)
    return survey


@transaction.atomic
def survey_seal(*, survey: Survey) -> Survey:
    """A published survey whose closing date has passed becomes closed, its anonymous answers reshuffled as
    on closing by hand. Called before its results are first read (page, Excel, API): a system step, for
    whoever reads them."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.PUBLISHED or selectors.state(survey) != rules.CLOSED:
        return survey
    survey.status = Survey.Status.CLOSED
    with audit_context(reason="closing date passed"):
        survey.save()
    if survey.anonymous:
        _reshuffle(survey)
    return survey


def _reshuffle(survey: Survey) -> None:
    rows = list(Response.objects.filter(survey=survey).values("unit_id", "category", "answers"))
    random.SystemRandom().shuffle(rows)
    Response.objects.filter(survey=survey).delete()
    Response.objects.bulk_create([Response(survey=survey, **row) for row in rows])


def group_unit(unit: Unit) -> Unit:
    """The unit an answer keeps: the respondent's town or county department (the unit just below the county),
    never their village or office."""
    paths = ancestor_paths(unit.path)
    if len(paths) <= 2:
        return unit
    return Unit.objects.get(path=paths[1])


@transaction.atomic
def response_submit(*, user, survey: Survey, answers: dict) -> None:
    """The user's person answers a survey sent to them, once. Anonymous: the answers are stored with no
    person, and apart from them a one-way mark that the person has answered. Returns nothing: not even the
    response's key goes back to the respondent's browser."""
    if not user.has_perm("surveys.answer_survey"):
        raise PermissionDenied(_("You do not have permission to do this."))
    person = selectors.person_of(user)
    if person is None:
        raise PermissionDenied(_("Your account is not linked to a person: only people answer surveys."))
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not selectors.targets(survey, person) or survey.status == Survey.Status.DRAFT:
        raise PermissionDenied(_("This survey is not sent to you."))
    current = selectors.state(survey)
    if current != rules.OPEN:
        message = _("This survey has closed.") if current == rules.CLOSED else _("This survey is not open yet.")
        raise ValidationError(message)
    if not isinstance(answers, dict):
        raise ValidationError(_("The answers must be given by question."))
    cleaned, errors = rules.clean_answers(selectors.specs(survey), answers)
    if errors:
        raise ValidationError({f"q{key}": message for key, message in errors.items()})
    if selectors.has_answered(survey, person):
        raise ValidationError(_("You have already answered this survey."))
    where = group_unit(person.unit)
    try:
        with transaction.atomic():
            if survey.anonymous:
                AnsweredMark.objects.create(
                    key=rules.answered_key(selectors.secret(), survey.pk, person.pk), survey=survey
                )
                Response.objects.create(survey=survey, unit=where, category=person.category, answers=cleaned)
            else:
                Response.objects.create(
                    survey=survey, person=person, unit=where, category=person.category, answers=cleaned
                )
    except IntegrityError:
        raise ValidationError(_("You have already answered this survey.")) from None
    record("answer", obj=survey, after={"anonymous": survey.anonymous})
