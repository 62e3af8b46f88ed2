"""Follow-ups offered on another module's page: a lower module names an object by kind and id ("burden.inspection",
42) and a higher module plugs in what can follow from it — an action button ("转为整改": raise a rectification item)
and the progress of what followed (shown, e.g., under a published 直通车 answer). A lower module cannot import the
higher one; it only renders `{% load followups %}{% followup_actions "burden.inspection" inspection.pk %}` or
`{% followup_progress "burden.burdenreport" report.pk %}`.

An action builder is `f(user, object_id) -> list[(label, url)]` (empty when not for this user); a progress builder is
`f(object_ids) -> {object_id: [text, ...]}` and must only return what may be shown to whoever sees the page (the
progress of a 直通车 item is public)."""

from __future__ import annotations

from collections.abc import Callable

_actions: dict[str, list[Callable]] = {}
_progress: dict[str, list[Callable]] = {}


def register_action(kind: str, builder: Callable) -> None:
    builders = _actions.setdefault(kind, [])
    if builder not in builders:
        builders.append(builder)


def register_progress(kind: str, builder: Callable) -> None:
    builders = _progress.setdefault(kind, [])
    if builder not in builders:
        builders.append(builder)


def actions(kind: str, user, object_id) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for builder in _actions.get(kind, ()):
        found.extend(builder(user, object_id) or ())
    return found


def progress(kind: str, object_ids) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    ids = [object_id for object_id in object_ids if object_id is not None]
    if not ids:
        return found
    for builder in _progress.get(kind, ()):
        for object_id, lines in (builder(ids) or {}).items():
            found.setdefault(object_id, []).extend(lines)
    return found


def kinds() -> set[str]:
    return set(_actions) | set(_progress)
