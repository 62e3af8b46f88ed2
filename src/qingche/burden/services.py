"""Every write of the burden module: permission and scope checked, validated, one transaction,
audited; the rollups behind the index and the dashboard are updated in the same transaction."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingche.burden import rules, selectors, sources
from qingche.burden.models import (
    Approval,
    BurdenAlert,
    BurdenReport,
    CatalogField,
    Document,
    DocumentExplanation,
    FormFill,
    FormFillValue,
    FundAllocation,
    Inspection,
    InspectionPlanItem,
    IssuerRollup,
    LoadRollup,
    Meeting,
    MeetingAttendance,
    OvertimeEntry,
    ReportForm,
    ReportFormField,
    RequiredApp,
    SenderRollup,
    StaffingRequest,
)
from qingche.core import parameters
from qingche.core.audit import record
from qingche.core.counters import add_to_counter
from qingche.core.scope import ancestor_paths, unit_in_scope, user_person_id
from qingche.core.services import parameter_set
from qingche.org.models import Assignment, Person, Unit


# -- helpers --------------------------------------------------------------------------------------------
def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You may not do this."))


def _acts_for(user, perm: str, unit: Unit) -> None:
    _require(user, perm)
    if not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("%(unit)s is outside your scope.") % {"unit": unit.name})


def _reachable(issuer: Unit, target: Unit) -> bool:
    """Where a unit may send work: a town or street only to itself and below; any other unit to the
    town-level and grassroots units of its own county."""
    if issuer.kind in Unit.TOWN_LEVEL:
        return target.path.startswith(issuer.path)
    return target.path.startswith(issuer.root_path) and target.kind in (*Unit.TOWN_LEVEL, *Unit.GRASSROOTS)


def _check_targets(issuer: Unit, targets, field: str = "targets") -> list[Unit]:
    targets = list(targets)
    if not targets:
        raise ValidationError({field: _("Name at least one target unit.")})
    for target in targets:
        if not _reachable(issuer, target):
            raise ValidationError(
                {
                    field: _("%(target)s is outside the units %(issuer)s may send work to.")
                    % {"target": target.name, "issuer": issuer.name}
                }
            )
    return targets


def _hours(value, field: str, *, maximum: Decimal = Decimal("100000")) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Give a number of hours.")}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({field: _("Hours must not be negative.")})
    if number > maximum:
        raise ValidationError({field: _("That is more hours than is possible.")})
    return number.quantize(Decimal("0.1"))


def _text(value, field: str, *, minimum: int = 1, maximum: int = 200) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > maximum:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": maximum}})
    return text


def _param_float(key: str) -> float:
    return float(parameters.get(key))


def _month(day) -> dt.date:
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day.replace(day=1)


def load_add(
    *, source: str, unit_id: int, day, hours, count: int = 1, check_red_line: bool = True, issuer_id: int | None = None
) -> None:
    """Add person-hours of one source to a unit's month. Call inside the event's own transaction
    (other modules: their events' services call this after registering `rollup_function`)."""
    month = _month(day)
    hours = Decimal(str(hours))
    with transaction.atomic():
        _rollup_add(LoadRollup, {"unit_id": unit_id, "month": month, "source": source}, hours=hours, count=count)
        if issuer_id is not None:
            _rollup_add(SenderRollup, {"unit_id": unit_id, "month": month, "issuer_id": issuer_id}, hours=hours)
        if check_red_line and hours > 0:
            _check_red_lines([(unit_id, month)])


def _rollup_add(model, key: dict, **amounts) -> None:
    """Add `amounts` to the rollup row with `key` (core.counters.add_to_counter), or hold them while the rollups
    are deferred (rollups_deferred)."""
    pending = _deferred_rollups.get()
    if pending is not None:
        held = pending.setdefault(model, {}).setdefault(tuple(sorted(key.items())), dict.fromkeys(amounts, 0))
        for name, value in amounts.items():
            held[name] += value
        return
    add_to_counter(model, key, **amounts)


def _issuer_add(issuer_id: int, day, metric: str, value: int = 1) -> None:
    _rollup_add(IssuerRollup, {"issuer_id": issuer_id, "month": _month(day), "metric": metric}, value=value)


def load_add_many(*, source: str, entries) -> int:
    """Many (unit id, day, hours, count) at once, for bulk loads (imports, demo): the rollup rows written in a
    few queries and the red line checked once per town and month, instead of a load_add per row. Call in
    the loading transaction. Returns the number of (unit, month) rows touched."""
    totals: dict[tuple[int, dt.date], list] = {}
    decimals: dict = {}  # hours → Decimal, as loads repeat a few values
    zone = timezone.get_current_timezone()
    for unit_id, day, hours, count in entries:
        if isinstance(day, dt.datetime) and timezone.is_aware(day):
            day = day.astimezone(zone).date()
        entry = totals.setdefault((unit_id, _month(day)), [Decimal(0), 0])
        amount = decimals.get(hours)
        if amount is None:
            amount = decimals[hours] = Decimal(str(hours))
        entry[0] += amount
        entry[1] += count
    if not totals:
        return 0
    with transaction.atomic():
        held = {
            (row.unit_id, row.month): row
            for row in LoadRollup.objects.select_for_update().filter(
                source=source,
                unit_id__in={unit_id for unit_id, _month_ in totals},
                month__in={month for _unit, month in totals},
            )
        }
        changed, new = [], []
        for (unit_id, month), (hours, count) in totals.items():
            row = held.get((unit_id, month))
            if row is None:
                new.append(LoadRollup(unit_id=unit_id, month=month, source=source, hours=hours, count=count))
            else:
                row.hours += hours
                row.count += count
                changed.append(row)
        LoadRollup.objects.bulk_update(changed, ["hours", "count"], batch_size=1000)
        LoadRollup.objects.bulk_create(new, batch_size=1000)
        _check_red_lines([key for key, (hours, _count) in totals.items() if hours > 0])
    return len(totals)


_deferred_checks: ContextVar[set | None] = ContextVar("burden_deferred_red_line_checks", default=None)
_deferred_rollups: ContextVar[dict | None] = ContextVar("burden_deferred_rollups", default=None)


@contextmanager
def rollups_deferred():
    """Within the block, sum the rollup increments in memory and write them at the end, a few queries per
    rollup table instead of one or two per event: for bulk work such as building the demo county, where
    nothing in the block reads the rollups. Nest it inside red_line_checks_deferred (written before the
    checks read them)."""
    pending: dict = {}
    token = _deferred_rollups.set(pending)
    try:
        yield
    finally:
        _deferred_rollups.reset(token)
    with transaction.atomic():
        for model, sums in pending.items():
            _rollups_write(model, sums)


def _rollups_write(model, sums: dict) -> None:
    """Add the summed amounts {((field, value), …): {amount field: total}} to `model`'s rollup rows."""
    names = [name for name, _value in next(iter(sums))]
    wanted = {name: {dict(key)[name] for key in sums} for name in names}
    held = {
        tuple((name, getattr(row, name)) for name in names): row
        for row in model.objects.select_for_update().filter(
            **{f"{name}__in": values for name, values in wanted.items()}
        )
    }
    changed, new = [], []
    for key, amounts in sums.items():
        row = held.get(key)
        if row is None:
            new.append(model(**dict(key), **amounts))
            continue
        for name, value in amounts.items():
            setattr(row, name, getattr(row, name) + value)
        changed.append(row)
    fields = sorted({name for amounts in sums.values() for name in amounts})
    model.objects.bulk_update(changed, fields, batch_size=500)
    model.objects.bulk_create(new, batch_size=1000)


@contextmanager
def red_line_checks_deferred():
    """Within the block, note the (unit, month) pairs whose load grew and check each town and month's red
    line once at the end, instead of after every event: for bulk work such as building the demo county."""
    pending: set = set()
    token = _deferred_checks.set(pending)
    try:
        yield
    finally:
        _deferred_checks.reset(token)
    _check_red_lines(pending)


def _check_red_lines(keys) -> None:
    pending = _deferred_checks.get()
    if pending is not None:
        pending.update(keys)
        return
    _raise_alerts(keys)


def _raise_alerts(keys) -> None:
    """Raise (or raise higher) the alert to 减负办 for each (unit, month) whose town-level index goes above
    the red line: one index computation per month for all the towns concerned."""

    units = {
        pk: path for pk, path in Unit.objects.filter(pk__in={unit_id for unit_id, _m in keys}).values_list("pk", "path")
    }
    ancestors = {ancestor for path in units.values() for ancestor in ancestor_paths(path)}
    towns = dict(Unit.objects.filter(path__in=ancestors, kind__in=Unit.TOWN_LEVEL).values_list("path", "pk"))

    def town_of(unit_id):
        path = units[unit_id]
        return next((towns[ancestor] for ancestor in ancestor_paths(path) if ancestor in towns), unit_id)

    by_month: dict[dt.date, set[int]] = {}
    for unit_id, month in keys:
        if unit_id in units:
            by_month.setdefault(month, set()).add(town_of(unit_id))
    if not by_month:
        return
    red_line = selectors.red_line()
    for month, town_ids in sorted(by_month.items()):
        results = selectors.index_results(sorted(town_ids), rules.Period.month(month.year, month.month))
        over = {
            pk: result.value for pk, result in results.items() if result.value is not None and result.value > red_line
        }
        alerts = {alert.unit_id: alert for alert in BurdenAlert.objects.filter(unit_id__in=over, month=month)}
        for town_id, index in sorted(over.items()):
            value = Decimal(str(round(index, 3)))
            alert = alerts.get(town_id)
            if alert is None:
                BurdenAlert.objects.create(unit_id=town_id, month=month, value=value, red_line=Decimal(str(red_line)))
            elif alert.value < value:
                alert.value = value
                alert.save(update_fields=["value"])


# -- inspections ----------------------------------------------------------------------------------------
@transaction.atomic
def plan_item_create(*, user, year: int, issuer: Unit, title: str, topic: str, targets, months) -> InspectionPlanItem:
    _acts_for(user, "burden.add_inspectionplanitem", issuer)
    months = sorted({int(month) for month in months or []})
    if not months or any(month < 1 or month > 12 for month in months):
        raise ValidationError({"months": _("Give the months (1–12) the item is planned for.")})
    targets = _check_targets(issuer, targets)
    item = InspectionPlanItem(
        year=int(year),
        issuer=issuer,
        title=_text(title, "title"),
        topic=_text(topic, "topic", maximum=100),
        months=months,
    )
    item.save()
    item.targets.set(targets)
    return item


@transaction.atomic
def inspection_create(
    *,
    user,
    issuer: Unit,
    target: Unit,
    topic: str,
    title: str,
    date: dt.date,
    plan_item: InspectionPlanItem | None = None,
    unplanned_reason: str = "",
    preparation_hours=0,
    reception_hours=0,
) -> Inspection:
    """Record an inspection a unit received. The issuer records it, or the inspected unit does."""
    perm = "burden.add_inspection"
    _require(user, perm)
    for_issuer, for_target = unit_in_scope(user, perm, issuer), unit_in_scope(user, perm, target)
    if not (for_issuer or for_target):
        raise PermissionDenied(
            _("Neither %(issuer)s nor %(target)s is within your scope.")
            % {"issuer": issuer.name, "target": target.name}
        )
    if not _reachable(issuer, target):
        raise ValidationError(
            {
                "target": _("%(target)s is outside the units %(issuer)s may inspect.")
                % {"target": target.name, "issuer": issuer.name}
            }
        )
    if date is None:
        raise ValidationError({"date": _("Give the date.")})
    prep = _hours(preparation_hours, "preparation_hours")
    reception = _hours(reception_hours, "reception_hours")
    topic = _text(topic, "topic", maximum=100)
    reason = (unplanned_reason or "").strip()
    if plan_item is not None:
        if plan_item.issuer_id != issuer.pk or plan_item.year != date.year:
            raise ValidationError({"plan_item": _("The plan item belongs to another issuer or year.")})
        if not plan_item.targets.filter(pk=target.pk).exists():
            raise ValidationError({"plan_item": _("The plan item does not name %(target)s.") % {"target": target.name}})
        approval = Approval.NOT_NEEDED
    else:
        if len(reason) < 4:
            raise ValidationError({"unplanned_reason": _("An unplanned inspection needs a reason for 减负办.")})
        approval = Approval.PENDING
    window = int(parameters.get("burden.merge_window_days"))
    nearby = Inspection.objects.filter(
        target=target, date__gte=date - dt.timedelta(days=window), date__lte=date + dt.timedelta(days=window)
    ).order_by("date", "id")
    key = rules.normalize_topic(topic)
    earlier = next((other for other in nearby.only("id", "topic") if rules.normalize_topic(other.topic) == key), None)
    inspection = Inspection(
        issuer=issuer,
        target=target,
        plan_item=plan_item,
        topic=topic,
        title=_text(title, "title"),
        date=date,
        unplanned_reason=reason[:2000],
        approval=approval,
        preparation_hours=prep,
        reception_hours=reception,
        merge_with=earlier,
    )
    inspection.save()
    _issuer_add(issuer.pk, date, "inspections_planned" if plan_item else "inspections_unplanned")
    if earlier is not None:
        _issuer_add(issuer.pk, date, "inspections_to_merge")
    load_add(source="inspections", unit_id=target.pk, day=date, hours=prep + reception, issuer_id=issuer.pk)
    return inspection


@transaction.atomic
def inspection_set_hours(*, user, inspection: Inspection, preparation_hours, reception_hours) -> Inspection:
    """The inspected unit records what the visit cost it."""
    _acts_for(user, "burden.change_inspection", inspection.target)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    before = inspection.person_hours
    inspection.preparation_hours = _hours(preparation_hours, "preparation_hours")
    inspection.reception_hours = _hours(reception_hours, "reception_hours")
    inspection.save()
    load_add(
        source="inspections",
        unit_id=inspection.target_id,
        day=inspection.date,
        hours=inspection.person_hours - before,
        count=0,
        issuer_id=inspection.issuer_id,
    )
    return inspection


@transaction.atomic
def inspection_decide(*, user, inspection: Inspection, approve: bool, note: str = "") -> Inspection:
    _require(user, "burden.approve_inspection")
    if not Inspection.objects.visible_to(user).filter(pk=inspection.pk).exists():
        raise PermissionDenied(_("This record is outside your scope."))
    if inspection.approval != Approval.PENDING:
        raise ValidationError({"approval": _("This inspection is not waiting for approval.")})
    note = (note or "").strip()
    if not approve and len(note) < 2:
        raise ValidationError({"note": _("Give the reason for refusing.")})
    inspection.approval = Approval.APPROVED if approve else Approval.REFUSED
    inspection.approval_note = note[:2000]
    inspection.save()
    return inspection


# -- meetings -------------------------------------------------------------------------------------------
@transaction.atomic
def meeting_create(
    *,
    user,
    organiser: Unit,
    title: str,
    level: str,
    start: dt.datetime,
    end: dt.datetime,
    attendances,
    speech_minutes: int = 0,
    with_group_discussion: bool = False,
    reaches_grassroots: bool = False,
) -> Meeting:
    """attendances: [(unit, attendees)]."""
    _acts_for(user, "burden.add_meeting", organiser)
    if level not in Meeting.Level.values:
        raise ValidationError({"level": _("Choose a level.")})
    if start is None or end is None:
        raise ValidationError({"end": _("Give the start and the end.")})
    if end <= start:
        raise ValidationError({"end": _("The meeting must end after it starts.")})
    if (end - start) > dt.timedelta(days=7):
        raise ValidationError({"end": _("A meeting of more than a week is not a meeting.")})
    try:
        speech_minutes = int(speech_minutes or 0)
    except (TypeError, ValueError):
        raise ValidationError({"speech_minutes": _("Give the length of the main speech in minutes.")}) from None
    if speech_minutes < 0 or speech_minutes > 24 * 60:
        raise ValidationError({"speech_minutes": _("Give the length of the main speech in minutes.")})
    rows = []
    seen = set()
    for unit, attendees in attendances or []:
        try:
            attendees = int(attendees)
        except (TypeError, ValueError):
            raise ValidationError({"attendances": _("Give the number of attendees as a whole number.")}) from None
        if attendees < 1 or attendees > 10000:
            raise ValidationError({"attendances": _("Each unit listed sends at least one attendee.")})
        if unit.pk in seen:
            raise ValidationError({"attendances": _("%(unit)s is listed twice.") % {"unit": unit.name}})
        seen.add(unit.pk)
        rows.append((unit, attendees))
    _check_targets(organiser, [unit for unit, _n in rows], "attendances")
    meeting = Meeting(
        organiser=organiser,
        title=_text(title, "title"),
        level=level,
        start=start,
        end=end,
        speech_minutes=speech_minutes,
        with_group_discussion=bool(with_group_discussion),
        reaches_grassroots=bool(reaches_grassroots),
        approval=Approval.PENDING if reaches_grassroots else Approval.NOT_NEEDED,
    )
    meeting.save()
    MeetingAttendance.objects.bulk_create(
        [MeetingAttendance(meeting=meeting, unit=unit, attendees=attendees) for unit, attendees in rows]
    )
    record("update", obj=meeting, after={"attendances": {unit.pk: n for unit, n in rows}})
    problems = rules.meeting_problems(
        start,
        end,
        speech_minutes=speech_minutes,
        speech_cap_minutes=int(parameters.get("burden.speech_cap_minutes")),
        with_group_discussion=meeting.with_group_discussion,
        max_hours=_param_float("burden.meeting_max_hours"),
        max_hours_discussion=_param_float("burden.meeting_max_hours_discussion"),
    )
    _issuer_add(organiser.pk, start, "meetings")
    if reaches_grassroots:
        _issuer_add(organiser.pk, start, "meetings_grassroots")
    for problem in problems:
        _issuer_add(organiser.pk, start, f"meetings_{problem}")
    for unit, attendees in rows:
        load_add(
            source="meetings",
            unit_id=unit.pk,
            day=start,
            hours=rules.meeting_person_hours(start, end, attendees),
            issuer_id=organiser.pk,
        )
    return meeting


@transaction.atomic
def meeting_decide(*, user, meeting: Meeting, approve: bool, note: str = "") -> Meeting:
    _require(user, "burden.approve_meeting")
    if not Meeting.objects.visible_to(user).filter(pk=meeting.pk).exists():
        raise PermissionDenied(_("This record is outside your scope."))
    if meeting.approval != Approval.PENDING:
        raise ValidationError({"approval": _("This meeting is not waiting for approval.")})
    note = (note or "").strip()
    if not approve and len(note) < 2:
        raise ValidationError({"note": _("Give the reason for refusing.")})
    meeting.approval = Approval.APPROVED if approve else Approval.REFUSED
    meeting.approval_note = note[:2000]
    meeting.save()
    return meeting


# -- documents and apps ------------------------------------------------------------------------------------
@transaction.atomic
@transaction.atomic
def document_explain(*, user, issuer: Unit, year: int, text: str) -> DocumentExplanation:
    """The issuer explains why it issues more documents this year than last; a later explanation replaces it."""
    _acts_for(user, "burden.add_document", issuer)
    text = (text or "").strip()
    if len(text) < 10:
        message = _("Explain why more documents are issued than last year (at least 10 characters).")
        raise ValidationError({"text": message})
    person_id = user_person_id(user)
    explanation, _created = DocumentExplanation.objects.update_or_create(
        issuer=issuer, year=int(year), defaults={"text": text[:5000], "explained_by_id": person_id}
    )
    return explanation


def document_create(
    *,
    user,
    issuer: Unit,
    title: str,
    issued_on: dt.date,
    length_chars: int,
    targets,
    number: str = "",
    special_task: bool = False,
) -> Document:
    _acts_for(user, "burden.add_document", issuer)
    try:
        length_chars = int(length_chars)
    except (TypeError, ValueError):
        raise ValidationError({"length_chars": _("Give the length in characters.")}) from None
    if length_chars < 1 or length_chars > 10_000_000:
        raise ValidationError({"length_chars": _("Give the length in characters.")})
    if issued_on is None:
        raise ValidationError({"issued_on": _("Give the date.")})
    targets = _check_targets(issuer, targets)
    over = rules.document_over_cap(
        length_chars,
        special_task=bool(special_task),
        cap=int(parameters.get("burden.document_cap_chars")),
        special_cap=int(parameters.get("burden.document_cap_special_chars")),
    )
    document = Document(
        issuer=issuer,
        title=_text(title, "title"),
        number=(number or "").strip()[:60],
        issued_on=issued_on,
        length_chars=length_chars,
        special_task=bool(special_task),
        over_cap=over,
    )
    document.save()
    document.targets.set(targets)
    _issuer_add(issuer.pk, issued_on, "documents")
    if over:
        _issuer_add(issuer.pk, issued_on, "documents_over_cap")
    return document


@transaction.atomic
def app_create(
    *,
    user,
    issuer: Unit,
    name: str,
    kind: str,
    targets,
    purpose: str = "",
    compulsory_checkin: bool = False,
    points_ranking: bool = False,
    online_time: bool = False,
    minutes_per_day: int = 0,
) -> RequiredApp:
    _acts_for(user, "burden.add_requiredapp", issuer)
    if kind not in RequiredApp.Kind.values:
        raise ValidationError({"kind": _("Choose app or work group.")})
    try:
        minutes_per_day = int(minutes_per_day or 0)
    except (TypeError, ValueError):
        raise ValidationError({"minutes_per_day": _("Give whole minutes.")}) from None
    if not 0 <= minutes_per_day <= 24 * 60:
        raise ValidationError({"minutes_per_day": _("Give whole minutes.")})
    targets = _check_targets(issuer, targets)
    app = RequiredApp(
        issuer=issuer,
        name=_text(name, "name", maximum=100),
        kind=kind,
        purpose=(purpose or "").strip()[:200],
        compulsory_checkin=bool(compulsory_checkin),
        points_ranking=bool(points_ranking),
        online_time=bool(online_time),
        minutes_per_day=minutes_per_day,
    )
    app.save()
    app.targets.set(targets)
    return app


# -- overtime -------------------------------------------------------------------------------------------
def _current_unit_of(person) -> Unit:

    assignment = (
        Assignment.objects.filter(person=person, end_date__isnull=True)
        .select_related("unit")
        .order_by("-start_date")
        .first()
    )
    return assignment.unit if assignment else person.unit


@transaction.atomic
def overtime_report(*, user, date: dt.date, hours, note: str) -> OvertimeEntry:
    """A person logs their own overtime; their unit confirms it."""

    _require(user, "burden.add_overtimeentry")
    person_id = user_person_id(user)
    if person_id is None:
        raise PermissionDenied(_("Your account is not linked to a person record."))
    if date is None:
        raise ValidationError({"date": _("Give the date.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("Overtime is logged after it was worked.")})
    hours = _hours(hours, "hours", maximum=Decimal(24))
    if hours <= 0:
        raise ValidationError({"hours": _("Hours must be more than zero.")})
    return _overtime_create(Person.objects.get(pk=person_id), date, hours, _text(note, "note"))


def _overtime_create(person, date: dt.date, hours: Decimal, note: str) -> OvertimeEntry:
    """The entry itself (the demo builder logs for many people through this, after the same checks)."""
    entry = OvertimeEntry(person=person, unit=_current_unit_of(person), date=date, hours=hours, note=note)
    entry.save()
    return entry


@transaction.atomic
def overtime_decide(*, user, entry: OvertimeEntry, confirm: bool) -> OvertimeEntry:
    _acts_for(user, "burden.confirm_overtimeentry", entry.unit)
    entry = OvertimeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != OvertimeEntry.Status.REPORTED:
        raise ValidationError({"status": _("This entry was already decided.")})
    if user_person_id(user) == entry.person_id:
        raise PermissionDenied(_("Nobody confirms their own overtime."))
    entry.status = OvertimeEntry.Status.CONFIRMED if confirm else OvertimeEntry.Status.REJECTED
    entry.confirmed_by = user
    entry.save()
    if confirm:
        load_add(source="overtime", unit_id=entry.unit_id, day=entry.date, hours=entry.hours)
    return entry


# -- 一表通 -----------------------------------------------------------------------------------------------
@transaction.atomic
def catalog_field_create(
    *,
    user,
    code: str,
    name: str,
    definition: str,
    owner: Unit,
    source: str,
    unit_of_measure: str = "",
    filler: str = "",
    kind: str = CatalogField.Kind.TEXT,
    maximum: Decimal | None = None,
) -> CatalogField:
    _acts_for(user, "burden.add_catalogfield", owner)
    if filler and filler not in sources.fillers():
        raise ValidationError({"filler": _("Unknown lookup.")})
    if maximum is not None and kind == CatalogField.Kind.TEXT:
        raise ValidationError({"maximum": _("Only a count or a number has a largest value.")})
    if maximum is not None and maximum < 0:
        raise ValidationError({"maximum": _("The largest value cannot be negative.")})
    field = CatalogField(
        code=(code or "").strip(),
        name=_text(name, "name", maximum=100),
        definition=_text(definition, "definition", maximum=2000),
        owner=owner,
        source=_text(source, "source"),
        unit_of_measure=(unit_of_measure or "").strip()[:30],
        filler=filler or "",
        kind=kind,
        maximum=maximum,
    )
    field.full_clean()
    field.save()
    return field


_VALUE_PROBLEMS = {
    "not_a_number": gettext_lazy("%(label)s: give a number."),
    "negative": gettext_lazy("%(label)s: a count cannot be negative."),
    "not_whole": gettext_lazy("%(label)s: give a whole number."),
    "too_large": gettext_lazy("%(label)s: more than %(maximum)s is not plausible; check the value."),
}


def _filled_value_problem(field, value: str) -> str | None:
    """The message for a value its catalog item refuses (a word where a number is asked, a negative
    count, an absurd magnitude), or None."""
    catalog = field.catalog_field
    problem = catalog and rules.filled_value_problem(value, catalog.kind, catalog.maximum)
    if not problem:
        return None
    maximum = f"{catalog.maximum.normalize():,f}" if catalog.maximum is not None else ""
    return str(_VALUE_PROBLEMS[problem]) % {"label": field.label, "maximum": maximum}


@transaction.atomic
def report_form_create(
    *, user, issuer: Unit, title: str, sent_on: dt.date, targets, fields, due_on: dt.date | None = None
) -> ReportForm:
    """fields: [{"catalog_field": id or None, "label": str, "definition": str, "unit": str}]: each
    maps to a catalog item or proposes a new one (label and definition)."""
    _acts_for(user, "burden.add_reportform", issuer)
    if sent_on is None:
        raise ValidationError({"sent_on": _("Give the date.")})
    if due_on is not None and due_on < sent_on:
        raise ValidationError({"due_on": _("The due date is before the form is sent.")})
    targets = _check_targets(issuer, targets)
    fields = list(fields or [])
    if not fields:
        raise ValidationError({"fields": _("A form needs at least one field.")})
    if len(fields) > 200:
        raise ValidationError({"fields": _("At most 200 fields.")})
    catalog_ids = {spec.get("catalog_field") for spec in fields if spec.get("catalog_field")}
    try:
        catalog = CatalogField.objects.in_bulk([int(pk) for pk in catalog_ids])
    except (TypeError, ValueError):
        raise ValidationError({"fields": _("A catalog item must be given by its number.")}) from None
    rows = []
    for position, spec in enumerate(fields, start=1):
        catalog_id = spec.get("catalog_field")
        if catalog_id:
            item = catalog.get(int(catalog_id))
            if item is None or not item.is_active:
                raise ValidationError(
                    {
                        "fields": _("Field %(n)d is mapped to catalog item %(id)s, which does not exist.")
                        % {"n": position, "id": catalog_id}
                    }
                )
            rows.append(
                ReportFormField(
                    position=position, catalog_field=item, label=(spec.get("label") or item.name).strip()[:100]
                )
            )
        else:
            label = (spec.get("label") or "").strip()
            if not label:
                raise ValidationError(
                    {"fields": _("Field %(n)d has neither a catalog item nor a name.") % {"n": position}}
                )
            rows.append(
                ReportFormField(
                    position=position,
                    label=label[:100],
                    proposed_definition=(spec.get("definition") or "").strip()[:2000],
                    proposed_unit=(spec.get("unit") or "").strip()[:30],
                )
            )
    form = ReportForm(
        issuer=issuer, title=_text(title, "title"), sent_on=sent_on, due_on=due_on, created_by=user if user.pk else None
    )
    form.save()
    form.targets.set(targets)
    for row in rows:
        row.form = form
    ReportFormField.objects.bulk_create(rows)
    reused = sum(1 for row in rows if row.catalog_field_id)
    record("update", obj=form, after={"fields": [(row.label, row.catalog_field_id) for row in rows]})
    _issuer_add(issuer.pk, sent_on, "forms")
    _issuer_add(issuer.pk, sent_on, "form_fields", len(rows))
    _issuer_add(issuer.pk, sent_on, "form_fields_reused", reused)
    return form


@transaction.atomic
def form_fill_submit(
    *, user, form: ReportForm, unit: Unit, values: dict, submitted_on: dt.date | None = None
) -> FormFill:
    """A target unit fills a form. values: {form field id: text}. Values the platform already held
    (pre-filled) and submitted unchanged count as pre-filled; the rest as typed."""

    _acts_for(user, "burden.add_formfill", unit)
    if not form.targets.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("This form was not sent to %(unit)s.") % {"unit": unit.name}})
    if FormFill.objects.filter(form=form, unit=unit).exists():
        raise ValidationError({"unit": _("%(unit)s has already filled this form.") % {"unit": unit.name}})
    fields = list(form.fields.select_related("catalog_field"))
    known = selectors.known_values(unit, [f.catalog_field for f in fields if f.catalog_field_id])
    errors, rows, prefilled = {}, [], 0
    for field in fields:
        value = str(values.get(field.pk, values.get(str(field.pk), "")) or "").strip()
        if not value:
            errors[f"field_{field.pk}"] = _("%(label)s: give a value.") % {"label": field.label}
            continue
        if len(value) > 500:
            errors[f"field_{field.pk}"] = _("%(label)s: at most 500 characters.") % {"label": field.label}
            continue
        problem = _filled_value_problem(field, value)
        if problem:
            errors[f"field_{field.pk}"] = problem
            continue
        held = known.get(field.catalog_field_id)
        was_prefilled = held is not None and held["value"] == value
        prefilled += was_prefilled
        rows.append(
            FormFillValue(form_field=field, catalog_field=field.catalog_field, value=value, prefilled=was_prefilled)
        )
    if errors:
        raise ValidationError(errors)
    typed = len(rows) - prefilled
    hours = rules.fill_person_hours(
        typed,
        prefilled,
        minutes_per_typed=_param_float("burden.form_minutes_per_typed_value"),
        minutes_per_prefilled=_param_float("burden.form_minutes_per_prefilled_value"),
    )
    day = submitted_on or timezone.localdate()
    fill = FormFill(
        form=form,
        unit=unit,
        submitted_on=day,
        submitted_by=user if user.pk else None,
        prefilled_count=prefilled,
        typed_count=typed,
        person_hours=hours,
    )
    fill.save()
    for row in rows:
        row.fill = fill
    FormFillValue.objects.bulk_create(rows)
    record("update", obj=fill, after={"values": {row.form_field_id: row.value for row in rows}})
    _issuer_add(form.issuer_id, day, "fills")
    _issuer_add(form.issuer_id, day, "fill_values_prefilled", prefilled)
    _issuer_add(form.issuer_id, day, "fill_values_typed", typed)
    load_add(source="forms", unit_id=unit.pk, day=day, hours=hours, issuer_id=form.issuer_id)
    return fill


# -- settings and alerts -----------------------------------------------------------------------------------
@transaction.atomic
def index_settings_save(*, user, red_line, weights: dict) -> None:

    _require(user, "burden.change_burdenalert")
    try:
        red_line = float(red_line)
    except (TypeError, ValueError):
        raise ValidationError({"red_line": _("Give a number.")}) from None
    if not 0.1 <= red_line <= 10:
        raise ValidationError({"red_line": _("The red line lies between 0.1 and 10.")})
    clean = {}
    for source, weight in weights.items():
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise ValidationError({f"weight_{source}": _("Give a number.")}) from None
        if not 0 <= weight <= 10:
            raise ValidationError({f"weight_{source}": _("A weight lies between 0 and 10.")})
        clean[source] = weight
    parameter_set(user=user, key="burden.red_line", value=red_line)
    parameter_set(user=user, key="burden.weights", value=clean)


@transaction.atomic
def alert_acknowledge(*, user, alert: BurdenAlert, note: str = "") -> BurdenAlert:
    _require(user, "burden.change_burdenalert")
    if not BurdenAlert.objects.visible_to(user, "change").filter(pk=alert.pk).exists():
        raise PermissionDenied(_("This record is outside your scope."))
    alert.acknowledged_by = user
    alert.note = (note or "").strip()[:2000]
    alert.save()
    return alert


# -- 直通车 ------------------------------------------------------------------------------------------------
@transaction.atomic
def burden_report_submit(
    *, category: str, text: str, sender_unit: Unit | None = None, publication_allowed: bool = False
) -> tuple[BurdenReport, str]:
    """Store an anonymous report: only what the sender wrote and chose, the day, and the code's hash.
    Returns the report and the follow-up code, which is shown once and never stored. Deliberately not
    audited: an audit event would keep the sender's IP address and the exact time."""
    if category not in BurdenReport.Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    problem = rules.report_text_problem(text, int(parameters.get("burden.report_max_chars")))
    if problem == "too_short":
        raise ValidationError({"text": _("Describe the problem in a few words at least.")})
    if problem == "too_long":
        raise ValidationError(
            {
                "text": _("The report is too long: at most %(n)d characters.")
                % {"n": int(parameters.get("burden.report_max_chars"))}
            }
        )
    if sender_unit is not None and sender_unit.kind not in Unit.TOWN_LEVEL:
        raise ValidationError({"sender_unit": _("Choose a town or street, or none.")})
    code = rules.new_follow_up_code()
    report = BurdenReport(
        category=category,
        text=text.strip(),
        sender_unit=sender_unit,
        publication_allowed=bool(publication_allowed),
        received_on=timezone.localdate(),
        code_hash=rules.follow_up_code_hash(code, settings.SECRET_KEY),
    )
    report.save()
    return report, code


@transaction.atomic
def burden_report_answer(*, user, report: BurdenReport, answer: str, publish: bool) -> BurdenReport:
    _require(user, "burden.answer_burdenreport")
    answer = _text(answer, "answer", minimum=2, maximum=5000)
    if publish and not report.publication_allowed:
        raise ValidationError({"publish": _("The sender did not allow publication.")})
    report.answer = answer
    report.status = BurdenReport.Status.ANSWERED
    report.answered_on = timezone.localdate()
    report.published = bool(publish)
    report.save()
    record("update", obj=report, after={"status": report.status, "answer": answer, "published": report.published})
    return report


# -- resources against load (编制、经费向基层倾斜) -------------------------------------------------------------
MAX_AMOUNT = Decimal("1000000")  # 10,000 yuan: 100 亿 is more than a county allocates to one unit


def _amount(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Give an amount in 10,000 yuan.")}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({field: _("The amount must not be negative.")})
    if number > MAX_AMOUNT:
        raise ValidationError({field: _("That amount is not plausible.")})
    return number.quantize(Decimal("0.01"))


def _whole(value, field: str, message: str, *, minimum: int, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not minimum <= number <= maximum:
        raise ValidationError({field: message})
    return number


def _day_given(value, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("Give a date.")})
    return value


@transaction.atomic
def fund_allocation_create(*, user, unit: Unit, year, purpose: str, amount, due_on) -> FundAllocation:
    """减负办 records money allocated to a town-level or grassroots unit for a year."""
    _acts_for(user, "burden.add_fundallocation", unit)
    if unit.kind not in (*Unit.TOWN_LEVEL, *Unit.GRASSROOTS):
        raise ValidationError({"unit": _("Funds are recorded for a town, street, village or community.")})
    year = _whole(year, "year", _("Give a year between 2000 and 2100."), minimum=2000, maximum=2100)
    amount = _amount(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    due_on = _day_given(due_on, "due_on")
    if not year <= due_on.year <= year + 1:
        raise ValidationError({"due_on": _("The date due falls in the year of the funds or the next.")})
    allocation = FundAllocation(unit=unit, year=year, purpose=_text(purpose, "purpose"), amount=amount, due_on=due_on)
    allocation.save()
    return allocation


@transaction.atomic
def fund_allocation_record_arrival(*, user, allocation: FundAllocation, amount_arrived, arrived_on) -> FundAllocation:
    """What has arrived so far (the total) and the day the last of it arrived."""
    _acts_for(user, "burden.change_fundallocation", allocation.unit)
    allocation = FundAllocation.objects.select_for_update().get(pk=allocation.pk)
    arrived = _amount(amount_arrived, "amount_arrived")
    if arrived > allocation.amount:
        raise ValidationError({"amount_arrived": _("More cannot arrive than was allocated.")})
    if arrived > 0:
        arrived_on = _day_given(arrived_on, "arrived_on")
        if arrived_on > timezone.localdate():
            raise ValidationError({"arrived_on": _("The date of arrival cannot be in the future.")})
        if arrived_on.year < allocation.year:
            raise ValidationError({"arrived_on": _("Funds cannot arrive before their year.")})
    else:
        arrived_on = None
    allocation.amount_arrived, allocation.arrived_on = arrived, arrived_on
    allocation.save()
    return allocation


@transaction.atomic
def staffing_request_file(*, user, unit: Unit, posts_asked, reason: str) -> StaffingRequest:
    """A town asks for more posts; its index (latest complete month with data) is captured as filed."""
    _acts_for(user, "burden.add_staffingrequest", unit)
    if unit.kind not in Unit.TOWN_LEVEL:
        raise ValidationError({"unit": _("A staffing request is filed by a town or street.")})
    posts_asked = _whole(posts_asked, "posts_asked", _("Ask for between 1 and 200 posts."), minimum=1, maximum=200)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": _("Say why the posts are needed (at least 10 characters).")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": 2000}})
    if StaffingRequest.objects.filter(unit=unit, status=StaffingRequest.Status.PENDING).exists():
        raise ValidationError(
            {"unit": _("%(unit)s already has a request waiting for a decision.") % {"unit": unit.name}}
        )
    month, value = selectors.index_citation(unit)
    staffing_request = StaffingRequest(
        unit=unit,
        posts_asked=posts_asked,
        reason=reason,
        index_value=None if value is None else Decimal(str(round(value, 3))),
        index_month=month,
        filed_by=user,
    )
    staffing_request.save()
    return staffing_request


@transaction.atomic
def staffing_request_decide(
    *, user, staffing_request: StaffingRequest, decision: str, reason: str, posts_granted=None
) -> StaffingRequest:
    """减负办 or 编办 approves, partly approves or refuses, always with a written reason."""
    _require(user, "burden.decide_staffingrequest")
    if not StaffingRequest.objects.visible_to(user).filter(pk=staffing_request.pk).exists():
        raise PermissionDenied(_("This record is outside your scope."))
    staffing_request = StaffingRequest.objects.select_for_update().get(pk=staffing_request.pk)
    if staffing_request.status != StaffingRequest.Status.PENDING:
        raise ValidationError({"decision": _("This request has already been decided.")})
    decided = (StaffingRequest.Status.APPROVED, StaffingRequest.Status.PARTLY, StaffingRequest.Status.REFUSED)
    if decision not in decided:
        raise ValidationError({"decision": _("Choose to approve, partly approve or refuse.")})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    if posts_granted in ("", None):
        posts_granted = None
    else:
        posts_granted = _whole(
            posts_granted, "posts_granted", _("Give the posts granted as a whole number."), minimum=0, maximum=200
        )
    try:
        granted = rules.staffing_decision(decision, staffing_request.posts_asked, posts_granted)
    except ValueError:
        raise ValidationError(
            {
                "posts_granted": _("Partly approved: grant more than none and fewer than the %(n)d posts asked.")
                % {"n": staffing_request.posts_asked}
            }
        ) from None
    staffing_request.status = decision
    staffing_request.posts_granted = granted
    staffing_request.decision_reason = reason[:2000]
    staffing_request.decided_by = user
    staffing_request.decided_at = timezone.now()
    staffing_request.save()
    return staffing_request
