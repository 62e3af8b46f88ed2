"""Which citizen requests each account must see, computed by hand from its role grants (not through
visible_to): a grant whose role may view requests reaches the requests its unit (unit scope) or its
subtree (subtree scope) handles or registered; a grant at the county root reaches every request; a
self grant reaches none (front-line staff have no request inbox)."""

from qingche.org.models import RoleGrant
from qingche.service.models import KnowledgeEntry, ServiceRequest

ROOT_PATH_LENGTH = 4


def _requests_seen(user) -> set[int]:
    if user.is_superuser:
        return set(ServiceRequest.objects.values_list("pk", flat=True))
    rows = list(
        ServiceRequest.objects.values_list("pk", "unit_id", "unit__path", "intake_unit_id", "intake_unit__path")
    )
    seen: set[int] = set()
    for grant in RoleGrant.objects.filter(user=user).select_related("role", "unit"):
        codenames = set(
            grant.role.permissions.filter(content_type__app_label="service").values_list("codename", flat=True)
        )
        if "view_servicerequest" not in codenames or grant.scope == "self":
            continue
        for pk, unit_id, unit_path, intake_id, intake_path in rows:
            if grant.scope == "unit":
                if grant.unit_id in (unit_id, intake_id):
                    seen.add(pk)
            elif len(grant.unit.path) == ROOT_PATH_LENGTH:
                seen.add(pk)
            elif (unit_path or "").startswith(grant.unit.path) or (intake_path or "").startswith(grant.unit.path):
                seen.add(pk)
    return seen


def _knowledge_seen(user) -> set[int]:
    """The knowledge base is one for the county: every entry (also those switched off, for who keeps it) to
    an account holding a grant whose role may view entries (hotline, 减负办), none to any other."""
    every = set(KnowledgeEntry.objects.values_list("pk", flat=True))
    if user.is_superuser:
        return every
    for grant in RoleGrant.objects.filter(user=user).select_related("role"):
        if grant.role.permissions.filter(content_type__app_label="service", codename="view_knowledgeentry").exists():
            return every
    return set()


EXPECTATIONS = {"service-request": _requests_seen, "service-knowledge": _knowledge_seen}
