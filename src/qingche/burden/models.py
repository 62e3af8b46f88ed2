"""Burden monitoring (减负): registries of what lands on the grassroots (inspections, meetings,
documents, required apps and work groups, overtime), the 一表通 field catalog and report forms,
the rollups behind the 小马拉大车 index, and the anonymous 直通车 burden reports.

Scope: a record is seen by grants that reach the unit that sent it (a department sees what it
issued) or a unit it reached (a town sees what hit it and its villages); 减负办 holds its grant at
the county root and so sees everything."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingche.burden import rules
from qingche.core.audit import AuditedModel
from qingche.core.scope import SELF, ScopedManager, unit_q


def _sender_or_receiver(sender: str, receiver: str):
    """Scope: the grant reaches the sending unit or one of the receiving units."""

    def scope_q(cls, grant, user):
        if grant.scope == SELF:
            return models.Q(pk__in=[])
        reached = cls._base_manager.filter(unit_q(grant, receiver)).values("pk")
        return unit_q(grant, sender) | models.Q(pk__in=reached)

    return classmethod(scope_q)


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", _("not needed")
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


# -- inspections, checks and assessments (督查检查考核) -------------------------------------------------
class InspectionPlanItem(AuditedModel):
    """One item of the year's approved plan of inspections, checks and assessments."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    issuer = models.ForeignKey(
        "org.Unit", verbose_name=_("issuing department"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=100, help_text=_("similar inspections share a topic"))
    targets = models.ManyToManyField("org.Unit", verbose_name=_("target units"), related_name="+")
    months = models.JSONField(_("months"), default=list, help_text=_("months of the year it is planned for"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _sender_or_receiver("issuer", "targets")

    class Meta:
        verbose_name = _("inspection plan item")
        verbose_name_plural = _("inspection plan")
        ordering = ["-year", "issuer_id", "id"]

    def __str__(self):
        return f"{self.year} {self.title}"


class Inspection(AuditedModel):
    """One inspection, check or assessment received by one unit."""

    issuer = models.ForeignKey("org.Unit", verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey("org.Unit", verbose_name=_("inspected unit"), on_delete=models.PROTECT, related_name="+")
    plan_item = models.ForeignKey(
        InspectionPlanItem,
        verbose_name=_("plan item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    topic = models.CharField(_("topic"), max_length=100, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), db_index=True)
    unplanned_reason = models.TextField(_("reason for an unplanned inspection"), blank=True)
    approval = models.CharField(_("approval"), max_length=12, choices=Approval.choices, default=Approval.NOT_NEEDED)
    approval_note = models.TextField(_("approval note"), blank=True)
    preparation_hours = models.DecimalField(_("preparation person-hours"), max_digits=8, decimal_places=1, default=0)
    reception_hours = models.DecimalField(_("reception person-hours"), max_digits=8, decimal_places=1, default=0)
    merge_with = models.ForeignKey(
        "self",
        verbose_name=_("to merge with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("an inspection of the same topic on the same unit within the window"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _sender_or_receiver("issuer", "target")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-date", "-id"]
        permissions = [("approve_inspection", _("Can approve unplanned inspections"))]
        indexes = [models.Index(fields=["target", "topic", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(preparation_hours__gte=0) & models.Q(reception_hours__gte=0),
                name="inspection_hours_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.title} → {self.target}"

    @property
    def planned(self):
        return self.plan_item_id is not None

    @property
    def person_hours(self):
        return self.preparation_hours + self.reception_hours

    @property
    def held_despite_refusal(self):
        """Refused, yet the inspected unit recorded hours for it: it happened anyway."""
        return self.approval == Approval.REFUSED and self.person_hours > 0


# -- meetings and documents -----------------------------------------------------------------------------
class Meeting(AuditedModel):
    class Level(models.TextChoices):
        COUNTY = "county", _("county")
        DEPARTMENT = "department", _("county department")
        TOWN = "town", _("town")

    organiser = models.ForeignKey("org.Unit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    with_group_discussion = models.BooleanField(_("with group discussion"), default=False)
    reaches_grassroots = models.BooleanField(_("straight down to the grassroots"), default=False)
    approval = models.CharField(_("approval"), max_length=12, choices=Approval.choices, default=Approval.NOT_NEEDED)
    approval_note = models.TextField(_("approval note"), blank=True)
    speech_minutes = models.PositiveSmallIntegerField(_("main speech (minutes)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _sender_or_receiver("organiser", "attendances__unit")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-start", "-id"]
        permissions = [("approve_meeting", _("Can approve meetings reaching the grassroots"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="meeting_ends_after_start")
        ]

    def __str__(self):
        return f"{self.start:%Y-%m-%d} {self.title}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


class MeetingAttendance(models.Model):
    """How many people of one unit attended a meeting (part of the meeting's record)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    attendees = models.PositiveSmallIntegerField(_("attendees"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="attendance_unique_unit"),
            models.CheckConstraint(condition=models.Q(attendees__gte=1), name="attendance_at_least_one"),
        ]

    def __str__(self):
        return f"{self.unit_id} × {self.attendees}"


class Document(AuditedModel):
    issuer = models.ForeignKey("org.Unit", verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), db_index=True)
    length_chars = models.PositiveIntegerField(_("length (characters)"))
    special_task = models.BooleanField(_("special-task document"), default=False)
    targets = models.ManyToManyField("org.Unit", verbose_name=_("target units"), related_name="+")
    over_cap = models.BooleanField(_("over the length cap"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _sender_or_receiver("issuer", "targets")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_on", "-id"]

    def __str__(self):
        return self.title


class DocumentExplanation(AuditedModel):
    """Why a body issues more documents this year than last (the count should not grow; an increase must be
    explained): written by the issuer, shown with the count."""

    issuer = models.ForeignKey("org.Unit", verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("explanation"))
    explained_by = models.ForeignKey(
        "org.Person", verbose_name=_("explained by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_unit_field = "issuer"

    class Meta:
        verbose_name = _("explanation of more documents")
        verbose_name_plural = _("explanations of more documents")
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="documentexplanation_one_per_year")]

    def __str__(self):
        return f"{self.issuer} {self.year}"


# -- required apps and work groups -------------------------------------------------------------------------
class RequiredApp(AuditedModel):
    class Kind(models.TextChoices):
        APP = "app", _("app")
        WORK_GROUP = "work_group", _("work group")

    issuer = models.ForeignKey("org.Unit", verbose_name=_("required by"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    targets = models.ManyToManyField("org.Unit", verbose_name=_("units required to use it"), related_name="+")
    compulsory_checkin = models.BooleanField(_("compulsory check-in"), default=False)
    points_ranking = models.BooleanField(_("points ranking"), default=False)
    online_time = models.BooleanField(_("online-time requirement"), default=False)
    minutes_per_day = models.PositiveSmallIntegerField(_("minutes a day it takes"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _sender_or_receiver("issuer", "targets")

    class Meta:
        verbose_name = _("required app or work group")
        verbose_name_plural = _("required apps and work groups")
        ordering = ["issuer_id", "name"]

    def __str__(self):
        return self.name

    @property
    def violations(self) -> list[str]:
        return rules.app_violations(self.compulsory_checkin, self.points_ranking, self.online_time)


# -- overtime ---------------------------------------------------------------------------------------------
class OvertimeEntry(AuditedModel):
    class Status(models.TextChoices):
        REPORTED = "reported", _("reported")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"), db_index=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    note = models.CharField(_("what the work was"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("overtime entry")
        verbose_name_plural = _("overtime")
        ordering = ["-date", "-id"]
        permissions = [("confirm_overtimeentry", _("Can confirm overtime of the unit"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) & models.Q(hours__lte=24), name="overtime_hours_range"
            )
        ]

    def __str__(self):
        return f"{self.person} {self.date} {self.hours}h"


# -- 一表通: field catalog and report forms -------------------------------------------------------------------
class CatalogField(AuditedModel):
    """A data item already held somewhere: forms sent down map their fields to these."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("data item"), max_length=100, db_index=True)
    definition = models.TextField(_("definition"))
    unit_of_measure = models.CharField(_("unit of measure"), max_length=30, blank=True)

    class Kind(models.TextChoices):
        TEXT = "text", pgettext_lazy("kind of value", "text")
        COUNT = "count", _("count (a whole number, not negative)")
        NUMBER = "number", pgettext_lazy("kind of value", "number")

    kind = models.CharField(_("kind of value"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    maximum = models.DecimalField(
        _("largest plausible value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("a filled value above it is refused as a typing error"),
    )
    owner = models.ForeignKey(
        "org.Unit", verbose_name=_("owner department"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("where its value already lives"), max_length=200)
    filler = models.CharField(
        _("filled from"), max_length=60, blank=True, help_text=_("a platform lookup that gives each unit's value")
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("catalog field")
        verbose_name_plural = _("field catalog")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ReportForm(AuditedModel):
    issuer = models.ForeignKey(
        "org.Unit", verbose_name=_("issuing department"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    sent_on = models.DateField(_("sent on"), db_index=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    targets = models.ManyToManyField("org.Unit", verbose_name=_("target units"), related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_q = _sender_or_receiver("issuer", "targets")

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["-sent_on", "-id"]

    def __str__(self):
        return self.title


class ReportFormField(models.Model):
    """A field of a form: mapped to a catalog item, or proposing a new one (part of the form)."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(_("position"))
    catalog_field = models.ForeignKey(
        CatalogField,
        verbose_name=_("catalog field"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="form_fields",
    )
    label = models.CharField(_("label"), max_length=100)
    proposed_definition = models.TextField(_("definition of the proposed new item"), blank=True)
    proposed_unit = models.CharField(_("unit of measure"), max_length=30, blank=True)

    class Meta:
        ordering = ["form_id", "position"]
        constraints = [models.UniqueConstraint(fields=["form", "position"], name="formfield_unique_position")]

    def __str__(self):
        return self.label

    @property
    def reused(self) -> bool:
        return self.catalog_field_id is not None


class FormFill(AuditedModel):
    """One unit's filled copy of a form."""

    form = models.ForeignKey(ReportForm, verbose_name=_("form"), on_delete=models.PROTECT, related_name="fills")
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField(_("submitted on"), db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prefilled_count = models.PositiveSmallIntegerField(_("values pre-filled"), default=0)
    typed_count = models.PositiveSmallIntegerField(_("values typed"), default=0)
    person_hours = models.DecimalField(_("person-hours (estimated)"), max_digits=8, decimal_places=2, default=0)

    objects = ScopedManager()
    scope_q = _sender_or_receiver("form__issuer", "unit")

    class Meta:
        verbose_name = _("form fill")
        verbose_name_plural = _("form fills")
        ordering = ["-submitted_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["form", "unit"], name="formfill_once_per_unit")]

    def __str__(self):
        return f"{self.form} · {self.unit}"


class FormFillValue(models.Model):
    fill = models.ForeignKey(FormFill, on_delete=models.CASCADE, related_name="values")
    form_field = models.ForeignKey(ReportFormField, on_delete=models.PROTECT, related_name="+")
    catalog_field = models.ForeignKey(CatalogField, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(_("value"), max_length=500)
    prefilled = models.BooleanField(_("pre-filled"), default=False)

    class Meta:
        indexes = [models.Index(fields=["catalog_field", "fill"])]

    def __str__(self):
        return self.value


# -- the rollups behind the index and the dashboard ------------------------------------------------------
class LoadRollup(models.Model):
    """Person-hours of load per unit, month and source; kept in the same transaction as each event."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    source = models.CharField(max_length=30)
    hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    count = models.BigIntegerField(default=0)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        default_permissions = ("view",)
        # The index of a person (own work + a share of the unit's load) is read from these rollups too;
        # it needs its own permission because front-line staff read their own and nothing of the unit's.
        permissions = [("view_person_index", _("Can see the burden index of people"))]
        constraints = [models.UniqueConstraint(fields=["unit", "month", "source"], name="loadrollup_unique")]
        indexes = [models.Index(fields=["month", "source"])]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m} {self.source} {self.hours}"


class SenderRollup(models.Model):
    """Person-hours a unit received per month from each sending unit (inspections, meetings, forms):
    the "who sent it" breakdown of a unit's page; kept with each event."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    issuer = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["unit", "month", "issuer"], name="senderrollup_unique")]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m} {self.issuer_id} {self.hours}"


class IssuerRollup(models.Model):
    """Counts per issuing unit, month and metric (inspections planned/unplanned, meetings, documents,
    forms, fields and fields reused) for the dashboard; kept with each event."""

    issuer = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    metric = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    objects = ScopedManager()
    scope_unit_field = "issuer"

    class Meta:
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["issuer", "month", "metric"], name="issuerrollup_unique")]
        indexes = [models.Index(fields=["month", "metric"])]

    def __str__(self):
        return f"{self.issuer_id} {self.month:%Y-%m} {self.metric} {self.value}"


class BurdenAlert(AuditedModel):
    """A unit's index went above the red line in a month: an alert to 减负办."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    value = models.DecimalField(_("index"), max_digits=8, decimal_places=3)
    red_line = models.DecimalField(_("red line"), max_digits=6, decimal_places=2)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("burden alert")
        verbose_name_plural = _("burden alerts")
        ordering = ["-month", "-value"]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="burdenalert_unique")]

    def __str__(self):
        return f"{self.unit} {self.month:%Y-%m} {self.value}"


# -- 直通车: anonymous burden reports ----------------------------------------------------------------------
class BurdenReport(models.Model):
    """An anonymous report of a burden problem. On purpose it holds no account, no IP address, no
    user agent and no time of day: only what the sender wrote, the town or street they chose to name
    (never a village or community: too few people), whether they allow the answer to be published, the
    day it arrived, and the hash of the follow-up code. It is not an AuditedModel, because an audit
    event would keep the sender's IP address and the exact time; 减负办's answer is audited on its own."""

    class Category(models.TextChoices):
        INSPECTIONS = "inspections", _("too many inspections, checks and assessments")
        MEETINGS = "meetings", _("too many meetings")
        DOCUMENTS = "documents", _("too many documents")
        FORMS = "forms", _("repeated report forms")
        APPS = "apps", _("apps and work groups")
        TRACES = "traces", _("demands for photos, ledgers and minutes (痕迹主义)")
        RESPONSIBILITY = "responsibility", _("responsibility pushed down / responsibility letters")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        NEW = "new", _("received")
        ANSWERED = "answered", _("answered")

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    text = models.TextField(_("what the problem is"))
    sender_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("sender's town or street (optional)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_on = models.DateField(_("received on"))
    code_hash = models.CharField(max_length=64, unique=True)  # keyed with SECRET_KEY (rules.follow_up_code_hash)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    answer = models.TextField(_("answer"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    publication_allowed = models.BooleanField(_("the sender allows publication"), default=False)

    objects = ScopedManager()
    scope_global = True
    uses_keys = ("SECRET_KEY",)  # the follow-up codes: a new SECRET_KEY would void them all (core/keys.py)

    class Meta:
        verbose_name = _("burden report")
        verbose_name_plural = _("burden reports (直通车)")
        ordering = ["-received_on", "-id"]
        permissions = [("answer_burdenreport", _("Can answer burden reports"))]

    def __str__(self):
        return f"{self.received_on} {self.get_category_display()}"


# -- resources against load (编制、经费向基层倾斜) -------------------------------------------------------------
class FundAllocation(AuditedModel):
    """Money allocated to a unit for a year: how much, for what, by when; and what arrived, when."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    amount = models.DecimalField(_("amount (10,000 yuan)"), max_digits=12, decimal_places=2)
    due_on = models.DateField(_("date due"))
    amount_arrived = models.DecimalField(_("amount arrived (10,000 yuan)"), max_digits=12, decimal_places=2, default=0)
    arrived_on = models.DateField(_("date arrived"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("fund allocation")
        verbose_name_plural = _("fund allocations")
        ordering = ["-year", "unit_id", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="fund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(amount_arrived__gte=0) & models.Q(amount_arrived__lte=models.F("amount")),
                name="fund_arrived_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.purpose}"


class StaffingRequest(AuditedModel):
    """A town asks for more posts, citing its burden index (value and month captured when it files);
    减负办 or 编办 (the organization department) decides with a written reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a decision")
        APPROVED = "approved", _("approved")
        PARTLY = "partly", _("partly approved")
        REFUSED = "refused", _("refused")

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    posts_asked = models.PositiveSmallIntegerField(_("posts asked"))
    reason = models.TextField(_("reason"))
    index_value = models.DecimalField(_("index when filed"), max_digits=8, decimal_places=3, null=True, blank=True)
    index_month = models.DateField(_("month of the index cited"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    posts_granted = models.PositiveSmallIntegerField(_("posts granted"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("staffing request")
        verbose_name_plural = _("staffing requests")
        ordering = ["-filed_at", "-id"]
        permissions = [("decide_staffingrequest", _("Can decide staffing requests"))]
        constraints = [models.CheckConstraint(condition=models.Q(posts_asked__gte=1), name="staffing_asks_a_post")]

    def __str__(self):
        return f"{self.unit} +{self.posts_asked}"
