"""The audit trail: who did what, when, from where, before and after, and why.

A request's actor, IP and request id are held in a context variable set by
`RequestContextMiddleware`; code outside a request (commands, background work) names its
actor with `audit_context(actor_name="system:demo")`. A reason required by a write is given
with `audit_context(reason=...)`.

Models inheriting `AuditedModel` record create/update/delete on every save() and delete(),
with their field values before and after; personal data is recorded masked, never in clear.

A model declares the other fields the trail must not hold in clear with `audit_sensitive`, a mapping of
field name to how it is kept: "hash" (a keyed digest: the auditor sees that a value changed, and that
two events hold the same value, but not the value) or "year" (a date kept as its year). The same
redaction is applied again when the trail is shown or exported, so events written before a field was
declared (or before a mask was narrowed) show no more than new ones.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import re
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


DIGEST_RE = re.compile(r"^#[0-9a-f]{12}$")


def _redacted(kind: str, value):
    if value is None or value == "":
        return value
    if kind == "year":
        return str(value)[:4]
    text = str(value)
    if DIGEST_RE.match(text):  # already redacted (redaction is applied again when the trail is shown)
        return text
    from qingche.core.pii import audit_digest

    return "#" + audit_digest(text)[:12]


def model_of(object_type: str):
    from django.apps import apps

    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def redact(model, values):
    """`values` (a snapshot, or the before/after of an event) with the model's sensitive fields hashed or
    cut to the year, and its encrypted fields masked (masking a masked value keeps it masked)."""
    from qingche.core.pii import EncryptedField

    if model is None or not isinstance(values, dict):
        return values
    sensitive = getattr(model, "audit_sensitive", {})
    fields = {field.attname: field for field in model._meta.concrete_fields}
    shown = {}
    for key, value in values.items():
        field = fields.get(key)
        name = field.name if field is not None else key
        if name in sensitive:
            value = _redacted(sensitive[name], value)
        elif isinstance(field, EncryptedField) and isinstance(value, str):
            value = field.masked(value)
        shown[key] = value
    return shown


def shown(event) -> tuple:
    """The before and after of an audit event as the trail may show them (see `redact`)."""
    model = model_of(event.object_type)
    return redact(model, event.before), redact(model, event.after)


def snapshot(instance) -> dict:
    """Field values for the trail; personal data masked, sensitive fields redacted, excluded fields left out."""
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
    return redact(type(instance), values)


def pii_changed(stored, instance) -> tuple[str, ...]:
    """The encrypted and sensitive fields whose clear value changed (both objects hold clear values; the
    database holds ciphertext). Masks hide a change that keeps the shown digits, and a birth date kept as
    its year hides a change within the year, so these fields are compared on their values, never written
    to the trail."""
    from qingche.core.pii import EncryptedField

    excluded = set(getattr(instance, "audit_exclude", ()))
    sensitive = getattr(instance, "audit_sensitive", {})
    changed = []
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        old, new = getattr(stored, field.attname), getattr(instance, field.attname)
        if isinstance(field, EncryptedField):
            old, new = field.normalized(old), field.normalized(new)
        elif field.name not in sensitive:
            continue
        if old != new:
            changed.append(field.attname)
    return tuple(changed)


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
    model = obj._meta.model if obj is not None else model_of(object_type)  # also through request.user's lazy proxy
    before, after = redact(model, before), redact(model, after)
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
    bulk.insert_objects(
        AuditEvent,
        [
            AuditEvent(
                created_at=now,
                actor=None,
                actor_name=ctx.actor_name[:150],
                ip=ctx.ip,
                request_id=ctx.request_id,
                action="create",
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                after=snapshot(obj),
                reason=ctx.reason,
            )
            for obj, ctx in entries
        ],
    )


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
