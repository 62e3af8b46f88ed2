"""{% load followups %} — what another module offers on this object (see core.followups).

`{% followup_actions "burden.inspection" inspection.pk %}` renders its action buttons (nothing when none);
`{% followup_progress "burden.burdenreport" report.pk %}` renders the progress lines of what followed."""

from django import template
from django.utils.html import format_html, format_html_join

from qingche.core import followups

register = template.Library()


@register.simple_tag(takes_context=True)
def followup_actions(context, kind, object_id):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or object_id is None:
        return ""
    found = followups.actions(kind, user, object_id)
    if not found:
        return ""
    return format_html(
        '<span class="qc-followups">{}</span>',
        format_html_join(
            " ", '<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>', ((url, label) for label, url in found)
        ),
    )


@register.simple_tag
def followup_progress(kind, object_id):
    lines = followups.progress(kind, [object_id]).get(object_id, [])
    if not lines:
        return ""
    return format_html(
        '<div class="qc-followup-progress small">{}</div>',
        format_html_join("", "<div>{}</div>", ((line,) for line in lines)),
    )
