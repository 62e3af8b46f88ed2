"""Careers (issue 19, people II): the rank (职级) history that is the source of truth of a person's rank, the
hardship flags of posts (边远 / 一线), the performance-pay pool of a unit and year, and transfer requests checked
against the minimum service years of new recruits. Every row hangs off a unit, through a person or a post."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import ScopedManager


class Ladder(models.TextChoices):
    """Which rank ladder a person climbs (the ladders themselves are the parameter people.rank_ladders)."""

    COUNTY = "county", _("general administration (county organs)")
    TOWN = "town", _("general administration (town organs)")
    INSTITUTION = "institution", _("public institution management grades")


class RankChange(AuditedModel):
    """One step of a person's rank history (职级): from, to, the date, the basis and the document number. The
    latest change is the person's current rank; org.Person.rank is only where the first entry came from."""

    class Basis(models.TextChoices):
        RECORDED = "recorded", _("taken over from the person record")
        APPOINTED = "appointed", _("first appointment")
        PROMOTED = "promoted", _("promotion")
        DEMOTED = "demoted", _("down one step (incompetent grade)")
        CONVERTED = "converted", _("transfer or conversion")
        CORRECTED = "corrected", _("correction")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    ladder = models.CharField(_("rank ladder"), max_length=12, choices=Ladder.choices)
    from_rank = models.CharField(_("from rank"), max_length=30, blank=True)
    to_rank = models.CharField(_("to rank"), max_length=30)
    date = models.DateField(_("date"))
    basis = models.CharField(_("basis"), max_length=12, choices=Basis.choices)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_unit_field = "person__unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("rank change")
        verbose_name_plural = _("rank changes")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person", "date"])]

    def __str__(self):
        return f"{self.person} {self.from_rank or '—'} → {self.to_rank} {self.date}"


class PostHardship(AuditedModel):
    """A post's hardship flags: 边远 (a remote town post) and 一线 (front-line work). They raise the post's factor
    in the performance-pay share and carry the monthly special allowances (parameters)."""

    post = models.OneToOneField("org.Post", verbose_name=_("post"), on_delete=models.CASCADE, related_name="hardship")
    remote = models.BooleanField(_("remote post"), default=False)
    frontline = models.BooleanField(_("front-line post"), default=False)

    objects = ScopedManager()
    scope_unit_field = "post__unit"

    class Meta:
        verbose_name = _("post hardship flags")
        verbose_name_plural = _("post hardship flags")
        ordering = ["id"]

    def __str__(self):
        return str(self.post)


class PayPool(AuditedModel):
    """A unit's performance-pay pool of a year (绩效工资总额), shared by grade coefficient × post factor. Read only
    by the unit's leaders and the organisation department (or a 人社 role given people.view_paypool)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("pool (yuan)"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("performance-pay pool")
        verbose_name_plural = _("performance-pay pools")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="paypool_one_per_unit_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="paypool_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.unit} {self.year}"


class TransferRequest(AuditedModel):
    """A request to transfer a person out (调动申请); one made before the minimum service years of a new recruit end
    is flagged with the rule and needs a reason to be approved."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("awaiting decision")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    destination = models.CharField(_("transfer to"), max_length=100)
    reason = models.CharField(_("reason"), max_length=300)
    requested_on = models.DateField(_("requested on"))
    service_end = models.DateField(_("minimum service ends"), null=True, blank=True)
    early = models.BooleanField(_("before the minimum service ends"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    decision_reason = models.CharField(_("reason of the decision"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        ordering = ["-requested_on", "-id"]
        permissions = [("decide_transferrequest", _("Can decide transfer requests"))]

    def __str__(self):
        return f"{self.person} → {self.destination}"
