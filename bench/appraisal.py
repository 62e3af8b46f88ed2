"""Benchmark of the appraisal scoring engine (src/qingche/appraisal/rules.py), no database.

Builds a deterministic synthetic cycle: 100,000 people in 2,000 quota groups (units) of 50, each rated
20 times (2 superiors, 10 peers and 5 subordinates from the same unit, 3 public raters), raters being
fair, lenient, harsh or flat; then standardises, trims, combines, ranks and grades the whole cycle and
builds every person's line-by-line breakdown.

Progress goes to stderr; the last line of stdout is one JSON object with the timings, the peak
resident memory (getrusage ru_maxrss) and whether they are within the targets (60 s, 2 GiB).

    .venv/bin/python bench/appraisal.py [--people N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter

import numpy as np
from _common import ROOT, make_log

sys.path.insert(0, str(ROOT / "src"))

from qingche.appraisal import rules  # noqa: E402

ELAPSED_TARGET_S = 60.0
MEMORY_TARGET_MB = 2048.0
UNIT_SIZE = 50
GROUP_SLOTS = (("superior", 2), ("peer", 10), ("subordinate", 5), ("public", 3))
PUBLIC_POOL_PER_SLOT = 10_000
BEHAVIOURS = ("fair", "lenient", "harsh", "flat")
BEHAVIOUR_SHARES = (0.55, 0.2, 0.15, 0.1)

log = make_log("appraisal")


def scheme() -> rules.Scheme:
    return rules.Scheme(
        period="annual",
        dimension_weights={"de": 0.2, "neng": 0.2, "qin": 0.15, "ji": 0.3, "lian": 0.15},
        group_weights={"superior": 0.35, "peer": 0.3, "subordinate": 0.2, "public": 0.15},
        subjective_weight=0.6,
        excellent_quota=0.2,
        min_raters=3,
    )


def colleagues(rng: np.random.Generator, n_people: int, count: int) -> np.ndarray:
    """(n_people, count) distinct colleagues from each person's own unit, never the person."""
    position = np.arange(n_people) % UNIT_SIZE
    slot = np.argsort(rng.random((n_people, UNIT_SIZE - 1)), axis=1)[:, :count]
    slot += slot >= position[:, None]  # skip oneself
    return (np.arange(n_people) - position)[:, None] + slot


def build_ratings(rng: np.random.Generator, n_people: int, profile: np.ndarray, groups: tuple[str, ...]):
    in_unit = sum(count for name, count in GROUP_SLOTS if name != "public")
    raters = [colleagues(rng, n_people, in_unit)]
    group_columns = [groups.index(name) for name, count in GROUP_SLOTS for _ in range(count)]
    for k in range(dict(GROUP_SLOTS)["public"]):  # one rater from each disjoint pool: never a duplicate
        raters.append(n_people + k * PUBLIC_POOL_PER_SLOT + rng.integers(0, PUBLIC_POOL_PER_SLOT, (n_people, 1)))
    rater = np.concatenate(raters, axis=1).ravel()
    per_person = len(group_columns)
    ratee = np.repeat(np.arange(n_people), per_person)
    group = np.tile(np.array(group_columns), n_people)

    n_raters = n_people + dict(GROUP_SLOTS)["public"] * PUBLIC_POOL_PER_SLOT
    behaviour = rng.choice(len(BEHAVIOURS), size=n_raters, p=BEHAVIOUR_SHARES)[rater]
    scores = observe(rng, behaviour, profile[ratee])
    return rules.Ratings(rater=rater, ratee=ratee, group=group, scores=scores), n_raters


def observe(rng: np.random.Generator, behaviour: np.ndarray, profile: np.ndarray) -> np.ndarray:
    noise = rng.normal(0.0, 5.0, profile.shape)
    scores = profile + noise  # fair
    lenient, harsh, flat = (behaviour == BEHAVIOURS.index(kind) for kind in ("lenient", "harsh", "flat"))
    scores[lenient] = 92 + 0.5 * (profile[lenient] - 75) + 0.5 * noise[lenient]
    scores[harsh] = 55 + (profile[harsh] - 75) + noise[harsh]
    scores[flat] = 95 + 0.1 * noise[flat]
    return np.clip(np.round(scores), 0, 100)


def build_indicators(rng: np.random.Generator, n_people: int, truth: np.ndarray) -> rules.Indicators:
    workload = np.round(rng.lognormal(np.log(1600), 0.35, n_people) * (1 + 0.05 * truth), 1)
    done = np.maximum(np.round(workload / 20 * rng.uniform(0.8, 1.2, n_people)), 0)
    on_time = np.round(done * np.clip(0.85 + 0.05 * truth + rng.normal(0, 0.03, n_people), 0, 1))
    errors = rng.poisson(np.maximum(done * (0.03 - 0.01 * truth), 0.001))
    satisfaction = np.clip(0.85 + 0.04 * truth + rng.normal(0, 0.03, n_people), 0, 1)
    satisfaction[rng.random(n_people) < 0.1] = np.nan  # not every post is rated by citizens
    return rules.Indicators(workload, done, on_time, errors.astype(float), satisfaction)


def build_cycle(n_people: int, seed: int) -> rules.Cycle:
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n_people)
    profile = 75 + 8 * truth[:, None] + rng.normal(0, 2, (n_people, len(rules.DIMENSIONS)))
    ratings, n_raters = build_ratings(rng, n_people, profile, scheme().groups)
    bottom = {int(p): rules.BottomGrade("basically_competent", "问责认定") for p in rng.choice(n_people, 20)}
    return rules.Cycle(
        person_ids=np.arange(n_people),
        quota_groups=np.arange(n_people) // UNIT_SIZE,
        indicators=build_indicators(rng, n_people, truth),
        rater_ids=np.arange(n_raters),
        ratings=ratings,
        bottom_grades=bottom,
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()

    log(f"building a cycle of {args.people:,} people (seed {args.seed})")
    t0 = time.perf_counter()
    cycle = build_cycle(args.people, args.seed)
    t1 = time.perf_counter()
    n_ratings = int(cycle.ratings.rater.size)
    log(f"built {n_ratings:,} ratings from {len(cycle.rater_ids):,} raters in {t1 - t0:.1f}s; scoring")
    result = rules.score_cycle(cycle, scheme())
    t2 = time.perf_counter()
    log(f"scored in {t2 - t1:.1f}s; building {args.people:,} breakdowns")
    for person in range(args.people):
        result.explain(person)
    t3 = time.perf_counter()
    log(f"breakdowns in {t3 - t2:.1f}s")

    elapsed, memory = t3 - t0, peak_rss_mb()
    print(
        json.dumps(
            {
                "bench": "appraisal",
                "people": args.people,
                "ratings": n_ratings,
                "raters": len(cycle.rater_ids),
                "build_s": round(t1 - t0, 2),
                "score_s": round(t2 - t1, 2),
                "explain_s": round(t3 - t2, 2),
                "elapsed_s": round(elapsed, 2),
                "peak_rss_mb": round(memory, 1),
                "elapsed_ok": elapsed < ELAPSED_TARGET_S,
                "memory_ok": memory < MEMORY_TARGET_MB,
                "rater_flags": dict(sorted(Counter(flag.kind for flag in result.rater_flags).items())),
                "grades": dict(sorted(Counter(result.grading.grade.tolist()).items())),
                "cpus": os.cpu_count(),
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
