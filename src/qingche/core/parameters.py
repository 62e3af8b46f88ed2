"""Configurable policy parameters. Modules register their defaults (from DOMAIN_FACTS.md) with
`register_defaults`; an administrator's `Parameter` row overrides a default."""

from django.core.exceptions import ImproperlyConfigured

_defaults: dict[str, tuple[object, str]] = {}


def register_defaults(values: dict[str, tuple[object, str]]) -> None:
    """values: key -> (default value, description)."""
    _defaults.update(values)


def get(key: str):
    from qingche.core.models import Parameter

    if key not in _defaults:
        raise ImproperlyConfigured(f"unknown parameter {key!r}")
    stored = Parameter.objects.filter(key=key).values_list("value", flat=True).first()
    return _defaults[key][0] if stored is None else stored


def all_parameters() -> list[dict]:
    from qingche.core.models import Parameter

    stored = dict(Parameter.objects.values_list("key", "value"))
    return [
        {"key": key, "default": default, "value": stored.get(key, default), "description": description}
        for key, (default, description) in sorted(_defaults.items())
    ]
