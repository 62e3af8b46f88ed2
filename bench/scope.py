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

    .venv/bin/python bench/scope.py [--keep] [--explain] [--no-what-if] [--jobs N] [--units N] [--people N] [--reps N]

It also times, in the same run, where the page's time goes (loading a fresh account's grants; the
page without decrypting personal data) and, under "what_if", the pages with those two costs removed
by patches that live only in this process, so that a proposed fix can be judged before it is made.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import warnings

from _common import drop_database, make_log, recreate_database, setup_django, summary

DB_NAME = "qingche_bench_scope"
PAGE_TARGET_MS = 20.0
OVERHEAD_TARGET = 1.5

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
    "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白"
    "邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国文辉红玉春梅海燕志鹏"
    "晓东宇浩然子涵欣怡佳琪思远博雨桐俊嘉梓萱一鸣晨曦振德胜永秋菊冬长青卫立新兴旺福贵"
)
PHONE_PREFIXES = ("138", "139", "150", "151", "158", "177", "180", "186", "189", "199")

log = make_log("scope")


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
        nodes.append(
            {
                "name": f"第{town_no + 1}{'街道' if kind == 'street' else '镇'}",
                "kind": kind,
                "code": town_code,
                "parent": 0,
            }
        )
        town_index = len(nodes) - 1
        for village_no in range(base + (1 if town_no < extra else 0)):
            child_kind = "community" if kind == "street" else "village"
            nodes.append(
                {
                    "name": f"第{town_no + 1}镇{village_no + 1}{'社区' if kind == 'street' else '村'}",
                    "kind": child_kind,
                    "parent": town_index,
                }
            )
    return nodes


def make_people(count: int, units: list, rng: random.Random, start_serial: int) -> list:
    """Unsaved Person objects with valid-looking, unique ID numbers (GB 11643 check digit)."""
    import datetime as dt

    from qingche.core.rules import id_number_check_char
    from qingche.org.models import Person

    categories = [
        Person.Category.CIVIL_SERVANT,
        Person.Category.PUBLIC_INSTITUTION,
        Person.Category.VILLAGE_CADRE,
        Person.Category.COMMUNITY_WORKER,
        Person.Category.CONTRACT,
    ]
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
        people.append(
            Person(
                name=rng.choice(SURNAMES) + given,
                gender=gender,
                birth_date=birth,
                id_number=first17 + id_number_check_char(first17),
                phone=f"{rng.choice(PHONE_PREFIXES)}{(serial * 7919) % 100_000_000:08d}",
                category=rng.choice(categories),
                unit=rng.choice(units),
            )
        )
    return people


_HOLDERS: list = []  # the units people are spread over; inherited by the loader processes (fork)


def load_people_chunk(first: int, count: int, seed: int) -> None:
    """Make and load `count` people with serials from `first`, in one transaction."""
    from django.db import transaction

    from qingche.core.audit import audit_context
    from qingche.org import services as org

    people = make_people(count, _HOLDERS, random.Random(seed), first)
    with audit_context(actor_name="system:bench"), transaction.atomic():
        org.people_bulk_load(people, batch_size=5000)


def load_people(total_people: int, seed: int, jobs: int) -> None:
    """The people in chunks of 20,000, each made from its own seed (the same data whatever `jobs`),
    loaded by `jobs` forked processes at once: making the objects and encrypting their personal
    data is CPU work in Python, so a second process uses the second core."""
    from django.db import connections

    chunk = 20_000
    tasks = [
        (first, min(chunk, total_people - first), seed * 1000 + index)
        for index, first in enumerate(range(0, total_people, chunk))
    ]
    started = time.perf_counter()

    def run(share):
        for first, count, chunk_seed in share:
            load_people_chunk(first, count, chunk_seed)
            log(f"  people {first + count:,} of {total_people:,} ({time.perf_counter() - started:.1f}s)")

    if jobs <= 1:
        run(tasks)
        return
    connections.close_all()  # a forked child must never use the parent's database connection
    children = []
    for worker in range(jobs):
        pid = os.fork()
        if pid == 0:  # the child: load its share, then leave without running the parent's clean-up
            status = 1
            try:
                run(tasks[worker::jobs])
                status = 0
            except BaseException as error:  # noqa: BLE001 - reported, and the parent fails the run
                log(f"people loader {worker} failed: {error!r}")
            finally:
                connections.close_all()
                os._exit(status)
        children.append(pid)
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    if failed:
        raise SystemExit(f"{len(failed)} people loader process(es) failed")
    log(f"  {total_people:,} people loaded by {jobs} processes in {time.perf_counter() - started:.1f}s")


def build(total_units: int, towns: int, total_people: int, seed: int, jobs: int):
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
        _HOLDERS[:] = [unit for unit in units if unit.depth > 1]
        load_people(total_people, seed, jobs)
        root = units[0]
        # The town with the most people below it is the town account's town: the worst town page.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT substr(u.path, 1, %s) AS town_path, count(*) FROM org_person p"
                " JOIN org_unit u ON u.id = p.unit_id WHERE u.depth >= 2"
                " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
                [Unit.steplen * 2],
            )
            town_path = cursor.fetchone()[0]
        town = Unit.objects.get(path=town_path)
        password = "Bench-" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(16))
        town_account = org.account_bootstrap(username="bench_town", password=password)
        org.role_grant_bootstrap(account=town_account, role_code="town", unit=town)
        county_account = org.account_bootstrap(username="bench_county", password=password)
        org.role_grant_bootstrap(account=county_account, role_code="org_department", unit=root)
    return root, town, town_account, county_account


# -- timing ------------------------------------------------------------------------------------------------
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


def explain_count(queryset) -> str:
    from django.db import connection

    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM ({sql}) AS counted", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_summary(plan: str) -> str:
    """The plan's node names, e.g. 'Limit > Sort > Nested Loop > Index Scan ...', and its execution time."""
    nodes = []
    for line in plan.splitlines():
        text = line.strip().removeprefix("->").strip()
        if "(cost=" in text:
            nodes.append(text.split("  (cost=")[0])
    timing = next((line.strip() for line in plan.splitlines() if line.startswith("Execution Time")), "")
    return " > ".join(nodes) + (f" [{timing}]" if timing else "")


class CachedRolePermissions:
    """What-if, not the application's code: `RoleGrant.grants_of` with the role -> permissions map
    read once per process (as a fix would cache it, invalidated when roles change), so that loading
    an account's grants is one query instead of two wider ones. Used as a context manager."""

    def __enter__(self):
        from qingche.core.scope import Grant
        from qingche.org.models import Role, RoleGrant

        role_perms: dict[str, set[str]] = {}
        for code, app_label, codename in Role.permissions.through.objects.values_list(
            "role__code", "permission__content_type__app_label", "permission__codename"
        ):
            role_perms.setdefault(code, set()).add(f"{app_label}.{codename}")
        frozen = {code: frozenset(perms) for code, perms in role_perms.items()}

        def grants_of(cls, user):
            rows = cls.objects.filter(user=user).values_list("role__code", "unit_id", "unit__path", "scope")
            return [
                Grant(role=code, unit_id=unit_id, unit_path=path, scope=scope, perms=frozen.get(code, frozenset()))
                for code, unit_id, path, scope in rows
            ]

        self.model, self.original = RoleGrant, RoleGrant.__dict__["grants_of"]
        RoleGrant.grants_of = classmethod(grants_of)
        return self

    def __exit__(self, *exc):
        self.model.grants_of = self.original
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME} (and its keys)")
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--towns", type=int, default=1_400)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=300, help="timed repetitions per case")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes loading people (default: 2, or 1 on a single core)",
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the pages to stderr")
    parser.add_argument("--no-what-if", action="store_true", help="skip the what-if timings")
    args = parser.parse_args()

    # A SIGTERM (e.g. a CI time limit) still drops the database and the keys: `finally` runs.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    run_started = time.perf_counter()
    var_dir = tempfile.mkdtemp(prefix="qingche-bench-scope-")
    log(f"creating database {DB_NAME} (keys and files of this run in {var_dir})")
    recreate_database(DB_NAME)
    result = None
    try:
        # unit_tree_load still calls treebeard's deprecated Unit.get_root_nodes() (reported, not ours to fix).
        warnings.filterwarnings("ignore", message="Using Unit.get_root_nodes")
        # The keys of this run live in var_dir; keys from the environment would win over it, so they are left out.
        setup_django(DB_NAME, var_dir=var_dir)
        from django.core.management import call_command
        from django.db import connection

        from qingche.org.models import Person, RoleGrant, Unit

        log("migrate")
        call_command("migrate", interactive=False, verbosity=0)
        root, town, town_account, county_account = build(args.units, args.towns, args.people, args.seed, args.jobs)
        log("ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        units, people = Unit.objects.count(), Person.objects.count()
        town_people = Person.objects.filter(unit__path__startswith=town.path).count()
        log(
            f"{units:,} units, {people:,} people; the town account's town {town.name} ({town.path})"
            f" holds {town_people:,} people"
        )

        def page(queryset, defer_pii: bool):
            queryset = queryset.order_by("name", "id")
            if defer_pii:
                queryset = queryset.defer("id_number", "phone")
            return list(queryset[:50])

        def scoped_page(defer_pii=False):
            return lambda user: page(Person.objects.visible_to(user), defer_pii)

        def hand_page(path, defer_pii=False):
            return lambda _user: page(Person.objects.filter(unit__path__startswith=path), defer_pii)

        def scoped_count(user):
            return Person.objects.visible_to(user).count()

        def hand_count(path):
            return lambda _user: Person.objects.filter(unit__path__startswith=path).count()

        # Sanity: the scope layer and the hand-written query give the same rows.
        for account, path in ((town_account, town.path), (county_account, root.path)):
            scoped_ids = [person.pk for person in scoped_page()(fresh_user(account.pk))]
            hand_ids = [person.pk for person in hand_page(path)(None)]
            if scoped_ids != hand_ids or len(scoped_ids) != 50:
                raise SystemExit(f"scoped and hand-written pages differ for {account.username}")
        if scoped_count(fresh_user(town_account.pk)) != town_people:
            raise SystemExit("scoped count differs from the hand-written count")

        page_order = ("name", "id")
        plans = {
            "town_scoped": explain(Person.objects.visible_to(fresh_user(town_account.pk)).order_by(*page_order)[:50]),
            "town_hand": explain(Person.objects.filter(unit__path__startswith=town.path).order_by(*page_order)[:50]),
            "county_scoped": explain(
                Person.objects.visible_to(fresh_user(county_account.pk)).order_by(*page_order)[:50]
            ),
            "county_hand": explain(Person.objects.filter(unit__path__startswith=root.path).order_by(*page_order)[:50]),
            "town_count": explain_count(Person.objects.visible_to(fresh_user(town_account.pk))),
            "county_count": explain_count(Person.objects.visible_to(fresh_user(county_account.pk))),
        }
        for name, plan in plans.items():
            log(f"plan {name}: {plan_summary(plan)}")
            if args.explain:
                log(f"EXPLAIN ANALYZE {name}:\n{plan}")

        log(f"timing: {args.warmup} warm-up + {args.reps} timed repetitions per case, interleaved")
        cases = {
            "town": (town_account.pk, scoped_page()),
            "hand_town": (town_account.pk, hand_page(town.path)),
            "county": (county_account.pk, scoped_page()),
            "hand_county": (county_account.pk, hand_page(root.path)),
            "count": (town_account.pk, scoped_count),
            "hand_count": (town_account.pk, hand_count(town.path)),
            # Where the time goes: loading a fresh account's grants (the scope layer's own cost) ...
            "grants": (town_account.pk, RoleGrant.grants_of),
            # ... and the page without decrypting personal data (what the decryption costs).
            "hand_town_no_pii": (town_account.pk, hand_page(town.path, defer_pii=True)),
        }
        stats = report(measure(cases, args.reps, args.warmup))
        # The people list page counts what it pages through: the county account counts everyone. That
        # count scans the whole table, so it gets fewer repetitions.
        count_reps = max(20, args.reps // 10)
        log(f"timing the county-wide count: 3 warm-up + {count_reps} repetitions")
        stats |= report(
            measure(
                {
                    "county_count": (county_account.pk, scoped_count),
                    "hand_county_count": (county_account.pk, hand_count(root.path)),
                },
                count_reps,
                3,
            )
        )
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
            "county_count_p95_ms": stats["county_count"]["p95_ms"],
            "hand_county_count_p95_ms": stats["hand_county_count"]["p95_ms"],
            "town_page_p50_ms": stats["town"]["p50_ms"],
            "county_page_p50_ms": stats["county"]["p50_ms"],
            "hand_town_p50_ms": stats["hand_town"]["p50_ms"],
            "hand_county_p50_ms": stats["hand_county"]["p50_ms"],
            "grants_load_p50_ms": stats["grants"]["p50_ms"],
            "grants_load_p95_ms": stats["grants"]["p95_ms"],
            "hand_town_no_pii_p50_ms": stats["hand_town_no_pii"]["p50_ms"],
            "hand_town_no_pii_p95_ms": stats["hand_town_no_pii"]["p95_ms"],
            "page_ok": page_p95 < PAGE_TARGET_MS,
            "overhead_ok": overhead <= OVERHEAD_TARGET,
            "units": units,
            "people": people,
            "town_people": town_people,
            "reps": args.reps,
            "postgres_version": connection.connection.info.server_version,
            # The machine's 1-minute load average when the timing ended: above the number of cores,
            # other work competed with this run and the p95 figures say more about it than about the app.
            "load_average_1m": round(os.getloadavg()[0], 2),
            "cpu_count": os.cpu_count(),
        }

        if not args.no_what_if:
            result["what_if"] = what_if(args, town, root, town_account, county_account, scoped_page, hand_page)
        result["seconds"] = round(time.perf_counter() - run_started, 1)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if args.keep:
            log(f"kept database {DB_NAME}; its keys are in {var_dir} (QINGCHE_VAR_DIR={var_dir})")
        else:
            drop_database(DB_NAME)
            shutil.rmtree(var_dir, ignore_errors=True)
            log(f"dropped database {DB_NAME}")
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result else 1


def report(samples: dict[str, list[float]]) -> dict[str, dict]:
    stats = {name: summary(values) for name, values in samples.items()}
    for name, stat in stats.items():
        log(f"  {name:18s} p50 {stat['p50_ms']:7.2f} ms  p95 {stat['p95_ms']:7.2f} ms  max {stat['max_ms']:7.2f} ms")
    return stats


def what_if(args, town, root, town_account, county_account, scoped_page, hand_page) -> dict:
    """The same pages with the two fixes this benchmark points at, simulated inside this process only:
    role permissions cached (grants in one query) and personal data not decrypted for the page."""
    variants = {}
    for name, cached, defer_pii in (
        ("cached_role_perms", True, False),
        ("no_pii_decrypt", False, True),
        ("both", True, True),
    ):
        log(f"what-if {name}")
        cases = {
            "town": (town_account.pk, scoped_page(defer_pii)),
            "hand_town": (town_account.pk, hand_page(town.path, defer_pii)),
            "county": (county_account.pk, scoped_page(defer_pii)),
            "hand_county": (county_account.pk, hand_page(root.path, defer_pii)),
        }
        if cached:
            with CachedRolePermissions():
                stats = report(measure(cases, args.reps, args.warmup))
        else:
            stats = report(measure(cases, args.reps, args.warmup))
        ratio = max(
            stats["town"]["p95_ms"] / stats["hand_town"]["p95_ms"],
            stats["county"]["p95_ms"] / stats["hand_county"]["p95_ms"],
        )
        variants[name] = {
            "page_p95_ms": max(stats["town"]["p95_ms"], stats["county"]["p95_ms"]),
            "town_page_p95_ms": stats["town"]["p95_ms"],
            "county_page_p95_ms": stats["county"]["p95_ms"],
            "hand_town_p95_ms": stats["hand_town"]["p95_ms"],
            "hand_county_p95_ms": stats["hand_county"]["p95_ms"],
            "overhead_ratio": round(ratio, 3),
        }
    return variants


if __name__ == "__main__":
    sys.exit(main())
