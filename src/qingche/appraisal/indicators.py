"""Where the objective indicators of a cycle come from: a small registry of indicator sources.

Other modules register a source in their AppConfig.ready():

    from qingche.appraisal import indicators
    indicators.register("tasks", tasks_figures, label=_("Tasks"))

A source is fn(person_ids, start, end) -> {person_id: {"workload": person-hours, "done": n,
"on_time": n, "errors": n, "satisfaction": 0–1 or None}} (any subset of the keys) and may also return
bottom-grade triggers as {"bottom_grade": code, "reason": text} (accountability: a sanction in force; the
code is of the annual scale and `trigger_grade` gives the matching 平时 grade). Counts from several sources
add up; a source may give a negative "errors" as an offset (accountability: a 容错 decision counts in the
person's favour) and the sum never goes below zero; satisfaction is averaged over the sources that give one.

The sources the scheme expects but no installed module has registered are listed as "not yet
connected" on the cycle page; the cycle's figures then come from what was entered or imported.

Rater sources work the same way for rater groups that the unit tree alone cannot give. The tasks module
registers the 职能部门 group:

    indicators.register_rater_source("department", requesting_departments)

as fn(unit_ids, start, end) -> {unit_id: {department unit id: how many tasks it sent}}; the appraisal
services pick the raters of those departments (docs/appraisal.md, "Who rates whom").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from qingche.appraisal.rules import GRADE_SCALES

FIGURES = ("workload", "done", "on_time", "errors")

# The sources this module knows how to use, and which module is expected to provide each.
EXPECTED = {
    "tasks": (_("Tasks done, on time, late and sent back (tasks module)"), "qingche.tasks"),
    "service": (_("Citizen requests handled and their satisfaction (service module)"), "qingche.service"),
    "training": (_("Training completed (people module)"), "qingche.people"),
    "accountability": (_("Accountability cases in force (accountability module)"), "qingche.accountability"),
}


# Short names, for saying where a cycle's figures came from ("tasks+service" in figures_source).
SHORT_NAMES = {
    "tasks": _("Tasks"),
    "service": _("Citizen requests"),
    "training": _("Training"),
    "accountability": _("Accountability"),
}


def source_names(figures_source: str) -> str:
    """`figures_source` in words: the connected sources it names ("tasks+service") by their short names;
    anything else (e.g. “演示数据”, or what an import called itself) as it was stored."""
    names = (figures_source or "").split("+")
    if not figures_source or not all(name in SHORT_NAMES or name in _sources for name in names):
        return figures_source or ""
    return " + ".join(str(SHORT_NAMES.get(name) or _sources[name].label) for name in names)


@dataclass(frozen=True)
class Source:
    name: str
    fn: Callable
    label: str


_sources: dict[str, Source] = {}


def register(name: str, fn: Callable, label: str = "") -> None:
    _sources[name] = Source(name, fn, str(label or EXPECTED.get(name, (name,))[0]))


def unregister(name: str) -> None:
    _sources.pop(name, None)


def registered() -> dict[str, Source]:
    return dict(_sources)


def status() -> list[dict]:
    """Every expected and registered source with whether it is connected."""
    rows = []
    for name, (label, module) in EXPECTED.items():
        rows.append({"name": name, "label": str(label), "module": module, "connected": name in _sources})
    for name, source in _sources.items():
        if name not in EXPECTED:
            rows.append({"name": name, "label": source.label, "module": "", "connected": True})
    return rows


def collect(person_ids: list[int], start, end) -> tuple[dict[int, dict], dict[int, dict], list[str]]:
    """Figures per person summed over every registered source, the triggers, and the sources used."""
    figures: dict[int, dict] = {}
    satisfaction: dict[int, list[float]] = {}
    triggers: dict[int, dict] = {}
    used = []
    for name, source in sorted(_sources.items()):
        result = source.fn(person_ids, start, end) or {}
        used.append(name)
        for person_id, values in result.items():
            row = figures.setdefault(person_id, dict.fromkeys(FIGURES, 0.0))
            for key in FIGURES:
                row[key] += float(values.get(key) or 0)
            if values.get("satisfaction") is not None:
                satisfaction.setdefault(person_id, []).append(float(values["satisfaction"]))
            if values.get("bottom_grade"):
                triggers[person_id] = {"grade": values["bottom_grade"], "reason": values.get("reason", name)}
    for row in figures.values():
        for key in FIGURES:
            row[key] = max(row[key], 0.0)  # an offset (negative errors) never makes a figure negative
    for person_id, values in satisfaction.items():
        figures[person_id]["satisfaction"] = sum(values) / len(values)
    return figures, triggers, used


def trigger_grade(grade: str, scale: tuple[str, ...]) -> str:
    """A trigger's grade on the cycle's scale: a grade of another scale (e.g. the annual 基本称职 for a 平时 cycle)
    becomes the grade at the same place of this one (一般); an unknown code stays as it is."""
    if grade in scale:
        return grade
    for other in GRADE_SCALES.values():
        if grade in other and len(other) == len(scale):
            return scale[other.index(grade)]
    return grade


# -- rater sources ----------------------------------------------------------------------------------
_rater_sources: dict[str, Callable] = {}


def register_rater_source(group: str, fn: Callable) -> None:
    _rater_sources[group] = fn


def rater_source(group: str) -> Callable | None:
    """The function that names the units a rater group comes from, or None while no module gives it."""
    return _rater_sources.get(group)
