"""What every benchmark in bench/ shares: where the project is, the PostgreSQL server, logging to
stderr, a database of its own, Django set up against it, and the percentile helpers.

Not a benchmark: the scripts run as `python bench/<name>.py`, so bench/ is first on sys.path and they
import this module as `from _common import ...`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Another server can be named with QINGCHE_BENCH_PG=postgres://user@host:port (no database name).
PG_SERVER = os.environ.get("QINGCHE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# When this module was first imported, i.e. when the benchmark started: the clock of every log line.
STARTED = time.perf_counter()


def make_log(bench: str) -> Callable[[str], None]:
    """A `log(message)` printing e.g. `[bench/scope   12.3s] message` to stderr: seconds since STARTED."""

    def log(message: str) -> None:
        print(f"[bench/{bench} {time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)

    return log


# -- the database: one per benchmark, made and dropped through the server's `postgres` database -----------
def recreate_database(db_name: str) -> None:
    """Drop `db_name` if it exists (closing its connections) and create it empty."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')


def drop_database(db_name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def setup_django(db_name: str, var_dir: str | None = None) -> None:
    """Point Django at `db_name` on PG_SERVER and set it up, with the project's src/ on sys.path.

    The keys and other files of the run go to a throw-away QINGCHE_VAR_DIR, never the project's var/:
    without `var_dir`, a new temporary directory unless QINGCHE_VAR_DIR is already set; with `var_dir`,
    that directory whatever is set, and the keys from the environment (which would win over the
    directory's) are left out."""
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{db_name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingche.settings"
    if var_dir is None:
        os.environ.setdefault("QINGCHE_VAR_DIR", tempfile.mkdtemp(prefix="qingche-bench-"))
    else:
        os.environ["QINGCHE_VAR_DIR"] = var_dir
        for name in ("QINGCHE_SECRET_KEY", "QINGCHE_FIELD_KEY", "QINGCHE_HASH_KEY"):
            os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# -- timing ------------------------------------------------------------------------------------------------
# Two p95 definitions are in use, and they pick different samples for some counts (e.g. 11, 30, 51, 70
# samples): each benchmark keeps the one its published figures were measured with.
def p95_by_index(samples: list[float]) -> float:
    """The sorted sample at 0-based index round(0.95 × (n − 1)): the one nearest the interpolated p95."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def p95_by_rank(samples: list[float]) -> float:
    """The round(0.95 × n)-th smallest sample (1-based rank, at least the first)."""
    return sorted(samples)[max(0, int(round(0.95 * len(samples))) - 1)]


def summary(samples: list[float]) -> dict:
    """p50, p95 (p95_by_index), max and count of timings in milliseconds, rounded to the microsecond."""
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(p95_by_index(samples), 3),
        "max_ms": round(max(samples), 3),
        "n": len(samples),
    }
