"""Benchmark of the burden dashboard and a town's burden page on PostgreSQL: rollups against raw tables.

Builds its own database `qingche_bench_burden` (dropped first, dropped again at the end unless --keep):
a county with 40 departments and 1,400 towns and streets (people in post through org's bulk loaders),
and a year of events written straight into burden's own tables with generate_series: 100,000 admitted
tasks, 50,000 meetings (3 attending units each), 20,000 inspections, 2,000 report forms (10 fields,
20 target units and fills each) and 20,000,000 citizen requests handled. Only the load of tasks and
citizen requests matters here, so they are narrow bench tables (`bench_task`, `bench_service_request`)
rather than the tasks and service modules' full tables, registered as rollup-backed sources exactly as
those modules register theirs.

The rollups are then built from the raw rows once (what services keep in the same transaction as
each event), more events are sent through burden's real services (and load_add for the two outside
sources), and the index of every town computed from the rollups is checked against the same
figures computed from the raw tables: they must be equal.

Timed (interleaved, fresh user objects): the county dashboard as 减负办 (selectors.dashboard) and one
town's page (selectors.unit_page), against the same figures computed from the raw tables.
Progress goes to stderr; the last line of stdout is one JSON object.

    .venv/bin/python bench/burden.py [--keep] [--requests N] [--reps N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time

from _common import drop_database, make_log, p95_by_index, recreate_database, setup_django

DB_NAME = "qingche_bench_burden"
TARGET_MS = 200.0
YEAR = 2026
log = make_log("burden")


def sql(statement: str, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)  # always with parameters, so %% is always an escaped %
        return cursor.fetchall() if cursor.description else None


# -- building ------------------------------------------------------------------------------------------
def build_org(towns: int, departments: int, people_per_town: int, rng: random.Random):
    from django.db import transaction
    from scope import make_people  # the same person generator as the scope benchmark (bench/ is on sys.path)

    from qingche.org import services as org
    from qingche.org.models import Assignment, Post, Unit

    nodes = [{"name": "基准县", "kind": "county", "code": "439900", "parent": None}]
    nodes += [{"name": f"县第{n + 1}局", "kind": "department", "parent": 0} for n in range(departments)]
    nodes += [
        {
            "name": f"第{n + 1}{'街道' if n % 10 == 9 else '镇'}",
            "kind": "street" if n % 10 == 9 else "town",
            "parent": 0,
        }
        for n in range(towns)
    ]
    with transaction.atomic():
        units = org.unit_tree_load(nodes)
    county = units[0]
    department_units = [u for u in units if u.kind == Unit.Kind.DEPARTMENT]
    town_units = [u for u in units if u.kind in Unit.TOWN_LEVEL]
    posts = [Post(unit=town, name="工作人员", kind="staff", quota=people_per_town + 3) for town in town_units]
    org.posts_bulk_load(posts)
    post_of = {post.unit_id: post for post in Post.objects.all()}
    people = make_people(people_per_town * len(town_units), town_units, rng, 0)
    for index, person in enumerate(people):
        person.unit = town_units[index % len(town_units)]
    with transaction.atomic():
        org.people_bulk_load(people, batch_size=5000)
    from qingche.org.models import Person

    saved = Person.objects.order_by("id").values_list("pk", "unit_id")
    assignments = [
        Assignment(person_id=pk, post=post_of[unit_id], unit_id=unit_id, start_date=dt.date(2020, 1, 1))
        for pk, unit_id in saved
    ]
    # A few towns have nobody in post: their index is "no capacity".
    with transaction.atomic():
        org.assignments_bulk_load([a for a in assignments if a.unit_id != town_units[-1].pk], batch_size=5000)
    log(f"{len(units):,} units, {len(people):,} people in post")
    return county, department_units, town_units


def build_events(departments, towns, requests: int) -> dict:
    dep_ids = [u.pk for u in departments]
    town_ids = [u.pk for u in towns]
    sql(
        "CREATE TEMP TABLE bench_deps AS SELECT row_number() OVER () - 1 AS i, id FROM unnest(%s::int[]) AS id",
        [dep_ids],
    )
    sql(
        "CREATE TEMP TABLE bench_towns AS SELECT row_number() OVER () - 1 AS i, id FROM unnest(%s::int[]) AS id",
        [town_ids],
    )
    nd, nt = len(dep_ids), len(town_ids)
    counts = {}
    started = time.perf_counter()
    # Inspections: 20,000; 75 % against a plan item of the issuer.
    sql(
        """INSERT INTO burden_inspectionplanitem (year, issuer_id, title, topic, months, created_at)
           SELECT %s, d.id, '年度检查' || g, '主题' || (g %% 60), '[3, 6, 9]', now()
           FROM generate_series(0, 199) g JOIN bench_deps d ON d.i = g %% %s""",
        [YEAR, nd],
    )
    sql(
        """INSERT INTO burden_inspection (issuer_id, target_id, plan_item_id, topic, title, date, unplanned_reason,
             approval, approval_note, preparation_hours, reception_hours, created_at)
           SELECT d.id, t.id, CASE WHEN g %% 4 <> 0 THEN p.id END, '主题' || (g %% 60), '检查' || g,
             make_date(%s, 1 + g %% 12, 1 + g %% 28), CASE WHEN g %% 4 = 0 THEN '临时部署' ELSE '' END,
             CASE WHEN g %% 4 = 0 THEN 'pending' ELSE 'not_needed' END, '', 4 + g %% 13, 2 + g %% 7, now()
           FROM generate_series(0, 19999) g
           JOIN bench_deps d ON d.i = g %% %s JOIN bench_towns t ON t.i = (g * 7) %% %s
           LEFT JOIN LATERAL (SELECT id FROM burden_inspectionplanitem WHERE issuer_id = d.id LIMIT 1) p ON true""",
        [YEAR, nd, nt],
    )
    counts["inspections"] = 20_000
    log(f"  inspections ({time.perf_counter() - started:.1f}s)")
    sql(
        """INSERT INTO burden_meeting (organiser_id, title, level, start, "end", with_group_discussion,
             reaches_grassroots, approval, approval_note, speech_minutes, created_at)
           SELECT d.id, '会议' || g, 'department',
             make_timestamptz(%s, 1 + g %% 12, 1 + g %% 28, 1 + g %% 6, 0, 0, 'UTC'),
             make_timestamptz(%s, 1 + g %% 12, 1 + g %% 28, 1 + g %% 6, 0, 0, 'UTC') + (1 + g %% 4) * interval '1 hour',
             false, g %% 20 = 0, CASE WHEN g %% 20 = 0 THEN 'pending' ELSE 'not_needed' END, '', 30 + g %% 50, now()
           FROM generate_series(0, 49999) g JOIN bench_deps d ON d.i = g %% %s""",
        [YEAR, YEAR, nd],
    )
    sql(
        """INSERT INTO burden_meetingattendance (meeting_id, unit_id, attendees)
           SELECT m.id, t.id, 1 + (m.id + k) %% 3 FROM burden_meeting m CROSS JOIN generate_series(0, 2) k
           JOIN bench_towns t ON t.i = (m.id * 3 + k * 467) %% %s""",
        [nt],
    )
    counts["meetings"] = 50_000
    log(f"  meetings ({time.perf_counter() - started:.1f}s)")
    sql(
        """INSERT INTO burden_document (issuer_id, title, number, issued_on, length_chars, special_task, over_cap,
             created_at)
           SELECT d.id, '文件' || g, '', make_date(%s - g %% 2, 1 + g %% 12, 1 + g %% 28), 2000 + (g * 37) %% 4000,
             g %% 3 = 0, (2000 + (g * 37) %% 4000) > CASE WHEN g %% 3 = 0 THEN 4000 ELSE 5000 END, now()
           FROM generate_series(0, 9999) g JOIN bench_deps d ON d.i = g %% %s""",
        [YEAR, nd],
    )
    sql(
        """INSERT INTO burden_catalogfield (code, name, definition, unit_of_measure, owner_id, source, filler,
             is_active, kind)
           SELECT 'f' || g, '数据项' || g, '定义', '个', d.id, '系统', '', true, 'count'
           FROM generate_series(0, 199) g JOIN bench_deps d ON d.i = g %% %s""",
        [nd],
    )
    sql(
        """INSERT INTO burden_reportform (issuer_id, title, sent_on, created_at)
           SELECT d.id, '报表' || g, make_date(%s, 1 + g %% 12, 1 + g %% 20), now()
           FROM generate_series(0, 1999) g JOIN bench_deps d ON d.i = g %% %s""",
        [YEAR, nd],
    )
    sql("""INSERT INTO burden_reportformfield (form_id, position, catalog_field_id, label, proposed_definition,
             proposed_unit)
           SELECT f.id, k, CASE WHEN (f.id + k) %% 3 <> 0 THEN c.id END, '字段' || k, '', ''
           FROM burden_reportform f CROSS JOIN generate_series(1, 10) k
           LEFT JOIN burden_catalogfield c ON c.code = 'f' || ((f.id * 10 + k) %% 200)""")
    sql(
        """INSERT INTO burden_reportform_targets (reportform_id, unit_id)
           SELECT f.id, t.id FROM burden_reportform f CROSS JOIN generate_series(0, 19) k
           JOIN bench_towns t ON t.i = (f.id * 20 + k * 61) %% %s ON CONFLICT DO NOTHING""",
        [nt],
    )
    sql("""INSERT INTO burden_formfill (form_id, unit_id, submitted_on, prefilled_count, typed_count, person_hours)
           SELECT f.id, ft.unit_id, f.sent_on + 3, 7, 3, round((3 * 5 + 7 * 0.5) / 60.0, 2)
           FROM burden_reportform f JOIN burden_reportform_targets ft ON ft.reportform_id = f.id""")
    counts["forms"] = 2_000
    counts["form_fills"] = sql("SELECT count(*) FROM burden_formfill")[0][0]
    log(f"  documents and forms ({time.perf_counter() - started:.1f}s)")
    # The two outside sources, as bench tables.
    sql(
        "CREATE TABLE bench_task (id bigserial PRIMARY KEY, unit_id int NOT NULL, day date NOT NULL, "
        "effort_hours numeric(8,2) NOT NULL)"
    )
    sql(
        """INSERT INTO bench_task (unit_id, day, effort_hours)
           SELECT t.id, make_date(%s, 1 + g %% 12, 1 + g %% 28), 2 + g %% 30
           FROM generate_series(0, 99999) g JOIN bench_towns t ON t.i = (g * 13) %% %s""",
        [YEAR, nt],
    )
    counts["tasks"] = 100_000
    sql(
        "CREATE UNLOGGED TABLE bench_service_request (unit_id int NOT NULL, day date NOT NULL, "
        "hours numeric(6,2) NOT NULL)"
    )
    chunk = 2_000_000
    for first in range(0, requests, chunk):
        last = min(requests, first + chunk) - 1
        sql(
            """INSERT INTO bench_service_request (unit_id, day, hours)
               SELECT t.id, make_date(%s, 1 + g %% 12, 1 + (g / 12) %% 28), 0.5 + (g %% 5) * 0.25
               FROM generate_series(%s, %s) g JOIN bench_towns t ON t.i = (g * 31) %% %s""",
            [YEAR, first, last, nt],
        )
        log(f"  citizen requests {last + 1:,}/{requests:,} ({time.perf_counter() - started:.1f}s)")
    sql("CREATE INDEX ON bench_service_request (unit_id, day)")
    sql("CREATE INDEX ON bench_task (unit_id, day)")
    counts["citizen_requests"] = requests
    log(f"  raw tables built ({time.perf_counter() - started:.1f}s)")
    return counts


# -- the raw computation (what the dashboard would have to do without rollups) --------------------------------
RAW_LOAD = """
  SELECT target_id AS unit_id, date_trunc('month', date)::date AS month, 'inspections' AS source,
         sum(preparation_hours + reception_hours) AS hours, count(*) AS n
    FROM burden_inspection WHERE {unit_t} date BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
  UNION ALL
  SELECT a.unit_id, date_trunc('month', m.start AT TIME ZONE 'Asia/Shanghai')::date, 'meetings',
         sum(round((extract(epoch FROM m."end" - m.start) / 3600 * a.attendees)::numeric, 2)), count(*)
    FROM burden_meetingattendance a JOIN burden_meeting m ON m.id = a.meeting_id
   WHERE {unit_a} (m.start AT TIME ZONE 'Asia/Shanghai')::date BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
  UNION ALL
  SELECT unit_id, date_trunc('month', submitted_on)::date, 'forms', sum(person_hours), count(*)
    FROM burden_formfill WHERE {unit} submitted_on BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
  UNION ALL
  SELECT unit_id, date_trunc('month', date)::date, 'overtime', sum(hours), count(*)
    FROM burden_overtimeentry WHERE {unit} status = 'confirmed' AND date BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
  UNION ALL
  SELECT unit_id, date_trunc('month', day)::date, 'tasks', sum(effort_hours), count(*)
    FROM bench_task WHERE {unit} day BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
  UNION ALL
  SELECT unit_id, date_trunc('month', day)::date, 'service', sum(hours), count(*)
    FROM bench_service_request WHERE {unit} day BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
"""
RAW_ISSUER = """
  SELECT issuer_id, date_trunc('month', date)::date, CASE WHEN plan_item_id IS NULL THEN 'inspections_unplanned'
         ELSE 'inspections_planned' END, count(*) FROM burden_inspection WHERE date BETWEEN %(first)s AND %(last)s
   GROUP BY 1, 2, 3
  UNION ALL
  SELECT organiser_id, date_trunc('month', start AT TIME ZONE 'Asia/Shanghai')::date, 'meetings', count(*)
    FROM burden_meeting WHERE (start AT TIME ZONE 'Asia/Shanghai')::date BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
  UNION ALL
  SELECT issuer_id, date_trunc('month', issued_on)::date, 'documents', count(*) FROM burden_document
   WHERE issued_on BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
  UNION ALL
  SELECT f.issuer_id, date_trunc('month', f.sent_on)::date, 'form_fields', count(*) FROM burden_reportformfield ff
    JOIN burden_reportform f ON f.id = ff.form_id WHERE f.sent_on BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
"""


def raw_loads(first: dt.date, last: dt.date, unit_id: int | None = None) -> dict:
    """{unit: {month: {source: hours}}} from the raw tables, for every unit or one."""
    keys = {"unit_t": "", "unit": "", "unit_a": ""}
    if unit_id:
        keys = {
            "unit_t": "target_id = %(unit)s AND",
            "unit": "unit_id = %(unit)s AND",
            "unit_a": "a.unit_id = %(unit)s AND",
        }
    rows = sql(RAW_LOAD.format(**keys), {"first": first, "last": last, "unit": unit_id})
    result: dict = {}
    for unit_pk, month, source, hours, _n in rows:
        result.setdefault(unit_pk, {}).setdefault(month, {})
        result[unit_pk][month][source] = result[unit_pk][month].get(source, 0.0) + float(hours)
    return result


def raw_dashboard(year: int, town_ids: list[int]) -> dict:
    """The county figures from the raw tables: each town's load by source (for the index), load by
    source and month, and the issuer counts of this and last year."""
    from qingche.burden import rules, selectors
    from qingche.core.calendar import work_calendar

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    loads = raw_loads(first, last)
    calendar = work_calendar()
    days = calendar.working_days_in(first, last)
    in_post = selectors.people_in_post(town_ids, selectors._capacity_day(rules.Period(first, last)), subtree=True)
    index = {}
    for town in town_ids:
        totals: dict[str, float] = {}
        for by_source in loads.get(town, {}).values():
            for source, hours in by_source.items():
                totals[source] = totals.get(source, 0.0) + hours
        index[town] = rules.burden_index(
            totals,
            selectors.weights(),
            in_post=in_post[town],
            working_days=days,
            hours_per_day=calendar.hours_per_day,
            red_line=selectors.red_line(),
        ).value
    issuer = sql(RAW_ISSUER, {"first": dt.date(year - 1, 1, 1), "last": last})
    return {"index": index, "issuer_rows": len(issuer)}


def raw_town_page(town_id: int, year: int, month: int) -> dict:
    from qingche.burden import rules, selectors
    from qingche.core.calendar import work_calendar

    months = rules.last_months(dt.date(year, month, 1), 12)
    first, last = months[0], rules.Period.month(month=months[-1].month, year=months[-1].year).last
    loads = raw_loads(first, last, town_id).get(town_id, {})
    calendar = work_calendar()
    trend = []
    for start in months:
        period = rules.Period.month(start.year, start.month)
        in_post = selectors.people_in_post([town_id], selectors._capacity_day(period), subtree=True)[town_id]
        trend.append(
            rules.burden_index(
                loads.get(start, {}),
                selectors.weights(),
                in_post=in_post,
                working_days=calendar.working_days_in(period.first, period.last),
                hours_per_day=calendar.hours_per_day,
                red_line=selectors.red_line(),
            ).value
        )
    return {"trend": trend}


def build_rollups() -> None:
    """Once, from the raw rows: what the services keep in the same transaction as each event."""
    sql("TRUNCATE burden_loadrollup, burden_issuerrollup, burden_senderrollup")
    sql(
        f"""INSERT INTO burden_loadrollup (unit_id, month, source, hours, count)
            SELECT unit_id, month, source, sum(hours), sum(n) FROM ({RAW_LOAD.format(unit_t="", unit="", unit_a="")}) x
            GROUP BY 1, 2, 3""",
        {"first": dt.date(YEAR - 1, 1, 1), "last": dt.date(YEAR, 12, 31)},
    )
    sql("""INSERT INTO burden_senderrollup (unit_id, month, issuer_id, hours)
           SELECT unit_id, month, issuer_id, sum(hours) FROM (
             SELECT target_id AS unit_id, date_trunc('month', date)::date AS month, issuer_id,
                    preparation_hours + reception_hours AS hours FROM burden_inspection
             UNION ALL
             SELECT a.unit_id, date_trunc('month', m.start AT TIME ZONE 'Asia/Shanghai')::date, m.organiser_id,
                    round((extract(epoch FROM m."end" - m.start) / 3600 * a.attendees)::numeric, 2)
               FROM burden_meetingattendance a JOIN burden_meeting m ON m.id = a.meeting_id
             UNION ALL
             SELECT ff.unit_id, date_trunc('month', ff.submitted_on)::date, f.issuer_id, ff.person_hours
               FROM burden_formfill ff JOIN burden_reportform f ON f.id = ff.form_id) x
           GROUP BY 1, 2, 3""")
    sql(
        f"""INSERT INTO burden_issuerrollup (issuer_id, month, metric, value)
            SELECT * FROM ({RAW_ISSUER}) x""",
        {"first": dt.date(YEAR - 1, 1, 1), "last": dt.date(YEAR, 12, 31)},
    )
    sql("ANALYZE")


def events_through_services(admin, departments, towns, rng: random.Random) -> int:
    """New events arrive through the real services after the rollups were built."""
    from decimal import Decimal

    from django.db import transaction

    from qingche.burden import services
    from qingche.core.audit import audit_context

    count = 0
    with audit_context(actor=admin):
        for index in range(60):
            with transaction.atomic():
                services.inspection_create(
                    user=admin,
                    issuer=rng.choice(departments),
                    target=rng.choice(towns),
                    topic=f"新主题{index}",
                    title="临时检查",
                    date=dt.date(YEAR, rng.randint(1, 10), rng.randint(1, 28)),
                    unplanned_reason="基准测试临时部署",
                    preparation_hours=rng.randint(1, 9),
                    reception_hours=2,
                )
            start = dt.datetime(YEAR, rng.randint(1, 10), rng.randint(1, 28), 2, tzinfo=dt.UTC)
            services.meeting_create(
                user=admin,
                organiser=rng.choice(departments),
                title="新会议",
                level="department",
                start=start,
                end=start + dt.timedelta(minutes=90),
                attendances=[(town, rng.randint(1, 3)) for town in rng.sample(towns, 2)],
            )
            day = dt.date(YEAR, rng.randint(1, 10), rng.randint(1, 28))
            town = rng.choice(towns)
            with transaction.atomic():  # the outside modules' own events: raw row and rollup together
                sql("INSERT INTO bench_service_request (unit_id, day, hours) VALUES (%s, %s, 1.25)", [town.pk, day])
                services.load_add(source="service", unit_id=town.pk, day=day, hours=Decimal("1.25"))
                sql("INSERT INTO bench_task (unit_id, day, effort_hours) VALUES (%s, %s, 6)", [town.pk, day])
                services.load_add(source="tasks", unit_id=town.pk, day=day, hours=Decimal("6"))
            count += 4
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--requests", type=int, default=20_000_000)
    parser.add_argument("--towns", type=int, default=1400)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--raw-reps", type=int, default=5)
    args = parser.parse_args()

    recreate_database(DB_NAME)
    setup_django(DB_NAME)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    log("migrated")
    from qingche.burden import selectors, sources
    from qingche.core.audit import audit_context
    from qingche.core.models import User
    from qingche.org import services as org

    rng = random.Random(20261101)
    with audit_context(actor_name="system:bench"):
        county, departments, towns = build_org(args.towns, 40, 20, rng)
        admin = org.account_bootstrap(username="bench_admin", password="Bench-Admin-2026!", is_superuser=True)
        office = org.account_bootstrap(username="bench_office", password="Bench-Office-2026!")
        org.role_grant_bootstrap(account=office, role_code="burden_office", unit=county)
        town_account = org.account_bootstrap(username="bench_town", password="Bench-Town-2026!")
        town = towns[len(towns) // 2]
        org.role_grant_bootstrap(account=town_account, role_code="town", unit=town)
    build_started = time.perf_counter()
    counts = build_events(departments, towns, args.requests)
    build_seconds = time.perf_counter() - build_started
    sources.register("tasks", sources.rollup_function("tasks"), label="admitted tasks", rollup=True)
    sources.register(
        "service", sources.rollup_function("service"), label="citizen requests", sender=sources.CITIZEN, rollup=True
    )
    started = time.perf_counter()
    build_rollups()
    rollup_build_seconds = time.perf_counter() - started
    log(
        f"rollups built in {rollup_build_seconds:.1f}s: "
        f"{sql('SELECT count(*) FROM burden_loadrollup')[0][0]:,} load rows"
    )
    arrived = events_through_services(admin, departments, towns, rng)
    sql("ANALYZE")
    log(f"{arrived} events through the services")

    # Correctness: the rollup index of every town equals the raw one.
    town_ids = [t.pk for t in towns]
    rollup_index = {
        pk: r.value for pk, r in selectors.index_results(town_ids, (dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))).items()
    }
    raw_index = raw_dashboard(YEAR, town_ids)["index"]
    mismatches = [
        pk
        for pk in town_ids
        if (rollup_index[pk] is None) != (raw_index[pk] is None)
        or (rollup_index[pk] is not None and abs(rollup_index[pk] - raw_index[pk]) > 1e-4)
    ]
    no_capacity = sum(1 for value in rollup_index.values() if value is None)
    log(f"rollup = raw for {len(town_ids) - len(mismatches)}/{len(town_ids)} towns; no capacity: {no_capacity}")

    def fresh(pk):
        return User.objects.get(pk=pk)

    cases = {
        "county": lambda: selectors.dashboard(fresh(office.pk), YEAR),
        "town": lambda: selectors.unit_page(fresh(town_account.pk), town, selectors._as_period("2026-10")),
    }
    raw_cases = {
        "county": lambda: raw_dashboard(YEAR, town_ids),
        "town": lambda: raw_town_page(town.pk, YEAR, 10),
    }
    samples = {name: [] for name in cases}
    raw_samples = {name: [] for name in raw_cases}
    for rep in range(2 + args.reps):
        for name, run in cases.items():
            begin = time.perf_counter()
            run()
            if rep >= 2:
                samples[name].append((time.perf_counter() - begin) * 1000)
        if rep < args.raw_reps + 1:
            for name, run in raw_cases.items():
                begin = time.perf_counter()
                run()
                if rep >= 1:
                    raw_samples[name].append((time.perf_counter() - begin) * 1000)
        log(
            f"rep {rep}: county {samples['county'][-1] if samples['county'] else 0:.1f} ms, "
            f"town {samples['town'][-1] if samples['town'] else 0:.1f} ms"
        )
    county_p95, town_p95 = p95_by_index(samples["county"]), p95_by_index(samples["town"])
    raw_county, raw_town = p95_by_index(raw_samples["county"]), p95_by_index(raw_samples["town"])
    result = {
        "bench": "burden",
        "database": "postgresql",
        "units": {"towns_and_streets": len(towns), "departments": len(departments), "county": 1},
        "people_in_post": sql("SELECT count(*) FROM org_assignment")[0][0],
        "events": counts,
        "citizen_requests_scaled_down": args.requests < 20_000_000,
        "raw_build_seconds": round(build_seconds, 1),
        "rollup_build_seconds": round(rollup_build_seconds, 1),
        "load_rollup_rows": sql("SELECT count(*) FROM burden_loadrollup")[0][0],
        "events_through_services_after_build": arrived,
        "rollup_equals_raw": not mismatches,
        "towns_without_capacity": no_capacity,
        "county_p50_ms": round(statistics.median(samples["county"]), 1),
        "county_p95_ms": round(county_p95, 1),
        "town_p50_ms": round(statistics.median(samples["town"]), 1),
        "town_p95_ms": round(town_p95, 1),
        "raw_county_p95_ms": round(raw_county, 1),
        "raw_town_p95_ms": round(raw_town, 1),
        "raw_over_rollup_ratio": round(raw_county / county_p95, 1),
        "raw_over_rollup_ratio_town": round(raw_town / town_p95, 1),
        "target_ms": TARGET_MS,
        "county_ok": county_p95 < TARGET_MS,
        "town_ok": town_p95 < TARGET_MS,
        "reps": args.reps,
        "raw_reps": args.raw_reps,
    }
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_database(DB_NAME)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
