"""Per-process caches of data read on every request that changes rarely (parameters, places, the county
office). An entry lives at most `seconds`; a save or delete of one of the `cleared_by` models in this
process clears the cache at once, so other processes see a change within `seconds`."""

from __future__ import annotations

import functools
import time

from django.db.models.signals import post_delete, post_save

_stores: list[dict] = []


def ttl_cache(seconds: float, *, cleared_by: tuple[str, ...] = ()):
    """Cache a function of hashable arguments; the values are shared, so return immutable ones (tuples,
    strings, numbers) or copy them out. `cleared_by`: model labels ("core.Parameter") whose writes clear it."""

    def decorate(function):
        store: dict = {}
        _stores.append(store)

        def clear(**_kwargs):
            store.clear()

        for label in cleared_by:
            post_save.connect(clear, sender=label, weak=False)
            post_delete.connect(clear, sender=label, weak=False)

        @functools.wraps(function)
        def cached(*args):
            now = time.monotonic()
            hit = store.get(args)
            if hit is None or hit[0] <= now:
                hit = (now + seconds, function(*args))
                store[args] = hit
            return hit[1]

        cached.cache_clear = store.clear
        return cached

    return decorate


def clear_all() -> None:
    """Forget every cached value (tests call it, as a rolled-back transaction sends no signal)."""
    for store in _stores:
        store.clear()
