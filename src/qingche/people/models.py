"""Care of the people (关心关爱): paid annual leave, health checks, 谈心谈话 talk records and the flags an
overload raises. Every row hangs off a person and the unit that keeps their record.

A talk's confidential note lives in its own table (TalkNote) with its own scope rule: only the person who
held the talk and the organisation department read it; the person talked with sees the talk, not the note."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import SELF, ScopedManager, unit_q, user_person_id
from qingche.org.roles import ORG_DEPARTMENT


class WorkStart(AuditedModel):
    """When a person started work (参加工作时间): the total years of work set the leave entitlement."""

    person = models.OneToOneField(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="work_start"
    )
    started_on = models.DateField(_("started work on"))

    objects = ScopedManager()
    scope_unit_field = "person__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("start of work")
        verbose_name_plural = _("starts of work")
        ordering = ["id"]

    def __str__(self):
        return f"{self.person} · {self.started_on}"


class LeaveRequest(AuditedModel):
    """A request for paid annual leave (带薪年休假), by the person or by their unit, decided by the unit."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    days = models.PositiveSmallIntegerField(_("working days"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        "org.Person", verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedManager()
    scope_unit_field = "person__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start", "id"]
        permissions = [("decide_leaverequest", _("Can approve or refuse leave"))]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="leave_ends_after_start")]

    def __str__(self):
        return f"{self.person} {self.start}–{self.end}"


class HealthCheck(AuditedModel):
    """A person's yearly health check (体检): only booked or done, and the date. The result stays with the
    person and the hospital."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        DONE = "done", _("done")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    date = models.DateField(_("date"))

    objects = ScopedManager()
    scope_unit_field = "person__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-date", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="healthcheck_one_per_year")]

    def __str__(self):
        return f"{self.person} {self.year}"


class Talk(AuditedModel):
    """That a 谈心谈话 took place: who talked with whom, when and of which kind. The note is in TalkNote."""

    class Kind(models.TextChoices):
        HEART = "heart", _("heart-to-heart talk")
        REMINDER = "reminder", _("reminder talk")
        CARE = "care", _("care talk")

    person = models.ForeignKey("org.Person", verbose_name=_("talked with"), on_delete=models.PROTECT, related_name="+")
    talker = models.ForeignKey("org.Person", verbose_name=_("held by"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    objects = ScopedManager()
    scope_unit_field = "person__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("talk record")
        verbose_name_plural = _("talk records")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.talker} → {self.person} {self.date}"

    @classmethod
    def scope_q(cls, grant, user):
        """The unit's ordinary scope, the person talked with (a self grant), and always the talker."""
        me = user_person_id(user)
        mine = Q(talker_id=me) if me else Q(pk__in=[])
        if grant.scope == SELF:
            return mine | (Q(person_id=me) if me else Q(pk__in=[]))
        return mine | unit_q(grant, "person__unit")


class TalkNote(AuditedModel):
    """The confidential note of a talk: read only by the talker and the organisation department (the one role
    role whose grant reaches the person talked with; every other role's grant reaches only its own talks)."""

    talk = models.OneToOneField(Talk, verbose_name=_("talk record"), on_delete=models.CASCADE, related_name="note")
    text = models.TextField(_("note"))
    audit_sensitive = {"text": "hash"}

    objects = ScopedManager()

    class Meta:
        verbose_name = _("talk note")
        verbose_name_plural = _("talk notes")
        ordering = ["id"]

    def __str__(self):
        return str(self.talk)

    @classmethod
    def scope_q(cls, grant, user):
        me = user_person_id(user)
        mine = Q(talk__talker_id=me) if me else Q(pk__in=[])
        if grant.role != ORG_DEPARTMENT:
            return mine
        return mine | unit_q(grant, "talk__person__unit")


class OverloadFlag(AuditedModel):
    """A person whose burden index stayed above the red line for the set number of months: flagged for a talk
    and a check of their leave; closed by the next talk recorded with them."""

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    raised_on = models.DateField(_("raised on"))
    months = models.JSONField(_("index by month"), default=list)  # [["2026-09", 1.31], ...] the inputs shown
    red_line = models.FloatField(_("red line"))
    closed_by = models.ForeignKey(
        Talk, verbose_name=_("closed by talk"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("overload flag")
        verbose_name_plural = _("overload flags")
        ordering = ["-raised_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(closed_by__isnull=True), name="overloadflag_one_open_per_person"
            )
        ]

    def __str__(self):
        return f"{self.person} {self.raised_on}"


from qingche.people.models_awards import *  # noqa: E402, F403  (awards, reserve pool, secondment)
from qingche.people.models_careers import Ladder, PayPool, PostHardship, RankChange, TransferRequest  # noqa: E402, F401
from qingche.people.models_consequences import Consequence  # noqa: E402, F401  (组织处理 proposals)
from qingche.people.models_training import *  # noqa: E402,F401,F403 - training and compensatory rest (topic module)
