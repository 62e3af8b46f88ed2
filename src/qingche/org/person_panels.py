"""Panels that higher modules add to a person's page (org cannot import them): each registers a builder
`fn(request, person) -> html or None` from its wiring.py, e.g. people shows the person's training history."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import mark_safe

_builders: list[tuple[int, Callable]] = []


def register(builder: Callable, order: int = 100) -> None:
    _builders.append((order, builder))
    _builders.sort(key=lambda item: item[0])


def render(request, person) -> list[str]:
    """The rendered panels the user may see for this person (a builder returns None to show nothing)."""
    panels = []
    for _order, builder in _builders:
        html = builder(request, person)
        if html:
            panels.append(mark_safe(html))  # noqa: S308 - rendered by the module's own template
    return panels
