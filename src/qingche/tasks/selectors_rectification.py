"""Every read of the rectification ledger and of coordination meetings, scoped to the user; and the public
progress of 直通车 items (no user: only what the public 直通车 pages may show)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _

from qingche.org.models import Unit
from qingche.tasks import rules_rectification as rules
from qingche.tasks.models import (
    CoordinationDecision,
    CoordinationIssue,
    CoordinationMeeting,
    RectificationEvidence,
    RectificationItem,
)


def items(user):
    return RectificationItem.objects.visible_to(user).select_related(
        "owner_unit", "raiser_unit", "owner_person", "raised_by", "verified_by", "submitted_by"
    )


def evidence(user):
    return RectificationEvidence.objects.visible_to(user).select_related("item")


def filtered(user, params, today: dt.date):
    """The ledger as the page and the export filter it: ?status= (a status, or overdue), ?source=, ?owner= (a
    unit id, with its subtree), ?q= (text in the problem or measures)."""
    rows = items(user)
    status = params.get("status", "")
    if status == "overdue":
        rows = rows.filter(status__in=rules.NOT_CLOSED, deadline__lt=today)
    elif status == "not_closed":
        rows = rows.filter(status__in=rules.NOT_CLOSED)
    elif status in rules.STATUSES:
        rows = rows.filter(status=status)
    source = params.get("source", "")
    if source in RectificationItem.Source.values:
        rows = rows.filter(source_kind=source)
    owner = params.get("owner", "")
    if owner.isdigit():
        unit = Unit.objects.filter(pk=int(owner)).values_list("path", flat=True).first()
        rows = rows.filter(owner_unit__path__startswith=unit) if unit else rows.none()
    text = (params.get("q") or "").strip()[:100]
    if text:
        rows = rows.filter(Q(problem__icontains=text) | Q(measures__icontains=text))
    return rows


def progress_by_unit(user, today: dt.date, rows=None) -> list[dict]:
    """Per owning unit in scope: items, closed, to verify, overdue and the share closed."""

    rows = rows if rows is not None else items(user)
    facts = rules.progress_by_unit(rows.order_by().values_list("owner_unit_id", "status", "deadline"), today)
    names = dict(Unit.objects.filter(pk__in=[row.unit_id for row in facts]).values_list("pk", "name"))
    return [{"unit_id": row.unit_id, "unit": names.get(row.unit_id, ""), "row": row} for row in facts]


def owner_units(user):
    """The owning units of the items the user sees (the page's filter)."""

    ids = items(user).order_by().values("owner_unit_id").distinct()
    return Unit.objects.filter(pk__in=ids).order_by("path")


def for_source(user, kind: str, source_id: int):
    return items(user).filter(source_kind=kind, source_id=source_id)


def public_progress(report_ids) -> dict[int, list[str]]:
    """The progress of the items raised from these 直通车 reports, as the public 直通车 pages show it (where the
    answer itself is shown): the step, the responsible unit, the deadline; nothing about who raised or worked it."""
    rows = (
        RectificationItem.objects.filter(
            source_kind=RectificationItem.Source.BURDEN_REPORT, source_id__in=list(report_ids)
        )
        .select_related("owner_unit")
        .order_by("id")
    )
    found: dict[int, list[str]] = {}
    for item in rows:
        if item.status == rules.CLOSED:
            line = _("Rectification by %(unit)s: verified and closed on %(day)s.") % {
                "unit": item.owner_unit.name,
                "day": f"{item.verified_at:%Y-%m-%d}",
            }
        else:
            line = _("Rectification by %(unit)s: %(status)s, due %(day)s.") % {
                "unit": item.owner_unit.name,
                "status": item.get_status_display(),
                "day": f"{item.deadline:%Y-%m-%d}",
            }
        found.setdefault(item.source_id, []).append(line)
    return found


# -- coordination meetings ---------------------------------------------------------------------------------
def meetings(user):
    return (
        CoordinationMeeting.objects.visible_to(user)
        .select_related("convener", "meeting")
        .prefetch_related("participants")
        .order_by("-meeting__start", "-id")
    )


def issues(user):
    return CoordinationIssue.objects.visible_to(user).select_related("meeting", "raised_by_unit", "item")


def decisions(user):
    return CoordinationDecision.objects.visible_to(user).select_related(
        "meeting", "meeting__meeting", "owner_unit", "task_request", "rectification_item", "issue"
    )


def open_decisions_by_owner(user, today: dt.date) -> list[dict]:
    """The open decisions in scope grouped by their owning unit, overdue first within each."""
    groups: dict[int, dict] = {}
    for decision in decisions(user).filter(status="open").order_by("owner_unit__path", "deadline", "id"):
        group = groups.setdefault(decision.owner_unit_id, {"unit": decision.owner_unit, "rows": [], "overdue": 0})
        decision.overdue = decision.deadline < today
        group["overdue"] += decision.overdue
        group["rows"].append(decision)
    return sorted(groups.values(), key=lambda group: (-group["overdue"], group["unit"].path))
