import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from qingche.core.audit import AuditedModel
from qingche.core.cache import ttl_cache
from qingche.core.pii import EncryptedField, pii_hash
from qingche.core.scope import SELF, SUBTREE, UNIT, Grant, ScopedManager, ScopedQuerySet, user_person_id
from qingche.core.validators import validate_id_number, validate_phone
from qingche.org.roles import role_label


class UnitQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    pass


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    def get_queryset(self):
        return UnitQuerySet(self.model).order_by("path")


class Unit(AuditedModel, MP_Node):
    """A node of the unit tree: county, department, town, street, village, community."""

    class Kind(models.TextChoices):
        COUNTY = "county", _("county")
        DEPARTMENT = "department", _("county department")
        TOWN = "town", _("town")
        STREET = "street", _("street")
        VILLAGE = "village", _("village")
        COMMUNITY = "community", _("community")
        OFFICE = "office", _("office")

    TOWN_LEVEL = (Kind.TOWN, Kind.STREET)
    GRASSROOTS = (Kind.VILLAGE, Kind.COMMUNITY)

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    code = models.CharField(
        _("administrative code"),
        max_length=20,
        blank=True,
        db_index=True,
        help_text=_("GB/T 2260 county code, 9-digit town code or 12-digit village code"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = None
    objects = UnitManager()
    scope_unit_field = ""

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        permissions = [
            ("import_unit", _("Can import units from Excel")),
            ("move_unit", _("Can move a unit to another parent")),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("org:unit_detail", kwargs={"pk": self.pk})

    @property
    def root_path(self) -> str:
        """The path of the top of this unit's tree (its county)."""
        return self.path[: self.steplen]

    def path_at_depth(self, depth: int) -> str:
        """The path of this unit's ancestor at `depth` (1 = the county), or its own when it is higher up."""
        return self.path[: depth * self.steplen]

    @classmethod
    def scope_q(cls, grant, user):
        # A self grant still shows the account's own unit: people need to see where they work.
        if grant.scope == SELF:
            person_id = user_person_id(user)
            return models.Q(people__pk=person_id) if person_id else models.Q(pk__in=[])
        if grant.scope == UNIT:
            return models.Q(pk=grant.unit_id)
        return models.Q(path__startswith=grant.unit_path)


class Post(AuditedModel):
    """A position in a unit with its staffing quota (编制)."""

    class Kind(models.TextChoices):
        LEADER = "leader", _("leadership")
        STAFF = "staff", _("staff")
        VILLAGE_CADRE = "village_cadre", _("village cadre")
        COMMUNITY_WORKER = "community_worker", _("community worker")
        CONTRACT = "contract", _("contract staff")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts")
    name = models.CharField(_("post"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STAFF)
    quota = models.PositiveSmallIntegerField(_("staffing quota"), default=1)

    objects = ScopedManager()
    scope_unit_field = "unit"

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["unit_id", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="post_unique_name_in_unit")]

    def __str__(self):
        return f"{self.unit} · {self.name}"


class Person(AuditedModel):
    """A cadre or staff member. 身份证号 and phone are encrypted; lookups use their keyed hashes."""

    class Gender(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class Category(models.TextChoices):
        CIVIL_SERVANT = "civil_servant", _("civil servant")
        PUBLIC_INSTITUTION = "public_institution", _("public institution staff")
        VILLAGE_CADRE = "village_cadre", _("village cadre")
        COMMUNITY_WORKER = "community_worker", _("community worker")
        CONTRACT = "contract", _("contract staff")

    class Education(models.TextChoices):
        POSTGRADUATE = "postgraduate", _("postgraduate")
        BACHELOR = "bachelor", _("bachelor")
        COLLEGE = "college", _("college")
        SECONDARY = "secondary", _("secondary school")
        OTHER = "other", _("other")

    class Political(models.TextChoices):
        CPC = "cpc", _("CPC member")
        PROBATIONARY = "probationary", _("probationary CPC member")
        LEAGUE = "league", _("Youth League member")
        DEMOCRATIC = "democratic", _("democratic party member")
        MASSES = "masses", _("masses")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, db_index=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedField(_("ID number"), kind="id_number", validators=[validate_id_number])
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedField(_("phone"), kind="phone", validators=[validate_phone])
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Masked copies, so that lists and pages never need to decrypt (and never could show clear text).
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    hometown = models.CharField(_("hometown"), max_length=100, blank=True)
    hometown_unit = models.ForeignKey(
        Unit,
        verbose_name=_("hometown unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="natives",
        help_text=_("the town or village the person comes from, if in this county"),
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    political_status = models.CharField(_("political status"), max_length=20, choices=Political.choices, blank=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices, db_index=True)
    rank = models.CharField(_("rank"), max_length=30, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="people",
        help_text=_("the unit that keeps this person's record"),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = ""
    # The birth date is the ID number's middle part: the trail keeps its year, as pages do.
    audit_sensitive = {"birth_date": "year"}

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        permissions = [
            ("import_person", _("Can import people from Excel")),
            ("link_person", _("Can link a person to an account (name, unit and birth year only)")),
        ]
        indexes = [models.Index(fields=["unit", "name"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.fill_derived_pii()
        super().save(*args, **kwargs)

    def fill_derived_pii(self) -> None:
        """Lookup hashes and masked copies of the encrypted fields (also used by bulk loads)."""
        for name in ("id_number", "phone"):
            field = self._meta.get_field(name)
            value = field.normalized(getattr(self, name))
            setattr(self, f"{name}_hash", pii_hash(value))
            setattr(self, f"{name}_masked", field.masked(value))

    @property
    def birth_year(self) -> int | None:
        """What pages show of the birth date: with the date, the masked ID number would narrow to a few
        candidates (see core.rules.mask_id_number)."""
        return self.birth_date.year if self.birth_date else None


class Assignment(AuditedModel):
    """A person holding a post over a date range; tenure is derived from these."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="assignments")
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments", editable=False
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "person"

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["post", "end_date"]), models.Index(fields=["unit", "end_date"])]

    def __str__(self):
        return f"{self.person} · {self.post}"

    def save(self, *args, **kwargs):
        self.unit_id = self.post.unit_id
        super().save(*args, **kwargs)

    @property
    def is_current(self):
        return self.end_date is None or self.end_date >= dt.date.today()


class Role(AuditedModel):
    """A built-in or local role: a named set of permissions."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    default_scope = models.CharField(
        _("default scope"),
        max_length=10,
        default=SUBTREE,
        choices=[(SELF, _("self")), (UNIT, pgettext_lazy("scope", "unit")), (SUBTREE, _("unit and below"))],
    )
    permissions = models.ManyToManyField(Permission, verbose_name=_("permissions"), blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["id"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return role_label(self.code, self.name)


class RoleGrant(AuditedModel):
    """An account holds a role at a unit with a scope: self, the unit, or the unit and below."""

    class Scope(models.TextChoices):
        SELF = SELF, _("self")
        UNIT = UNIT, pgettext_lazy("scope", "unit")
        SUBTREE = SUBTREE, _("unit and below")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="grants")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="role_grants")
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)

    objects = ScopedManager()
    scope_unit_field = "unit"
    scope_person_field = "user__person"

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["user_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="rolegrant_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.role} · {self.unit} ({self.get_scope_display()})"

    @classmethod
    def grants_of(cls, user) -> list[Grant]:
        rows = cls.objects.filter(user=user).values_list("role__code", "unit_id", "unit__path", "scope")
        perms = role_permissions()
        return [
            Grant(role=role_code, unit_id=unit_id, unit_path=path, scope=scope, perms=perms.get(role_code, frozenset()))
            for role_code, unit_id, path, scope in rows
        ]


@ttl_cache(60)
def role_permissions() -> dict[str, frozenset[str]]:
    """Role code -> permissions, kept for a minute in each process: roles change rarely (a migrate, an
    administrator's edit, which clears this process's copy at once), while every request needs them.
    Shared by every caller: read it, never change it."""
    mapping: dict[str, set[str]] = {}
    rows = Role.permissions.through.objects.values_list(
        "role__code", "permission__content_type__app_label", "permission__codename"
    )
    for role_code, app_label, codename in rows:
        mapping.setdefault(role_code, set()).add(f"{app_label}.{codename}")
    return {code: frozenset(perms) for code, perms in mapping.items()}


def forget_role_permissions(**kwargs) -> None:
    role_permissions.cache_clear()


models.signals.m2m_changed.connect(forget_role_permissions, sender=Role.permissions.through)
models.signals.post_save.connect(forget_role_permissions, sender=Role)
