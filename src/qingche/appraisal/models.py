"""Appraisal (考核评价): schemes, cycles, the people appraised and their results, ratings, rating
links for 群众, rater flags and appeals. The scoring itself is rules.py (pure); services.py writes.

Privacy: a Rating is visible to its own rater only (scope_q), and no model that others can read holds
a rater's identity next to a ratee's. Results (Appraisee) reach a town and the person themselves only
once the cycle is in publicity; the organization department (manage permission) sees them earlier."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingche.appraisal import rules
from qingche.core.audit import AuditedModel
from qingche.core.scope import SELF, ScopedManager, ancestor_paths, unit_q, user_person_id

MANAGE_PERM = "appraisal.manage_appraisalcycle"
# Others' results (scores, ranks, breakdowns) reach only grants that may read those people's records:
# roles with no part in personnel work (热线, 减负办) see their own result and the 公示 list, no more.
PERSONNEL_PERM = "org.view_person"


def new_nonce() -> str:
    return secrets.token_hex(16)


class PersonCategory(models.TextChoices):
    TOWN_LEADER = "town_leader", _("town leadership members")  # 乡镇班子成员
    TOWN_STAFF = "town_staff", _("town general cadres")  # 乡镇一般干部
    VILLAGE_CADRE = "village_cadre", _("village and community cadres")  # 村(社区)干部
    DEPARTMENT_STAFF = "department_staff", _("department cadres")  # 部门干部
    PUBLIC_INSTITUTION = "public_institution", _("public institution staff")  # 事业单位人员


class PeriodType(models.TextChoices):
    REGULAR = "regular", _("regular (quarterly)")  # 平时
    ANNUAL = "annual", _("annual")  # 年度
    MID_TERM = "mid_term", _("mid-term")  # 届中
    END_TERM = "end_term", _("end of term")  # 届末


class GradeScale(models.TextChoices):
    ANNUAL = "annual", _("优秀 / 称职 / 基本称职 / 不称职")
    REGULAR = "regular", _("好 / 较好 / 一般 / 较差")
    PUBLIC_INSTITUTION = "public_institution", _("优秀 / 合格 / 基本合格 / 不合格 (public institutions)")


class QuotaGroupKind(models.TextChoices):
    TOWN = "town", _("per town or department")
    UNIT = "unit", _("per unit")
    CYCLE = "cycle", _("the whole cycle")


class AppraisalScheme(AuditedModel):
    """Rules for one person category and period type. Weights are percentages (they must sum to 100)."""

    name = models.CharField(_("name"), max_length=100)
    person_category = models.CharField(_("person category"), max_length=30, choices=PersonCategory.choices)
    period_type = models.CharField(_("period type"), max_length=20, choices=PeriodType.choices)
    grade_scale = models.CharField(_("grade scale"), max_length=30, choices=GradeScale.choices)
    dimension_weights = models.JSONField(_("dimension weights (%)"))
    group_weights = models.JSONField(_("rater group weights (%)"))
    indicator_weights = models.JSONField(_("indicator weights (%)"))
    subjective_weight = models.PositiveSmallIntegerField(_("weight of ratings (%)"), default=60)
    min_raters = models.PositiveSmallIntegerField(_("minimum raters per group"), default=3)
    excellent_quota = models.PositiveSmallIntegerField(_("top-grade quota (%)"), default=20)
    quota_group = models.CharField(
        _("quota group"), max_length=10, choices=QuotaGroupKind.choices, default=QuotaGroupKind.TOWN
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("appraisal scheme")
        verbose_name_plural = _("appraisal schemes")
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def dimension_weights_shown(self) -> list[tuple[str, float]]:
        """(label, percent) of each weighted dimension, in the order 德能勤绩廉."""
        weights = self.dimension_weights or {}
        return [(str(rules.LABELS[d]), weights[d]) for d in rules.DIMENSIONS if weights.get(d)]

    @property
    def engine_period(self) -> str:
        return "regular" if self.grade_scale == GradeScale.REGULAR else "annual"


class AppraisalCycle(AuditedModel):
    """One run of a scheme over the people in scope, e.g. 2026 年度考核."""

    class Status(models.TextChoices):
        RATING = "rating", _("rating")
        SCORED = "scored", _("scored")
        CALIBRATION = "calibration", _("calibration")
        PUBLICITY = "publicity", _("publicity")
        FINAL = "final", _("final")

    PUBLISHED = (Status.PUBLICITY, Status.FINAL)

    scheme = models.ForeignKey(
        AppraisalScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="cycles"
    )
    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the people appraised are in this unit's subtree"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RATING)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    publicity_start = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_end = models.DateField(_("publicity until"), null=True, blank=True)
    indicator_sources = models.JSONField(_("indicator sources used"), default=dict, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("appraisal cycle")
        verbose_name_plural = _("appraisal cycles")
        ordering = ["-year", "-id"]
        permissions = [
            ("manage_appraisalcycle", _("Can run appraisal cycles (raters, scoring, publicity)")),
            ("calibrate_appraisalcycle", _("Can calibrate grades as the appraisal committee")),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, grant, user):
        # A cycle run by a unit above reaches everyone below it: its name and status are not secret.
        return unit_q(grant, "unit") | Q(unit__path__in=ancestor_paths(grant.unit_path))

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED


class Appraisee(AuditedModel):
    """A person appraised in a cycle: their objective figures and, once scored, their result."""

    cycle = models.ForeignKey(
        AppraisalCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="appraisees"
    )
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    quota_group = models.CharField(_("quota group"), max_length=100)
    # objective figures (workload in person-hours), from the indicator sources or entered
    workload = models.FloatField(_("workload (person-hours)"), default=0)
    done = models.FloatField(_("items done"), default=0)
    on_time = models.FloatField(_("done on time"), default=0)
    errors = models.FloatField(_("errors and items sent back"), default=0)
    satisfaction = models.FloatField(_("satisfaction (0–1)"), null=True, blank=True)
    figures_source = models.CharField(_("source of the figures"), max_length=100, blank=True)
    bottom_grade = models.CharField(_("bottom-grade trigger"), max_length=30, blank=True)
    bottom_grade_reason = models.TextField(_("reason for the bottom grade"), blank=True)
    # result
    score = models.FloatField(_("score"), null=True, blank=True)
    rank = models.PositiveIntegerField(pgettext_lazy("ranking", "rank"), null=True, blank=True)
    engine_grade = models.CharField(_("grade as scored"), max_length=30, blank=True)
    grade = models.CharField(_("grade"), max_length=30, blank=True)
    grade_reason = models.TextField(_("reason for a calibrated grade"), blank=True)
    breakdown = models.JSONField(_("breakdown"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("appraisal result")
        verbose_name_plural = _("appraisal results")
        ordering = ["cycle_id", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="appraisee_once_per_cycle")]

    def __str__(self):
        return f"{self.cycle} · {self.person}"

    @classmethod
    def scope_q(cls, grant, user):
        published = Q(cycle__status__in=AppraisalCycle.PUBLISHED)
        own = Q(person_id=user_person_id(user)) & published if user_person_id(user) else Q(pk__in=[])
        if grant.scope == SELF:
            return own
        in_scope = unit_q(grant, "unit")
        if MANAGE_PERM in grant.perms:
            return in_scope | own
        if PERSONNEL_PERM not in grant.perms:
            return own
        return (in_scope & published) | own

    @property
    def calibrated(self) -> bool:
        return bool(self.grade) and self.grade != self.engine_grade


class RatingLink(AuditedModel):
    """A link for one 群众 rater (no account): the signed token opens the form for the people of `unit`."""

    cycle = models.ForeignKey(AppraisalCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="links")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit served"), on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("rater group"), max_length=30, default="public")
    label = models.CharField(_("label"), max_length=100, blank=True)
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False, unique=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    objects = ScopedManager()
    audit_exclude = ("nonce",)

    class Meta:
        verbose_name = _("rating link")
        verbose_name_plural = _("rating links")
        ordering = ["id"]

    def __str__(self):
        return self.label or f"link #{self.pk}"

    @classmethod
    def scope_q(cls, grant, user):
        if MANAGE_PERM not in grant.perms:
            return Q(pk__in=[])
        return unit_q(grant, "cycle__unit")


class Rating(AuditedModel):
    """One rater's scores for one person in a cycle. Only the rater ever reads it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("not started")
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    cycle = models.ForeignKey(AppraisalCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="ratings")
    ratee = models.ForeignKey(Appraisee, verbose_name=_("person rated"), on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("rater group"), max_length=30)
    rater_person = models.ForeignKey(
        "org.Person", verbose_name=_("rater"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rater_link = models.ForeignKey(
        RatingLink,
        verbose_name=_("rating link"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)

    objects = ScopedManager()
    # The trail records that a rating changed, never whom it is about or what it says.
    audit_exclude = ("ratee", "scores", "comment", "group")

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ratee", "rater_person"], condition=Q(rater_person__isnull=False), name="rating_once_per_person"
            ),
            models.UniqueConstraint(
                fields=["ratee", "rater_link"], condition=Q(rater_link__isnull=False), name="rating_once_per_link"
            ),
            models.CheckConstraint(
                condition=Q(rater_person__isnull=False, rater_link__isnull=True)
                | Q(rater_person__isnull=True, rater_link__isnull=False),
                name="rating_one_rater",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"]), models.Index(fields=["rater_person", "status"])]

    def __str__(self):
        return f"rating #{self.pk}"

    @classmethod
    def scope_q(cls, grant, user):
        person_id = user_person_id(user)
        return Q(rater_person_id=person_id) if person_id else Q(pk__in=[])

    @property
    def group_label(self) -> str:
        return str(rules.LABELS.get(self.group, self.group))

    @property
    def rater_key(self) -> str:
        return f"p{self.rater_person_id}" if self.rater_person_id else f"l{self.rater_link_id}"


class RaterFlag(models.Model):
    """A rater pattern found when scoring (平均主义, lenient, harsh): for the organization department."""

    cycle = models.ForeignKey(AppraisalCycle, on_delete=models.CASCADE, related_name="rater_flags")
    rater_person = models.ForeignKey("org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rater_link = models.ForeignKey(RatingLink, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30)
    detail = models.JSONField(_("detail"), default=dict)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("rater flag")
        verbose_name_plural = _("rater flags")
        ordering = ["cycle_id", "id"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def kind_label(self) -> str:
        return str(rules.LABELS.get(self.kind, self.kind))

    @property
    def message(self) -> str:
        """The flag in words, in the reader's language (made when shown, from the stored figures)."""
        return rules.flag_message(self.kind, self.detail or {})

    @classmethod
    def scope_q(cls, grant, user):
        if MANAGE_PERM not in grant.perms:
            return Q(pk__in=[])
        return unit_q(grant, "cycle__unit")


class Appeal(AuditedModel):
    """复核: a person contesting their grade during publicity, and the committee's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        KEPT = "kept", _("grade kept")
        CHANGED = "changed", _("grade changed")

    appraisee = models.ForeignKey(Appraisee, verbose_name=_("result"), on_delete=models.CASCADE, related_name="appeals")
    reason = models.TextField(_("grounds"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decision = models.TextField(_("decision"), blank=True, max_length=2000)
    new_grade = models.CharField(_("new grade"), max_length=30, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-id"]

    def __str__(self):
        return f"appeal #{self.pk}"

    @classmethod
    def scope_q(cls, grant, user):
        person_id = user_person_id(user)
        own = Q(appraisee__person_id=person_id) if person_id else Q(pk__in=[])
        if grant.scope != SELF and MANAGE_PERM in grant.perms:
            return own | unit_q(grant, "appraisee__unit")
        return own
