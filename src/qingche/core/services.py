"""Writes of the shared kernel."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import parameters, tokens
from qingche.core.audit import audit_context, record
from qingche.core.models import ApiToken, HolidayOverride, Parameter
from qingche.core.pii import UNMASK_PERM, EncryptedField
from qingche.core.selectors import may_unmask


@transaction.atomic
def pii_unmask(*, user, obj, field_name: str, reason: str) -> str:
    """Clear text of one personal-data field, for a user holding core.unmask_pii through a grant that
    also reaches the object (a right to unmask held at one unit opens nothing at another unit the
    account merely sees); the unmasking, with its reason, goes to the audit trail."""

    field = obj._meta.get_field(field_name)
    if not isinstance(field, EncryptedField):
        raise ValidationError({field_name: _("This field holds no personal data.")})
    if not user.has_perm(UNMASK_PERM):
        raise PermissionDenied(_("You may not see unmasked personal data."))
    if not may_unmask(user, obj):
        raise PermissionDenied(_("This record is outside your scope."))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for seeing this personal data.")})
    with audit_context(actor=user):
        record("unmask", obj=obj, after={"field": field_name}, reason=reason[:500])
    return getattr(obj, field_name)


def holiday_save(*, user, date, is_workday: bool, name: str = ""):

    if not user.has_perm("core.add_holidayoverride"):
        raise PermissionDenied(_("You may not edit the calendar."))
    with transaction.atomic():
        entry = HolidayOverride.objects.filter(date=date).first() or HolidayOverride(date=date)
        entry.is_workday, entry.name = is_workday, name[:50]
        entry.full_clean()
        entry.save()
    return entry


def holiday_delete(*, user, entry) -> None:
    if not user.has_perm("core.delete_holidayoverride"):
        raise PermissionDenied(_("You may not edit the calendar."))
    entry.delete()


def parameter_set(*, user, key: str, value, reason: str = ""):
    """Set a configurable parameter (core.change_parameter); the change is audited like any save."""

    if not user.has_perm("core.change_parameter"):
        raise PermissionDenied(_("You may not change parameters."))
    if key not in {entry["key"] for entry in parameters.all_parameters()}:
        raise ValidationError({"key": _("Unknown parameter.")})
    with transaction.atomic():
        entry = Parameter.objects.filter(key=key).first() or Parameter(key=key)
        entry.value = value
        entry.save()
    return entry


# -- API tokens ------------------------------------------------------------------------------------------
@transaction.atomic
def api_token_issue(*, user, ip: str | None = None):
    """A new token for an account that has just proved who it is; returns (token, key). The key is
    shown once and only its digest is kept."""

    if not tokens.may_hold_token(user):
        raise PermissionDenied(_("This account has no role: it may not use the API."))
    if user.must_change_password:
        raise PermissionDenied(_("Change the first password on the log-in page before using the API."))
    key = tokens.new_key()
    token = ApiToken.objects.create(
        user=user,
        digest=tokens.digest(key),
        prefix=key[:6],
        password_stamp=user.get_session_auth_hash(),
        expires_at=timezone.now() + tokens.lifetime(),
        ip=ip,
    )
    with audit_context(actor=user):
        record("create", obj=token, after={"expires_at": token.expires_at.isoformat()})
    return token, key


@transaction.atomic
def api_token_revoke(*, user, token) -> None:
    """An account revokes one of its own tokens."""

    if token.user_id != user.pk:
        raise PermissionDenied(_("This is not your token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        with audit_context(actor=user):
            record("update", obj=token, after={"revoked_at": token.revoked_at.isoformat()})
