"""Reads of duty lists, already scoped to the user; and the lookups other modules use."""

from django.db.models import Count, Q, Sum

from qingche.core.cache import ttl_cache
from qingche.duties import rules
from qingche.duties.models import DutyItem, DutyList


def duty_lists(user):
    return DutyList.objects.visible_to(user).select_related("unit")


def current_lists(user):
    """The published version of every town's list the user can see, with item counts per kind."""
    counts = {kind: Count("items", filter=Q(items__kind=kind)) for kind in DutyItem.Kind.values}
    standing = Sum("items__standing_hours", filter=~Q(items__kind=DutyItem.Kind.TAKEN_BACK))
    return (
        duty_lists(user)
        .filter(status=DutyList.Status.PUBLISHED)
        .annotate(**counts, standing_hours=standing)
        .order_by("unit__path")
    )


def standing_hours_by_unit() -> dict[int, float]:
    """For the burden index: {town id: person-hours a month of the standing duties on its published list}
    (duties taken back carry none). Not scoped: published lists are public documents."""
    rows = (
        DutyItem.objects.filter(duty_list__status=DutyList.Status.PUBLISHED, standing_hours__gt=0)
        .exclude(kind=DutyItem.Kind.TAKEN_BACK)
        .values("duty_list__unit_id")
        .annotate(total=Sum("standing_hours"))
        .values_list("duty_list__unit_id", "total")
    )
    return {unit_id: float(total) for unit_id, total in rows}


@ttl_cache(60, cleared_by=("duties.DutyList", "duties.DutyItem", "org.Unit"))
def routing_items(unit_id: int) -> tuple[tuple, ...]:
    """For routing citizen requests: (code, name, kind, keywords, lead unit id, lead unit name, domain) of every
    item on the unit's published list; cached, as intake reads it for every request and lists change seldom."""
    rows = (
        DutyItem.objects.filter(duty_list__unit_id=unit_id, duty_list__status=DutyList.Status.PUBLISHED)
        .order_by("code")
        .values_list("code", "name", "kind", "keywords", "lead_unit_id", "lead_unit__name", "domain")
    )
    return tuple(
        (code, name, kind, tuple(DutyItem.split_keywords(keywords)), lead_id, lead_name or "", domain)
        for code, name, kind, keywords, lead_id, lead_name, domain in rows
    )


def published_item_by_code(unit_ids, code: str) -> dict[int, dict]:
    """For admission: {unit_id: {kind, name, lead_unit_id, lead_name}} of the item with this code on each unit's
    published list (units without it are absent). Reads one row per unit through the (code, duty_list) index.
    Not scoped: published lists are public documents."""
    if not code:
        return {}
    rows = DutyItem.objects.filter(
        code=code, duty_list__unit_id__in=list(unit_ids), duty_list__status=DutyList.Status.PUBLISHED
    ).values("duty_list__unit_id", "kind", "name", "lead_unit_id", "lead_unit__name")
    return {
        row["duty_list__unit_id"]: {
            "kind": row["kind"],
            "name": row["name"],
            "lead_unit_id": row["lead_unit_id"],
            "lead_name": row["lead_unit__name"] or "",
        }
        for row in rows
    }


def published_code_exists(code: str) -> bool:
    return DutyItem.objects.filter(code=code, duty_list__status=DutyList.Status.PUBLISHED).exists()


def published_code_kinds(code: str) -> set[str]:
    """The kinds (basic, cooperation, taken_back) the code has on the published lists."""
    return set(
        DutyItem.objects.filter(code=code, duty_list__status=DutyList.Status.PUBLISHED)
        .values_list("kind", flat=True)
        .distinct()
    )


def catalogue_codes(query: str = "", limit: int = 50) -> list[tuple[str, str, str]]:
    """Distinct (code, name, kind) of published items, for choosing the duty item a task relies on."""
    items = DutyItem.objects.filter(duty_list__status=DutyList.Status.PUBLISHED)
    if query:
        items = items.filter(Q(code__icontains=query) | Q(name__icontains=query))
    seen, result = set(), []
    for code, name, kind in items.order_by("code").values_list("code", "name", "kind").iterator():
        if code in seen:
            continue
        seen.add(code)
        result.append((code, name, kind))
        if len(result) >= limit:
            break
    return result


def flagged_counts(list_ids) -> dict[int, int]:
    """责随权转: per list, the number of basic and cooperation items without any power."""
    rows = (
        DutyItem.objects.filter(duty_list_id__in=list(list_ids), kind__in=("basic", "cooperation"), powers=None)
        .values("duty_list_id")
        .annotate(n=Count("id"))
        .values_list("duty_list_id", "n")
    )
    return dict(rows)


def list_items(user, duty_list, *, kind: str = "", domain: str = "", query: str = ""):
    """Items of one version the user can see, with their powers and departments, filtered."""
    items = DutyItem.objects.visible_to(user).filter(duty_list=duty_list).select_related("lead_unit")
    if kind:
        items = items.filter(kind=kind)
    if domain:
        items = items.filter(domain=domain)
    if query:
        items = items.filter(
            Q(name__icontains=query)
            | Q(code__icontains=query)
            | Q(keywords__icontains=query)
            | Q(legal_basis__icontains=query)
        )
    return items.prefetch_related("powers", "cooperating_units").order_by("kind", "code")


def versions_of(user, unit_id):
    return duty_lists(user).filter(unit_id=unit_id).order_by("-version")


def item_snapshot(duty_list) -> dict[str, dict]:
    """{code: {field: value}} of a version, for diffs (not scoped: call with a list already read through scope)."""
    result = {}
    items = (
        DutyItem.objects.filter(duty_list=duty_list)
        .select_related("lead_unit")
        .prefetch_related("powers", "cooperating_units")
    )
    for item in items:
        result[item.code] = {
            "name": item.name,
            "kind": item.kind,
            "domain": item.domain,
            "legal_basis": item.legal_basis,
            "lead_unit": item.lead_unit.name if item.lead_unit else "",
            "keywords": item.keywords,
            "cooperating_units": sorted(unit.name for unit in item.cooperating_units.all()),
            "powers": sorted(str(power) for power in item.powers.all()),
        }
    return result


def diff_against_published(duty_list):
    """The diff of a version against the unit's last published version before it (or the current one for a draft)."""
    base = (
        DutyList.objects.filter(
            unit_id=duty_list.unit_id, status__in=("published", "superseded"), version__lt=duty_list.version
        )
        .order_by("-version")
        .first()
    )
    old = item_snapshot(base) if base else {}
    new = item_snapshot(duty_list)
    return base, rules.diff_items(old, new), old, new
