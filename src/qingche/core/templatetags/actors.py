"""{% load actors %} — `{{ account|actor }}` names the person behind an account (see core.actors)."""

from django import template

from qingche.core import actors

register = template.Library()


@register.filter
def actor(user) -> str:
    return actors.name(user)
