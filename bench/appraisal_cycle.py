"""Benchmark of a whole appraisal cycle through the Django services on PostgreSQL.

Builds its own database `qingche_bench_appraisal` (dropped first if it exists, dropped again at the
end unless --keep): a county with --towns towns, each with 2 leaders and --staff general cadres
(乡镇一般干部). Then, through `qingche.appraisal.services`, times:

- cycle_create: the people in scope and their raters from the unit structure (2 superiors and every
  peer of the same town: staff − 1), bulk-inserted;
- ratings_bulk_load: every rating submitted (chunks of 20,000), scores checked like a form;
- figures_set: objective figures for everyone;
- cycle_score: reading the ratings in chunks, the rules engine, and writing every result with its
  line-by-line explanation in batches (appraisal.batch_size) plus the rater flags.

Progress goes to stderr; the last line of stdout is one JSON object.

    .venv/bin/python bench/appraisal_cycle.py [--towns N] [--staff N] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import time

from _common import drop_database, make_log, recreate_database, setup_django

DB_NAME = "qingche_bench_appraisal"
log = make_log("appraisal_cycle")


def build_county(towns: int, staff: int, rng: random.Random):
    from django.db import transaction

    from qingche.core.rules import id_number_check_char
    from qingche.org import services as org
    from qingche.org.models import Assignment, Person, Post

    nodes = [{"name": "基准县", "kind": "county", "code": "439900", "parent": None}]
    nodes += [{"name": f"第{i + 1}镇", "kind": "town", "parent": 0} for i in range(towns)]
    with transaction.atomic():
        units = org.unit_tree_load(nodes)
        posts = []
        for town in units[1:]:
            posts += [
                Post(unit=town, name="党委书记", kind="leader", quota=1),
                Post(unit=town, name="镇长", kind="leader", quota=1),
                Post(unit=town, name="综合办干事", kind="staff", quota=staff),
            ]
        org.posts_bulk_load(posts)
    posts = list(Post.objects.select_related("unit").order_by("id"))
    people, planned, serial = [], [], 0
    for post in posts:
        for _seat in range(post.quota):
            serial += 1
            birth = dt.date(rng.randint(1966, 2001), rng.randint(1, 12), rng.randint(1, 28))
            first17 = f"43{(serial // 500) % 10000:04d}{birth:%Y%m%d}{(serial % 500) * 2 + 1:03d}"
            people.append(
                Person(
                    name=f"干部{serial}",
                    gender="male",
                    birth_date=birth,
                    id_number=first17 + id_number_check_char(first17),
                    phone=f"138{(serial * 7919) % 100_000_000:08d}",
                    category="civil_servant",
                    unit=post.unit,
                )
            )
            planned.append(post)
    with transaction.atomic():
        org.people_bulk_load(people, batch_size=5000)
        saved = list(Person.objects.order_by("id"))
        org.assignments_bulk_load(
            [
                Assignment(person=p, post=post, start_date=dt.date(2020, 1, 1))
                for p, post in zip(saved, planned, strict=True)
            ],
            batch_size=5000,
        )
        account = org.account_bootstrap(username="bench_org", password="Bench-" + str(rng.random()))
        org.role_grant_bootstrap(account=account, role_code="org_department", unit=units[0])
    return units[0], account


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    recreate_database(DB_NAME)
    setup_django(DB_NAME)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from qingche.appraisal import services
    from qingche.core.audit import audit_context
    from qingche.core.models import User

    with audit_context(actor_name="system:bench"):
        log(f"building {args.towns:,} towns × ({args.staff} staff + 2 leaders)")
        county, account = build_county(args.towns, args.staff, rng)
        user = User.objects.get(pk=account.pk)
        scheme = services.scheme_create(
            user=user,
            unit=county,
            name="基准方案",
            person_category="town_staff",
            period_type="annual",
            grade_scale="annual",
            dimension_weights={"de": 20, "neng": 20, "qin": 20, "ji": 30, "lian": 10},
            group_weights={"superior": 50, "peer": 50},
            indicator_weights={"volume": 40, "on_time": 30, "accuracy": 30},
            subjective_weight=60,
            min_raters=2,
            excellent_quota=20,
            quota_group="town",
        )
        timings = {}
        started = time.perf_counter()
        cycle = services.cycle_create(
            user=user,
            scheme=scheme,
            name="基准周期",
            year=2026,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            unit=county,
        )
        timings["create_s"] = time.perf_counter() - started
        people = cycle.appraisees.count()
        log(f"cycle of {people:,} people created in {timings['create_s']:.1f}s")

        truth = {pk: rng.gauss(0, 1) for pk in cycle.appraisees.values_list("pk", flat=True)}
        started = time.perf_counter()
        ids = list(cycle.ratings.order_by("id").values_list("id", "ratee_id", "rater_person_id"))
        leniency = {}
        for first in range(0, len(ids), 20_000):
            rows = []
            for rating_id, ratee, rater in ids[first : first + 20_000]:
                shift = leniency.setdefault(rater, rng.choice((0, 0, 0, 12, -12)))
                base = 75 + 8 * truth[ratee] + shift
                rows.append(
                    (
                        rating_id,
                        {
                            d: float(min(100, max(0, round(base + rng.gauss(0, 4)))))
                            for d in ("de", "neng", "qin", "ji", "lian")
                        },
                        "",
                        True,
                    )
                )
            services.ratings_bulk_load(cycle=cycle, rows=rows)
        timings["ratings_s"] = time.perf_counter() - started
        log(f"{len(ids):,} ratings submitted in {timings['ratings_s']:.1f}s")

        started = time.perf_counter()
        figures = {}
        for pk, t in truth.items():
            done = max(1, round(80 * (1 + 0.1 * t)))
            figures[pk] = {"workload": 1600 * (1 + 0.05 * t), "done": done, "on_time": round(done * 0.9), "errors": 2}
        services.figures_set(user=user, cycle=cycle, rows=figures, source="bench")
        timings["figures_s"] = time.perf_counter() - started

        started = time.perf_counter()
        result = services.cycle_score(user=user, cycle=cycle)
        timings["score_s"] = time.perf_counter() - started
        log(f"scored and written in {timings['score_s']:.1f}s")
    written = cycle.appraisees.filter(breakdown__isnull=False).count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(DB_NAME)
    print(
        json.dumps(
            {
                "bench": "appraisal_cycle",
                "database": "postgresql",
                "people": people,
                "ratings": len(ids),
                **{key: round(value, 2) for key, value in timings.items()},
                "results_written": written,
                "rater_flags": len(result.rater_flags),
                "people_per_s_scoring": round(people / timings["score_s"]),
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
