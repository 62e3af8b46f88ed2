"""Benchmark of the 三率 pages' reads on PostgreSQL: the county ranking and one unit's rates, read from
the rollup table, against computing the same figures from the raw request table in the same run.

Builds its own database `qingche_bench_rates` (dropped first, dropped again at the end unless --keep):
a county with --towns towns and streets and 40 departments, the category tree, and N closed requests
spread over twelve months (inserted server-side with generate_series, in chunks, with progress), then
the rollups from the raw table (`services.rollup_rebuild`). Timed, interleaved:

    selectors.ranking(month, "towns") and ("departments")         (rollups; ranking_p95_ms)
    rollup_counts + rates + 12-month trend of one unit             (rollups; unit_p95_ms)
    selectors.raw_counts(month) — the month's figures from the raw table   (raw_over_rollup_ratio)

Progress goes to stderr; the last line of stdout is one JSON object:
    {"ranking_p95_ms": …, "unit_p95_ms": …, "raw_over_rollup_ratio": …, "requests": N, …}

    .venv/bin/python bench/rates.py [--keep] [--requests 20000000] [--towns 1400] [--reps 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _common import drop_database, make_log, p95_by_rank, recreate_database, setup_django

DB_NAME = "qingche_bench_rates"
TARGET_MS = 100.0
CHUNK = 500_000
log = make_log("rates")


INSERT = """
INSERT INTO service_servicerequest (
  number, tracking_code_hash, channel, category_id, title, text, address, citizen_name, citizen_phone,
  citizen_phone_hash, anonymous, submitted_at, status, unit_id, town_id, route_reason, "binding", return_count,
  reopen_count, dispatched_at, accept_due, accepted_at, accepted_in_time, due_at, extension_pending,
  answered_at, reply, callback_at, solved, satisfaction, callback_unit_id, closed_at, route_basis,
  publication_consent, public_text, category_predicted, likes, opposes)
SELECT 'B' || lpad(g::text, 12, '0'), '', 'hotline', (%(categories)s::bigint[])[1 + g %% %(ncat)s],
  '批量诉求', '批量测试诉求：路灯、垃圾、道路、供水等', '', '', '', '', false, ts, 'closed', u, t, '', false, 0, 0,
  ts + interval '10 minutes', ts + interval '2 hours', ts + interval '40 minutes', (g %% 10) <> 0,
  ts + interval '7 days', false, ts + interval '3 days', '已办理', ts + interval '4 days', (g %% 5) <> 0,
  (ARRAY['satisfied', 'basic', 'unsatisfied'])[1 + (g %% 7) %% 3], u, ts + interval '4 days', '{}'::jsonb,
  false, '', false, 0, 0
FROM (
  SELECT g,
         timestamptz '2025-11-01 00:00:00+08' + ((g * 7919) %% 31104000) * interval '1 second' AS ts,
         CASE WHEN g %% 4 = 0 THEN (%(departments)s::bigint[])[1 + g %% %(ndep)s]
              ELSE (%(towns)s::bigint[])[1 + g %% %(ntown)s] END AS u,
         (%(towns)s::bigint[])[1 + g %% %(ntown)s] AS t
  FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
) AS s
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--requests", type=int, default=20_000_000)
    parser.add_argument("--towns", type=int, default=1400)
    parser.add_argument("--reps", type=int, default=40)
    args = parser.parse_args()

    recreate_database(DB_NAME)
    setup_django(DB_NAME)
    from django.core.management import call_command
    from django.db import connection

    from qingche.core.audit import audit_context
    from qingche.org import services as org
    from qingche.org.models import Unit
    from qingche.service import rules, selectors, services
    from qingche.service.models import Category

    call_command("migrate", interactive=False, verbosity=0)
    with audit_context(actor_name="system:bench"):
        nodes = [{"name": "基准县", "kind": "county", "code": "439900", "parent": None}]
        nodes += [{"name": f"基准县第{i + 1}局", "kind": "department", "parent": 0} for i in range(40)]
        nodes += [
            {
                "name": f"第{i + 1}{'街道' if i % 5 == 4 else '镇'}",
                "kind": "street" if i % 5 == 4 else "town",
                "parent": 0,
            }
            for i in range(args.towns)
        ]
        org.unit_tree_load(nodes)
        services.category_seed()
    towns = list(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).values_list("pk", flat=True))
    departments = list(Unit.objects.filter(kind="department").values_list("pk", flat=True))
    categories = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True))
    params = {
        "categories": categories,
        "ncat": len(categories),
        "towns": towns,
        "ntown": len(towns),
        "departments": departments,
        "ndep": len(departments),
    }
    log(f"inserting {args.requests:,} requests in chunks of {CHUNK:,}")
    with connection.cursor() as cursor:
        for first in range(1, args.requests + 1, CHUNK):
            last = min(args.requests, first + CHUNK - 1)
            cursor.execute(INSERT, {**params, "first": first, "last": last})
            log(f"  {last:,}")
        cursor.execute("ANALYZE service_servicerequest")
    log("rollups from the raw table")
    start = time.perf_counter()
    rows = services.rollup_rebuild()
    log(f"  {rows:,} rollup rows in {time.perf_counter() - start:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE service_raterollup")

    import datetime as dt

    month = dt.date(2026, 6, 1)
    unit_id = towns[len(towns) // 2]

    def ranking():
        selectors.ranking(month, "towns")
        selectors.ranking(month, "departments")

    def unit():
        counts = selectors.rollup_counts(month, [unit_id]).get(unit_id, rules.RateCounts())
        selectors.rates_of(counts)
        selectors.trend([unit_id], until=month)

    def raw():
        selectors.raw_counts(month)

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    for fn in (ranking, unit, raw):
        fn()  # warm
    ranking_ms, unit_ms, raw_ms = [], [], []
    raw_reps = max(3, args.reps // 8)
    for rep in range(args.reps):
        ranking_ms.append(timed(ranking))
        unit_ms.append(timed(unit))
        if rep < raw_reps:
            raw_ms.append(timed(raw))
    log(f"ranking median {statistics.median(ranking_ms):.1f} ms, raw median {statistics.median(raw_ms):.0f} ms")

    rollup_equal = all(
        tuple(counts.values()) == selectors.rollup_counts(month, [uid]).get(uid, rules.RateCounts()).astuple()
        for (uid, m), counts in list(selectors.raw_counts(month).items())[:50]
        if m == month
    )
    if not args.keep:
        connection.close()
        drop_database(DB_NAME)
    ratio = statistics.median(raw_ms) / statistics.median(ranking_ms)
    ranking_p95, unit_p95 = p95_by_rank(ranking_ms), p95_by_rank(unit_ms)
    print(
        json.dumps(
            {
                "ranking_p95_ms": round(ranking_p95, 2),
                "unit_p95_ms": round(unit_p95, 2),
                "raw_over_rollup_ratio": round(ratio, 1),
                "raw_median_ms": round(statistics.median(raw_ms), 1),
                "requests": args.requests,
                "towns": len(towns),
                "departments": len(departments),
                "rollups_agree": rollup_equal,
                "target_ms": TARGET_MS,
                "ok": ranking_p95 < TARGET_MS and unit_p95 < TARGET_MS,
            }
        )
    )


if __name__ == "__main__":
    main()
