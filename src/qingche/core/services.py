"""Writes of the shared kernel."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qingche.core.audit import audit_context, record
from qingche.core.pii import UNMASK_PERM, EncryptedField


@transaction.atomic
def pii_unmask(*, user, obj, field_name: str, reason: str) -> str:
    """Clear text of one personal-data field, for a user holding core.unmask_pii through a grant that
    also reaches the object (a right to unmask held at one unit opens nothing at another unit the
    account merely sees); the unmasking, with its reason, goes to the audit trail."""
    from qingche.core.selectors import may_unmask

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
    from qingche.core.models import HolidayOverride

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
    from qingche.core import parameters
    from qingche.core.models import Parameter

    if not user.has_perm("core.change_parameter"):
        raise PermissionDenied(_("You may not change parameters."))
    if key not in {entry["key"] for entry in parameters.all_parameters()}:
        raise ValidationError({"key": _("Unknown parameter.")})
    with transaction.atomic():
        entry = Parameter.objects.filter(key=key).first() or Parameter(key=key)
        entry.value = value
        entry.save()
    return entry
