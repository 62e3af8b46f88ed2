"""Demo 组织处理: proposals from every published annual appraisal of the demo, a few confirmed. The demo's rank
histories already put each 不称职 person down one step on 20 February (demo_careers): those down-step
proposals are confirmed with that rank change, the others through the service as 组织部 would."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingche.core.audit import audit_context
from qingche.people import selectors_consequences as selectors
from qingche.people import services_consequences as services
from qingche.people.models_careers import RankChange
from qingche.people.models_consequences import Consequence

CONFIRM = {
    Consequence.Kind.ADMONISH: (3, "已由组织部诫勉谈话"),
    Consequence.Kind.COMMEND: (4, "经部务会研究，予以嘉奖"),
    Consequence.Kind.MERIT: (2, "列入三等功推荐人选"),
    Consequence.Kind.PAY_STEP: (3, "按规定晋升一档薪级工资"),
}


def build(ctx) -> None:
    org = ctx.accounts.get("zuzhibu")
    if org is None:
        return
    with audit_context(actor_name="system:demo"):
        for cycle in selectors.published_cycles(org):
            services.consequences_propose(user=org, cycle=cycle)
        _confirm_demotions()
        for kind, (count, reason) in CONFIRM.items():
            for row in Consequence.objects.filter(kind=kind, status=Consequence.Status.PROPOSED).order_by("id")[:count]:
                try:
                    services.consequence_decide(user=org, consequence=row, confirm=True, reason=reason)
                except (ValidationError, PermissionDenied):
                    continue
        pending = Consequence.objects.filter(status=Consequence.Status.PROPOSED)
        first = pending.filter(kind=Consequence.Kind.COMMEND).order_by("-id").first()
        if first is not None:
            try:
                services.consequence_decide(
                    user=org, consequence=first, confirm=False, reason="本年度已获其他表彰，不重复嘉奖"
                )
            except (ValidationError, PermissionDenied):
                pass


def _confirm_demotions() -> None:
    rows = Consequence.objects.filter(kind=Consequence.Kind.DEMOTE, status=Consequence.Status.PROPOSED)
    for row in rows:
        change = (
            RankChange.objects.filter(person_id=row.person_id, basis=RankChange.Basis.DEMOTED, date__year=row.year + 1)
            .order_by("date")
            .first()
        )
        if change is None:
            continue
        row.status = Consequence.Status.CONFIRMED
        row.rank_change = change
        row.document_number = change.document_number
        row.decision_reason = change.note
        row.decided_at = timezone.now()
        row.save()
