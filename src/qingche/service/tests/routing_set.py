"""The labelled routing set (data/routing_set.csv) and how routing is scored on it, shared by
test_routing.py and bench/routing.py. No database: each town's list is the demo catalogue
(duties/data/township_duties.csv) whole, the unit an item names is the expected one, and a request no item
fits belongs to the county government's office (县政府办公室)."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

from qingche.demo import names
from qingche.duties.demo import catalogue_rows
from qingche.service import rules

ROUTING_SET = Path(__file__).parent / "data" / "routing_set.csv"
COUNTY_OFFICE = "县政府办公室"


def labelled() -> list[dict]:
    with ROUTING_SET.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def unit_ids() -> dict[str, int]:
    """Ids for the demo county's unit names, as the database would give them."""
    return {name: pk for pk, name in enumerate([COUNTY_OFFICE, *names.DEPARTMENTS, *names.TOWNS, *names.STREETS], 1)}


def place_names() -> list[str]:
    return [names.COUNTY_NAME, *names.TOWNS, *names.STREETS]


def catalogue_index() -> rules.DutyIndex:
    ids = unit_ids()
    items = [
        rules.DutyMatch(
            row["code"],
            row["name"],
            row["kind"],
            tuple(w for w in row["keywords"].split("；") if w),
            ids.get(row["lead_department"]),
            row["lead_department"],
            row["domain"],
        )
        for row in catalogue_rows()
    ]
    return rules.DutyIndex(items, place_names())


@dataclass
class Score:
    n: int
    unit_right: int
    item_right: int
    timings_ms: list[float]
    misses: list[tuple[dict, rules.Route]]

    @property
    def unit_accuracy(self) -> float:
        return self.unit_right / self.n

    @property
    def item_accuracy(self) -> float:
        return self.item_right / self.n


def evaluate(rows: list[dict], index: rules.DutyIndex) -> Score:
    ids = unit_ids()
    score = Score(len(rows), 0, 0, [], [])
    for row in rows:
        started = time.perf_counter()
        route = rules.suggest_route(
            text=row["text"],
            category_words=[row["category"]] if row["category"] else [],
            town_id=ids[row["town"]],
            town_name=row["town"],
            items=index,
            county_office_id=ids[COUNTY_OFFICE],
            county_office_name=COUNTY_OFFICE,
        )
        score.timings_ms.append((time.perf_counter() - started) * 1000)
        unit_right = route.unit_id == ids[row["expected_unit"]]
        item_right = unit_right and route.duty_code == row["expected_code"]
        score.unit_right += unit_right
        score.item_right += item_right
        if not item_right:
            score.misses.append((row, route))
    return score
