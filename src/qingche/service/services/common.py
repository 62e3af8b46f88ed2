"""Shared steps of service writes: permission, locking, timeline events, burden load, the 三率 rollups."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.burden import services as burden_services
from qingche.core import parameters
from qingche.core.counters import add_to_counter
from qingche.core.scope import acting_unit_ids, unit_in_scope
from qingche.org.models import Unit
from qingche.service import rules
from qingche.service.models import (
    Category,
    RateRollup,
    RequestEvent,
    ServiceRequest,
)
from qingche.service.selectors import handling_hours, raw_counts

logger = logging.getLogger(__name__)
MAX_ATTACHMENTS = 5
SERVICE_LOAD_SOURCE = "service"  # the name of citizen requests handled among burden's load sources
ALLOWED_UPLOADS = (".jpg", ".jpeg", ".png", ".pdf", ".webp")


def _fail(error: rules.RuleError):
    """A refusal of the rules as a form error, put into words when it is shown (in the reader's language)."""
    raise ValidationError({error.field: ValidationError(error.message, params=error.params or None)})


def _require(user, perm: str, unit: Unit | None = None) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if unit is not None and not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This request is outside your scope."))


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _event(
    request, kind, *, user=None, at=None, to_unit=None, note="", public_note="", duty_item_code="", data=None
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        at=at or timezone.now(),
        actor=user if user and user.pk else None,
        actor_unit_id=_actor_unit_id(user),
        to_unit=to_unit,
        note=note,
        public_note=public_note,
        duty_item_code=duty_item_code,
        data=data or {},
    )


def _actor_unit_id(user) -> int | None:
    """The unit the user works on citizen requests for: the unit of their first grant that sees requests
    (from the grants already loaded with the user; no query per event)."""
    if user is None or not getattr(user, "pk", None):
        return None
    unit_ids = acting_unit_ids(user, "service.view_servicerequest")
    return unit_ids[0] if unit_ids else None


# -- limits -----------------------------------------------------------------------------------------
def _burden_load(request: ServiceRequest, now: dt.datetime) -> None:
    """The handling of an answered request is load on its unit (citizen service) for the month of the answer,
    kept in burden's rollup in the caller's transaction."""
    if request.unit_id is None:
        return
    burden_services.load_add(
        source=SERVICE_LOAD_SOURCE, unit_id=request.unit_id, day=now, hours=handling_hours(request.category)
    )


def burden_load_bulk(rows) -> int:
    """The load of bulk-loaded requests (demo, import; dicts with unit_id, answered_at and category_id) in
    burden's index, as request_answer adds it one by one, through burden's bulk service. Call in the loading
    transaction. Returns the number of (unit, month) rollup rows touched."""
    weights = parameters.get("service.handling_hours")
    hours_of = {c.pk: handling_hours(c, weights) for c in Category.objects.select_related("parent__parent")}
    return burden_services.load_add_many(
        source=SERVICE_LOAD_SOURCE,
        entries=(
            (row["unit_id"], row["answered_at"], hours_of[row["category_id"]], 1)
            for row in rows
            if row.get("unit_id") and row.get("answered_at")
        ),
    )


# -- rollups ----------------------------------------------------------------------------------------
def _month(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def _bump(unit_id: int | None, moment: dt.datetime | None, **deltas) -> None:
    """Add to the (unit, month) rollup row in the caller's transaction."""
    if unit_id is None or moment is None:
        return
    add_to_counter(RateRollup, {"unit_id": unit_id, "month": _month(moment)}, **deltas)


def _undo_dispatch(request: ServiceRequest) -> None:
    _bump(request.unit_id, request.dispatched_at, dispatched=-1, accepted_in_time=-int(request.accepted_in_time))


def _callback_deltas(request: ServiceRequest, sign: int) -> dict:
    return {
        "called_back": sign,
        "solved": sign * int(bool(request.solved)),
        "satisfied": sign * int(request.satisfaction == rules.SATISFIED),
        "basic_satisfied": sign * int(request.satisfaction == rules.BASIC),
    }


def rollup_rebuild() -> int:
    """Recompute every rollup row from the requests (after a bulk import, or to check the rollups)."""
    with transaction.atomic():
        RateRollup.objects.all().delete()
        rows = [RateRollup(unit_id=unit_id, month=month, **counts) for (unit_id, month), counts in raw_counts().items()]
        RateRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
