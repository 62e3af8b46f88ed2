"""Duty lists (职责清单): each town and street has one list in three parts — basic (基本履职事项),
cooperation (配合履职事项, a named county department leads) and taken back (上级部门收回事项,
a department took it back) — drafted, published and versioned. A published version never changes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import ScopedManager, grant_q

PUBLIC_STATUSES = ("published", "superseded")


def _published_or_in_scope(prefix: str):
    """Published duty lists are public documents: anyone whose role may read duty lists sees them.
    Drafts are seen only within the grant's scope."""

    def scope_q(cls, grant, user):
        in_scope = grant_q(_UnitScoped(prefix + "unit"), grant, user)
        return models.Q(**{prefix + "status__in": PUBLIC_STATUSES}) | in_scope

    return classmethod(scope_q)


class _UnitScoped:
    """Lets grant_q build the ordinary unit filter for a lookup path."""

    def __init__(self, unit_field: str):
        self.scope_unit_field = unit_field
        self.scope_person_field = None


class DutyList(AuditedModel):
    """One version of a town's duty list (all three parts)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("superseded")

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="duty_lists")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    note = models.TextField(_("note"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _published_or_in_scope("")

    class Meta:
        verbose_name = _("duty list")
        verbose_name_plural = _("duty lists")
        ordering = ["unit_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="dutylist_unique_version"),
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(status="published"), name="dutylist_one_published_per_unit"
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(status="draft"), name="dutylist_one_draft_per_unit"
            ),
        ]
        permissions = [("publish_dutylist", _("Can publish duty lists"))]

    def __str__(self):
        return f"{self.unit} v{self.version}"


class StandingSource(models.TextChoices):
    """Where a duty item's standing workload comes from."""

    LIST = "list", _("the duty list's own estimate")
    OFFICE = "office", _("set by the burden office")
    IMPORT = "import", _("imported from Excel with the list")


class DutyItem(AuditedModel):
    """One duty (履职事项) in a version of a town's list, with its standing workload: the person-hours a month
    the town (with its villages) spends on it whatever else is sent. Duties taken back carry none."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("basic duty")
        COOPERATION = "cooperation", _("cooperation duty")
        TAKEN_BACK = "taken_back", _("taken back by a department")

    duty_list = models.ForeignKey(DutyList, verbose_name=_("duty list"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=300)
    domain = models.CharField(_("domain"), max_length=50, blank=True, db_index=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_duty_items",
        help_text=_(
            "for cooperation duties the department that leads; for duties taken back, the department that took it back"
        ),
    )
    cooperating_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("cooperating departments"), blank=True, related_name="cooperating_duty_items"
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("words a citizen's request about this matter would contain, separated by ；"),
    )
    standing_hours = models.DecimalField(
        _("standing workload (person-hours a month)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("what the duty takes every month, whatever else is sent: counted in the burden index"),
    )
    standing_source = models.CharField(
        _("source of the standing workload"), max_length=8, choices=StandingSource.choices, blank=True
    )

    objects = ScopedManager()
    scope_q = _published_or_in_scope("duty_list__")

    class Meta:
        verbose_name = _("duty item")
        verbose_name_plural = _("duty items")
        ordering = ["duty_list_id", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["duty_list", "code"], name="dutyitem_unique_code_in_list")]
        indexes = [models.Index(fields=["code", "duty_list"])]
        permissions = [("set_standing_hours", _("Can set the standing workload of duty items"))]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def keyword_list(self) -> list[str]:
        return self.split_keywords(self.keywords)

    @staticmethod
    def split_keywords(keywords: str) -> list[str]:
        return [word.strip() for word in keywords.replace(";", "；").split("；") if word.strip()]


class Power(AuditedModel):
    """An authority (权力事项) that goes with a duty: 责随权转 asks that no duty lacks one."""

    item = models.ForeignKey(DutyItem, verbose_name=_("duty item"), on_delete=models.CASCADE, related_name="powers")
    category = models.CharField(_("category"), max_length=30, help_text=_("e.g. 行政检查, 行政处罚, 行政确认"))
    description = models.CharField(_("description"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_q = _published_or_in_scope("item__duty_list__")

    class Meta:
        verbose_name = _("power")
        verbose_name_plural = _("powers")
        ordering = ["item_id", "id"]

    def __str__(self):
        return f"{self.category}：{self.description}" if self.description else self.category
