"""Fair accountability (问责与容错): a case, the people concerned and, for each of them, a determination.

A case is a sensitive record. It is read by the discipline-inspection office (纪检监察) and the organisation
department (组织部) in the subtree of their grant, and by each person concerned — nobody else: a town
leader does not read the cases of the town's staff. Every model here has its own `scope_q` saying that."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import ScopedManager, unit_q, user_person_id
from qingche.org.roles import DISCIPLINE, ORG_DEPARTMENT

READER_ROLES = (DISCIPLINE, ORG_DEPARTMENT)


class Source(models.TextChoices):
    INSPECTION = "inspection", _("inspection finding")
    BURDEN_REPORT = "burden_report", _("burden report (直通车)")
    CITIZEN = "citizen", _("citizen request")
    APPRAISAL = "appraisal", _("appraisal")
    REFERRAL = "referral", _("referred by a higher level")
    HAND = "hand", _("entered by hand")


class SanctionKind(models.TextChoices):
    REMINDER = "reminder", _("reminder talk (提醒谈话)")
    CRITICISM = "criticism", _("criticism and education (批评教育)")
    SELF_CRITICISM = "self_criticism", _("written self-criticism (责令检查)")
    ADMONISHMENT = "admonishment", _("admonishment (诫勉)")
    ORGANISATIONAL = "organisational", _("organisational action (组织调整或组织处理)")
    DEMERIT = "demerit", _("demerit (记过)")
    MAJOR_DEMERIT = "major_demerit", _("major demerit (记大过)")
    DEMOTION = "demotion", _("demotion or removal (降级、撤职)")


class Outcome(models.TextChoices):
    EXEMPT = "exempt", _("exempted (免责)")
    LENIENT = "lenient", _("lighter or reduced (从轻减轻)")
    ACCOUNTABLE = "accountable", _("held accountable (问责)")


def _readers_or_concerned(unit_lookup: str, person_lookup: str):
    """The scope rule of the module: 纪检 and 组织部 grants by unit; every other grant only the rows of the
    account's own person."""

    def scope_q(cls, grant, user):
        me = user_person_id(user)
        mine = Q(**{person_lookup: me}) if me else Q(pk__in=[])
        if grant.role in READER_ROLES:
            return mine | unit_q(grant, unit_lookup)
        return mine

    return classmethod(scope_q)


class Case(AuditedModel):
    """An accountability case: the facts, the unit concerned, the duty-list items involved, where it came from,
    and — once the duty's place is seen — the unit named as mainly responsible."""

    class Status(models.TextChoices):
        OPEN = "open", _("under examination")
        DETERMINED = "determined", _("determined")

    title = models.CharField(_("title"), max_length=200)
    facts = models.TextField(_("facts"))
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit concerned"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True)
    opened_on = models.DateField(_("opened on"))
    duty_items = models.ManyToManyField(
        "duties.DutyItem", verbose_name=_("duty items involved"), blank=True, related_name="+"
    )
    duty_flag = models.BooleanField(_("power with the department, responsibility with the locality"), default=False)
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("mainly responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_reason = models.TextField(_("reason for the mainly responsible unit"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        "org.Person", verbose_name=_("opened by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()

    @classmethod
    def scope_q(cls, grant, user):
        """As `_readers_or_concerned`, the person's cases through a subquery (a join would repeat rows)."""
        me = user_person_id(user)
        mine = Q(pk__in=CasePerson.objects.filter(person_id=me).values("case_id")) if me else Q(pk__in=[])
        if grant.role in READER_ROLES:
            return mine | unit_q(grant, "unit")
        return mine

    class Meta:
        verbose_name = _("accountability case")
        verbose_name_plural = _("accountability cases")
        ordering = ["-opened_on", "-id"]
        permissions = [("determine_case", _("Can determine accountability cases"))]

    def __str__(self):
        return self.title


class CasePerson(AuditedModel):
    """A person concerned by a case, with what they are concerned as (直接责任, 领导责任…)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    concerned_as = models.CharField(_("concerned as"), max_length=100, blank=True)

    objects = ScopedManager()
    scope_q = _readers_or_concerned("case__unit", "person_id")

    class Meta:
        verbose_name = _("person concerned")
        verbose_name_plural = _("people concerned")
        ordering = ["case_id", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="caseperson_once_per_case")]

    def __str__(self):
        return f"{self.case} · {self.person}"


class Determination(AuditedModel):
    """The determination for one person concerned: the objective and subjective causes, the three distinctions
    each answered with a reason, the outcome and, unless exempted, the sanction and the dates it is in force."""

    case_person = models.OneToOneField(
        CasePerson, verbose_name=_("person concerned"), on_delete=models.CASCADE, related_name="determination"
    )
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    objective_causes = models.TextField(_("objective causes"))
    subjective_causes = models.TextField(_("subjective causes"))
    # {"inexperience": [true, "reason"], "trial": [...], "public_interest": [...]} (rules.DISTINCTIONS)
    distinctions = models.JSONField(_("the three distinctions"), default=dict)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    sanction_kind = models.CharField(_("kind of sanction"), max_length=16, choices=SanctionKind.choices, blank=True)
    sanction_from = models.DateField(_("in force from"), null=True, blank=True)
    sanction_until = models.DateField(_("in force until"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(
        "org.Person", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_q = _readers_or_concerned("case_person__case__unit", "person_id")

    class Meta:
        verbose_name = _("determination")
        verbose_name_plural = _("determinations")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sanction_until__isnull=True) | Q(sanction_until__gte=models.F("sanction_from")),
                name="determination_sanction_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="exempt") | Q(sanction_kind=""),
                name="determination_exempt_has_no_sanction",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_outcome_display()}"

    @property
    def tolerated(self) -> bool:
        return self.outcome in (Outcome.EXEMPT, Outcome.LENIENT)
