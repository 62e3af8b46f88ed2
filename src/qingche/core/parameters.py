"""Configurable policy parameters. Modules register their defaults (from DOMAIN_FACTS.md) with
`register_defaults`; an administrator's `Parameter` row overrides a default."""

import copy

from django.core.exceptions import ImproperlyConfigured

from qingche.core.cache import ttl_cache
from qingche.core.models import Parameter

_defaults: dict[str, tuple[object, str]] = {}


def register_defaults(values: dict[str, tuple[object, str]]) -> None:
    """values: key -> (default value, description)."""
    _defaults.update(values)


def get(key: str):
    if key not in _defaults:
        raise ImproperlyConfigured(f"unknown parameter {key!r}")
    stored = _stored().get(key)
    # a copy, as values such as {"weights": …} are shared by the cache (and defaults by every caller)
    return copy.deepcopy(_defaults[key][0] if stored is None else stored)


@ttl_cache(30, cleared_by=("core.Parameter",))
def _stored() -> dict:
    """Every administrator-set value, in one read (they are few), cached for 30 seconds in each process."""
    return dict(Parameter.objects.values_list("key", "value"))


def all_parameters() -> list[dict]:
    stored = dict(Parameter.objects.values_list("key", "value"))
    return [
        {"key": key, "default": default, "value": stored.get(key, default), "description": description}
        for key, (default, description) in sorted(_defaults.items())
    ]
