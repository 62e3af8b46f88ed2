"""组织处理 as proposals (issue 19): what a closed annual appraisal cycle's grades imply for a person (诫勉, down one
rank step, adjust the post, the dismissal procedure, a pay step, a 级别, a 三等功 candidate, an early rank step),
proposed from the results and confirmed or rejected with a reason by the organisation department. A confirmed
down-step writes the person's rank history (RankChange) through the careers service."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import ScopedManager
from qingche.people import rules_consequences as rules


class Consequence(AuditedModel):
    class Kind(models.TextChoices):
        ADMONISH = rules.ADMONISH, _("admonishment talk (诫勉)")
        DEMOTE = rules.DEMOTE, _("down one rank step")
        ADJUST_POST = rules.ADJUST_POST, _("adjust the post")
        DISMISSAL = rules.DISMISSAL, _("dismissal procedure")
        PAY_STEP = rules.PAY_STEP, _("pay step up")
        LEVEL = rules.LEVEL, _("grade level (级别) up")
        COMMEND = rules.COMMEND, _("commendation (嘉奖)")
        MERIT = rules.MERIT, _("third-class merit candidate")
        EARLY_RANK = rules.EARLY_RANK, _("next rank step early")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey(
        "appraisal.AppraisalCycle", verbose_name=_("appraisal cycle"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    kind = models.CharField(_("consequence"), max_length=20, choices=Kind.choices)
    grade = models.CharField(_("grade"), max_length=30)
    streak = models.PositiveSmallIntegerField(_("years in a row"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    decision_reason = models.CharField(_("reason of the decision"), max_length=300, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rank_change = models.ForeignKey(
        "people.RankChange",
        verbose_name=_("rank change"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("organisational consequence")
        verbose_name_plural = _("organisational consequences")
        ordering = ["-year", "status", "unit__path", "person_id", "kind"]
        permissions = [("decide_consequence", _("Can confirm or reject organisational consequences"))]
        constraints = [
            models.UniqueConstraint(fields=["person", "cycle", "kind"], name="consequence_one_per_person_cycle_kind")
        ]

    def __str__(self):
        return f"{self.person} {self.year} {self.get_kind_display()}"
