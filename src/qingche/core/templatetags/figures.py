"""How figures read on every page: a share as a percentage, an index value with its state."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(share, digits: int = 0) -> str:
    """0.573 → "57%"; None (nothing to divide) → "—"."""
    if share is None or share == "":
        return "—"
    return f"{floatformat(float(share) * 100, digits)}%"


@register.inclusion_tag("core/_index_badge.html")
def index_badge(value, state="", digits: int = 3, has_data: bool = True):
    """A burden index as every page shows it: "no capacity" when nobody is in post, "no data yet" when the
    period recorded nothing, else the value, red above the red line and amber above 1.0."""
    return {"value": value, "state": state, "digits": digits, "has_data": has_data}
