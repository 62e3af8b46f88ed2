"""Citizen requests (群众诉求 / 接诉即办): the request, its timeline of hops, the category tree with
time limits, the monthly 三率 rollups, the clock's notices and Open311 partner keys."""

import datetime as dt

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingche.core.audit import AuditedModel
from qingche.core.pii import EncryptedField, decrypt, encrypt, pii_hash
from qingche.core.scope import SELF, UNIT, ScopedManager, is_root_path
from qingche.service import rules


def tracking_code_hash(code: str) -> str:
    """The keyed hash a verification code is kept as (the clear code is shown once and never stored)."""
    code = rules.normalize_code(code)
    return pii_hash("tracking-code:" + code) if code else ""


class EncryptedNameField(EncryptedField):
    """A person's name, encrypted like a phone number; masked as 张** ."""

    def __init__(self, *args, **kwargs):
        kwargs["kind"] = "phone"  # the parent's kind table has no names; we override what uses it
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("kind", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = models.TextField.get_prep_value(self, value)
        return encrypt(self.normalized(value)) if value else ""

    def masked(self, value: str) -> str:
        return rules.mask_name(value or "")

    def normalized(self, value: str) -> str:
        return " ".join((value or "").split())


class Category(AuditedModel):
    """One node of the three-level category tree (一级/二级/三级分类). The time limit is the node's
    own or, when empty, its parent's; the top level always has one."""

    class LimitKind(models.TextChoices):
        EMERGENCY = "emergency", _("emergency or risk to life or property")
        UTILITY = "utility", _("water, power, gas or heating")
        GENERAL = "general", _("general")
        COMPLEX = "complex", _("complex")

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    limit_kind = models.CharField(_("time limit kind"), max_length=12, choices=LimitKind.choices, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="service_category_unique_name"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3), name="service_category_level"),
        ]

    def __str__(self):
        return self.name

    @property
    def path_names(self) -> list[str]:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return list(reversed(names))

    @property
    def full_name(self) -> str:
        return " / ".join(self.path_names)

    def effective_limit_kind(self) -> str:
        node = self
        while node is not None:
            if node.limit_kind:
                return node.limit_kind
            node = node.parent
        return self.LimitKind.GENERAL


class KnowledgeEntry(AuditedModel):
    """One answer of the hotline's knowledge base (知识库): a question citizens ask (policy, office hours,
    procedures) and the answer the operator may give at once, closing a consultation as a direct answer
    (直接答复) without dispatch. Entries are switched off, never deleted: answered requests point to them."""

    title = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("words a caller may use, separated by spaces")
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("the policy, notice or earlier reply the answer rests on")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()
    scope_global = True  # one knowledge base for the county, read by whoever may read it

    class Meta:
        verbose_name = _("knowledge base entry")
        verbose_name_plural = _("knowledge base entries")
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return self.title


class ServiceRequest(AuditedModel):
    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("hotline")
        WEB = "web", _("web form")
        WALK_IN = "walk_in", _("walk-in")
        OPEN311 = "open311", _("Open311")

    class Status(models.TextChoices):  # labels in rules.STATUS_LABELS (ACCEPTED is 签收, not 验收)
        NEW = rules.NEW, rules.STATUS_LABELS[rules.NEW]
        DISPATCHED = rules.DISPATCHED, rules.STATUS_LABELS[rules.DISPATCHED]
        ACCEPTED = rules.ACCEPTED, rules.STATUS_LABELS[rules.ACCEPTED]
        IN_PROGRESS = rules.IN_PROGRESS, rules.STATUS_LABELS[rules.IN_PROGRESS]
        ANSWERED = rules.ANSWERED, rules.STATUS_LABELS[rules.ANSWERED]
        CLOSED = rules.CLOSED, rules.STATUS_LABELS[rules.CLOSED]
        RETURNED = rules.RETURNED, rules.STATUS_LABELS[rules.RETURNED]
        ARBITRATION = rules.ARBITRATION, rules.STATUS_LABELS[rules.ARBITRATION]
        MERGED = rules.MERGED, rules.STATUS_LABELS[rules.MERGED]

    class Satisfaction(models.TextChoices):
        SATISFIED = rules.SATISFIED, _("satisfied")
        BASIC = rules.BASIC, _("basically satisfied")
        UNSATISFIED = rules.UNSATISFIED, _("unsatisfied")

    number = models.CharField(_("request number"), max_length=20, unique=True)
    # empty for requests whose citizen never had a code (imported history): those cannot be followed
    tracking_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    token = models.CharField(_("Open311 token"), max_length=40, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, db_index=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="requests"
    )
    # the category was given by the classifier (Open311's generic service code, an imported row without
    # one), not chosen by a person: the dispatcher checks it
    category_predicted = models.BooleanField(_("category suggested by the classifier"), default=False)
    title = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    town = models.ForeignKey(
        "org.Unit", verbose_name=_("town"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "org.Unit",
        verbose_name=_("village or community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    citizen_name = EncryptedNameField(_("citizen's name"))
    citizen_phone = EncryptedField(_("citizen's phone"), kind="phone")
    citizen_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    anonymous = models.BooleanField(_("wishes to stay anonymous"), default=False)
    intake_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("registered by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    likes = models.PositiveIntegerField(
        _("likes"), default=0, help_text=_("agreements other citizens gave on a public message board (点赞)")
    )
    opposes = models.PositiveIntegerField(
        _("opposes"), default=0, help_text=_("disagreements other citizens gave on a public message board (反对)")
    )

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=rules.NEW)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    # 转村: the town that signed for the request and passed it on to one of its villages. The town stays the
    # unit of record of the three rates; the village handles it.
    passed_on_by = models.ForeignKey(
        "org.Unit",
        verbose_name=_("passed on by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suggested_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("suggested unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    route_reason = models.TextField(_("routing reason"), blank=True)  # in the site's language, as data
    route_basis = models.JSONField(_("routing basis"), default=dict, blank=True, editable=False)  # rules.Route.stored
    binding = models.BooleanField(_("assigned by a binding arbitration"), default=False)
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True, db_index=True)
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_in_time = models.BooleanField(_("accepted in time"), default=False)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    extension_pending = models.BooleanField(_("extension waiting for approval"), default=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reply = models.TextField(_("reply to the citizen"), blank=True)
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True, db_index=True)
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    callback_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        db_index=False,
    )
    # 直接答复: the hotline answered the consultation from this entry at intake; never dispatched, so in no
    # unit's 三率 (counted on its own on the ranking page)
    knowledge_entry = models.ForeignKey(
        KnowledgeEntry,
        verbose_name=_("answered directly from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="direct_answers",
    )
    publication_consent = models.BooleanField(_("the citizen agrees to publication"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    public_text = models.TextField(_("public text"), blank=True)  # redacted at release, checked by the reviewer

    objects = ScopedManager()
    audit_exclude = ("text", "reply", "tracking_code_hash")  # the last also as a _hash column
    # What the citizen wrote or holds stays out of the audit trail in clear (see core.audit.redact).
    audit_sensitive = {"title": "hash", "address": "hash", "latitude": "hash", "longitude": "hash", "token": "hash"}

    class Meta:
        verbose_name = _("citizen request")
        verbose_name_plural = _("citizen requests")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["category", "town", "submitted_at"]),
            # The callback page's three lists, each read in this order and cut.
            models.Index(fields=["status", "answered_at"]),
            models.Index(
                fields=["-callback_at"],
                condition=models.Q(status=rules.CLOSED)
                & (models.Q(solved=False) | models.Q(satisfaction=rules.UNSATISFIED)),
                name="service_req_reopenable_idx",
            ),
            models.Index(
                fields=["due_at"], condition=models.Q(extension_pending=True), name="service_req_extension_idx"
            ),
        ]
        permissions = [
            ("dispatch_servicerequest", _("Can dispatch citizen requests")),
            ("handle_servicerequest", _("Can accept, answer and return citizen requests")),
            ("callback_servicerequest", _("Can call citizens back and reopen requests")),
            ("arbitrate_servicerequest", _("Can arbitrate returned requests")),
            ("approve_extension", _("Can approve extensions of citizen requests")),
            ("publish_servicerequest", _("Can release citizen requests for publication")),
            ("view_hot_issues", _("Can see hot issues across citizen requests")),
        ]

    def __str__(self):
        return self.number

    @classmethod
    def scope_q(cls, grant, user):
        """A unit sees the requests it handles or registered, its subtree's for a subtree grant; a grant
        at the county (the hotline, 减负办) sees every request, also those not routed yet."""
        if grant.scope == SELF:
            return models.Q(pk__in=[])
        if grant.scope == UNIT:
            return models.Q(unit_id=grant.unit_id) | models.Q(intake_unit_id=grant.unit_id)
        if is_root_path(grant.unit_path):
            return models.Q()
        return models.Q(unit__path__startswith=grant.unit_path) | models.Q(
            intake_unit__path__startswith=grant.unit_path
        )

    @property
    def citizen_name_masked(self) -> str:
        return rules.mask_name(self.citizen_name)

    @property
    def citizen_phone_masked(self) -> str:
        return self._meta.get_field("citizen_phone").masked(self.citizen_phone)

    @property
    def answered_directly(self) -> bool:
        return self.knowledge_entry_id is not None

    @property
    def is_published(self) -> bool:
        return self.publication_consent and self.published_at is not None

    @property
    def is_open(self) -> bool:
        return self.status not in (rules.CLOSED, rules.MERGED)

    @property
    def route_reason_shown(self) -> str:
        """Why the suggested unit, in the reader's language (the stored text for requests routed before
        the basis was kept)."""
        basis = self.route_basis or {}
        if basis.get("basis"):
            return rules.route_reason(basis["basis"], basis.get("params") or {})
        return self.route_reason

    def clock(self, now):
        return rules.clock_state(
            status=self.status,
            now=now,
            accept_due=self.accept_due,
            due_at=self.due_at,
            accepted_at=self.accepted_at,
            answered_at=self.answered_at,
        )


class RequestEvent(models.Model):
    """One hop on a request's timeline. Append-only: services create events and never change them."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("submitted")
        DISPATCH = "dispatch", _("dispatched")
        ACCEPT = "accept", pgettext_lazy("citizen request: signed for by the unit", "accepted")
        START = "start", _("work started")
        RETURN = "return", _("returned as not our duty")
        ARBITRATION = "arbitration", _("sent to arbitration")
        ARBITRATE = "arbitrate", _("arbitration decided")
        EXTENSION_REQUEST = "extension_request", _("extension requested")
        EXTENSION_DECISION = "extension_decision", _("extension decided")
        ANSWER = "answer", _("answered")
        CALLBACK = "callback", _("called back")
        CLOSE = "close", _("closed")
        REOPEN = "reopen", _("reopened")
        MERGE = "merge", _("merged")
        REMINDER = "reminder", _("reminder")
        ESCALATION = "escalation", _("escalated (督办)")
        PASS_ON = "pass_on", _("passed on to a village")
        DIRECT_ANSWER = "direct_answer", _("answered directly")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    public_note = models.TextField(_("public note"), blank=True)
    duty_item_code = models.CharField(_("duty item"), max_length=30, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["request_id", "at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_q(cls, grant, user):
        inner = ServiceRequest.scope_q(grant, user)
        return models.Q(request__in=ServiceRequest.objects.filter(inner).values("pk"))


class RequestAttachment(AuditedModel):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="service/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    audit_sensitive = {"file": "hash", "name": "hash"}  # a file's name may name the citizen
    scope_q = classmethod(
        lambda cls, grant, user: models.Q(
            request__in=ServiceRequest.objects.filter(ServiceRequest.scope_q(grant, user)).values("pk")
        )
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class RateRollup(models.Model):
    """Counts behind the 三率 of one unit and month, updated in the same transaction as the events.
    Response counts sit in the month of dispatch; callback counts in the month of the callback."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    dispatched = models.IntegerField(default=0)
    accepted_in_time = models.IntegerField(default=0)
    called_back = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic_satisfied = models.IntegerField(default=0)

    objects = ScopedManager()
    scope_global = True  # rankings are read county-wide by everyone who may read them

    class Meta:
        verbose_name = _("monthly rates")
        verbose_name_plural = _("monthly rates")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="service_rollup_unit_month")]
        indexes = [models.Index(fields=["month", "unit"])]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m}"

    def counts(self) -> rules.RateCounts:
        return rules.RateCounts(
            self.dispatched, self.accepted_in_time, self.called_back, self.solved, self.satisfied, self.basic_satisfied
        )


class ClockNotice(models.Model):
    """A reminder or escalation the clock sent; unique per request, kind and deadline so nothing repeats."""

    class Kind(models.TextChoices):
        ACCEPT_REMINDER = "accept_reminder", _("reminder to accept")
        ACCEPT_OVERDUE = "accept_overdue", _("not accepted in time (督办)")
        DUE_SOON = "due_soon", _("reminder: due soon")
        OVERDUE = "overdue", _("overdue (督办)")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    deadline = models.DateTimeField()
    unit = models.ForeignKey("org.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "kind", "deadline"], name="service_notice_once")]

    def __str__(self):
        return f"{self.request_id} {self.kind}"

    @classmethod
    def scope_q(cls, grant, user):
        return models.Q(request__in=ServiceRequest.objects.filter(ServiceRequest.scope_q(grant, user)).values("pk"))


class RequestCounter(models.Model):
    """The last serial of request numbers given out on a day (numbers are the day and a six-digit serial)."""

    day = models.DateField(primary_key=True)
    last = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.day} {self.last}"


class Place(models.Model):
    """The centre of a village, community or town, to resolve a request's coordinates to a unit."""

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE, related_name="+")
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self):
        return f"{self.unit_id} ({self.latitude:.4f}, {self.longitude:.4f})"


class Open311Key(AuditedModel):
    """An Open311 partner's API key. Only its keyed hash is stored; the key is shown once when issued."""

    partner = models.CharField(_("partner"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key begins with"), max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self):
        return f"{self.partner} ({self.key_prefix}…)"


def _import_storage():
    return FileSystemStorage(location=settings.VAR_DIR / "imports")


class HistoryImport(models.Model):
    """One upload of historical requests, run in the background by the task worker. The file holds
    citizens' names and phones in clear, so it lives outside the media root and is deleted when the run ends."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        READING = "reading", _("checking the rows")
        SAVING = "saving", _("saving")
        DONE = "done", _("done")
        FAILED = "failed", _("not imported")

    file = models.FileField(storage=_import_storage, upload_to="%Y/%m/", blank=True)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_read = models.PositiveIntegerField(_("rows checked"), default=0)
    imported = models.PositiveIntegerField(_("requests imported"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import of historical requests")
        verbose_name_plural = _("imports of historical requests")

    def __str__(self):
        return self.name

    STALE_AFTER = dt.timedelta(hours=6)

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def blocks_others(self) -> bool:
        """A run that has not finished after hours was cut off (the worker stopped); it holds nobody up."""
        return self.running and self.created_at > timezone.now() - self.STALE_AFTER


# Every INSERT of a submission sends a NOTIFY on this channel at its commit (a PostgreSQL trigger, migration
# open311_submission_notify): the registrar waits on it instead of polling (core.wakeup).
OPEN311_CHANNEL = "qingche_open311"


class Open311Submission(models.Model):
    """A request posted through Open311, kept as received (already validated) until it is registered.

    The POST answers with a token as soon as this row is committed (GeoReport v2's deferred creation);
    registration — number, place, routing, audit and timeline — follows in batches by the registrar
    (`qingche open311_register --follow`, started by `qingche serve`; services.open311_submissions_register).
    It is a queue, not a record: the audit trail gets the request's "create" event, with this row's IP and
    request id, when it is registered. docs/open311.md "Deferred creation"."""

    token = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    tracking_code_hash = models.CharField(max_length=64)
    partner = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(default=dict)  # title, text, address, lat, long, town_id, village_id, anonymous,
    # publish (the citizen's consent to publication)
    citizen_name = EncryptedNameField()
    citizen_phone = EncryptedField(kind="phone")
    received_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    http_request_id = models.CharField(max_length=64, blank=True)  # the POST's, for the audit trail
    request = models.OneToOneField(ServiceRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    error = models.TextField(blank=True)  # why it could not be registered (nothing else is tried again)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"], name="service_o311_pending", condition=models.Q(request__isnull=True, error="")
            ),
            # the set-aside ones, for the hotline's page (services.open311_submissions_register)
            models.Index(fields=["id"], name="service_o311_failed", condition=~models.Q(error="")),
        ]

    def __str__(self):
        return self.token

    @property
    def pending(self) -> bool:
        return self.request_id is None and not self.error
