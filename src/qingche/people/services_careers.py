"""Every write of careers: rank changes, post hardship flags, pay pools, transfer requests and their decisions.
Each checks the actor's permission and scope, validates, writes in one transaction; AuditedModel records it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import parameters
from qingche.core.audit import audit_context
from qingche.core.excel import ImportResult, read_xlsx
from qingche.core.scope import acting_q, unit_in_scope, user_person_id
from qingche.org.models import Person, Post, Unit
from qingche.people import rules_careers as rules
from qingche.people import selectors_careers as selectors
from qingche.people.models import WorkStart
from qingche.people.models_careers import PayPool, PostHardship, RankChange, TransferRequest
from qingche.people.services import _actor_person, _require


def _require_unit(user, perm: str, unit: Unit) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your scope."))


@transaction.atomic
def rank_change_record(
    *, user, person: Person, to_rank: str, date: dt.date, basis: str, document_number: str = "", note: str = ""
) -> RankChange:
    """A step of a person's rank history; the rank must be on the person's ladder and follow the last change."""
    _require(user, "people.add_rankchange", person)
    ladder_code = selectors.ladder_of(person)
    if ladder_code is None:
        raise ValidationError({"to_rank": _("People of this category have no rank ladder.")})
    names = [name for name, _years in selectors.ladders().get(ladder_code, [])]
    if to_rank not in names:
        raise ValidationError({"to_rank": _("Choose a rank of the person's ladder.")})
    if basis not in RankChange.Basis.values:
        raise ValidationError({"basis": _("Choose the basis of the change.")})
    if date > timezone.localdate():
        raise ValidationError(
            {"date": _("A rank change is recorded once it is decided: the date cannot be in the future.")}
        )
    Person.objects.select_for_update().filter(pk=person.pk).first()
    last = RankChange.objects.filter(person=person).order_by("date", "id").last()
    if last is not None:
        if date < last.date:
            raise ValidationError(
                {
                    "date": _("The last change of this person is dated %(date)s: a new one cannot be earlier.")
                    % {"date": last.date}
                }
            )
        if to_rank == last.to_rank:
            raise ValidationError({"to_rank": _("The person already holds this rank.")})
        if basis == RankChange.Basis.PROMOTED and to_rank in names and last.to_rank in names:
            if names.index(to_rank) != names.index(last.to_rank) + 1:
                raise ValidationError({"to_rank": _("A promotion is one step up the ladder.")})
    if basis in (RankChange.Basis.PROMOTED, RankChange.Basis.DEMOTED) and not document_number.strip():
        raise ValidationError({"document_number": _("Give the document number of the decision.")})
    return RankChange.objects.create(
        person=person,
        ladder=ladder_code,
        from_rank=last.to_rank if last else "",
        to_rank=to_rank,
        date=date,
        basis=basis,
        document_number=document_number.strip()[:100],
        note=note.strip()[:300],
    )


@transaction.atomic
def post_hardship_set(*, user, post: Post, remote: bool, frontline: bool, reason: str = "") -> PostHardship:
    """Sets a post's 边远 / 一线 flags (they change pay shares and allowances: the reason is recorded)."""
    _require_unit(user, "people.change_posthardship", post.unit)
    with audit_context(reason=reason.strip()[:300]):
        row, _created = PostHardship.objects.update_or_create(
            post=post, defaults={"remote": remote, "frontline": frontline}
        )
    return row


def parse_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Give the pool in yuan, e.g. 1250000.00.")}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({"amount": _("Give the pool in yuan, e.g. 1250000.00.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("The pool is in yuan to the fen: at most two decimals.")})
    return amount


@transaction.atomic
def pay_pool_set(*, user, unit: Unit, year: int, amount, note: str = "") -> PayPool:
    """A unit's performance-pay pool of a year (new or changed)."""
    _require_unit(user, "people.add_paypool", unit)
    amount = parse_amount(amount)
    if not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise ValidationError({"year": _("Choose a year up to next year.")})
    if unit.kind not in (*Unit.TOWN_LEVEL, Unit.Kind.DEPARTMENT):
        raise ValidationError({"unit": _("A pay pool belongs to a town, a street or a county department.")})
    with audit_context(reason=note.strip()[:300]):
        pool, _created = PayPool.objects.update_or_create(
            unit=unit, year=int(year), defaults={"amount": amount, "note": note.strip()[:300]}
        )
    return pool


POOL_COLUMNS = [("unit", "单位"), ("year", "年度"), ("amount", "绩效工资总额（元）"), ("note", "备注")]


def pool_units(user):
    """The units whose pools the user may set: towns, streets and county departments its grants reach."""
    return (
        Unit.objects.filter(acting_q(user, "people.add_paypool"))
        .filter(kind__in=(*Unit.TOWN_LEVEL, Unit.Kind.DEPARTMENT))
        .order_by("path")
    )


@transaction.atomic
def pay_pools_import(*, user, upload) -> ImportResult:
    """Pools from an Excel sheet (单位, 年度, 绩效工资总额（元）, 备注), checked whole: one bad row saves nothing."""
    if not user.has_perm("people.add_paypool"):
        raise PermissionDenied(_("You do not have permission to do this."))
    result = ImportResult()
    by_name = {}
    for unit in pool_units(user):
        by_name.setdefault(unit.name, []).append(unit)
    for number, row in read_xlsx(upload, POOL_COLUMNS, optional=("note",)):
        name = str(row.get("unit", "")).strip()
        units = by_name.get(name, [])
        if len(units) != 1:
            result.add_error(
                number, "单位", _("No town, street or department of that name in your scope: %(name)s") % {"name": name}
            )
        try:
            year = int(str(row.get("year", "")).strip())
            if not 2000 <= year <= timezone.localdate().year + 1:
                raise ValueError
        except ValueError:
            year = None
            result.add_error(number, "年度", _("Choose a year up to next year."))
        try:
            amount = parse_amount(row.get("amount", ""))
        except ValidationError as error:
            amount = None
            result.add_error(number, "绩效工资总额（元）", "；".join(error.messages))
        result.rows.append(
            (
                number,
                {
                    "unit": units[0] if len(units) == 1 else None,
                    "year": year,
                    "amount": amount,
                    "note": str(row.get("note", "")),
                },
            )
        )
    if result.errors:
        return result
    for _number, row in result.rows:
        pay_pool_set(user=user, **row)
    return result


@transaction.atomic
def transfer_request_submit(
    *, user, person: Person, destination: str, reason: str, requested_on: dt.date | None = None
):
    """A request to transfer a person out; one made before a recruit's minimum service ends is flagged."""
    _require(user, "people.add_transferrequest", person, own_allowed=True)
    today = timezone.localdate()
    requested_on = requested_on or today
    if requested_on > today:
        raise ValidationError({"requested_on": _("The date of the request cannot be in the future.")})
    if not destination.strip():
        raise ValidationError({"destination": _("Say where the person asks to go.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason of the request.")})
    if TransferRequest.objects.filter(person=person, status=TransferRequest.Status.REQUESTED).exists():
        raise ValidationError({"person": _("This person already has a transfer request awaiting decision.")})
    started = WorkStart.objects.filter(person=person).values_list("started_on", flat=True).first()
    end = selectors.min_service_end(person, started)
    return TransferRequest.objects.create(
        person=person,
        unit=person.unit,
        destination=destination.strip()[:100],
        reason=reason.strip()[:300],
        requested_on=requested_on,
        service_end=end,
        early=rules.transfer_is_early(requested_on, end),
    )


@transaction.atomic
def transfer_request_decide(*, user, transfer: TransferRequest, approve: bool, reason: str = "") -> TransferRequest:
    """组织部 approves or refuses; refusing, or approving before the minimum service ends, needs a reason."""
    if not user.has_perm("people.decide_transferrequest") or not unit_in_scope(
        user, "people.decide_transferrequest", transfer.unit
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferRequest.Status.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    if user_person_id(user) == transfer.person_id:
        raise PermissionDenied(_("You cannot decide your own request."))
    reason = reason.strip()
    if not reason and (not approve or transfer.early):
        years = parameters.get("people.min_service_years")
        message = (
            _("Minimum service (%(years)s years) ends on %(date)s: give the reason to approve it earlier.")
            % {"years": years, "date": transfer.service_end}
            if approve
            else _("Give the reason for refusing.")
        )
        raise ValidationError({"reason": message})
    transfer.status = TransferRequest.Status.APPROVED if approve else TransferRequest.Status.REFUSED
    transfer.decision_reason = reason[:300]
    transfer.decided_by = _actor_person(user)
    transfer.decided_at = timezone.now()
    with audit_context(reason=transfer.decision_reason):
        transfer.save()
    return transfer
