"""Task admission (准入审查) and the work that follows: a department's TaskRequest is checked per target
unit (Admission); each admitted target gets a Task, split to people (TaskAssignment) or forwarded in
parts to villages (child Tasks), followed by progress posts with evidence, done, accepted or sent back.
Reminders before the deadline and escalations after it are derived from stored deadlines."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingche.core.audit import AuditedModel
from qingche.core.scope import SELF, ScopedManager, unit_q, user_person_id


def _units_q(grant, *fields) -> Q:
    """The rows whose unit at any of `fields` the grant reaches."""
    condition = Q(pk__in=[])
    for unit_field in fields:
        condition |= unit_q(grant, unit_field)
    return condition


class TaskRequest(AuditedModel):
    """What a county department asks of units, before admission."""

    requester_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("requesting department"), on_delete=models.PROTECT, related_name="task_requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    basis_document = models.CharField(_("basis document"), max_length=300, blank=True)
    duty_code = models.CharField(_("duty item code"), max_length=30, blank=True, db_index=True)
    deadline = models.DateTimeField(_("deadline"))
    effort_hours = models.DecimalField(_("estimated effort (person-hours per unit)"), max_digits=7, decimal_places=1)
    needs_letter = models.BooleanField(_("demands a responsibility letter"), default=False)
    has_veto = models.BooleanField(_("carries a one-vote veto"), default=False)
    trace_materials = models.JSONField(_("trace materials demanded"), default=list, blank=True)
    report_form = models.ForeignKey(
        "burden.ReportForm",
        verbose_name=_("data-report form"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="task_requests",
    )
    off_list_application = models.TextField(
        _("written application for an off-list task"),
        blank=True,
        help_text=_("why the task must reach units whose duty lists do not hold it (required for those targets)"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    urgent_reason = models.TextField(_("reason for urgency"), blank=True)
    all_towns = models.BooleanField(_("all towns and streets"), default=False)
    client_token = models.CharField(_("client token"), max_length=64, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_unit_field = "requester_unit"

    class Meta:
        verbose_name = _("task request")
        verbose_name_plural = _("task requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "client_token"],
                condition=~Q(client_token=""),
                name="taskrequest_one_per_client_token",
            ),
        ]
        indexes = [models.Index(fields=["requester_unit", "year", "urgent"])]

    def __str__(self):
        return self.title


class Admission(AuditedModel):
    """The checks and the verdict on one target unit of a request."""

    class Verdict(models.TextChoices):
        ADMITTED = "admitted", _("admitted")
        RETURNED = "returned", _("returned")
        PENDING = "pending", _("waiting for the burden-reduction office")
        NARROWED = "narrowed", _("removed from the targets")

    request = models.ForeignKey(
        TaskRequest, verbose_name=_("task request"), on_delete=models.CASCADE, related_name="admissions"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("target unit"), on_delete=models.PROTECT, related_name="admissions"
    )
    checks = models.JSONField(_("checks"), default=list)
    # outside the target's duty list: decided by the role the parameter tasks.off_list_decider_role names
    off_list = models.BooleanField(_("outside the duty list"), default=False)
    automatic_verdict = models.CharField(_("automatic verdict"), max_length=10, choices=Verdict.choices)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    appeal_reason = models.TextField(_("appeal"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        return _units_q(grant, "request__requester_unit", "unit")

    class Meta:
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        ordering = ["request_id", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["request", "unit"], name="admission_one_per_target")]
        permissions = [
            ("decide_admission", _("Can approve or return task admissions")),
            ("appeal_admission", _("Can appeal a returned admission")),
        ]

    def __str__(self):
        return f"{self.request} → {self.unit}"

    @property
    def blocking(self):
        return [check for check in self.checks if check["outcome"] == "block"]


class Task(AuditedModel):
    """An admitted task for one unit (or a part forwarded by a town to a village)."""

    class Status(models.TextChoices):
        OPEN = "open", _("received")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done, awaiting acceptance")
        ACCEPTED = "accepted", pgettext_lazy("task: accepted by the requester", "accepted")  # 验收, not 签收
        SENT_BACK = "sent_back", _("sent back for more work")

    request = models.ForeignKey(
        TaskRequest, verbose_name=_("task request"), on_delete=models.PROTECT, related_name="tasks"
    )
    admission = models.ForeignKey(
        Admission, verbose_name=_("admission"), on_delete=models.PROTECT, related_name="tasks"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tasks")
    parent = models.ForeignKey(
        "self", verbose_name=_("forwarded from"), null=True, blank=True, on_delete=models.PROTECT, related_name="parts"
    )
    part = models.TextField(_("part forwarded"), blank=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(
        _("text for comparison"),
        blank=True,
        help_text=_("the request's content, kept here for the near-duplicate check"),
    )
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    admitted_on = models.DateField(_("admitted on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("accepted or sent back at"), null=True, blank=True)
    review_reason = models.TextField(_("reason sent back"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        if grant.scope == SELF:
            person_id = user_person_id(user)
            if person_id is None:
                return Q(pk__in=[])
            return Q(pk__in=TaskAssignment.objects.filter(person_id=person_id).values("task_id"))
        return _units_q(grant, "unit", "request__requester_unit")

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["unit", "admitted_on"], name="task_unit_admitted_idx")]
        permissions = [
            ("review_task", _("Can accept or send back a done task")),
            ("split_task", _("Can split a task to people or forward parts")),
        ]

    def __str__(self):
        return f"{self.title} · {self.unit}"

    @property
    def is_open(self):
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS, self.Status.SENT_BACK)


class TaskAssignment(AuditedModel):
    """A part of a task given to one person, with its own deadline (责任到人)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="task_assignments"
    )
    part = models.TextField(_("part"), blank=True)
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_unit_field = "task__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")
        ordering = ["deadline", "id"]

    def __str__(self):
        return f"{self.task} → {self.person}"


def _task_scoped(prefix: str):
    def scope_q(cls, grant, user):
        return Q(**{prefix + "__in": Task.objects.filter(Task.scope_q(grant, user)).values("pk")})

    return classmethod(scope_q)


class ProgressPost(AuditedModel):
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="posts")
    assignment = models.ForeignKey(
        TaskAssignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("progress"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _task_scoped("task")

    class Meta:
        verbose_name = _("progress post")
        verbose_name_plural = _("progress posts")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:50]


class Evidence(AuditedModel):
    """A file posted as evidence; its type is sniffed from the content, not taken from the name."""

    post = models.ForeignKey(
        ProgressPost, verbose_name=_("progress post"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="tasks/evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    audit_exclude = ("file",)  # the trail keeps the name, type, size and hash; the stored path is internal
    objects = ScopedManager()
    scope_q = _task_scoped("post__task")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name


class RegistryEntry(AuditedModel):
    """The year's approved registry of responsibility letters and one-vote vetoes, kept by 减负办."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("responsibility letter")
        VETO = "veto", _("one-vote veto")

    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    duty_code = models.CharField(_("duty item code"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    approval_document = models.CharField(_("approval document"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")
        ordering = ["-year", "kind", "duty_code"]
        constraints = [models.UniqueConstraint(fields=["year", "kind", "duty_code"], name="registry_unique_item")]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()} {self.title}"


class UrgentQuota(AuditedModel):
    """A department's yearly number of urgent requests (the default is the parameter tasks.urgent_quota)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quota = models.PositiveSmallIntegerField(_("urgent requests a year"))

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("urgent quota")
        verbose_name_plural = _("urgent quotas")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="urgentquota_unique")]

    def __str__(self):
        return f"{self.unit} {self.year}: {self.quota}"


class Reminder(models.Model):
    """A reminder before a deadline or an escalation after it, sent once (the key is unique)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("deadline approaching")
        OVERDUE = "overdue", _("overdue, escalated")

    key = models.CharField(_("key"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    task = models.ForeignKey(
        Task, verbose_name=_("task"), null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    # reminders of the rectification ledger and of coordination decisions go the same way (one of the three is set)
    rectification_item = models.ForeignKey(
        "tasks.RectificationItem",
        verbose_name=_("rectification item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders",
    )
    decision = models.ForeignKey(
        "tasks.CoordinationDecision",
        verbose_name=_("coordination decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders",
    )
    assignment = models.ForeignKey(
        TaskAssignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders",
    )
    recipient_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("to unit"), on_delete=models.PROTECT, related_name="+"
    )
    recipient_person = models.ForeignKey(
        "org.Person", verbose_name=_("to person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField(_("message"), max_length=300)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ScopedManager()
    scope_unit_field = "recipient_unit"
    scope_person_field = "recipient_person"

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.message


# The rectification ledger and coordination meetings live in their own topic modules (see docs/rectification.md).
from qingche.tasks.models_meetings import (  # noqa: E402, F401
    CoordinationDecision,
    CoordinationIssue,
    CoordinationMeeting,
)
from qingche.tasks.models_rectification import RectificationEvidence, RectificationItem  # noqa: E402, F401
