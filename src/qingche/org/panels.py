"""Panels that modules above org add to org's person and unit pages, and where a person's current rank comes
from. org cannot import those modules: they plug in here from their wiring.py.

A panel builder is `builder(request, obj)` returning None (nothing to show to this user) or
{"template": "<app>/<file>.html", ...context}: the person (or unit) page includes the template with that context.
The rank source is `source() -> an expression` (e.g. a Subquery on OuterRef("pk")) giving a person's current
rank, or NULL where it knows none: `with_current_rank(people)` annotates `current_rank` with it, falling back to
the record's own (deprecated) rank field, inside the same query."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F
from django.db.models.functions import Coalesce

_person_panels: list[tuple[int, Callable]] = []
_unit_panels: list[tuple[int, Callable]] = []
_rank_sources: list[Callable] = []


def register_person_panel(builder: Callable, order: int = 100) -> None:
    _person_panels.append((order, builder))
    _person_panels.sort(key=lambda item: item[0])


def register_unit_panel(builder: Callable, order: int = 100) -> None:
    _unit_panels.append((order, builder))
    _unit_panels.sort(key=lambda item: item[0])


def register_rank_source(source: Callable) -> None:
    _rank_sources.append(source)


def person_panels(request, person) -> list[dict]:
    return [panel for _order, builder in _person_panels if (panel := builder(request, person)) is not None]


def unit_panels(request, unit) -> list[dict]:
    return [panel for _order, builder in _unit_panels if (panel := builder(request, unit)) is not None]


def with_current_rank(people):
    """The people queryset annotated with `current_rank`: from a registered source (e.g. the rank history), else
    the record's field."""
    if not _rank_sources:
        return people.annotate(current_rank=F("rank"))
    return people.annotate(current_rank=Coalesce(*(source() for source in _rank_sources), F("rank")))
