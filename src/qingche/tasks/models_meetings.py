"""Coordination meetings (联席会议): regular meetings of departments and towns (seed 002: "建立了定期协调会议制度 …
共同研究解决办法"), the issues raised (by a unit, or from the rectification ledger) and the decisions, each with an
owning unit, a deadline and the form it takes: a task through admission, a rectification item, a duty-list change
request, or a decision recorded and tracked as it is. Decisions are tracked to done with reminders.

The meeting itself is burden's Meeting (its time, organiser and the towns attending, so it still counts in the
meeting registries and the 小马拉大车 index); this only adds the participants, the issues and the decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import SELF, ScopedManager, unit_q


class CoordinationMeeting(AuditedModel):
    series = models.CharField(_("meeting series"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    convener = models.ForeignKey("org.Unit", verbose_name=_("convener"), on_delete=models.PROTECT, related_name="+")
    meeting = models.OneToOneField(
        "burden.Meeting",
        verbose_name=_("meeting record"),
        on_delete=models.PROTECT,
        related_name="coordination",
        help_text=_("the meeting as burden monitoring counts it"),
    )
    participants = models.ManyToManyField("org.Unit", verbose_name=_("participating units"), related_name="+")
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        if grant.scope == SELF:
            return Q(pk__in=[])
        reached = cls._base_manager.filter(unit_q(grant, "participants")).values("pk")
        return unit_q(grant, "convener") | Q(pk__in=reached)

    class Meta:
        verbose_name = _("coordination meeting")
        verbose_name_plural = _("coordination meetings")
        ordering = ["-id"]

    def __str__(self):
        return self.title


class CoordinationIssue(AuditedModel):
    """An issue brought to a meeting by a unit, or from the rectification ledger."""

    meeting = models.ForeignKey(
        CoordinationMeeting, verbose_name=_("coordination meeting"), on_delete=models.CASCADE, related_name="issues"
    )
    raised_by_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("raised by unit"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("issue"))
    item = models.ForeignKey(
        "tasks.RectificationItem",
        verbose_name=_("from the ledger"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_issues",
    )

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        return Q(meeting__in=CoordinationMeeting.objects.filter(CoordinationMeeting.scope_q(grant, user)).values("pk"))

    class Meta:
        verbose_name = _("coordination issue")
        verbose_name_plural = _("coordination issues")
        ordering = ["meeting_id", "id"]

    def __str__(self):
        return self.text[:60]


class CoordinationDecision(AuditedModel):
    class Form(models.TextChoices):
        TASK = "task", _("a task through admission")
        RECTIFICATION = "rectification", _("a rectification item")
        DUTY_CHANGE = "duty_change", _("a duty-list change request")
        RECORD = "record", _("a decision to carry out")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    meeting = models.ForeignKey(
        CoordinationMeeting, verbose_name=_("coordination meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    issue = models.ForeignKey(
        CoordinationIssue,
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    text = models.TextField(_("decision"))
    owner_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("deadline"), db_index=True)
    form = models.CharField(_("form"), max_length=14, choices=Form.choices)
    duty_code = models.CharField(_("duty item code"), max_length=30, blank=True)
    task_request = models.ForeignKey(
        "tasks.TaskRequest",
        verbose_name=_("task request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    rectification_item = models.OneToOneField(
        "tasks.RectificationItem",
        verbose_name=_("rectification item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision",
    )
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_note = models.TextField(_("how it was done"), blank=True)

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        if grant.scope == SELF:
            return Q(pk__in=[])
        return unit_q(grant, "owner_unit") | unit_q(grant, "meeting__convener")

    class Meta:
        verbose_name = _("coordination decision")
        verbose_name_plural = _("coordination decisions")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(done_at__isnull=False) & ~Q(done_note="")),
                name="decision_done_with_note",
            ),
        ]

    def __str__(self):
        return self.text[:60]
