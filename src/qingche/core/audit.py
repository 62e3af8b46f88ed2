"""The audit trail: who did what, when, from where, before and after, and why.

A request's actor, IP and request id are held in a context variable set by
`RequestContextMiddleware`; code outside a request (commands, background work) names its
actor with `audit_context(actor_name="system:demo")`. A reason required by a write is given
with `audit_context(reason=...)`.

Models inheriting `AuditedModel` record create/update/delete on every save() and delete(),
with their field values before and after; personal data is recorded masked, never in clear.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.db import models


@dataclass(frozen=True)
class AuditContext:
    request: object | None = None
    actor: object | None = None
    actor_name: str = ""
    ip: str | None = None
    request_id: str = ""
    reason: str = ""


_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar("qingche_audit", default=AuditContext())  # noqa: B039 - frozen


def current() -> AuditContext:
    return _context.get()


@contextmanager
def audit_context(**changes):
    token = _context.set(replace(_context.get(), **changes))
    try:
        yield
    finally:
        _context.reset(token)


def _resolved_actor(ctx: AuditContext):
    if ctx.actor is not None:
        return ctx.actor
    user = getattr(ctx.request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    return value


def snapshot(instance) -> dict:
    """Field values for the trail; personal data masked, excluded fields left out."""
    from qingche.core.pii import EncryptedField

    excluded = set(getattr(instance, "audit_exclude", ()))
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded or field.name.endswith(("_hash", "_masked")):
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedField):
            value = field.masked(value)
        values[field.attname] = _json_value(value)
    return values


def pii_changed(stored, instance) -> tuple[str, ...]:
    """The encrypted fields whose clear value changed (both objects hold clear values; the database holds
    ciphertext). Masks hide a change that keeps the first and last digits — 13812341234 and 13899991234
    both show 138****1234 — so these fields are compared on their values, never written to the trail."""
    from qingche.core.pii import EncryptedField

    excluded = set(getattr(instance, "audit_exclude", ()))
    return tuple(
        field.attname
        for field in instance._meta.concrete_fields
        if isinstance(field, EncryptedField) and field.name not in excluded
        and field.normalized(getattr(stored, field.attname)) != field.normalized(getattr(instance, field.attname))
    )


def changed_only(before: dict, after: dict, changed_pii: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """The keys whose recorded value changed, and the personal-data keys whose clear value changed even
    if their masked value did not (`changed_pii`)."""
    keys = [key for key in after if before.get(key) != after.get(key) or key in changed_pii]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record(
    action: str,
    *,
    obj=None,
    object_type: str = "",
    object_id="",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
):
    """Append one event to the trail, with the actor and request of the current context."""
    from qingche.core.models import AuditEvent

    ctx = current()
    actor = _resolved_actor(ctx)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None else ctx.actor_name)[:150],
        ip=ctx.ip,
        request_id=ctx.request_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        before=before,
        after=after,
        reason=reason or ctx.reason,
    )


def record_created(entries) -> None:
    """One "create" event for each (object, AuditContext) of objects inserted in bulk, where save() records
    nothing; each names the actor, IP and request id of its own context."""
    from django.utils import timezone

    from qingche.core import bulk
    from qingche.core.models import AuditEvent

    now = timezone.now()
    bulk.insert_objects(AuditEvent, [
        AuditEvent(created_at=now, actor=None, actor_name=ctx.actor_name[:150], ip=ctx.ip, request_id=ctx.request_id,
                   action="create", object_type=obj._meta.label_lower, object_id=str(obj.pk),
                   object_repr=str(obj)[:200], after=snapshot(obj), reason=ctx.reason)
        for obj, ctx in entries
    ])


class AuditedModel(models.Model):
    """Records every save() and delete() of the model in the audit trail."""

    audit_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        creating = self._state.adding or self.pk is None
        stored = None if creating else type(self)._base_manager.filter(pk=self.pk).first()
        before = snapshot(stored) if stored is not None else {}
        super().save(*args, **kwargs)
        after = snapshot(self)
        if creating:
            record("create", obj=self, after=after)
            return
        before, after = changed_only(before, after, pii_changed(stored, self) if stored is not None else ())
        if after:
            record("update", obj=self, before=before, after=after)

    def delete(self, *args, **kwargs):
        before = snapshot(self)
        obj_type, obj_id, obj_repr = self._meta.label_lower, str(self.pk), str(self)[:200]
        result = super().delete(*args, **kwargs)
        record("delete", object_type=obj_type, object_id=obj_id, object_repr=obj_repr, before=before)
        return result
