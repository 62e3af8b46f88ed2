"""Surveys (问卷调查): a questionnaire built by the organisation department or the burden-reduction office,
sent to target groups (person categories and units), answered named or anonymously.

An anonymous survey's answers (Response with no person) are kept apart from the one-way mark that blocks a
second answer (AnsweredMark: a keyed hash of survey and person). Neither table has a time, a sequence or a
link to the other: a Response's key is random (uuid4), a mark's key is the keyed hash itself, and responses
are not audited row by row (the trail records "answered" on the survey, without the response)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingche.core.audit import AuditedModel
from qingche.core.scope import ScopedManager


class Survey(AuditedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", pgettext_lazy("survey", "published")
        CLOSED = "closed", pgettext_lazy("survey", "closed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the unit that runs the survey and reads its results"),
    )
    anonymous = models.BooleanField(
        _("anonymous"), default=True, help_text=_("answers keep no link to the person who gave them")
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    target_units = models.ManyToManyField(
        "org.Unit",
        verbose_name=_("target units"),
        blank=True,
        related_name="+",
        help_text=_("each with the units under it; none: the whole county"),
    )
    target_categories = models.JSONField(_("target categories"), default=list, blank=True)
    preset = models.CharField(_("template"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_on", "-id"]
        permissions = [("answer_survey", _("Can answer the surveys sent to one"))]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="survey_closes_after_open")
        ]

    def __str__(self):
        return self.title


class Question(AuditedModel):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        SCALE = "scale", _("scale")
        TEXT = "text", _("free text")

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choices"), default=list, blank=True)  # choice labels; for a scale: its two ends
    scale_max = models.PositiveSmallIntegerField(_("scale points"), default=5)
    required = models.BooleanField(_("required"), default=True)

    objects = ScopedManager()
    scope_unit_field = "survey__unit"

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "id"]

    def __str__(self):
        return self.text


class Response(models.Model):
    """One person's answers to a survey. Anonymous: no person, no time, a random key; only the respondent's
    category and their town or department (not their village or office: no finer than the results show)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )  # identified surveys only
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("town or department"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=30)
    answers = models.JSONField(_("answers"), default=dict)  # {question id: choice index, [indexes], scale point, text}

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person"], condition=Q(person__isnull=False), name="response_one_per_person"
            )
        ]

    def __str__(self):
        return str(self.survey)


class AnsweredMark(models.Model):
    """That someone has answered an anonymous survey: HMAC(server key, survey, person), nothing else. It
    blocks a second answer and cannot be joined to the Response (no time, no order, no shared key)."""

    key = models.CharField(max_length=64, primary_key=True)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("answered mark")
        verbose_name_plural = _("answered marks")

    def __str__(self):
        return self.key[:12]
