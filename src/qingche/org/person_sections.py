"""Sections that modules above org add to the person page (awards, the reserve pool, …): a builder takes the
request and the person and returns a card {"key", "title", "lines": [text, …]} or None."""

from __future__ import annotations

from collections.abc import Callable

_BUILDERS: list[tuple[int, Callable]] = []


def register(builder: Callable, order: int = 100) -> None:
    _BUILDERS.append((order, builder))
    _BUILDERS.sort(key=lambda item: item[0])


def sections(request, person) -> list[dict]:
    return [card for _order, builder in _BUILDERS if (card := builder(request, person))]
