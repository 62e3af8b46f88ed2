"""Every read of care, scoped to the user; also what services and other modules read."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max, Q, Sum
from django.utils import timezone

from qingche.burden import rules as burden_rules
from qingche.burden import selectors as burden_selectors
from qingche.core import parameters
from qingche.org.models import Assignment, Person, Unit
from qingche.people import rules, rules_training
from qingche.people.models import HealthCheck, LeaveRequest, OverloadFlag, Talk, TalkNote, WorkStart

ACTIVE_LEAVE = (LeaveRequest.Status.REQUESTED, LeaveRequest.Status.APPROVED)
PERSON_PII = ("id_number", "phone")


def _pii_of(*relations: str) -> list[str]:
    """The encrypted fields of the people joined in: names are shown, decrypting costs per row."""
    return [f"{relation}__{name}" for relation in relations for name in PERSON_PII]


def work_starts(user):
    return WorkStart.objects.visible_to(user).select_related("person")


def leave_requests(user):
    return (
        LeaveRequest.objects.visible_to(user)
        .select_related("person__unit", "decided_by")
        .defer(*_pii_of("person", "decided_by"))
    )


def health_checks(user):
    return HealthCheck.objects.visible_to(user).select_related("person__unit")


def talks(user):
    return Talk.objects.visible_to(user).select_related("person__unit", "talker").defer(*_pii_of("person", "talker"))


def talk_notes(user):
    """Only the talker's own notes, and for the organisation department those in its subtree."""
    return TalkNote.objects.visible_to(user).select_related("talk__person", "talk__talker")


def overload_flags(user):
    return OverloadFlag.objects.visible_to(user).select_related("person", "unit", "closed_by").defer(*_pii_of("person"))


def people(user):
    """The people the user may see (their records' units), with their unit."""
    return Person.objects.visible_to(user).select_related("unit")


def people_listed(user):
    """As people(), for lists of thousands: the encrypted fields are never shown there and would be
    decrypted row by row."""
    return people(user).defer(*PERSON_PII)


@dataclass(frozen=True, slots=True)
class UnitLine:
    name: str


@dataclass(frozen=True, slots=True)
class PersonLine:
    """A person in a list of thousands (the leave plan, the talks overdue): what such a list shows and
    links to, read as plain values — building a model object per person cost most of those pages."""

    pk: int
    name: str
    unit: UnitLine


def people_named(user) -> list[PersonLine]:
    """The people the user may see, in unit order then name, as PersonLines."""
    units: dict[str, UnitLine] = {}
    return [
        PersonLine(pk, name, units.setdefault(unit_name, UnitLine(unit_name)))
        for pk, name, unit_name in people(user).order_by("unit__path", "name").values_list("pk", "name", "unit__name")
    ]


def entitlement_steps() -> list:
    return parameters.get("people.leave_entitlement")


# -- leave ------------------------------------------------------------------------------------------------
def leave_overlapping(person, start: dt.date, end: dt.date):
    return LeaveRequest.objects.filter(person=person, status__in=ACTIVE_LEAVE, start__lte=end, end__gte=start)


def entitled_days(started_on: dt.date | None, year: int, steps: list | None = None) -> int | None:
    """The year's paid leave: from the whole years of work completed by the end of the year. `steps`:
    the parameter people.leave_entitlement, when the caller has read it once for many people."""
    if started_on is None:
        return None
    steps = entitlement_steps() if steps is None else steps
    return rules.entitlement(rules.years_of_work(started_on, dt.date(year, 12, 31)), steps)


def _carry_parameters() -> tuple[int, int]:
    days = int(parameters.get("people.leave_carry_over_days"))
    return days, int(parameters.get("people.leave_carry_over_until_month"))


def carried_days(
    started_on: dt.date | None,
    taken_last_year: int,
    year: int,
    today: dt.date,
    *,
    steps: list | None = None,
    carry: tuple[int, int] | None = None,
) -> int:
    """Leave of the year before carried into `year` (parameters people.leave_carry_over_days and
    people.leave_carry_over_until_month; none by default). `steps`/`carry`: the parameters read once by
    a caller that asks for many people."""

    max_days, until = _carry_parameters() if carry is None else carry
    if max_days <= 0:
        return 0
    last = entitled_days(started_on, year - 1, steps)
    if last is None:
        return 0
    return rules_training.carried_over(rules.leave_left(last, taken_last_year), max_days, today, year, until)


def _taken_last_year(person_ids, year: int) -> dict[int, int]:
    if int(parameters.get("people.leave_carry_over_days")) <= 0:
        return {}
    return dict(
        LeaveRequest.objects.filter(person_id__in=person_ids, year=year - 1, status=LeaveRequest.Status.APPROVED)
        .values_list("person_id")
        .annotate(days=Sum("days"))
    )


def leave_balance(person, year: int) -> dict:
    started = WorkStart.objects.filter(person=person).values_list("started_on", flat=True).first()
    sums = dict(
        LeaveRequest.objects.filter(person=person, year=year, status__in=ACTIVE_LEAVE)
        .values_list("status")
        .annotate(days=Sum("days"))
    )
    entitled = entitled_days(started, year)
    carried = carried_days(started, _taken_last_year([person.pk], year).get(person.pk, 0), year, timezone.localdate())
    if entitled is not None:
        entitled += carried
    taken = sums.get(LeaveRequest.Status.APPROVED, 0)
    return {
        "entitled": entitled,
        "taken": taken,
        "pending": sums.get(LeaveRequest.Status.REQUESTED, 0),
        "left": None if entitled is None else rules.leave_left(entitled, taken),
        "started_on": started,
        "carried": carried,
    }


def leave_plan(user, year: int, today: dt.date, *, unused_only: bool = False) -> list[dict]:
    """Each person the user may see: entitled, taken, pending and left this year; late in the year the
    people with leave still unused first, so the town can plan cover."""
    people_rows = people_named(user)
    ids = [person.pk for person in people_rows]
    steps, carry = entitlement_steps(), _carry_parameters()
    starts = dict(WorkStart.objects.filter(person_id__in=ids).values_list("person_id", "started_on"))
    sums = defaultdict(dict)
    for person_id, status, days in (
        LeaveRequest.objects.filter(person_id__in=ids, year=year, status__in=ACTIVE_LEAVE)
        .values_list("person_id", "status")
        .annotate(days=Sum("days"))
    ):
        sums[person_id][status] = days
    from_month = int(parameters.get("people.leave_unused_from_month"))
    taken_last_year = _taken_last_year(ids, year)
    rows = []
    for person in people_rows:
        started = starts.get(person.pk)
        entitled = entitled_days(started, year, steps)
        if entitled is not None:
            entitled += carried_days(started, taken_last_year.get(person.pk, 0), year, today, steps=steps, carry=carry)
        taken = sums[person.pk].get(LeaveRequest.Status.APPROVED, 0)
        pending = sums[person.pk].get(LeaveRequest.Status.REQUESTED, 0)
        late = entitled is not None and year == today.year and rules.unused_late(entitled, taken, today, from_month)
        if unused_only and not late:
            continue
        rows.append(
            {
                "person": person,
                "entitled": entitled,
                "taken": taken,
                "pending": pending,
                "left": None if entitled is None else rules.leave_left(entitled, taken),
                "unused_late": late,
            }
        )
    return rows


# -- health checks ---------------------------------------------------------------------------------------
def _town_of(path: str, towns: list[Unit]) -> Unit | None:
    for town in towns:
        if path.startswith(town.path):
            return town
    return None


def health_coverage(user, year: int) -> list[dict]:
    """Per town (or street) the user may see: people, checks done, booked, and the share done."""
    towns = list(burden_selectors.town_level_units(user))
    done = set(
        HealthCheck.objects.filter(year=year, status=HealthCheck.Status.DONE).values_list("person_id", flat=True)
    )
    booked = set(
        HealthCheck.objects.filter(year=year, status=HealthCheck.Status.BOOKED).values_list("person_id", flat=True)
    )
    counts = {town.pk: {"town": town, "people": 0, "done": 0, "booked": 0} for town in towns}
    for person_id, path in people(user).values_list("pk", "unit__path"):
        town = _town_of(path, towns)
        if town is None:
            continue
        row = counts[town.pk]
        row["people"] += 1
        row["done"] += person_id in done
        row["booked"] += person_id in booked
    result = list(counts.values())
    for row in result:
        row["coverage"] = rules.coverage(row["done"], row["people"])
    return [row for row in result if row["people"]]


def health_unchecked(user, year: int):
    """People the user may see with no health check done this year (booked ones included, with the date)."""
    done = HealthCheck.objects.filter(year=year, status=HealthCheck.Status.DONE).values("person_id")
    return people_listed(user).exclude(pk__in=done).order_by("unit__path", "name")


# -- talks -----------------------------------------------------------------------------------------------
def talks_overdue(user, today: dt.date) -> list[dict]:
    """People the user may see with no talk recorded in the last N months (parameter people.talk_months)."""
    months = int(parameters.get("people.talk_months"))
    rows = people_named(user)
    last = dict(
        Talk.objects.filter(person_id__in=[person.pk for person in rows])
        .values_list("person_id")
        .annotate(last=Max("date"))
    )
    return [
        {"person": person, "last": last.get(person.pk)}
        for person in rows
        if rules.talk_overdue(last.get(person.pk), today, months)
    ]


# -- overload --------------------------------------------------------------------------------------------
def last_whole_months(today: dt.date, count: int) -> list[burden_rules.Period]:
    """The `count` whole months before today's month, oldest first."""
    first = today.replace(day=1)
    months = []
    for _step in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(burden_rules.Period.month(first.year, first.month))
    return list(reversed(months))


def overload_runs(today: dt.date) -> list[dict]:
    """People in post whose person index was above the red line in each of the last N whole months, with
    the monthly values (the inputs the flag shows). Each month in the person's main unit of that month."""
    count = int(parameters.get("people.overload_months"))
    periods = last_whole_months(today, count)
    in_post = Q(end_date__isnull=True) | Q(end_date__gte=periods[0].first)
    person_ids = Assignment.objects.filter(in_post, start_date__lte=periods[-1].last).values("person_id")
    people_rows = list(Person.objects.filter(pk__in=person_ids))
    line = burden_selectors.red_line()
    values: dict[int, list] = defaultdict(list)
    last_unit: dict[int, int] = {}
    for period in periods:
        units = burden_selectors.main_units(people_rows, period)
        results = burden_selectors.person_indexes(list(units.items()), period)
        for person in people_rows:
            result = results.get((person.pk, units[person.pk]))
            values[person.pk].append(None if result is None or result.value is None else round(result.value, 2))
            last_unit[person.pk] = units[person.pk]
    runs = []
    for person in people_rows:
        if rules.over_red_line_run(values[person.pk], line, count):
            shown = zip(periods, values[person.pk], strict=True)
            months = [[period.first.strftime("%Y-%m"), value] for period, value in shown]
            runs.append({"person": person, "unit_id": last_unit[person.pk], "months": months, "red_line": line})
    return runs


def red_line() -> float:
    return burden_selectors.red_line()


def open_flags_for_home(user):
    return overload_flags(user).filter(closed_by__isnull=True)
