"""The rectification ledger (问题清单 → 整改措施 → 责任 → 销号): a problem found somewhere (an inspection, a 直通车
report, a red-line alert, a survey, appraisal, a coordination meeting's decision, a pattern of citizen requests, or
entered by hand) becomes an item with measures, an owning unit and person, a deadline and the evidence required.
The owner sets the measures and submits evidence (text and files); whoever raised the item verifies it — never the
owner — and only then is it closed (销号). The database refuses a closed item without evidence or a verifier."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import SELF, ScopedManager, unit_q, user_person_id


class RectificationItem(AuditedModel):
    class Source(models.TextChoices):
        INSPECTION = "inspection", _("inspection finding")
        BURDEN_REPORT = "burden_report", _("burden report (直通车)")
        BURDEN_ALERT = "burden_alert", _("red-line alert")
        SURVEY = "survey", _("survey result")
        APPRAISAL = "appraisal", _("appraisal")
        MEETING_DECISION = "meeting_decision", _("coordination meeting decision")
        REQUEST_PATTERN = "request_pattern", _("pattern of citizen requests")
        MANUAL = "manual", _("entered by hand")

    class Status(models.TextChoices):
        OPEN = "open", _("open, measures to set")
        MEASURES_SET = "measures_set", _("measures set, being rectified")
        SUBMITTED = "submitted", _("submitted with evidence, to verify")
        SENT_BACK = "sent_back", _("sent back")
        CLOSED = "closed", _("verified and closed (销号)")

    source_kind = models.CharField(_("source"), max_length=20, choices=Source.choices, db_index=True)
    source_id = models.PositiveIntegerField(_("source record"), null=True, blank=True)
    source_label = models.CharField(_("where it was found"), max_length=300, blank=True)
    problem = models.TextField(_("problem"))
    measures = models.TextField(_("rectification measures"), blank=True)
    evidence_required = models.TextField(_("evidence required"))
    raiser_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("raised by unit"), on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    owner_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="rectification_items"
    )
    owner_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    deadline = models.DateField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN, db_index=True)
    submission = models.TextField(_("what was done (evidence)"), blank=True)
    evidence_files = models.PositiveSmallIntegerField(_("evidence files"), default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    sent_back_reason = models.TextField(_("reason sent back"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        if grant.scope == SELF:
            person_id = user_person_id(user)
            return Q(owner_person_id=person_id) if person_id is not None else Q(pk__in=[])
        return unit_q(grant, "owner_unit") | unit_q(grant, "raiser_unit")

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "id"]
        permissions = [("verify_rectificationitem", _("Can verify and close rectification items"))]
        indexes = [
            models.Index(fields=["source_kind", "source_id"], name="rectification_source_idx"),
            models.Index(fields=["owner_unit", "status"], name="rectification_owner_idx"),
        ]
        constraints = [
            # 销号 only with evidence and a verifier who is not the one who submitted it
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (
                    Q(verified_by__isnull=False, verified_at__isnull=False, submitted_at__isnull=False)
                    & ~Q(verified_by=F("submitted_by"))
                    & (~Q(submission="") | Q(evidence_files__gt=0))
                ),
                name="rectification_closed_needs_evidence_and_verifier",
            ),
            # the owner does not raise (and so verify) its own item
            models.CheckConstraint(condition=~Q(owner_unit=F("raiser_unit")), name="rectification_owner_is_not_raiser"),
        ]

    def __str__(self):
        return self.problem[:60]

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED


class RectificationEvidence(AuditedModel):
    """A file submitted as evidence of a rectification; its type is sniffed from the content (tasks.files)."""

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("rectification item"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="tasks/rectification/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    audit_exclude = ("file",)
    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        return Q(item__in=RectificationItem.objects.filter(RectificationItem.scope_q(grant, user)).values("pk"))

    class Meta:
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name
