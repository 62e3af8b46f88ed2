"""Pluggable sources of load for the 小马拉大车 index, and lookups that fill catalog values.

A source is a function(unit_ids, period) -> {unit_id: person-hours} for the given units (each
unit on its own, not its subtree). Burden registers its own sources (inspections, meetings,
forms, overtime); the task-admission module registers "tasks" and the citizen-request module
"service" when they are installed:

    from qingche.burden import sources
    sources.register("service", my_function, label=_("citizen requests handled"), sender=sources.CITIZEN)

Burden itself registers two sources that run at a steady rate (`per`): "standing" (the standing duties
of each town's duty list, sender STANDING) and "apps" (apps and work groups used every working day).

A module that would rather keep burden's rollup table current (cheaper for dashboards) calls
`qingche.burden.services.load_add(...)` in the transaction of each of its events and registers
`sources.rollup_function("service")`. Sources the design expects but that no installed module has
registered are listed by `missing()`, and the pages say plainly that they are not yet connected.

A person source says which part of a unit's load is a named person's own work (the index of a person):
a function(person_ids, unit_id, period) -> {person_id: person-hours} giving, for the given people (every
person when person_ids is None), their own hours that the unit's load of `unit_source` counts for the
period. Burden registers "overtime" (confirmed overtime); the task module registers "tasks" (task parts):

    sources.register_person("tasks", my_function, label=_("task parts assigned"), unit_source="tasks")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from qingche.burden.models import LoadRollup
from qingche.burden.rules import CITIZEN, SENDERS, STANDING, UPPER, Period

__all__ = [
    "CITIZEN",
    "STANDING",
    "UPPER",
    "register",
    "registered",
    "missing",
    "rollup_function",
    "register_filler",
    "register_person",
    "person_sources",
    "missing_person",
]


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    sender: str
    function: Callable[[list[int], Period], dict[int, float]]
    rollup: bool = False
    per: str | None = None  # None: person-hours in the period; MONTH / WORKING_DAY: a rate (see register)


_sources: dict[str, Source] = {}

# Sources the design names, with the module expected to connect them.
EXPECTED = {
    "tasks": (_("admitted tasks (by effort)"), "qingche.tasks", UPPER),
    "service": (_("citizen requests handled"), "qingche.service", CITIZEN),
}


MONTH, WORKING_DAY = "month", "working_day"


def register(name: str, function, *, label, sender: str = UPPER, rollup: bool = False, per: str | None = None) -> None:
    """`per`: for a load that runs at a steady rate (standing duties, apps used every day), the function gives
    person-hours per MONTH or per WORKING_DAY, and the index multiplies it by the period's months
    (rules.month_share) or working days: a 12-month trend then reads the rate once, not once a month."""
    if sender not in SENDERS:
        raise ValueError("sender must be 'standing', 'upper' or 'citizen'")
    if per not in (None, MONTH, WORKING_DAY):
        raise ValueError("per must be None, 'month' or 'working_day'")
    _sources[name] = Source(name=name, label=label, sender=sender, function=function, rollup=rollup, per=per)


def unregister(name: str) -> None:
    _sources.pop(name, None)


def registered() -> dict[str, Source]:
    return dict(_sources)


def missing() -> list[dict]:
    return [
        {"name": name, "label": label, "module": module}
        for name, (label, module, _sender) in EXPECTED.items()
        if name not in _sources
    ]


def rollup_function(source: str):
    """A source function that reads burden's rollup table (rows kept by services.load_add)."""

    def read(unit_ids, period: Period) -> dict[int, float]:

        rows = (
            LoadRollup.objects.filter(
                unit_id__in=list(unit_ids),
                source=source,
                month__gte=period.first.replace(day=1),
                month__lte=period.last,
            )
            .values("unit_id")
            .annotate(total=Sum("hours"))
        )
        return {row["unit_id"]: float(row["total"]) for row in rows}

    read.source = source
    return read


# -- person sources: the part of a unit's load that is a named person's own work ---------------------------
@dataclass(frozen=True)
class PersonSource:
    name: str
    label: str
    function: Callable[[list[int] | None, int, Period], dict[int, float]]
    unit_source: str  # the unit source whose load holds these hours (their weight is that source's)


_person_sources: dict[str, PersonSource] = {}

# Person sources the design names, with the module expected to connect them.
EXPECTED_PERSON = {
    "tasks": (_("task parts assigned to the person"), "qingche.tasks"),
}


def register_person(name: str, function, *, label, unit_source: str | None = None) -> None:
    _person_sources[name] = PersonSource(name=name, label=label, function=function, unit_source=unit_source or name)


def unregister_person(name: str) -> None:
    _person_sources.pop(name, None)


def person_sources() -> dict[str, PersonSource]:
    return dict(_person_sources)


def missing_person() -> list[dict]:
    return [
        {"name": name, "label": label, "module": module}
        for name, (label, module) in EXPECTED_PERSON.items()
        if name not in _person_sources
    ]


# -- fillers: where a catalog field's value already lives on the platform ---------------------------------
@dataclass(frozen=True)
class Filler:
    name: str
    label: str
    function: Callable  # (unit) -> str | None


_fillers: dict[str, Filler] = {}


def register_filler(name: str, function, *, label) -> None:
    _fillers[name] = Filler(name=name, label=label, function=function)


def fillers() -> dict[str, Filler]:
    return dict(_fillers)
