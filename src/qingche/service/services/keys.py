"""Open311 partner keys."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.service.models import Open311Key
from qingche.service.selectors import open311_key_hash
from qingche.service.services.common import _require


@transaction.atomic
def open311_key_issue(*, user, partner: str, key: str = "") -> tuple[Open311Key, str]:
    """A new partner key; the clear key is returned once and never stored."""
    if user is not None:
        _require(user, "service.add_open311key")
    partner = (partner or "").strip()[:100]
    if not partner:
        raise ValidationError({"partner": _("Name the partner.")})
    key = key or secrets.token_urlsafe(24)
    if Open311Key.objects.filter(key_hash=open311_key_hash(key)).exists():
        raise ValidationError({"key": _("This key is already issued.")})
    entry = Open311Key.objects.create(partner=partner, key_hash=open311_key_hash(key), key_prefix=key[:6])
    return entry, key


@transaction.atomic
def open311_key_revoke(*, user, entry: Open311Key) -> Open311Key:
    _require(user, "service.change_open311key")
    if entry.revoked_at is None:
        entry.revoked_at = timezone.now()
        entry.save()
    return entry
