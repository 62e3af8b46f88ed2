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


# -- attempt limits: failures of one identity (e.g. a request number) lock it out ----------------------
def _identity_key(kind: str, scope: str, identity: str) -> str:
    return f"qingche:{kind}:{scope}:" + hashlib.sha256(identity.encode()).hexdigest()[:32]


def locked_out(scope: str, identity: str) -> bool:
    """True while `identity` is locked out of `scope` (even a right answer is then refused)."""
    return cache.get(_identity_key("lock", scope, identity)) is not None


def count_failure(scope: str, identity: str, *, limit: int, window: int) -> bool:
    """Count a failed attempt; the `limit`-th failure within `window` seconds of the first locks the
    identity out for `window` seconds from then. True when it is now locked out."""
    if _count(_identity_key("fail", scope, identity), window) < limit:
        return False
    cache.set(_identity_key("lock", scope, identity), 1, window)
    cache.delete(_identity_key("fail", scope, identity))
    return True
