"""Reads of the shared kernel, already scoped to the user."""

import datetime as dt

from django.db.models import Q

from qingche.core import actors
from qingche.core.models import ApiToken, AuditAnchor, AuditChainHead, AuditEvent, HolidayOverride
from qingche.core.pii import UNMASK_PERM


def audit_events(
    user,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    request_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    events = AuditEvent.objects.visible_to(user)
    if actor:  # the user name, or the person's name the page shows
        events = events.filter(Q(actor_name__icontains=actor) | Q(actor_id__in=actors.ids_named(actor)))
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if request_id:
        events = events.filter(request_id=request_id)
    if date_from:
        events = events.filter(created_at__date__gte=date_from)
    if date_to:
        events = events.filter(created_at__date__lte=date_to)
    return events


def audit_object_types(user) -> list[str]:
    return list(AuditEvent.objects.visible_to(user).order_by().values_list("object_type", flat=True).distinct())


def audit_anchors(user, *, days: int = 7) -> dict:
    """The chain's end now and at the start of the last `days` days, for those who read the trail."""
    if not user.has_perm("core.view_auditevent"):
        return {"head": None, "anchors": []}
    return {"head": AuditChainHead.objects.filter(pk=1).first(), "anchors": list(AuditAnchor.objects.all()[:days])}


def holiday_entries(user):
    return HolidayOverride.objects.visible_to(user)


def unmaskable(user, model):
    """The rows of `model` whose personal data the user may unmask: reached by a grant that holds both
    the view permission and core.unmask_pii."""
    return model.objects.visible_to(user, also=(UNMASK_PERM,))


def may_unmask(user, obj) -> bool:
    return unmaskable(user, type(obj)).filter(pk=obj.pk).exists()


def api_tokens(user):
    """The account's own API tokens, newest first (each account sees only its own)."""
    return ApiToken.objects.filter(user=user).select_related("user")
