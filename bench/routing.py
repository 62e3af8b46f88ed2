"""Benchmark of routing a citizen request to a duty item (docs/service.md, “Routing”).

Routes every request of the labelled set (src/qingche/service/tests/data/routing_set.csv: text, category,
town, the unit and duty item that should handle it) against the demo catalogue's duty list, as
`rules.suggest_route` does at intake, and measures:

- the share routed to the right unit (target ≥ 90 %) and to the right unit and item (target ≥ 80 %);
- the time of one routing after the index is built (wall clock and the thread's CPU time; target: p95 of
  the CPU time under 1 ms), the time of building a town's index the first time in a process (with
  jieba's dictionary) and again for the next town (the items' words are cached);
- in the same run, the keyword routing it replaced (an item's keywords found in the text, 2 points each,
  in the category's words 1 point; the best item wins), so the gain is measured, not remembered.

No database is used. Progress goes to stderr; the last line of stdout is one JSON object:
    {"unit_accuracy": …, "item_accuracy": …, "n": …, "routing_p95_ms": …, "baseline_unit_accuracy": …, …}

    .venv/bin/python bench/routing.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import time

from _common import make_log, setup_django, summary

UNIT_TARGET, ITEM_TARGET, ROUTING_TARGET_MS = 0.90, 0.80, 1.0
log = make_log("routing")


def keyword_baseline(rows, items, ids, office) -> tuple[float, float]:
    """Unit and item accuracy of the keyword routing this replaced."""
    unit_right = item_right = 0
    for row in rows:
        category = row["category"]
        best = None
        for item in items:
            score = sum(2 if word in row["text"] else 1 if word in category else 0 for word in item.keywords)
            if score and (best is None or score > best[0]):
                best = (score, item)
        if best is None:
            unit, code = office, ""
        else:
            item = best[1]
            unit = ids[row["town"]] if item.kind == "basic" else item.lead_unit_id
            code = item.code
        unit_right += unit == ids[row["expected_unit"]]
        item_right += unit == ids[row["expected_unit"]] and code == row["expected_code"]
    return unit_right / len(rows), item_right / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="route only the first N requests (smoke)")
    args = parser.parse_args()
    setup_django("qingche_bench_routing")  # for the models the demo catalogue's module imports; no query is made

    from qingche.service import rules
    from qingche.service.tests import routing_set

    rows = routing_set.labelled()
    rows = rows[: args.limit] if args.limit else rows
    started = time.perf_counter()
    index = routing_set.catalogue_index()
    first_build = time.perf_counter() - started
    started = time.perf_counter()
    routing_set.catalogue_index()
    next_build = time.perf_counter() - started
    log(f"index of {len(index.items)} items: {first_build:.2f} s the first time, {next_build * 1000:.0f} ms the next")

    routing_set.evaluate(rows[:10], index)  # warm-up
    cpu = []
    for row in rows:
        started = time.thread_time()
        rules.suggest_route(
            text=row["text"],
            category_words=[row["category"]],
            town_id=1,
            town_name=row["town"],
            items=index,
            county_office_id=2,
            county_office_name=routing_set.COUNTY_OFFICE,
        )
        cpu.append((time.thread_time() - started) * 1000)
    score = routing_set.evaluate(rows, index)
    for row, route in score.misses:
        log(
            f"missed: {row['text'][:40]} → {route.duty_code or route.basis}, expected "
            f"{row['expected_code'] or row['expected_unit']}"
        )
    baseline_unit, baseline_item = keyword_baseline(
        rows, index.items, routing_set.unit_ids(), routing_set.unit_ids()[routing_set.COUNTY_OFFICE]
    )
    wall, cpu_summary = summary(score.timings_ms), summary(cpu)
    figures = {
        "unit_accuracy": round(score.unit_accuracy, 3),
        "item_accuracy": round(score.item_accuracy, 3),
        "n": score.n,
        "routing_p95_ms": wall["p95_ms"],
        "routing_p50_ms": wall["p50_ms"],
        "routing_cpu_p95_ms": cpu_summary["p95_ms"],
        "index_first_build_s": round(first_build, 2),
        "index_next_build_ms": round(next_build * 1000, 1),
        "baseline_unit_accuracy": round(baseline_unit, 3),
        "baseline_item_accuracy": round(baseline_item, 3),
        "unit_ok": score.unit_accuracy >= UNIT_TARGET,
        "item_ok": score.item_accuracy >= ITEM_TARGET,
        "routing_ok": cpu_summary["p95_ms"] < ROUTING_TARGET_MS,
    }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
