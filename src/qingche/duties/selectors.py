"""Reads of duty lists, already scoped to the user; and the lookups other modules use."""

from django.db.models import Count, Q

from qingche.duties.models import DutyItem, DutyList


def duty_lists(user):
    return DutyList.objects.visible_to(user).select_related("unit")


def current_lists(user):
    """The published version of every town's list the user can see, with item counts per kind."""
    counts = {kind: Count("items", filter=Q(items__kind=kind)) for kind in DutyItem.Kind.values}
    return duty_lists(user).filter(status=DutyList.Status.PUBLISHED).annotate(**counts).order_by("unit__path")


def published_items_of(unit_ids) -> dict[int, dict[str, DutyItem]]:
    """For admission and routing: {unit_id: {item code: item}} of each unit's published list.
    Not scoped: published lists are public documents."""
    result: dict[int, dict[str, DutyItem]] = {unit_id: {} for unit_id in unit_ids}
    items = DutyItem.objects.filter(duty_list__unit_id__in=list(unit_ids), duty_list__status=DutyList.Status.PUBLISHED)
    for item in items.select_related("lead_unit", "duty_list"):
        result[item.duty_list.unit_id][item.code] = item
    return result
