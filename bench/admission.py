"""Benchmark of task admission on PostgreSQL.

Builds its own database `qingche_bench_admission` (dropped first if it exists, dropped again at the end unless
--keep): a county with 1,400 towns and streets and its departments, each town with a published duty list of the
catalogue's 340 items (476,000 items), and 100,000 earlier tasks admitted over the past year (5,000 requests of
20 targets). Then it times the admission of a request for 20 random targets:

    evaluate        services.evaluate(): every fact read (duty items, registry, quota, near-duplicate
                    candidates, parameters, calendar) and the six rules run for each target — the admission
    submit          services.task_request_submit(): the same plus writing the request, 20 admissions and
                    the tasks of the admitted targets (one transaction)

and reports how many rows the near-duplicate check reads (it reads only the candidates of the 20 units within
the configured window, through the (unit, admitted_on) index), with the plan of that query.
Also times a bare `SELECT 1` round trip and a primary-key lookup, as the database's own floor in the same run.

Progress goes to stderr; the last line of stdout is one JSON object.

    .venv/bin/python bench/admission.py [--keep] [--towns N] [--tasks N] [--reps N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time

from _common import STARTED, drop_database, make_log, recreate_database, setup_django, summary

DB_NAME = "qingche_bench_admission"
TARGETS = 20
P95_TARGET_MS = 50.0

TITLES = ["关于做好{}工作的通知", "关于开展{}专项行动的通知", "关于进一步加强{}的通知", "关于切实做好{}有关工作的函"]

log = make_log("admission")


def build(towns: int, task_count: int, seed: int):
    from django.db import transaction
    from django.utils import timezone

    from qingche.core.audit import audit_context
    from qingche.demo import names
    from qingche.duties.demo import catalogue_rows, catalogue_specs
    from qingche.duties.models import DutyItem, DutyList
    from qingche.org import services as org
    from qingche.tasks.models import Admission, Task, TaskRequest

    rng = random.Random(seed)
    with audit_context(actor_name="system:bench"):
        nodes = [{"name": "基准县", "kind": "county", "code": "439900", "parent": None}]
        for department in names.DEPARTMENTS:
            nodes.append({"name": department, "kind": "department", "parent": 0})
        for number in range(towns):
            kind = "street" if number % 10 == 9 else "town"
            nodes.append({"name": f"第{number + 1}{'街道' if kind == 'street' else '镇'}", "kind": kind, "parent": 0})
        with transaction.atomic():
            units = org.unit_tree_load(nodes)
        departments = {unit.name: unit for unit in units if unit.kind == "department"}
        town_units = [unit for unit in units if unit.kind in ("town", "street")]
        log(f"{len(units):,} units ({len(town_units):,} towns and streets)")

        rows = catalogue_rows()
        specs = catalogue_specs(rows, departments)
        now = timezone.now()
        lists = DutyList.objects.bulk_create(
            [DutyList(unit=town, version=1, status="published", published_at=now) for town in town_units],
            batch_size=2000,
        )
        started, batch = time.perf_counter(), []
        for index, duty_list in enumerate(lists, start=1):
            batch.extend(
                DutyItem(
                    duty_list_id=duty_list.pk,
                    kind=spec["kind"],
                    code=spec["code"],
                    name=spec["name"][:300],
                    domain=spec["domain"][:50],
                    legal_basis=spec["legal_basis"],
                    lead_unit=spec["lead_unit"],
                    keywords=spec["keywords"][:300],
                )
                for spec in specs
            )
            if len(batch) >= 34_000 or index == len(lists):
                DutyItem.objects.bulk_create(batch, batch_size=5000)
                batch = []
                log(f"  duty items of {index:,}/{len(lists):,} towns ({time.perf_counter() - started:.1f}s)")

        account = org.account_bootstrap(username="bench_dept", password="Bench-" + str(rng.random()))
        department = departments["县农业农村局"]
        org.role_grant_bootstrap(account=account, role_code="county_department", unit=department)
        today = timezone.localdate()
        codes = [row["code"] for row in rows if row["kind"] == "basic"]
        request_count = task_count // TARGETS
        started = time.perf_counter()
        for first in range(0, request_count, 500):
            with transaction.atomic():
                requests = []
                for number in range(first, min(first + 500, request_count)):
                    row = rng.choice(rows)
                    admitted = today - dt.timedelta(days=rng.randint(0, 364))
                    requests.append(
                        (
                            TaskRequest(
                                requester_unit=rng.choice(list(departments.values())),
                                created_by=account,
                                title=rng.choice(TITLES).format(row["name"][:30]),
                                content=row["name"],
                                duty_code=row["code"],
                                deadline=now + dt.timedelta(days=rng.randint(-300, 60)),
                                effort_hours=4,
                                year=admitted.year,
                                client_token=f"bench-{number}",
                            ),
                            admitted,
                        )
                    )
                TaskRequest.objects.bulk_create([request for request, _day in requests])
                admissions, task_rows = [], []
                for request, _admitted in requests:
                    for town in rng.sample(town_units, TARGETS):
                        admissions.append(
                            Admission(
                                request=request, unit=town, checks=[], automatic_verdict="admitted", verdict="admitted"
                            )
                        )
                Admission.objects.bulk_create(admissions, batch_size=5000)
                admitted_on = {id(request): day for request, day in requests}
                for admission in admissions:
                    request = admission.request
                    task_rows.append(
                        Task(
                            request=request,
                            admission=admission,
                            unit=admission.unit,
                            title=request.title,
                            text=request.content,
                            deadline=request.deadline,
                            admitted_on=admitted_on[id(request)],
                            status="accepted",
                        )
                    )
                Task.objects.bulk_create(task_rows, batch_size=5000)
            log(
                f"  earlier tasks {min(first + 500, request_count) * TARGETS:,}/{task_count:,}"
                f" ({time.perf_counter() - started:.1f}s)"
            )
    return account, department, town_units, codes, rng


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME} afterwards")
    parser.add_argument("--towns", type=int, default=1_400)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261101)
    args = parser.parse_args()

    log(f"creating database {DB_NAME}")
    recreate_database(DB_NAME)
    try:
        setup_django(DB_NAME)
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from qingche.duties.models import DutyItem
        from qingche.tasks import services
        from qingche.tasks.models import Task

        log("migrate")
        call_command("migrate", interactive=False, verbosity=0)
        account, department, towns, codes, rng = build(args.towns, args.tasks, args.seed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        items, tasks = DutyItem.objects.count(), Task.objects.count()
        log(f"{len(towns):,} towns, {items:,} duty items, {tasks:,} earlier tasks")

        from qingche.core.models import User

        def request_data():
            code = rng.choice(codes)
            return {
                "title": rng.choice(TITLES).format("秸秆禁烧巡查" + code),
                "content": "请组织开展巡查并报送台账。",
                "duty_code": code,
                "targets": [town.pk for town in rng.sample(towns, TARGETS)],
                "deadline": timezone.now() + dt.timedelta(days=30),
                "effort_hours": 4,
                "trace_materials": ["ledgers", "photos"],
                "off_list_application": "确需乡镇配合的临时性工作，特此申请。",  # for targets whose lists lack it
            }

        def evaluate_once():
            user = User.objects.get(pk=account.pk)
            data = request_data()
            started = time.perf_counter()
            values = services.settings_now()
            clean, units, requester = services.clean_request(user=user, data=data, values=values)
            evaluation = services.evaluate(
                values=values,
                duty_items=clean.pop("duty_items"),
                requester_unit=requester,
                units=units,
                duty_code=clean["duty_code"],
                title=clean["title"],
                content=clean["content"],
                deadline=clean["deadline"],
                trace_materials=clean["trace_materials"],
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert len(evaluation.results) == TARGETS
            return elapsed, evaluation.duplicate_rows_read

        def submit_once():
            user = User.objects.get(pk=account.pk)
            data = request_data()
            started = time.perf_counter()
            request = services.task_request_submit(user=user, data=data)
            elapsed = (time.perf_counter() - started) * 1000
            assert request.admissions.count() == TARGETS
            return elapsed

        def roundtrip():
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            return (time.perf_counter() - started) * 1000

        def pk_lookup():
            started = time.perf_counter()
            Task.objects.filter(pk=rng.randint(1, tasks)).values_list("id", flat=True).first()
            return (time.perf_counter() - started) * 1000

        log(f"timing: {args.warmup} warm-up + {args.reps} timed repetitions per case, interleaved")
        samples = {"evaluate": [], "submit": [], "roundtrip": [], "pk_lookup": []}
        rows_read = []
        for rep in range(args.warmup + args.reps):
            elapsed, read = evaluate_once()
            submitted = submit_once()
            trip, lookup = roundtrip(), pk_lookup()
            if rep >= args.warmup:
                samples["evaluate"].append(elapsed)
                samples["submit"].append(submitted)
                samples["roundtrip"].append(trip)
                samples["pk_lookup"].append(lookup)
                rows_read.append(read)

        # the plan of the near-duplicate read for one 20-target request
        unit_ids = [town.pk for town in rng.sample(towns, TARGETS)]
        window = int(services.parameters.get("tasks.duplicate_window_days"))
        since = timezone.localdate() - dt.timedelta(days=window)
        query = (
            Task.objects.filter(unit_id__in=unit_ids, admitted_on__gte=since)
            .order_by()
            .values_list("id", "unit_id", "title", "text")
        )
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        top = plan["Plan"]
        node = top
        while node.get("Plans") and "Index" not in node["Node Type"]:
            node = node["Plans"][0]
        log(
            "near-duplicate read plan: "
            + json.dumps(
                {key: top.get(key) for key in ("Node Type", "Actual Rows", "Shared Hit Blocks", "Shared Read Blocks")},
                ensure_ascii=False,
            )
        )

        evaluate_stats, submit_stats = summary(samples["evaluate"]), summary(samples["submit"])
        floor = summary(samples["roundtrip"])
        result = {
            "benchmark": "admission",
            "database": "postgresql",
            "towns": len(towns),
            "duty_items": items,
            "earlier_tasks": tasks,
            "targets_per_request": TARGETS,
            "admission_p95_ms": evaluate_stats["p95_ms"],
            "admission": evaluate_stats,
            "submit_with_writes": submit_stats,
            "duplicate_rows_read": round(statistics.mean(rows_read), 1),
            "duplicate_rows_read_max": max(rows_read),
            "duplicate_window_days": window,
            "duplicate_rows_read_share_of_tasks": round(max(rows_read) / tasks, 5),
            "duplicate_plan_node": node["Node Type"],
            "duplicate_plan_index": node.get("Index Name", ""),
            "db_roundtrip": floor,
            "db_pk_lookup": summary(samples["pk_lookup"]),
            "admission_p95_in_roundtrips": round(evaluate_stats["p95_ms"] / max(floor["p95_ms"], 1e-6), 1),
            "target_p95_ms": P95_TARGET_MS,
            "pass": evaluate_stats["p95_ms"] < P95_TARGET_MS and max(rows_read) < tasks,
            "seconds": round(time.perf_counter() - STARTED, 1),
        }
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            log(f"kept database {DB_NAME}")
        else:
            drop_database(DB_NAME)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
