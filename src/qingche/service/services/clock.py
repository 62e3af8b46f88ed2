"""The clock: response and handling limits watched, notices raised."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from qingche.core import parameters
from qingche.service import rules
from qingche.service.models import (
    ClockNotice,
    RequestEvent,
    ServiceRequest,
)


# -- the clock --------------------------------------------------------------------------------------
def clock_run(*, now=None) -> dict[str, int]:
    """Reminders and escalations (督办) derived from stored deadlines. Each (request, kind, deadline) is
    sent once: the ClockNotice row's unique constraint makes the run idempotent and restart-safe."""
    now = now or timezone.now()
    sent = {kind: 0 for kind in ClockNotice.Kind.values}
    fraction = float(parameters.get("service.due_soon_fraction"))
    candidates = ServiceRequest.objects.filter(status__in=rules.WITH_UNIT, due_at__isnull=False).only(
        "pk", "status", "unit_id", "accept_due", "due_at", "dispatched_at", "accepted_at", "answered_at"
    )
    existing = set(
        ClockNotice.objects.filter(request__status__in=rules.WITH_UNIT).values_list("request_id", "kind", "deadline")
    )
    for request in candidates.iterator(chunk_size=2000):
        wanted = []
        if request.status == rules.DISPATCHED and request.accept_due:
            if now > request.accept_due:
                wanted.append((ClockNotice.Kind.ACCEPT_OVERDUE, request.accept_due))
            elif now >= request.accept_due - dt.timedelta(minutes=30):
                wanted.append((ClockNotice.Kind.ACCEPT_REMINDER, request.accept_due))
        clock = rules.clock_state(
            status=request.status,
            now=now,
            accept_due=request.accept_due,
            due_at=request.due_at,
            accepted_at=request.accepted_at,
            answered_at=request.answered_at,
            soon_fraction=fraction,
            dispatched_at=request.dispatched_at,
        )
        if request.due_at and now > request.due_at:
            wanted.append((ClockNotice.Kind.OVERDUE, request.due_at))
        elif clock.state == rules.DUE_SOON:
            wanted.append((ClockNotice.Kind.DUE_SOON, request.due_at))
        for kind, deadline in wanted:
            if (request.pk, kind, deadline) in existing:
                continue
            try:
                with transaction.atomic():
                    ClockNotice.objects.create(
                        request=request, kind=kind, deadline=deadline, unit_id=request.unit_id, sent_at=now
                    )
                    escalate = kind in (ClockNotice.Kind.OVERDUE, ClockNotice.Kind.ACCEPT_OVERDUE)
                    RequestEvent.objects.create(
                        request=request,
                        kind=RequestEvent.Kind.ESCALATION if escalate else RequestEvent.Kind.REMINDER,
                        at=now,
                        to_unit_id=request.unit_id,
                        note=str(ClockNotice.Kind(kind).label),
                        data={"deadline": deadline.isoformat()},
                    )
            except IntegrityError:
                continue  # another run sent it
            sent[kind] += 1
    return sent
