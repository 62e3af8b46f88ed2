"""Demo duty lists: every town and street of the demo county gets a published list drawn from the
catalogue in data/township_duties.csv (340 items: 117 basic, 99 cooperation, 124 taken back), varied a
little per town. The first town also has an earlier version, so history and diff have something to show.

Each item carries the list's own estimate of its standing workload (person-hours a month), from which the
burden index is calibrated (see standing_estimate): a duty takes a fixed part at the town plus a part for
each village or community it serves, varied per item; and each town's local circumstances (population,
industry, terrain) weigh its whole list by a factor spread over the towns so that, with the work imposed on
top, their indexes run from about 0.6 to 1.4 and about a quarter are above the red line of 1.0."""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from pathlib import Path

from qingche.core.audit import audit_context
from qingche.duties import rules, services
from qingche.duties.models import StandingSource

CATALOGUE = Path(__file__).parent / "data" / "township_duties.csv"


def catalogue_rows() -> list[dict]:
    with CATALOGUE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def catalogue_specs(rows: list[dict], departments: dict) -> list[dict]:
    specs = []
    for row in rows:
        specs.append(
            {
                "kind": row["kind"],
                "code": row["code"],
                "name": row["name"],
                "domain": row["domain"],
                "legal_basis": row["legal_basis"],
                "lead_unit": departments.get(row["lead_department"]),
                "keywords": row["keywords"],
                "cooperating": [
                    departments[name]
                    for name in rules.split_list(row["cooperating_departments"])
                    if name in departments
                ],
                "powers": [rules.parse_power(power) for power in rules.split_list(row["powers"])],
            }
        )
    return specs


# Person-hours a month a duty takes: (at the town, for each village or community it serves), by kind.
# A basic duty of a town of 16 villages: 17 + 16 × 5 ≈ 97 hours, about half a person's month in post.
HOURS_PER_ITEM = {rules.BASIC: (17.0, 5.0), rules.COOPERATION: (12.0, 2.9)}


def local_factor(rank: int, towns: int) -> float:
    """The weight of local circumstances on a town's whole list, for the town at `rank` (0-based) of `towns`
    in a shuffled order: the middle of each town's slice of a spread where three quarters of the towns lie
    between 0.7 and 1.2 and the last quarter between 1.2 and 1.6 (a few towns carry far more than most)."""
    share = (rank + 0.5) / towns
    if share <= 0.75:
        return 0.7 + share / 0.75 * 0.5
    return 1.2 + (share - 0.75) / 0.25 * 0.4


def standing_estimate(kind: str, villages: int, factor: float, variation: float) -> Decimal | None:
    """The list's own estimate of a duty's standing workload (person-hours a month, one decimal); none for
    a duty taken back (the department does it)."""
    if kind not in HOURS_PER_ITEM:
        return None
    fixed, per_village = HOURS_PER_ITEM[kind]
    return Decimal(str(round((fixed + per_village * villages) * factor * variation, 1)))


def build(ctx) -> None:
    departments = services.department_units()
    specs = catalogue_specs(catalogue_rows(), departments)
    towns = [unit for unit in ctx.units if unit.kind in services.TOWN_KINDS]
    # a random source of its own, so that the estimates leave the draws of every other demo step as they were
    estimates = random.Random("duties.standing")
    ranks = list(range(len(towns)))
    estimates.shuffle(ranks)
    variations = [estimates.uniform(0.6, 1.4) for _spec in specs]  # some duties take more than others
    admin = ctx.accounts.get("jianfuban")
    with audit_context(actor_name="system:demo"):
        for index, town in enumerate(towns):
            villages = sum(1 for unit in ctx.units if unit.depth == town.depth + 1 and unit.path.startswith(town.path))
            factor = local_factor(ranks[index], len(towns))
            estimated = [
                spec
                | {
                    "standing_hours": standing_estimate(spec["kind"], villages, factor, variation),
                    "standing_source": StandingSource.LIST,
                }
                for spec, variation in zip(specs, variations, strict=True)
            ]
            # each town drops a few items of the catalogue (local circumstances differ a little)
            drop = ctx.random.uniform(0.0, 0.04)
            own = [spec for spec in estimated if ctx.random.random() >= drop]
            if index == 0:
                earlier = [spec for spec in own if ctx.random.random() >= 0.03]
                services.duty_list_build(unit=town, specs=earlier, user=admin, note="2025年版")
            services.duty_list_build(unit=town, specs=own, user=admin, note="2026年版")
