"""Benchmark of the bulk import of historical citizen requests against PostgreSQL's own COPY.

Builds its own database `qingche_bench_import` (dropped first, dropped again at the end unless
--keep) with a small county, writes a CSV of N historical requests in the import format
(docs/service.md), then in the same run:

    `qingche service_import` path: whole-file validation, encryption of names
    and phones, deadlines on the working-day calendar, COPY into the request
    table with its indexes, one timeline event per request                (import_requests)
    COPY of exactly the rows the import wrote (requests and events, dumped
    with COPY TO) into the same tables, emptied with TRUNCATE             (the database's own limit)
    COPY of the CSV file into a plain table of text columns               (a rawer reference, reported)

`import_over_copy_ratio` is COPY time ÷ import time for the same rows into the same tables: what the
import spends beyond the database's own cost of storing them. The CSV-into-text-table figure is kept
beside it (`import_over_raw_csv_copy_ratio`): it stores no request at all — no index, no constraint,
nothing encrypted — so no import can come near it. The rollups are rebuilt after the timed import
(reported separately). Progress goes to stderr; the last line of stdout is one JSON object.

    .venv/bin/python bench/import.py [--keep] [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from _common import drop_database, make_log, recreate_database, setup_django

DB_NAME = "qingche_bench_import"
TARGET = 0.5
log = make_log("import")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()

    recreate_database(DB_NAME)
    setup_django(DB_NAME)
    from django.core.management import call_command
    from django.db import connection

    from qingche.core.audit import audit_context
    from qingche.org import services as org
    from qingche.org.models import Unit
    from qingche.service import services
    from qingche.service.importers import COLUMNS, import_requests
    from qingche.service.models import Category, RequestEvent, ServiceRequest

    call_command("migrate", interactive=False, verbosity=0)
    with audit_context(actor_name="system:bench"):
        nodes = [{"name": "基准县", "kind": "county", "code": "439900", "parent": None}]
        nodes += [{"name": f"基准县第{i + 1}局", "kind": "department", "parent": 0} for i in range(40)]
        for town in range(20):
            nodes.append({"name": f"第{town + 1}镇", "kind": "town", "code": f"439900{town + 1:03d}", "parent": 0})
            parent = len(nodes) - 1
            nodes += [
                {
                    "name": f"第{town + 1}镇{v + 1}村",
                    "kind": "village",
                    "parent": parent,
                    "code": f"439900{town + 1:03d}{200 + v:03d}",
                }
                for v in range(15)
            ]
        org.unit_tree_load(nodes)
        services.category_seed()
    units = list(Unit.objects.filter(kind__in=["town", "department"]).values_list("name", "code", "kind"))
    villages = list(Unit.objects.filter(kind="village").values_list("code", flat=True))
    codes = list(Category.objects.filter(children__isnull=True).values_list("code", flat=True))
    rnd = random.Random(5)
    path = Path(tempfile.mkdtemp(prefix="qingche-import-")) / "history.csv"
    log(f"writing {args.rows:,} rows to {path}")
    start_day = dt.datetime(2025, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(args.rows):
            submitted = start_day + dt.timedelta(minutes=rnd.randrange(600 * 24 * 60))
            unit = rnd.choice(units)
            writer.writerow(
                [
                    f"H{i:012d}",
                    submitted.isoformat(sep=" "),
                    rnd.choice(codes),
                    "历史诉求",
                    f"历史诉求{i}：村道破损、路灯不亮、垃圾清运不及时，请尽快处理。",
                    "某村某组",
                    rnd.choice(villages),
                    "",
                    rnd.choice(["张三", "李四", "王五", "赵六", ""]),
                    f"139{rnd.randrange(10**8):08d}",
                    "hotline",
                    unit[0],
                    (submitted + dt.timedelta(minutes=20)).isoformat(sep=" "),
                    (submitted + dt.timedelta(minutes=70)).isoformat(sep=" "),
                    (submitted + dt.timedelta(days=3)).isoformat(sep=" "),
                    "已办理完毕。",
                    (submitted + dt.timedelta(days=4)).isoformat(sep=" "),
                    rnd.choice(["1", "1", "1", "0"]),
                    rnd.choice(["satisfied", "satisfied", "basic", "unsatisfied"]),
                ]
            )
    columns = ", ".join(f'"{c}" text' for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_copy ({columns})")
    log("COPY of the CSV into a plain table of text columns (no indexes): a second, rawer reference")
    start = time.perf_counter()
    with connection.cursor() as cursor, path.open("rb") as handle:
        with cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    raw_copy_seconds = time.perf_counter() - start
    log(f"  {raw_copy_seconds:.2f}s ({args.rows / raw_copy_seconds:,.0f} rows/s)")

    log("import_requests (validation, encryption, deadlines, COPY into the request table)")
    start = time.perf_counter()
    with audit_context(actor_name="system:bench"):
        count = import_requests(
            user=None,
            source=str(path),
            rebuild_rollups=False,
            progress=lambda stage, n: log(f"  {stage} {n:,}") if n and n % 50_000 == 0 else None,
        )
    import_seconds = time.perf_counter() - start
    log(f"  {import_seconds:.2f}s ({count / import_seconds:,.0f} rows/s)")

    # The database's own limit for this load: COPY of exactly the rows the import wrote (requests and their
    # events, already validated, encrypted and with their deadlines) into the same, emptied tables, with
    # their indexes, constraints and foreign-key checks.
    tables = [ServiceRequest._meta.db_table, RequestEvent._meta.db_table]
    dumps = {}
    with connection.cursor() as cursor:
        for table in tables:
            buffer = bytearray()
            with cursor.cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                for block in copy:
                    buffer += block
            dumps[table] = bytes(buffer)
        cursor.execute(f'TRUNCATE "{tables[0]}", "{tables[1]}" CASCADE')
    log("COPY of the same finished rows into the same emptied tables")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            with cursor.cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                for offset in range(0, len(dumps[table]), 1 << 20):
                    copy.write(dumps[table][offset : offset + (1 << 20)])
    copy_seconds = time.perf_counter() - start
    log(f"  {copy_seconds:.2f}s ({count / copy_seconds:,.0f} rows/s)")
    start = time.perf_counter()
    services.rollup_rebuild()
    rollup_seconds = time.perf_counter() - start
    if not args.keep:
        connection.close()
        drop_database(DB_NAME)
    ratio = copy_seconds / import_seconds
    print(
        json.dumps(
            {
                "import_over_copy_ratio": round(ratio, 3),
                "rows": count,
                "import_rows_per_second": round(count / import_seconds),
                "copy_rows_per_second": round(count / copy_seconds),
                "raw_csv_copy_rows_per_second": round(args.rows / raw_copy_seconds),
                "import_over_raw_csv_copy_ratio": round(raw_copy_seconds / import_seconds, 3),
                "rollup_rebuild_seconds": round(rollup_seconds, 2),
                "target_ratio": TARGET,
                "ok": ratio >= TARGET and count == args.rows,
            }
        )
    )


if __name__ == "__main__":
    main()
