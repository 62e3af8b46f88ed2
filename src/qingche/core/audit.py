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
import logging
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from qingche.core import bulk
from qingche.core.pii import EncryptedField, audit_digest
from qingche.core.rules import AUDIT_CHAIN_FIELDS, AUDIT_CHAIN_START, audit_chain_breaks, audit_chain_hash


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

    return "#" + audit_digest(text)[:12]


def model_of(object_type: str):
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def redact(model, values):
    """`values` (a snapshot, or the before/after of an event) with the model's sensitive fields hashed or
    cut to the year, and its encrypted fields masked (masking a masked value keeps it masked)."""
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
    from qingche.core.models import AuditEvent  # lazy: core.models imports this module (AuditedModel)

    ctx = current()
    actor = _resolved_actor(ctx)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    model = obj._meta.model if obj is not None else model_of(object_type)  # also through request.user's lazy proxy
    before, after = redact(model, before), redact(model, after)
    event = AuditEvent(
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
    append([event])
    return event


def record_created(entries) -> None:
    """One "create" event for each (object, AuditContext) of objects inserted in bulk, where save() records
    nothing; each names the actor, IP and request id of its own context."""
    from qingche.core.models import AuditEvent  # lazy: core.models imports this module (AuditedModel)

    append(
        [
            AuditEvent(
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
        ]
    )


def _locked_chain_head():
    """The chain's head row, locked until the transaction ends; made from the last chained event if missing
    (a database emptied by a test's flush)."""
    from qingche.core.models import AuditChainHead, AuditEvent  # lazy: core.models imports this module (AuditedModel)

    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = AuditEvent.objects.filter(chain_seq__isnull=False).order_by("-chain_seq").first()
        head = AuditChainHead.objects.create(
            pk=1, seq=last.chain_seq if last else 0, hash=last.chain_hash if last else AUDIT_CHAIN_START
        )
    return head


def append(events: list) -> None:
    """Insert unsaved audit events at the end of the chain, one after another, in one statement (several: COPY
    on PostgreSQL). The head stays locked until the caller's transaction ends: no other writer can take a
    place in between. The first event of a day writes that day's anchor."""
    from qingche.core.models import AuditAnchor, AuditEvent  # lazy: core.models imports this module (AuditedModel)

    if not events:
        return
    now = timezone.now()
    ip_field = AuditEvent._meta.get_field("ip")
    with transaction.atomic():
        head = _locked_chain_head()
        today = timezone.localdate(now)
        if head.anchor_date != today:
            AuditAnchor.objects.get_or_create(date=today, defaults={"seq": head.seq, "hash": head.hash})
            logging.getLogger("qingche.audit").info("audit anchor %s: link %s hash %s", today, head.seq, head.hash)
            head.anchor_date = today
        for event in events:
            event.created_at = now
            event.ip = ip_field.get_prep_value(event.ip)  # as the database keeps it (IPv6 normalised)
            event.chain_seq, event.chain_prev = head.seq + 1, head.hash
            event.chain_hash = audit_chain_hash(head.hash, chain_values(event))
            head.seq, head.hash = event.chain_seq, event.chain_hash
        if len(events) == 1:  # one INSERT … RETURNING; raw: keep created_at as hashed (no auto_now_add)
            events[0].save_base(raw=True)
        else:
            bulk.insert_objects(AuditEvent, events)
        head.save(update_fields=["seq", "hash", "anchor_date"])


def chain_values(event) -> dict:
    """The column values of an audit event that its chain hash covers (core.rules.AUDIT_CHAIN_FIELDS)."""
    return {name: getattr(event, name) for name in AUDIT_CHAIN_FIELDS}


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


def verify_chain(*, since=None, anchors: tuple[tuple[int, str], ...] = ()) -> list[str]:
    """Walk the chain (from the first event on or after the date `since`, if given) and describe every broken
    link; also check the head (events deleted at the end), the anchors kept in the database and `anchors`
    noted outside it ((link, hash) pairs). An empty list: the chain holds."""
    from qingche.core.models import (  # lazy: core.models imports this module (AuditedModel)
        AuditAnchor,
        AuditChainHead,
        AuditEvent,
    )

    chained = AuditEvent.objects.filter(chain_seq__isnull=False).order_by("chain_seq")
    head = AuditChainHead.objects.filter(pk=1).first()
    prev_seq, prev_hash = 0, AUDIT_CHAIN_START
    if since is not None:
        first = chained.filter(created_at__date__gte=since).first()
        if first is None:  # nothing written since: nothing to walk
            return []
        chained = chained.filter(chain_seq__gte=first.chain_seq)
        prev_seq, prev_hash = first.chain_seq - 1, first.chain_prev
    columns = ("id", "chain_prev", "chain_hash", *AUDIT_CHAIN_FIELDS)
    rows = chained.values(*columns).iterator(chunk_size=2000)
    last = {"seq": prev_seq}

    def walked():
        for row in rows:
            last["seq"] = row["chain_seq"]
            yield row

    problems = [b.describe() for b in audit_chain_breaks(walked(), prev_seq=prev_seq, prev_hash=prev_hash)]
    problems += [
        f"event #{pk} has no place in the chain"
        for pk in AuditEvent.objects.filter(chain_seq__isnull=True).order_by("id").values_list("id", flat=True)[:100]
    ]
    if head is not None and head.seq > last["seq"]:
        problems.append(f"link {last['seq'] + 1}-{head.seq} missing (deleted) at the end of the chain")
    noted = [(anchor.seq, anchor.hash, f"anchor of {anchor.date}") for anchor in AuditAnchor.objects.all()]
    noted += [(seq, hash_, "the anchor given") for seq, hash_ in anchors]
    hashes = dict(
        AuditEvent.objects.filter(chain_seq__in=[seq for seq, _h, _w in noted]).values_list("chain_seq", "chain_hash")
    )
    for seq, hash_, what in noted:
        if seq > 0 and hashes.get(seq) != hash_:
            problems.append(f"{what} (link {seq}, hash {hash_[:16]}…) is not in the chain")
    return problems
