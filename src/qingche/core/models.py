from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as AuthUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingche.core.audit import AuditedModel
from qingche.core.scope import ScopedManager, ScopedQuerySet, account_q


class UserManager(AuthUserManager.from_queryset(ScopedQuerySet)):
    use_in_migrations = True


class User(AuditedModel, AbstractUser):
    """An account. Its rights come from role grants (org.RoleGrant), never from flags alone."""

    language = models.CharField(_("interface language"), max_length=10, blank=True, default="")
    is_demo = models.BooleanField(_("demo account"), default=False)
    # Set when an administrator gives the account its first password; cleared when the owner changes it.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = UserManager()
    audit_exclude = ("password", "last_login")

    class Meta(AbstractUser.Meta):
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        swappable = "AUTH_USER_MODEL"
        permissions = [("unmask_pii", _("Can see unmasked personal data"))]

    @classmethod
    def scope_q(cls, grant, user):
        return account_q(grant, user)


class AuditEvent(models.Model):
    """One line of the append-only audit trail. Triggers in the database refuse UPDATE and DELETE."""

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        UNMASK = "unmask", _("unmask personal data")
        IMPORT = "import", _("import")
        EXPORT = "export", _("export")
        LOGIN = "login", _("log in")
        LOGIN_FAILED = "login_failed", _("failed log-in")
        LOGOUT = "logout", _("log out")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The chain (core/rules.py, audit_chain_hash): the event's place, the hash of the event before it, its own.
    chain_seq = models.BigIntegerField(_("link"), null=True, blank=True)
    chain_prev = models.CharField(max_length=64, null=True, blank=True)
    chain_hash = models.CharField(_("hash"), max_length=64, null=True, blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        constraints = [
            # Partial, so that SQLite adds the index without rebuilding the table (which would drop its triggers).
            models.UniqueConstraint(
                fields=["chain_seq"], condition=models.Q(chain_seq__isnull=False), name="core_auditevent_chain_seq"
            )
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class AuditChainHead(models.Model):
    """The one row holding the end of the audit chain. Each append locks it (SELECT … FOR UPDATE), so
    concurrent writers take their places one after another and the chain never forks."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    anchor_date = models.DateField(null=True, blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"{self.seq}:{self.hash}"


class AuditAnchor(models.Model):
    """The end of the chain as it stood when a day began (its first audit event): written to the log and
    shown on the audit page, for an auditor to note outside the system and check later with
    `qingche audit verify --anchor SEQ:HASH`."""

    date = models.DateField(_("date"), unique=True)
    seq = models.BigIntegerField(_("link"))
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")
        ordering = ["-date"]
        default_permissions = ()

    def __str__(self):
        return f"{self.date} {self.seq} {self.hash}"


class HolidayOverride(AuditedModel):
    """An administrator's own entry for a day: overrides the statutory calendar library."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("holiday or workday entry")
        verbose_name_plural = _("holiday and workday entries")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class Parameter(AuditedModel):
    """A configurable policy parameter (DOMAIN_FACTS.md defaults live in code; this overrides)."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    value = models.JSONField(_("value"))

    objects = ScopedManager()
    scope_global = True

    class Meta:
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        ordering = ["key"]

    def __str__(self):
        return self.key


class ApiToken(models.Model):
    """A key for the API, stored only as its SHA-256. It works until it expires or is revoked, and only
    while the account is active, keeps a role and keeps the password it was issued under."""

    user = models.ForeignKey(
        "core.User", verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(_("key digest"), max_length=64, unique=True)
    prefix = models.CharField(_("key begins with"), max_length=8)
    # The account's session hash when issued (a hash of its password hash): a new password ends the token.
    password_stamp = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("issued to IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.prefix}…"
