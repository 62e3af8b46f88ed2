"""Training (培训): the needs survey, the yearly plan and its sessions, enrolment, attendance and assessment;
and compensatory rest (调休) taken against confirmed overtime.

Plans and sessions are public inside the county once published (scope_global); a survey answer is read only by
the person who gave it (superiors see counts by category and unit, never an answer); an enrolment hangs off
the person and the unit keeping their record."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import ScopedManager, user_person_id


class TrainingMode(models.TextChoices):
    CENTRAL = "central", _("centralised")
    SPREAD = "spread", _("decentralised")
    ONLINE = "online", _("online")
    SHADOWING = "shadowing", _("learning on the job")
    STUDY_TOUR = "study_tour", _("study tour")
    FRONT_LINE = "front_line", _("front-line practice")


class NeedsSurvey(AuditedModel):
    """A short questionnaire the organisation department sends to a target group at the start of a year."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    title = models.CharField(_("title"), max_length=100)
    unit = models.ForeignKey("org.Unit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+")
    target_categories = models.JSONField(_("person categories"), default=list, blank=True)  # [] = every category
    target_units = models.ManyToManyField("org.Unit", verbose_name=_("units"), blank=True, related_name="+")
    topics = models.JSONField(_("topics offered"), default=list)
    closes_on = models.DateField(_("closes on"))

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("training needs survey")
        verbose_name_plural = _("training needs surveys")
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.title


class NeedsAnswer(AuditedModel):
    """One person's answer: the topics and the formats they need. Read only by that person."""

    survey = models.ForeignKey(NeedsSurvey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="answers")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    topics = models.JSONField(_("topics needed"), default=list)
    modes = models.JSONField(_("formats wanted"), default=list)
    note = models.CharField(_("other needs"), max_length=300, blank=True)
    audit_sensitive = {"note": "hash", "topics": "hash", "modes": "hash"}

    objects = ScopedManager()

    class Meta:
        verbose_name = _("training needs answer")
        verbose_name_plural = _("training needs answers")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="needsanswer_one_per_person")]

    def __str__(self):
        return f"{self.survey} · {self.person_id}"

    @classmethod
    def scope_q(cls, grant, user):
        """Whatever the grant: only one's own answer (no superior reads an answer; they see counts)."""
        me = user_person_id(user)
        return Q(person_id=me) if me else Q(pk__in=[])


class TrainingPlan(AuditedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    title = models.CharField(_("title"), max_length=100)
    unit = models.ForeignKey("org.Unit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = ScopedManager()
    scope_global = True  # drafts are filtered to their organiser by selectors.training_plans

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.title


class TrainingSession(AuditedModel):
    """One item of the plan: what, how, how long, when, where, for whom, how many, by whom, and the needs it
    answers (缺什么、补什么). The check-in code is shown at the venue, never by the API."""

    plan = models.ForeignKey(TrainingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sessions")
    topic = models.CharField(_("topic"), max_length=100)
    mode = models.CharField(_("mode"), max_length=12, choices=TrainingMode.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    target_categories = models.JSONField(_("person categories"), default=list, blank=True)
    target_units = models.ManyToManyField("org.Unit", verbose_name=_("units"), blank=True, related_name="+")
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    organiser = models.ForeignKey("org.Unit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+")
    needs = models.JSONField(_("needs answered"), default=list, blank=True)
    checkin_code = models.CharField(_("check-in code"), max_length=8, blank=True)
    checkin_until = models.DateTimeField(_("code valid until"), null=True, blank=True)
    audit_sensitive = {"checkin_code": "hash"}

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="trainingsession_ends_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="trainingsession_hours_positive"),
        ]

    def __str__(self):
        return self.topic


class Enrolment(AuditedModel):
    """A person on a session: nominated by their unit, confirmed by the organiser, attendance and assessment."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("nominated")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", _("not admitted")

    class Via(models.TextChoices):
        LIST = "list", _("by list")
        IMPORT = "import", _("by Excel import")
        CHECKIN = "checkin", _("checked in on a phone")

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="enrolments"
    )
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NOMINATED)
    nominated_by = models.ForeignKey(
        "org.Person", verbose_name=_("nominated by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attended = models.BooleanField(_("attended"), default=False)
    attended_via = models.CharField(_("attendance recorded"), max_length=8, choices=Via.choices, blank=True)
    attended_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    objects = ScopedManager()
    scope_unit_field = "person__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session__start", "id"]
        permissions = [
            ("checkin_enrolment", _("Can check in to a training session")),
            ("view_training_coverage", _("Can see training coverage")),
        ]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="enrolment_one_per_session")]

    def __str__(self):
        return f"{self.session} · {self.person_id}"


class CompensatoryRest(AuditedModel):
    """Compensatory rest (调休) taken against overtime the unit confirmed in the burden module."""

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_unit_field = "person__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("compensatory rest")
        verbose_name_plural = _("compensatory rest")
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="comprest_hours")]

    def __str__(self):
        return f"{self.person_id} {self.date} {self.hours}h"
