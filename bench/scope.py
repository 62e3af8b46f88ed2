"""Benchmark of the data-scope layer (`Model.objects.visible_to`) on PostgreSQL.

Builds its own database `qingche_bench_scope` (dropped first if it exists, dropped again at the end
unless --keep), loads 50,000 units (county -> ~1,400 towns -> villages) and 200,000 people through
the org module's bulk loaders, gives one town account (role `town`, subtree of one town) and one
county account (role `org_department`, subtree of the county root), and times a 50-row page of
people ordered by name:

    Person.objects.visible_to(user).order_by("name", "id")[:50]      (the scope layer)
    Person.objects.filter(unit__path__startswith=P).order_by(...)     (the same page by hand)

Every repetition uses a fresh user object (read from the database outside the timer), so the cost
of loading the account's grants is inside the scoped timing as it is in a real request. Scoped and
hand-written repetitions are interleaved so that drift of the machine hits both alike.

Progress goes to stderr; the last line of stdout is one JSON object (see bench/README.md).

    .venv/bin/python bench/scope.py [--keep] [--units N] [--people N] [--reps N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "qingche_bench_scope"
PG_SERVER = os.environ.get("QINGCHE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PAGE_TARGET_MS = 20.0
OVERHEAD_TARGET = 1.5

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
            "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白"
            "邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国文辉红玉春梅海燕志鹏"
         "晓东宇浩然子涵欣怡佳琪思远博雨桐俊嘉梓萱一鸣晨曦振德胜永秋菊冬长青卫立新兴旺福贵")
PHONE_PREFIXES = ("138", "139", "150", "151", "158", "177", "180", "186", "189", "199")


STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[bench/scope {time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


# -- the database ------------------------------------------------------------------------------------
def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "qingche.settings"
    # Keys and other files of this run go to a throw-away directory, never the project's var/.
    os.environ.setdefault("QINGCHE_VAR_DIR", tempfile.mkdtemp(prefix="qingche-bench-"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# -- the data --------------------------------------------------------------------------------------------
def tree_nodes(total_units: int, towns: int) -> list[dict]:
    """County root, `towns` towns and streets, and villages and communities under them, spread so that
    the total is exactly `total_units`."""
    nodes = [{"name": "基准县", "kind": "county", "code": "439900", "parent": None}]
    villages = total_units - 1 - towns
    base, extra = divmod(villages, towns)
    for town_no in range(towns):
        kind = "street" if town_no % 10 == 9 else "town"
        town_code = f"439900{town_no + 1:03d}" if town_no < 999 else ""
        nodes.append({"name": f"第{town_no + 1}{'街道' if kind == 'street' else '镇'}", "kind": kind,
                      "code": town_code, "parent": 0})
        town_index = len(nodes) - 1
        for village_no in range(base + (1 if town_no < extra else 0)):
            child_kind = "community" if kind == "street" else "village"
            nodes.append({"name": f"第{town_no + 1}镇{village_no + 1}{'社区' if kind == 'street' else '村'}",
                          "kind": child_kind, "parent": town_index})
    return nodes


def make_people(count: int, units: list, rng: random.Random, start_serial: int) -> list:
    """Unsaved Person objects with valid-looking, unique ID numbers (GB 11643 check digit)."""
    import datetime as dt

    from qingche.core.rules import id_number_check_char
    from qingche.org.models import Person

    categories = [Person.Category.CIVIL_SERVANT, Person.Category.PUBLIC_INSTITUTION,
                  Person.Category.VILLAGE_CADRE, Person.Category.COMMUNITY_WORKER, Person.Category.CONTRACT]
    people = []
    for offset in range(count):
        serial = start_serial + offset
        gender = "male" if rng.random() < 0.62 else "female"
        birth = dt.date(rng.randint(1966, 2003), rng.randint(1, 12), rng.randint(1, 28))
        # The serial picks the region code's last four digits and the sequence: unique for 5,000,000.
        region = f"43{(serial // 500) % 10000:04d}"
        sequence = (serial % 500) * 2 + (1 if gender == "male" else 0)
        first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        people.append(Person(
            name=rng.choice(SURNAMES) + given, gender=gender, birth_date=birth,
            id_number=first17 + id_number_check_char(first17),
            phone=f"{rng.choice(PHONE_PREFIXES)}{(serial * 7919) % 100_000_000:08d}",
            category=rng.choice(categories), unit=rng.choice(units),
        ))
    return people


def build(total_units: int, towns: int, total_people: int, seed: int):
    from django.db import connection, transaction

    from qingche.core.audit import audit_context
    from qingche.org import services as org
    from qingche.org.models import Unit

    rng = random.Random(seed)
    with audit_context(actor_name="system:bench"):
        started = time.perf_counter()
        with transaction.atomic():
            units = org.unit_tree_load(tree_nodes(total_units, towns))
        log(f"{len(units):,} units loaded in {time.perf_counter() - started:.1f}s")
        # People sit in every unit below the county: towns keep their own staff, villages theirs.
        holders = [unit for unit in units if unit.depth > 1]
        started = time.perf_counter()
        chunk = 20_000
        for first in range(0, total_people, chunk):
            people = make_people(min(chunk, total_people - first), holders, rng, first)
            with transaction.atomic():
                org.people_bulk_load(people, batch_size=5000)
            log(f"  people {first + len(people):,}/{total_people:,} ({time.perf_counter() - started:.1f}s)")
        root = units[0]
        # The town with the most people below it is the town account's town: the worst town page.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT substr(u.path, 1, %s) AS town_path, count(*) FROM org_person p"
                " JOIN org_unit u ON u.id = p.unit_id WHERE u.depth >= 2"
                " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
                [Unit.steplen * 2])
            town_path = cursor.fetchone()[0]
        town = Unit.objects.get(path=town_path)
        password = "Bench-" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(16))
        town_account = org.account_bootstrap(username="bench_town", password=password)
        org.role_grant_bootstrap(account=town_account, role_code="town", unit=town)
        county_account = org.account_bootstrap(username="bench_county", password=password)
        org.role_grant_bootstrap(account=county_account, role_code="org_department", unit=root)
    return root, town, town_account, county_account


# -- timing ------------------------------------------------------------------------------------------------
def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def summary(samples: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(samples), 3), "p95_ms": round(p95(samples), 3),
            "max_ms": round(max(samples), 3), "n": len(samples)}


def measure(cases: dict, reps: int, warmup: int) -> dict[str, list[float]]:
    """cases: name -> callable(fresh_user) -> anything (materialised). Interleaved round-robin."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for rep in range(warmup + reps):
        for name, (account_id, run) in cases.items():
            user = fresh_user(account_id)
            started = time.perf_counter()
            run(user)
            elapsed = (time.perf_counter() - started) * 1000
            if rep >= warmup:
                samples[name].append(elapsed)
    return samples


def fresh_user(account_id: int):
    from qingche.core.models import User

    return User.objects.get(pk=account_id)


def explain(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME} afterwards")
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--towns", type=int, default=1_400)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=300, help="timed repetitions per case")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the pages to stderr")
    args = parser.parse_args()

    run_started = time.perf_counter()
    log(f"creating database {DB_NAME}")
    recreate_database()
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        from qingche.org.models import Person, Unit

        log("migrate")
        call_command("migrate", interactive=False, verbosity=0)
        root, town, town_account, county_account = build(args.units, args.towns, args.people, args.seed)
        log("ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        units, people = Unit.objects.count(), Person.objects.count()
        town_people = Person.objects.filter(unit__path__startswith=town.path).count()
        log(f"{units:,} units, {people:,} people; the town account's town {town.name} ({town.path})"
            f" holds {town_people:,} people")

        def scoped_page(user):
            return list(Person.objects.visible_to(user).order_by("name", "id")[:50])

        def town_hand_page(_user):
            return list(Person.objects.filter(unit__path__startswith=town.path).order_by("name", "id")[:50])

        def county_hand_page(_user):
            return list(Person.objects.filter(unit__path__startswith=root.path).order_by("name", "id")[:50])

        def scoped_count(user):
            return Person.objects.visible_to(user).count()

        def hand_count(_user):
            return Person.objects.filter(unit__path__startswith=town.path).count()

        # Sanity: the scope layer and the hand-written query give the same rows.
        for account, hand in ((town_account, town_hand_page), (county_account, county_hand_page)):
            scoped_ids = [person.pk for person in scoped_page(fresh_user(account.pk))]
            hand_ids = [person.pk for person in hand(None)]
            if scoped_ids != hand_ids or len(scoped_ids) != 50:
                raise SystemExit(f"scoped and hand-written pages differ for {account.username}")
        if scoped_count(fresh_user(town_account.pk)) != town_people:
            raise SystemExit("scoped count differs from the hand-written count")

        plans = {
            "town_scoped": explain(Person.objects.visible_to(fresh_user(town_account.pk))
                                   .order_by("name", "id")[:50]),
            "town_hand": explain(Person.objects.filter(unit__path__startswith=town.path)
                                 .order_by("name", "id")[:50]),
            "county_scoped": explain(Person.objects.visible_to(fresh_user(county_account.pk))
                                     .order_by("name", "id")[:50]),
            "county_hand": explain(Person.objects.filter(unit__path__startswith=root.path)
                                   .order_by("name", "id")[:50]),
        }
        if args.explain:
            for name, plan in plans.items():
                log(f"EXPLAIN ANALYZE {name}:\n{plan}")

        log(f"timing: {args.warmup} warm-up + {args.reps} timed repetitions per case, interleaved")
        cases = {
            "town": (town_account.pk, scoped_page),
            "hand_town": (town_account.pk, town_hand_page),
            "county": (county_account.pk, scoped_page),
            "hand_county": (county_account.pk, county_hand_page),
            "count": (town_account.pk, scoped_count),
            "hand_count": (town_account.pk, hand_count),
        }
        samples = measure(cases, args.reps, args.warmup)
        stats = {name: summary(values) for name, values in samples.items()}
        for name, stat in stats.items():
            log(f"  {name:12s} p50 {stat['p50_ms']:7.2f} ms  p95 {stat['p95_ms']:7.2f} ms"
                f"  max {stat['max_ms']:7.2f} ms")

        town_ratio = stats["town"]["p95_ms"] / stats["hand_town"]["p95_ms"]
        county_ratio = stats["county"]["p95_ms"] / stats["hand_county"]["p95_ms"]
        page_p95 = max(stats["town"]["p95_ms"], stats["county"]["p95_ms"])
        overhead = max(town_ratio, county_ratio)
        result = {
            "bench": "scope",
            "page_p95_ms": page_p95,
            "town_page_p95_ms": stats["town"]["p95_ms"],
            "county_page_p95_ms": stats["county"]["p95_ms"],
            "hand_town_p95_ms": stats["hand_town"]["p95_ms"],
            "hand_county_p95_ms": stats["hand_county"]["p95_ms"],
            "town_overhead_ratio": round(town_ratio, 3),
            "county_overhead_ratio": round(county_ratio, 3),
            "overhead_ratio": round(overhead, 3),
            "count_p95_ms": stats["count"]["p95_ms"],
            "hand_count_p95_ms": stats["hand_count"]["p95_ms"],
            "town_page_p50_ms": stats["town"]["p50_ms"],
            "county_page_p50_ms": stats["county"]["p50_ms"],
            "hand_town_p50_ms": stats["hand_town"]["p50_ms"],
            "hand_county_p50_ms": stats["hand_county"]["p50_ms"],
            "page_ok": page_p95 < PAGE_TARGET_MS,
            "overhead_ok": overhead <= OVERHEAD_TARGET,
            "units": units,
            "people": people,
            "town_people": town_people,
            "reps": args.reps,
            "postgres_version": connection.connection.info.server_version,
            "seconds": round(time.perf_counter() - run_started, 1),
        }
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if args.keep:
            log(f"kept database {DB_NAME}")
        else:
            drop_database()
            log(f"dropped database {DB_NAME}")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
