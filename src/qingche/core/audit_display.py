"""The audit trail as people read it: who (the person's name and unit, see `core.actors`), what kind of
object by its name (the model's verbose name, or a label a module registers for the types that are not
models), and each change as a row of field name, value before and value after — choices by their label,
related rows by their name, times in local time (Asia/Shanghai), yes/no for flags.

The stored event is not changed: this only reads it (through `audit.shown`, so redaction still holds)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingche.core import actors
from qingche.core.audit import model_of, shown

_type_labels: dict[str, object] = {}


def register_object_type(object_type: str, label) -> None:
    """A label for an object type of the trail that is not a model (e.g. "appraisal.outcome")."""
    _type_labels[object_type] = label


def object_type_label(object_type: str) -> str:
    model = model_of(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return str(_type_labels.get(object_type, object_type))


@dataclass
class Change:
    field: str
    before: str
    after: str
    structured: bool = False  # a list or mapping, shown as data


def annotate(events) -> list:
    """The events of one page, each with `actor_shown`, `type_label`, `object_shown` and `changes`."""
    events = list(events)
    names = actors.names(event.actor for event in events if event.actor_id and event.actor)
    users = _users_named(event.object_id for event in events if event.object_type == "core.user")
    related = _Related()
    for event in events:
        event.actor_shown = names.get(event.actor_id) or _system_name(event.actor_name)
        event.type_label = object_type_label(event.object_type)
        event.object_shown = users.get(event.object_id, event.object_repr) if event.object_type == "core.user" else ""
        event.object_shown = event.object_shown or event.object_repr
        event.changes = _changes(event, related)
    related.resolve()
    for event in events:
        for change in event.changes:
            change.before, change.after = related.text(change.before), related.text(change.after)
    return events


def _system_name(actor_name: str) -> str:
    if actor_name.startswith("system:"):
        return _("system")
    return actor_name or "—"


def _users_named(ids) -> dict[str, str]:
    wanted = [int(pk) for pk in ids if str(pk).isdigit()]
    accounts = get_user_model()._base_manager.filter(pk__in=wanted)
    return {str(pk): name for pk, name in actors.names(accounts).items()}


class _Related:
    """Rows named by a change (a foreign key's id), looked up once per model for the whole page."""

    def __init__(self):
        self.wanted: dict[type, set] = {}
        self.found: dict[tuple[type, str], str] = {}

    def ref(self, model, pk):
        self.wanted.setdefault(model, set()).add(pk)
        return ("ref", model, str(pk))

    def resolve(self) -> None:
        for model, ids in self.wanted.items():
            rows = model._base_manager.in_bulk([pk for pk in ids if pk is not None])
            named = actors.names(rows.values()) if model is get_user_model() else {}
            for pk, row in rows.items():
                self.found[(model, str(pk))] = named.get(pk) or str(row)

    def text(self, value) -> str:
        if isinstance(value, tuple) and value and value[0] == "ref":
            return self.found.get((value[1], value[2]), f"#{value[2]}")
        return value


def _changes(event, related: _Related) -> list[Change]:
    before, after = shown(event)
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [Change("", _value(before), _value(after), structured=True)]
    model = model_of(event.object_type)
    fields = {}
    if model is not None:
        for field in model._meta.concrete_fields:
            fields[field.attname] = fields[field.name] = field
    rows = []
    for key in list(dict.fromkeys([*before, *after])):
        field = fields.get(key)
        label = str(field.verbose_name) if field is not None else key.replace("_", " ")
        old = _shown(field, before.get(key), related) if key in before else ""
        new = _shown(field, after.get(key), related) if key in after else ""
        structured = isinstance(before.get(key), dict | list) or isinstance(after.get(key), dict | list)
        rows.append(Change(label, old, new, structured))
    return rows


def _shown(field, value, related: _Related):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return pgettext("boolean", "yes") if value else pgettext("boolean", "no")
    if field is not None and field.is_relation and field.many_to_one and not isinstance(value, dict | list):
        return related.ref(field.related_model, value)
    if field is not None and field.choices and not isinstance(value, dict | list):
        return str(dict(field.flatchoices).get(value, value))
    return _value(value)


def _value(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and "T" in value:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)
