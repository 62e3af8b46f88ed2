"""Flood limits: counted per sender and in total, never in the database, and — with Redis configured —
shared by every server process."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import require_or_skip
from qingche.core import ratelimit

REDIS_URL = os.environ.get("QINGCHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_limits_per_sender_and_in_total_without_touching_the_database(db):
    scope = f"test.{uuid.uuid4().hex}"
    with CaptureQueriesContext(connection) as queries:
        first = [ratelimit.over_limit(scope, "10.0.0.1", limit=2, window=10**9, total_limit=4) for _ in range(3)]
        second = [ratelimit.over_limit(scope, "10.0.0.2", limit=2, window=10**9, total_limit=4) for _ in range(2)]
    assert first == [False, False, True]
    assert second == [False, True]  # within its own limit, but everyone together is now over 4
    assert queries.captured_queries == []


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_with_redis_another_server_process_sees_the_same_counts(settings, tmp_path):
    if not _redis_reachable():
        require_or_skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "qingche",
        }
    }  # as settings.py has it
    scope = f"test.{uuid.uuid4().hex}"
    window = 10**9  # one window for the whole test: the other process starts slowly and must not open a new one
    assert [ratelimit.over_limit(scope, "10.0.0.9", limit=2, window=window) for _ in range(2)] == [False, False]
    other_process = (
        "import django; django.setup()\n"
        "from qingche.core import ratelimit\n"
        f"print(ratelimit.over_limit({scope!r}, '10.0.0.9', limit=2, window={window}))\n"
    )
    src = Path(__file__).resolve().parents[3]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="qingche.settings",
        QINGCHE_REDIS_URL=REDIS_URL,
        QINGCHE_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(src),
    )
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", other_process], env=env, capture_output=True, text=True, timeout=60)
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    server.delete(*server.scan_iter(f"*{scope}*"))  # the window is long: leave nothing behind
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
