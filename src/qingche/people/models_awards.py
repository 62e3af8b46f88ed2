"""Awards (表彰) with their publicity period (公示), the reserve pool (后备干部) and secondment (挂职).

Award types and rounds are county reference data (every account with the permission sees them); a
nomination hangs off the unit of the person nominated; an objection off its nomination. A reserve entry
hangs off the person's unit; a secondment off both the home unit and the host unit."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import SELF, ScopedManager, unit_q, user_person_id


class AwardType(AuditedModel):
    """A kind of award (最美基层工作者, 三等功, 优秀公务员 …) with the number that may be conferred in one round."""

    class Source(models.TextChoices):
        UNITS = "units", _("nominated by units")
        EXCELLENT = "excellent", _("top grade in the year's appraisal")
        MERIT = "merit", _("top grade several years in a row")

    name = models.CharField(_("name"), max_length=60, unique=True)
    quota = models.PositiveSmallIntegerField(_("quota per round"))
    candidates_from = models.CharField(
        _("automatic candidates"), max_length=10, choices=Source.choices, default=Source.UNITS
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("award type")
        verbose_name_plural = _("award types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AwardRound(AuditedModel):
    """One round of an award in a year: nominations, review, publicity (公示) for a number of working days,
    then conferral."""

    class Status(models.TextChoices):
        NOMINATING = "nominating", _("taking nominations")
        PUBLICITY = "publicity", _("in publicity")
        CONFERRED = "conferred", _("conferred")

    award_type = models.ForeignKey(AwardType, verbose_name=_("award type"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOMINATING)
    publicity_start = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_end = models.DateField(_("publicity until"), null=True, blank=True)
    conferred_on = models.DateField(_("conferred on"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("award round")
        verbose_name_plural = _("award rounds")
        ordering = ["-year", "-id"]
        permissions = [("review_nomination", _("Can review nominations, run the publicity and confer awards"))]
        constraints = [models.UniqueConstraint(fields=["award_type", "year"], name="awardround_one_per_type_year")]

    def __str__(self):
        return self.title


class Nomination(AuditedModel):
    """A person put forward in a round: from the appraisal results (automatic) or by a unit, with reason and
    evidence; approved or rejected with a note; conferred after a publicity period without upheld objections."""

    class Source(models.TextChoices):
        APPRAISAL = "appraisal", _("appraisal results")
        UNIT = "unit", _("unit")

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("awaiting review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("not approved")
        WITHDRAWN = "withdrawn", _("withdrawn after objection")
        CONFERRED = "conferred", _("conferred")

    round = models.ForeignKey(
        AwardRound, verbose_name=_("award round"), on_delete=models.PROTECT, related_name="nominations"
    )
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NOMINATED)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    nominated_by = models.ForeignKey(
        "org.Person", verbose_name=_("nominated by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["round_id", "unit__path", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="nomination_once_per_round")]

    def __str__(self):
        return f"{self.person} · {self.round}"


class Objection(AuditedModel):
    """An objection raised during the publicity period, and the answer: upheld (the nomination is withdrawn)
    or not, always with the finding."""

    nomination = models.ForeignKey(
        Nomination, verbose_name=_("nomination"), on_delete=models.PROTECT, related_name="objections"
    )
    received_on = models.DateField(_("received on"))
    text = models.TextField(_("objection"))
    raised_by = models.ForeignKey(
        "org.Person", verbose_name=_("raised by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(_("finding"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    audit_sensitive = {"text": "hash"}

    objects = ScopedManager()
    scope_unit_field = "nomination__unit"

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "id"]
        permissions = [("answer_objection", _("Can answer objections"))]

    def __str__(self):
        return f"{self.nomination} {self.received_on}"

    @classmethod
    def scope_q(cls, grant, user):
        """The nomination's unit scope (a self grant: none), and always the objections one raised oneself."""
        me = user_person_id(user)
        mine = Q(raised_by_id=me) if me else Q(pk__in=[])
        if grant.scope == SELF:
            return mine
        return mine | unit_q(grant, "nomination__unit")


class ReserveEntry(AuditedModel):
    """A person in the reserve pool (后备干部): category, development plan, mentor; leaves with a reason."""

    class Category(models.TextChoices):
        TOWN_LEADER = "town_leader", _("town leadership reserve")
        MIDDLE = "middle", _("middle-level reserve")
        YOUNG = "young", _("outstanding young cadre")
        VILLAGE = "village", _("village cadre reserve")

    class Status(models.TextChoices):
        ACTIVE = "active", _("in the pool")
        LEFT = "left", _("left the pool")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    entered_on = models.DateField(_("entered on"))
    plan = models.TextField(_("development plan"))
    mentor = models.ForeignKey(
        "org.Person", verbose_name=_("mentor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("reserve cadre")
        verbose_name_plural = _("reserve cadres")
        ordering = ["unit__path", "category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="reserveentry_one_active_per_person"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | ~Q(leave_reason=""), name="reserveentry_leaving_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_category_display()}"


class ReserveTask(AuditedModel):
    """A demanding assignment given to a reserve cadre (压担子): what, from when to when, and how it went."""

    entry = models.ForeignKey(
        ReserveEntry, verbose_name=_("reserve cadre"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("assignment"), max_length=200)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    result = models.CharField(_("how it went"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_unit_field = "entry__unit"
    scope_person_field = "entry__person"

    class Meta:
        verbose_name = _("reserve assignment")
        verbose_name_plural = _("reserve assignments")
        ordering = ["-start", "id"]

    def __str__(self):
        return self.title


class ReserveReview(AuditedModel):
    """The yearly review of a reserve cadre: keep developing, ready for promotion, or to leave the pool."""

    class Conclusion(models.TextChoices):
        KEEP = "keep", _("keep developing")
        READY = "ready", _("ready for promotion")
        LEAVE = "leave", _("should leave the pool")

    entry = models.ForeignKey(
        ReserveEntry, verbose_name=_("reserve cadre"), on_delete=models.CASCADE, related_name="reviews"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    conclusion = models.CharField(_("conclusion"), max_length=8, choices=Conclusion.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_unit_field = "entry__unit"
    scope_person_field = "entry__person"

    class Meta:
        verbose_name = _("reserve review")
        verbose_name_plural = _("reserve reviews")
        ordering = ["-year", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "year"], name="reservereview_one_per_year")]

    def __str__(self):
        return f"{self.entry} {self.year}"


class Secondment(AuditedModel):
    """挂职: a person posted to a host unit for a time with goals; assessed at the end; the outcome (正式任职 or
    回原单位) follows the assessment and the person's wish."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        COMPETENT = "competent", _("competent")
        BASIC = "basically_competent", _("basically competent")
        INCOMPETENT = "incompetent", _("incompetent")

    class Wish(models.TextChoices):
        STAY = "stay", _("wishes to stay")
        RETURN = "return", _("wishes to return")

    class Outcome(models.TextChoices):
        APPOINTED = "appointed", _("appointed at the host unit")
        RETURNED = "returned", _("back to the home unit")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    home_unit = models.ForeignKey("org.Unit", verbose_name=_("home unit"), on_delete=models.PROTECT, related_name="+")
    host_unit = models.ForeignKey("org.Unit", verbose_name=_("host unit"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    goals = models.TextField(_("goals"))
    assessment = models.CharField(_("end assessment"), max_length=20, choices=Grade.choices, blank=True)
    assessment_note = models.CharField(_("assessment note"), max_length=300, blank=True)
    wish = models.CharField(_("the person's wish"), max_length=8, choices=Wish.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("decided on"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="secondment_ends_after_start")
        ]

    def __str__(self):
        return f"{self.person} → {self.host_unit}"

    @classmethod
    def scope_q(cls, grant, user):
        """Both the home unit's and the host unit's scope; a self grant: one's own secondments."""
        if grant.scope == SELF:
            me = user_person_id(user)
            return Q(person_id=me) if me else Q(pk__in=[])
        return unit_q(grant, "home_unit") | unit_q(grant, "host_unit")
