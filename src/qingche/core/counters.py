"""Counter rows kept up to date in the writer's transaction (rollups of load, rates, issuers)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F


def add_to_counter(model, key: dict, **amounts) -> None:
    """Add `amounts` to the row of `model` with `key`, creating it when there is none yet. Race-safe: a row
    another transaction creates meanwhile (the unique key refuses ours) is added to instead. Zero amounts
    are skipped; nothing to add writes nothing."""
    increments = {name: F(name) + value for name, value in amounts.items() if value}
    if not increments:
        return
    if model.objects.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, **amounts)
    except IntegrityError:
        model.objects.filter(**key).update(**increments)
