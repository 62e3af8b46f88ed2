"""Flood limits for the pages open to everyone, counted in the cache and never in the database.

A sender is known only as a hash of its address with a salt that lives in the cache alone and is
replaced every window, so once a window is over no count can be linked back to an address. The
counts must be shared by every server process: set QINGCHE_REDIS_URL (docs/operator-guide.md); the
default per-process cache counts each process on its own."""

from __future__ import annotations

import hashlib
import secrets
import time

from django.core.cache import cache


def over_limit(scope: str, identity: str, *, limit: int, window: int, total_limit: int | None = None) -> bool:
    """Count one hit of `identity` (a client address) in `scope` for the current window of `window`
    seconds; True when that sender — or, with `total_limit`, everyone together — is over the limit."""
    bucket = int(time.time()) // window
    sender = hashlib.sha256(f"{_salt(scope, window)}:{bucket}:{identity}".encode()).hexdigest()[:32]
    counters = [(f"qingche:rate:{scope}:{bucket}:{sender}", limit)]
    if total_limit is not None:
        counters.append((f"qingche:rate:{scope}:{bucket}:total", total_limit))
    counts = [(_count(key, window), allowed) for key, allowed in counters]  # every hit counts in every counter
    return any(count > allowed for count, allowed in counts)


def _salt(scope: str, window: int) -> str:
    key = f"qingche:rate:{scope}:salt"
    cache.add(key, secrets.token_hex(16), window)
    return cache.get(key) or ""


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1
