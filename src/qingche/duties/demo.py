"""Demo duty lists: every town and street of the demo county gets a published list drawn from the
catalogue in data/township_duties.csv (340 items: 117 basic, 99 cooperation, 124 taken back), varied a
little per town. The first town also has an earlier version, so history and diff have something to show."""

from __future__ import annotations

import csv
from pathlib import Path

from qingche.core.audit import audit_context
from qingche.duties import rules, services

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


def build(ctx) -> None:
    departments = services.department_units()
    specs = catalogue_specs(catalogue_rows(), departments)
    towns = [unit for unit in ctx.units if unit.kind in services.TOWN_KINDS]
    admin = ctx.accounts.get("jianfuban")
    with audit_context(actor_name="system:demo"):
        for index, town in enumerate(towns):
            # each town drops a few items of the catalogue (local circumstances differ a little)
            drop = ctx.random.uniform(0.0, 0.04)
            own = [spec for spec in specs if ctx.random.random() >= drop]
            if index == 0:
                earlier = [spec for spec in own if ctx.random.random() >= 0.03]
                services.duty_list_build(unit=town, specs=earlier, user=admin, note="2025年版")
            services.duty_list_build(unit=town, specs=own, user=admin, note="2026年版")
