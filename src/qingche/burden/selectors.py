"""Every read of the burden module, scoped to the user; and the lookups other modules call
(`index_for_units`, `red_line`, `form_reuse_share`), which are not scoped: they serve checks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from types import MappingProxyType

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.burden import rules, sources
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
    OvertimeEntry,
    ReportForm,
    RequiredApp,
    SenderRollup,
    StaffingRequest,
)
from qingche.core import parameters, periods
from qingche.core.cache import ttl_cache
from qingche.core.calendar import work_calendar
from qingche.core.scope import acting_q, is_root_path, user_person_id
from qingche.duties.selectors import standing_hours_by_unit
from qingche.org.models import Assignment, Person, Post, Unit


# -- registries (scoped) ------------------------------------------------------------------------------------
def plan_items(user):
    return InspectionPlanItem.objects.visible_to(user).select_related("issuer").prefetch_related("targets")


def inspections(user):
    return Inspection.objects.visible_to(user).select_related("issuer", "target", "plan_item")


def held_despite_refusal(user):
    """Unplanned inspections 减负办 refused that happened anyway: the inspected unit recorded person-hours of
    preparation or reception for them (flagged to 减负办 on its home card and the inspection list)."""
    return (
        inspections(user)
        .filter(approval=Approval.REFUSED)
        .filter(Q(preparation_hours__gt=0) | Q(reception_hours__gt=0))
    )


def meetings(user):
    return Meeting.objects.visible_to(user).select_related("organiser").prefetch_related("attendances__unit")


def documents(user):
    return Document.objects.visible_to(user).select_related("issuer").prefetch_related("targets")


def apps(user):
    return RequiredApp.objects.visible_to(user).select_related("issuer").prefetch_related("targets")


def overtime(user):
    return OvertimeEntry.objects.visible_to(user).select_related("person", "unit", "confirmed_by")


def catalog(user):
    return CatalogField.objects.visible_to(user).select_related("owner")


def report_forms(user):
    return (
        ReportForm.objects.visible_to(user)
        .select_related("issuer")
        .order_by("-sent_on", "-id")
        .annotate(
            field_count=Count("fields", distinct=True),
            reused_count=Count("fields", filter=Q(fields__catalog_field__isnull=False), distinct=True),
        )
    )


def form_fills(user):
    return FormFill.objects.visible_to(user).select_related("form", "unit")


def alerts(user):
    return BurdenAlert.objects.visible_to(user).select_related("unit")


def burden_reports(user):
    return BurdenReport.objects.visible_to(user).select_related("sender_unit")


def published_answers():
    """The public list of answered reports (no login): only those whose sender allowed it."""
    return (
        BurdenReport.objects.filter(published=True, publication_allowed=True, status=BurdenReport.Status.ANSWERED)
        .select_related("sender_unit")
        .order_by("-answered_on", "-id")
    )


def report_by_code(code: str) -> BurdenReport | None:
    if not code or len(code) > 40:
        return None
    return BurdenReport.objects.filter(code_hash=rules.follow_up_code_hash(code, settings.SECRET_KEY)).first()


def units_for_user(user, perm: str):
    """Units the user may act for with `perm` (for form choices)."""
    return Unit.objects.filter(acting_q(user, perm))


# -- capacity ------------------------------------------------------------------------------------------------
class Trees(dict):
    """{unit id: ids of the unit and every unit below it}, with the path prefix they all share."""

    common = ""

    def unit_q(self, lookup: str = "unit") -> Q:
        """A filter on `lookup` reaching every unit of the trees: a short id list, or (for many units)
        the shared path prefix, which avoids sending thousands of ids; rows of other units under the
        prefix are ignored by the callers, which map rows back through the trees."""
        every = {pk for ids in self.values() for pk in ids}
        if len(every) <= 200:
            return Q(**{f"{lookup}_id__in": sorted(every)})
        if is_root_path(self.common):  # the whole tree (the county's towns): no filter, no join
            return Q()
        return Q(**{f"{lookup}__path__startswith": self.common})


def _subtrees(unit_ids) -> Trees:
    """{unit id: ids of the unit and every unit below it}, in two queries whatever the number of units:
    every unit under the deepest common ancestor is read once and bucketed by path prefix."""
    return subtrees_of(Unit.objects.filter(pk__in=list(unit_ids)).values_list("pk", "path"))


def subtrees_of(units) -> Trees:
    """_subtrees of units whose paths are already known: Unit objects, or (pk, path) pairs; one query."""
    units = [(unit.pk, unit.path) if isinstance(unit, Unit) else tuple(unit) for unit in units]
    if not units:
        return Trees()
    paths = [path for _pk, path in units]
    common = paths[0]
    for path in paths[1:]:
        while not path.startswith(common):
            common = common[: len(common) - Unit.steplen]
    below = _units_under(common)
    wanted = {path: pk for pk, path in units}
    result = Trees({pk: [] for pk, _path in units})
    result.common = common
    lengths = sorted({len(path) for path in wanted})
    for pk, path in below:
        for length in lengths:
            if length > len(path):
                break
            owner = wanted.get(path[:length])
            if owner is not None:
                result[owner].append(pk)
    return result


@ttl_cache(60, cleared_by=("org.Unit",))
def _units_under(path: str) -> tuple[tuple[int, str], ...]:
    """(pk, path) of the unit at `path` and of every unit below it. Kept a minute per process: the tree
    changes rarely, while the county dashboard reads every town and village on each view."""
    return tuple(Unit.objects.filter(path__startswith=path).values_list("pk", "path"))


def people_in_post(unit_ids, on: dt.date | None = None, *, subtree: bool = False, trees=None) -> dict[int, int]:
    """People actually in post on a day (default today), per unit (or per unit's subtree).
    Reads org's assignments (a read: org owns and writes them)."""
    on = on or timezone.localdate()
    unit_ids = list(unit_ids)
    if not subtree:
        found = _in_post_per_unit(on, ("ids", tuple(sorted(set(unit_ids)))))
        return {unit_id: found.get(unit_id, 0) for unit_id in unit_ids}
    trees = trees if trees is not None else _subtrees(unit_ids)
    every = {pk for ids in trees.values() for pk in ids}
    key = ("ids", tuple(sorted(every))) if len(every) <= 200 else ("path", trees.common)
    per_unit = _in_post_per_unit(on, key)
    return {unit_id: sum(per_unit.get(pk, 0) for pk in trees.get(unit_id, [])) for unit_id in unit_ids}


@ttl_cache(60, cleared_by=("org.Assignment",))
def _in_post_per_unit(on: dt.date, units: tuple) -> dict[int, int]:
    """{unit id: people in post on the day} for ("ids", unit ids) or ("path", every unit under a path).
    Kept a minute per process: people move between posts rarely (org's writes clear this process's copy
    at once), while the county dashboard counts every town's people on each view. Shared: never change it."""
    kind, value = units
    current = Assignment.objects.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    if kind == "ids":
        current = current.filter(unit_id__in=value)
    elif not is_root_path(value):  # the whole tree needs no filter
        current = current.filter(unit__path__startswith=value)
    return dict(current.values("unit_id").annotate(n=Count("person", distinct=True)).values_list("unit_id", "n"))


def staffing_quota(unit_ids, *, subtree: bool = False, trees=None) -> dict[int, int]:
    unit_ids = list(unit_ids)
    if trees is None:
        trees = _subtrees(unit_ids) if subtree else {pk: [pk] for pk in unit_ids}
    every = {pk for ids in trees.values() for pk in ids}
    unit_filter = trees.unit_q() if isinstance(trees, Trees) else Q(unit_id__in=every)
    per_unit = dict(
        Post.objects.filter(unit_filter).values("unit_id").annotate(q=Sum("quota")).values_list("unit_id", "q")
    )
    return {unit_id: sum(per_unit.get(pk) or 0 for pk in trees.get(unit_id, [])) for unit_id in unit_ids}


# -- the index -------------------------------------------------------------------------------------------------
def red_line() -> float:
    """The configured red line of the burden index (for the admission check)."""
    return float(parameters.get("burden.red_line"))


def weights() -> dict[str, float]:
    stored = parameters.get("burden.weights") or {}
    return {name: float(stored.get(name, 1.0)) for name in sources.registered()}


def _as_period(period) -> rules.Period:
    if isinstance(period, rules.Period):
        return period
    if isinstance(period, str):
        year, month = period.split("-")
        return rules.Period.month(int(year), int(month))
    first, last = period
    return rules.Period(first, last)


def _capacity_day(period: rules.Period) -> dt.date:
    today = timezone.localdate()
    return min(period.last, today) if period.first <= today else period.last


def _rate_factor(source, period: rules.Period, calendar) -> float:
    """What a rate source's figure is multiplied by for the period (1 for a source of plain hours)."""
    if source.per == sources.MONTH:
        return rules.month_share(period)
    if source.per == sources.WORKING_DAY:
        return calendar.working_days_in(period.first, period.last)
    return 1.0


def loads_by_source(
    unit_ids, period: rules.Period, *, subtree: bool = True, trees=None, calendar=None
) -> dict[int, dict[str, float]]:
    """{unit id: {source: person-hours}} over each unit's subtree for the period, from every
    registered source (rollup-backed sources in one query; rate sources times the period's months or
    working days)."""
    unit_ids = list(unit_ids)
    calendar = calendar or work_calendar()
    if trees is None:
        trees = _subtrees(unit_ids) if subtree else {pk: [pk] for pk in unit_ids}
    every = sorted({pk for ids in trees.values() for pk in ids})
    owner = defaultdict(list)
    for unit_id, ids in trees.items():
        for pk in ids:
            owner[pk].append(unit_id)
    registered = sources.registered()
    result = {unit_id: {name: 0.0 for name in registered} for unit_id in unit_ids}
    rollup_names = [name for name, source in registered.items() if source.rollup]
    if rollup_names:
        unit_filter = trees.unit_q() if isinstance(trees, Trees) else Q(unit_id__in=every)
        rows = (
            LoadRollup.objects.filter(
                unit_filter, source__in=rollup_names, month__gte=period.first.replace(day=1), month__lte=period.last
            )
            .values("unit_id", "source")
            .annotate(total=Sum("hours"))
        )
        for row in rows:
            for unit_id in owner.get(row["unit_id"], ()):
                result[unit_id][row["source"]] += float(row["total"])
    for name, source in registered.items():
        if source.rollup:
            continue
        factor = _rate_factor(source, period, calendar)
        per_unit = source.function(every, period) or {}
        for pk, hours in per_unit.items():
            for unit_id in owner.get(pk, []):
                result[unit_id][name] += float(hours) * factor
    return result


# -- the rate sources burden registers itself: standing duties, apps and work groups ----------------------
@ttl_cache(60, cleared_by=("duties.DutyList", "duties.DutyItem", "org.Post", "org.Unit"))
def standing_rates() -> Mapping[int, float]:
    """{unit id: person-hours a month of standing duties}. A town's duty list (duties' own figures) is carried
    by the town and the villages below it together, shared out by approved staffing (编制): a unit with
    vacancies keeps the share its posts were sized for. Cached, as every index reads it."""
    per_town = standing_hours_by_unit()
    if not per_town:
        return MappingProxyType({})
    towns = dict(Unit.objects.filter(pk__in=list(per_town)).values_list("path", "pk"))
    lengths = sorted({len(path) for path in towns})
    quota_by_unit: dict[int, dict[int, int]] = defaultdict(dict)
    for unit_id, path, quota in (
        Post.objects.values("unit_id", "unit__path").annotate(q=Sum("quota")).values_list("unit_id", "unit__path", "q")
    ):
        town = next((towns[path[:length]] for length in lengths if path[:length] in towns), None)
        if town is not None and quota:
            quota_by_unit[town][unit_id] = quota
    rates: dict[int, float] = {}
    for town, hours in per_town.items():
        shares = quota_by_unit.get(town) or {town: 1}
        total = sum(shares.values())
        for unit_id, quota in shares.items():
            rates[unit_id] = hours * quota / total
    return MappingProxyType(rates)


def standing_duty_rates(unit_ids, period: rules.Period) -> dict[int, float]:
    """Burden's "standing" source: person-hours a month of each unit's share of its town's standing duties."""
    rates = standing_rates()
    return {unit_id: rates[unit_id] for unit_id in unit_ids if unit_id in rates}


def app_rates(unit_ids, period: rules.Period) -> dict[int, float]:
    """Burden's "apps" source: person-hours a working day of the apps and work groups a unit is required to use:
    Σ minutes a day of each ÷ 60 × the unit's people in post (everyone in a unit that must use it uses it)."""
    wanted = set(unit_ids)
    minutes = {
        unit_id: total
        for unit_id, total in RequiredApp.targets.through.objects.values("unit_id")
        .annotate(total=Sum("requiredapp__minutes_per_day"))
        .values_list("unit_id", "total")
        if unit_id in wanted and total
    }
    if not minutes:
        return {}
    people = people_in_post(list(minutes), _capacity_day(period))
    return {unit_id: total / 60 * people[unit_id] for unit_id, total in minutes.items() if people[unit_id]}


def index_results(unit_ids, period, *, calendar=None, trees=None) -> dict[int, rules.IndexResult]:
    """The 小马拉大车 index of each unit (with the units below it) for the period. `trees`: _subtrees(unit_ids),
    when the caller already has it."""
    period = _as_period(period)
    unit_ids = list(unit_ids)
    calendar = calendar or work_calendar()
    working_days = calendar.working_days_in(period.first, period.last)
    hours_per_day = calendar.hours_per_day
    trees = trees if trees is not None else _subtrees(unit_ids)
    loads = loads_by_source(unit_ids, period, trees=trees, calendar=calendar)
    in_post = people_in_post(unit_ids, _capacity_day(period), subtree=True, trees=trees)
    quota = staffing_quota(unit_ids, trees=trees)
    current_weights, line = weights(), red_line()
    senders = {name: source.sender for name, source in sources.registered().items()}
    return {
        unit_id: rules.burden_index(
            loads[unit_id],
            current_weights,
            in_post=in_post[unit_id],
            working_days=working_days,
            hours_per_day=hours_per_day,
            red_line=line,
            senders=senders,
            quota=quota[unit_id],
        )
        for unit_id in unit_ids
    }


def index_values(unit_ids, period, *, trees=None) -> dict[int, tuple[float | None, str]]:
    """(value, state) of each unit's index, as index_results gives them but without each result's
    breakdown by source and sender: the county dashboard shows only these two, for every town."""
    period = _as_period(period)
    unit_ids = list(unit_ids)
    calendar = work_calendar()
    working_days = calendar.working_days_in(period.first, period.last)
    hours_per_day = calendar.hours_per_day  # a computed property: read once, not per unit
    trees = trees if trees is not None else _subtrees(unit_ids)
    loads = loads_by_source(unit_ids, period, trees=trees)
    in_post = people_in_post(unit_ids, _capacity_day(period), subtree=True, trees=trees)
    current_weights, line = weights(), red_line()
    return {
        unit_id: rules.index_value(
            rules.weighted_load(loads[unit_id], current_weights),
            in_post[unit_id] * working_days * hours_per_day,
            line,
        )
        for unit_id in unit_ids
    }


def index_for_units(unit_ids, period) -> dict[int, float | None]:
    """For the admission check: {unit id: index value, or None when the unit has no capacity}."""
    return {unit_id: value for unit_id, (value, _state) in index_values(unit_ids, period).items()}


def unit_page(user, unit: Unit, period: rules.Period) -> dict:
    """Everything the unit's index page shows: formula inputs, standing and imposed load, breakdowns, trend,
    vacancies and the capacity they cost."""
    calendar = work_calendar()
    trees = _subtrees([unit.pk])  # read once for the index, the trend, the quota and the senders
    result = index_results([unit.pk], period, calendar=calendar, trees=trees)[unit.pk]
    registered = sources.registered()
    trend = _trend(trees[unit.pk], rules.last_months(period.first, 12), calendar)
    senders_by_issuer = _load_by_issuer(trees[unit.pk], period)
    return {
        "result": result,
        "sources": [
            {
                "name": name,
                "label": source.label,
                "sender": source.sender,
                "hours": result.loads.get(name, 0.0),
                "weight": result.weights.get(name, 1.0),
                "weighted": result.weighted.get(name, 0.0),
            }
            for name, source in registered.items()
        ],
        "missing_sources": sources.missing(),
        "trend": trend,
        "quota": result.quota,
        "vacancy": result.vacancy,
        "by_issuer": senders_by_issuer,
        "unknown_years": sorted(calendar.unknown_years),
        "red_line": red_line(),
    }


def _trend(subtree: list[int], months: list[dt.date], calendar) -> list[dict]:
    """The index month by month over the ids of a unit and the units below it: one rollup query for all
    months, people in post at each month's end."""
    registered = sources.registered()
    current_weights, line = weights(), red_line()
    senders = {name: source.sender for name, source in registered.items()}
    per_month: dict[dt.date, dict[str, float]] = {month: {name: 0.0 for name in registered} for month in months}
    rows = (
        LoadRollup.objects.filter(
            unit_id__in=subtree,
            month__gte=months[0],
            month__lte=months[-1],
            source__in=[name for name, source in registered.items() if source.rollup],
        )
        .values("month", "source")
        .annotate(total=Sum("hours"))
    )
    for row in rows:
        if row["month"] in per_month:
            per_month[row["month"]][row["source"]] += float(row["total"])
    window_end = rules.Period.month(months[-1].year, months[-1].month).last
    window = rules.Period(months[0], window_end)
    rates = {  # rate sources read once for the whole window
        name: sum(float(v) for v in (source.function(subtree, window) or {}).values())
        for name, source in registered.items()
        if not source.rollup and source.per
    }
    spans = list(
        Assignment.objects.filter(unit_id__in=subtree, start_date__lte=window_end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=months[0]))
        .values_list("person_id", "start_date", "end_date")
    )
    trend = []
    for month in months:
        period = rules.Period.month(month.year, month.month)
        for name, source in registered.items():
            if name in rates:
                per_month[month][name] += rates[name] * _rate_factor(source, period, calendar)
            elif not source.rollup:
                per_month[month][name] += sum(float(v) for v in (source.function(subtree, period) or {}).values())
        day = _capacity_day(period)
        in_post = len({person for person, start, end in spans if start <= day and (end is None or end >= day)})
        result = rules.burden_index(
            per_month[month],
            current_weights,
            in_post=in_post,
            working_days=calendar.working_days_in(period.first, period.last),
            hours_per_day=calendar.hours_per_day,
            red_line=line,
            senders=senders,
        )
        trend.append(
            {
                "month": f"{month:%Y-%m}",
                "value": result.value,
                "load": result.load,
                "standing": result.standing,
                "imposed_share": result.imposed_share,
            }
        )
    return trend


def _load_by_issuer(subtree: list[int], period: rules.Period) -> list[dict]:
    """Who sent the load (inspections, meetings, forms) to a unit and the units below it (their ids), from
    the sender rollup."""
    rows = (
        SenderRollup.objects.filter(unit_id__in=subtree, month__gte=period.first.replace(day=1), month__lte=period.last)
        .values("issuer__name")
        .annotate(h=Sum("hours"))
        .order_by("-h")
    )
    return [{"issuer": row["issuer__name"], "hours": round(float(row["h"]), 1)} for row in rows]


# -- the index of a person -----------------------------------------------------------------------------------
PERSON_INDEX_PERM = "burden.view_person_index"


def people_for_index(user):
    """People whose index the user may see: the people the user may see (org's scope: a town its people, a
    village its own, front-line staff themselves), for a role that reads people's indexes."""
    if not user.has_perm(PERSON_INDEX_PERM):
        return Person.objects.none()
    return Person.objects.visible_to(user)


def person_overtime(person_ids, unit_id: int, period: rules.Period) -> dict[int, float]:
    """Burden's own person source: confirmed overtime per person logged in the unit during the period (the
    unit's "overtime" load holds exactly these hours)."""
    rows = OvertimeEntry.objects.filter(
        unit_id=unit_id, status=OvertimeEntry.Status.CONFIRMED, date__gte=period.first, date__lte=period.last
    )
    if person_ids is not None:
        rows = rows.filter(person_id__in=list(person_ids))
    totals = rows.order_by().values("person_id").annotate(total=Sum("hours")).values_list("person_id", "total")
    return {person_id: float(total) for person_id, total in totals}


def _workdays(period: rules.Period, calendar) -> list[dt.date]:
    days, day = [], period.first
    while day <= period.last:
        if calendar.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _post_spans(period: rules.Period, *, unit_ids=None, person_ids=None) -> dict[int, dict[int, list[tuple]]]:
    """{unit id: {person id: [(start, end or None), ...]}}: the posts held during the period (org's
    assignments, read), for the given units or the given people."""
    rows = Assignment.objects.filter(start_date__lte=period.last).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.first)
    )
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    if person_ids is not None:
        rows = rows.filter(person_id__in=list(person_ids))
    spans: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for unit_id, person_id, start, end in rows.order_by().values_list("unit_id", "person_id", "start_date", "end_date"):
        spans[unit_id][person_id].append((start, end))
    return spans


def person_indexes(pairs, period, *, calendar=None) -> dict[tuple[int, int], rules.PersonIndexResult]:
    """The 小马拉大车 index of each (person id, unit id) pair for the period (see rules.person_index): the
    person's own work in the unit (from every registered person source) plus their share of the unit's
    shared load (the unit itself, from every registered source, less what is already someone's own work),
    over their working hours in post there. A few queries per unit, whatever the number of people."""
    period = _as_period(period)
    calendar = calendar or work_calendar()
    pairs = list(pairs)
    unit_ids = sorted({unit_id for _person_id, unit_id in pairs})
    if not unit_ids:
        return {}
    workdays = _workdays(period, calendar)
    loads = loads_by_source(unit_ids, period, subtree=False, calendar=calendar)
    spans = _post_spans(period, unit_ids=unit_ids)
    person_sources = list(sources.person_sources().values())
    current_weights, line = weights(), red_line()
    results = {}
    for unit_id in unit_ids:
        days = {person_id: rules.working_days_in_post(held, workdays) for person_id, held in spans[unit_id].items()}
        days = {person_id: count for person_id, count in days.items() if count > 0}
        named: dict[str, float] = defaultdict(float)
        own: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for source in person_sources:
            for person_id, hours in (source.function(None, unit_id, period) or {}).items():
                named[source.unit_source] += float(hours)
                own[person_id][source.unit_source] += float(hours)
        for person_id, pair_unit in pairs:
            if pair_unit != unit_id:
                continue
            results[(person_id, unit_id)] = rules.person_index(
                dict(own.get(person_id, {})),
                loads[unit_id],
                dict(named),
                current_weights,
                days_in_post=days.get(person_id, 0),
                team_days=sum(days.values()),
                in_post=len(days),
                working_days=len(workdays),
                hours_per_day=calendar.hours_per_day,
                red_line=line,
            )
    return results


def main_units(people, period, *, calendar=None) -> dict[int, int]:
    """Each person's unit for the period: where they were in post on the most working days (the latest
    post on a tie), or else the unit that keeps their record. `people`: Person objects."""
    period = _as_period(period)
    people = list(people)
    workdays = _workdays(period, calendar or work_calendar())
    best: dict[int, tuple] = {}
    for unit_id, held in _post_spans(period, person_ids=[person.pk for person in people]).items():
        for person_id, spans in held.items():
            key = (rules.working_days_in_post(spans, workdays), max(start for start, _end in spans), -unit_id)
            if person_id not in best or key > best[person_id][0]:
                best[person_id] = (key, unit_id)
    return {person.pk: best[person.pk][1] if person.pk in best else person.unit_id for person in people}


def person_units(user, person, period, *, calendar=None) -> list[dict]:
    """The units a person's index can be read in for the period, as the user may see them: where the person
    held a post during the period (most working days first), or else the unit that keeps their record.
    Someone else's units are limited to the units the user may see; one's own are all one's own."""
    period = _as_period(period)
    workdays = _workdays(period, calendar or work_calendar())
    rows = []
    for unit_id, held in _post_spans(period, person_ids=[person.pk]).items():
        spans = held[person.pk]
        rows.append((rules.working_days_in_post(spans, workdays), max(start for start, _end in spans), unit_id))
    rows.sort(key=lambda row: (-row[0], -row[1].toordinal(), row[2]))
    unit_ids = [unit_id for _days, _start, unit_id in rows]
    units = Unit.objects.filter(pk__in=[*unit_ids, person.unit_id])
    if user_person_id(user) != person.pk:
        units = units.filter(pk__in=Unit.objects.visible_to(user).values("pk"))
    by_id = {unit.pk: unit for unit in units}
    days = {unit_id: count for count, _start, unit_id in rows}
    offered = [{"unit": by_id[unit_id], "days": days[unit_id]} for unit_id in unit_ids if unit_id in by_id]
    if not offered and person.unit_id in by_id:
        offered = [{"unit": by_id[person.unit_id], "days": 0}]  # not in post in the period: no capacity
    return offered


def person_page(user, person, unit: Unit, period: rules.Period) -> dict:
    """Everything a person's index page shows: the formula, every input, the sources (own and shared), and
    the 12-month trend in this unit."""
    calendar = work_calendar()
    result = person_indexes([(person.pk, unit.pk)], period, calendar=calendar)[(person.pk, unit.pk)]
    registered = sources.registered()
    person_sources = sources.person_sources()
    own_labels = {source.unit_source: source.label for source in person_sources.values()}
    rows = []
    for name, source in registered.items():
        rows.append(
            {
                "name": name,
                "label": source.label,
                "sender": source.sender,
                "own_label": own_labels.get(name),
                "own": result.own.get(name, 0.0),
                "unit": result.unit_loads.get(name, 0.0),
                "named": result.named.get(name, 0.0),
                "pool": result.pool.get(name, 0.0),
                "weight": result.weights.get(name, 1.0),
                "own_weighted": round(result.weights.get(name, 1.0) * result.own.get(name, 0.0), 4),
                "shared_weighted": round(result.weights.get(name, 1.0) * result.pool.get(name, 0.0) * result.share, 4),
            }
        )
    trend = []
    for month in rules.last_months(period.first, 12):
        month_period = rules.Period.month(month.year, month.month)
        if month_period == _as_period(period):  # the page's own month, read above: not read twice
            value = result
        else:
            value = person_indexes([(person.pk, unit.pk)], month_period, calendar=calendar)[(person.pk, unit.pk)]
        trend.append(
            {
                "month": f"{month:%Y-%m}",
                "value": value.value,
                "load": value.load,
                "own_load": value.own_load,
                "shared_load": value.shared_load,
                "state": value.state,
            }
        )
    return {
        "result": result,
        "sources": rows,
        "missing_sources": sources.missing() + sources.missing_person(),
        "trend": trend,
        "unknown_years": sorted(calendar.unknown_years),
        "red_line": red_line(),
    }


def in_post_people(unit_id: int, period, *, calendar=None) -> list[int]:
    """Ids of the people in post in the unit itself during the period (on at least one working day)."""
    period = _as_period(period)
    workdays = _workdays(period, calendar or work_calendar())
    held = _post_spans(period, unit_ids=[unit_id]).get(unit_id, {})
    return sorted(person_id for person_id, spans in held.items() if rules.working_days_in_post(spans, workdays))


def unit_people(user, unit: Unit, period: rules.Period, *, calendar=None) -> dict | None:
    """The people in post in the unit itself during the period whom the user may see, with their index,
    highest first, and how many others share the unit's load unseen (their records are kept outside the
    user's scope, e.g. after moving on); None when the user may not read people's indexes."""
    if not user.has_perm(PERSON_INDEX_PERM):
        return None

    calendar = calendar or work_calendar()
    in_post = in_post_people(unit.pk, period, calendar=calendar)
    people = list(people_for_index(user).filter(pk__in=in_post))
    results = person_indexes([(person.pk, unit.pk) for person in people], period, calendar=calendar)
    rows = [{"person": person, "result": results[(person.pk, unit.pk)]} for person in people]
    rows.sort(key=lambda row: (row["result"].value is None, -(row["result"].value or 0), row["person"].name))
    return {"rows": rows, "hidden": len(in_post) - len(rows)}


def person_index_rows(
    user, people, period, *, unit_id: int | None = None
) -> dict[int, tuple[int, rules.PersonIndexResult]]:
    """For the API: {person id: (unit id, result)} for people the user may see: each in the given unit, or
    else in their main unit for the period (see main_units) when the user may see that unit (or is that
    person), else in the first unit person_units offers."""
    calendar = work_calendar()
    people = list(people)
    if unit_id is not None:
        units = {person.pk: unit_id for person in people}
    else:
        units = main_units(people, period, calendar=calendar)
        me = user_person_id(user)
        visible = set(Unit.objects.visible_to(user).filter(pk__in=set(units.values())).values_list("pk", flat=True))
        for person in people:
            if units[person.pk] not in visible and person.pk != me:
                offered = person_units(user, person, period, calendar=calendar)
                units[person.pk] = offered[0]["unit"].pk if offered else None
        units = {person_id: unit for person_id, unit in units.items() if unit is not None}
    results = person_indexes(list(units.items()), period, calendar=calendar)
    return {person_id: (unit, results[(person_id, unit)]) for person_id, unit in units.items()}


def town_level_units(user):
    return Unit.objects.visible_to(user).filter(kind__in=Unit.TOWN_LEVEL).order_by("path")


def ranking(user, period: rules.Period) -> list[dict]:
    towns = list(town_level_units(user))
    results = index_results([town.pk for town in towns], period, trees=subtrees_of(towns))
    recorded_sources = [name for name, source in sources.registered().items() if source.per is None]
    rows = [
        {
            "unit": town,
            "result": results[town.pk],
            # anything recorded in the period: the rates (standing duties, apps) alone are no data yet
            "recorded": any(results[town.pk].loads.get(name) for name in recorded_sources),
        }
        for town in towns
    ]
    rows.sort(key=lambda row: (row["result"].value is None, -(row["result"].value or 0)))
    return rows


# -- the county dashboard ------------------------------------------------------------------------------------
def default_month(year: int | None = None) -> dt.date:
    """The month a burden page opens on: the latest complete month with load recorded (in `year`, when
    given), else the last complete month (see `core.periods`)."""
    today = timezone.localdate()
    if year is not None and year < today.year:
        today = dt.date(year + 1, 1, 1)
    return periods.default_month(months_with_data(), today)


def months_with_data() -> list[dt.date]:
    """The months with load recorded, newest first."""
    return list(LoadRollup.objects.order_by().dates("month", "month", order="DESC"))


def dashboard(user, year: int, month: dt.date | None = None) -> dict:
    """The county figures, all read from the rollups: index by town for a month, load by source and
    month, inspections against plan, meetings and documents against caps and last year, forms and
    reuse."""
    month = month or default_month(year)
    towns = list(town_level_units(user))
    results = index_values(
        [town.pk for town in towns], rules.Period.month(month.year, month.month), trees=subtrees_of(towns)
    )
    visible = LoadRollup.objects.visible_to(user)
    by_source = defaultdict(lambda: [0.0] * 12)
    rows = (
        visible.filter(month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1))
        .values("source", "month")
        .annotate(h=Sum("hours"))
    )
    for row in rows:
        by_source[row["source"]][row["month"].month - 1] += float(row["h"])
    counts = issuer_counts(user, [year - 1, year])
    _count_inspections(user, counts)
    planned_items = InspectionPlanItem.objects.visible_to(user).filter(year=year)
    planned_visits = planned_items.aggregate(n=Count("targets"))["n"] or 0
    return {
        "year": year,
        "month": month,
        "towns": [
            {"name": town.name, "id": town.pk, "value": results[town.pk][0], "state": results[town.pk][1]}
            for town in towns
        ],
        "by_source": {name: [round(v, 1) for v in values] for name, values in by_source.items()},
        "source_labels": {name: str(source.label) for name, source in sources.registered().items()},
        "counts": counts,
        "planned_visits": planned_visits,
        "missing_sources": sources.missing(),
        "red_line": red_line(),
        "app_violations": sum(
            1
            for app in RequiredApp.objects.visible_to(user).only("compulsory_checkin", "points_ranking", "online_time")
            if app.violations
        ),
        "open_alerts": alerts(user).filter(acknowledged_by__isnull=True).count(),  # as the home card counts them
    }


def _count_inspections(user, counts: dict) -> None:
    """Put into `counts` (see `issuer_counts`) the inspections the user sees — issued by or received in
    their units, as the home card and the inspection list count them — instead of the issuers' rollup,
    which is empty for a town (towns receive inspections, they do not issue them)."""
    planned = Q(plan_item__isnull=False)
    rows = (
        inspections(user)
        .filter(date__year__in=list(counts))
        .order_by()
        .values("date__year", "date__month")
        .annotate(planned=Count("id", filter=planned), unplanned=Count("id", filter=~planned))
    )
    for entry in counts.values():
        for metric in ("inspections_planned", "inspections_unplanned"):
            entry["totals"][metric] = 0
            entry["monthly"][metric] = [0] * 12
    for row in rows:
        entry = counts[row["date__year"]]
        for metric, value in (("inspections_planned", row["planned"]), ("inspections_unplanned", row["unplanned"])):
            entry["totals"][metric] += value
            entry["monthly"][metric][row["date__month"] - 1] += value


def issuer_counts(user, years) -> dict:
    """{year: {"totals": {metric: n}, "monthly": {metric: [12 numbers]}}} from IssuerRollup, one query."""
    years = sorted(years)
    result = {year: {"totals": defaultdict(int), "monthly": defaultdict(lambda: [0] * 12)} for year in years}
    rows = (
        IssuerRollup.objects.visible_to(user)
        .filter(month__gte=dt.date(years[0], 1, 1), month__lte=dt.date(years[-1], 12, 1))
        .values("metric", "month")
        .annotate(v=Sum("value"))
    )
    for row in rows:
        entry = result.get(row["month"].year)
        if entry is None:
            continue
        entry["totals"][row["metric"]] += row["v"]
        entry["monthly"][row["metric"]][row["month"].month - 1] += row["v"]
    return {
        year: {"totals": dict(entry["totals"]), "monthly": dict(entry["monthly"])} for year, entry in result.items()
    }


def document_counts_by_issuer(user, year: int) -> list[dict]:
    """Yearly documents per issuer, compared with last year (the count should not grow)."""
    visible = IssuerRollup.objects.visible_to(user).filter(
        metric__in=["documents", "documents_over_cap"], month__year__in=[year - 1, year]
    )
    table = defaultdict(lambda: {"this": 0, "last": 0, "over": 0})
    names = {}
    for row in visible.values("issuer_id", "issuer__name", "metric", "month__year").annotate(v=Sum("value")):
        entry = table[row["issuer_id"]]
        names[row["issuer_id"]] = row["issuer__name"]
        if row["metric"] == "documents":
            entry["this" if row["month__year"] == year else "last"] += row["v"]
        elif row["month__year"] == year:
            entry["over"] += row["v"]
    explained = dict(
        DocumentExplanation.objects.filter(issuer_id__in=list(table), year=year).values_list("issuer_id", "text")
    )
    return sorted(
        (
            {
                "issuer": names[pk],
                "issuer_id": pk,
                **rules.yearly_change(entry["this"], entry["last"]),
                "over_cap": entry["over"],
                "explanation": explained.get(pk, ""),
            }
            for pk, entry in table.items()
        ),
        key=lambda row: -row["this_year"],
    )


def meeting_counts_by_organiser(user, year: int) -> list[dict]:
    visible = IssuerRollup.objects.visible_to(user).filter(
        metric__startswith="meetings", month__year__in=[year - 1, year]
    )
    table = defaultdict(lambda: defaultdict(int))
    names = {}
    for row in visible.values("issuer_id", "issuer__name", "metric", "month__year").annotate(v=Sum("value")):
        names[row["issuer_id"]] = row["issuer__name"]
        key = row["metric"] if row["month__year"] == year else row["metric"] + "_last"
        table[row["issuer_id"]][key] += row["v"]
    return sorted(
        (
            {
                "organiser": names[pk],
                **rules.yearly_change(entry["meetings"], entry["meetings_last"]),
                "grassroots": entry["meetings_grassroots"],
                "speech_too_long": entry["meetings_speech_too_long"],
                "too_long": entry["meetings_too_long"],
            }
            for pk, entry in table.items()
        ),
        key=lambda row: -row["this_year"],
    )


def plan_progress(user, year: int) -> list[dict]:
    """Each plan item with the inspections done against it."""
    items = (
        plan_items(user)
        .filter(year=year)
        .annotate(done=Count("inspections", distinct=True), planned_targets=Count("targets", distinct=True))
    )
    return list(items)


# -- 一表通 ------------------------------------------------------------------------------------------------------
def known_values(unit: Unit, catalog_fields) -> dict[int, dict]:
    """Values the platform already holds for a unit: from a registered lookup, or the unit's own
    latest answer to the same catalog item in an earlier form. {catalog field id: {value, origin}}."""
    result = {}
    fillers = sources.fillers()
    pending = []
    for field in catalog_fields:
        if field is None:
            continue
        filler = fillers.get(field.filler) if field.filler else None
        if filler is not None:
            value = filler.function(unit)
            if value not in (None, ""):
                result[field.pk] = {"value": str(value), "origin": str(filler.label)}
                continue
        pending.append(field.pk)
    if pending:
        latest = (
            FormFillValue.objects.filter(fill__unit=unit, catalog_field_id__in=pending)
            .order_by("catalog_field_id", "-fill__submitted_on", "-id")
            .values_list("catalog_field_id", "value", "fill__form__title")
        )
        for catalog_id, value, title in latest:
            if catalog_id not in result:
                result[catalog_id] = {"value": value, "origin": _("given earlier in “%(form)s”") % {"form": title}}
    return result


def fillable_units_count(catalog_ids) -> dict[int, int]:
    """How many units already gave a value for each catalog item (a lookup fills every unit)."""
    rows = (
        FormFillValue.objects.filter(catalog_field_id__in=list(catalog_ids))
        .values("catalog_field_id")
        .annotate(n=Count("fill__unit", distinct=True))
    )
    return {row["catalog_field_id"]: row["n"] for row in rows}


def form_preview(catalog_ids, new_labels) -> dict:
    """What the form editor shows at once: fields the catalog holds, those with values that can be
    filled from existing data, proposed new ones that match a catalog name, and the reuse share."""
    catalog_items = list(CatalogField.objects.filter(pk__in=list(catalog_ids), is_active=True).select_related("owner"))
    by_name = {item.name: item for item in CatalogField.objects.filter(name__in=list(new_labels), is_active=True)}
    filled = fillable_units_count([item.pk for item in catalog_items])
    held = [
        {"item": item, "filler": bool(item.filler), "units_with_value": filled.get(item.pk, 0)}
        for item in catalog_items
    ]
    new = [{"label": label, "match": by_name.get(label)} for label in new_labels]
    total = len(held) + len(new)
    reused = len(held)
    return {
        "held": held,
        "new": new,
        "total": total,
        "reused": reused,
        "fillable": sum(1 for row in held if row["filler"] or row["units_with_value"]),
        "share": rules.reuse_share(total, reused),
        "matches": sum(1 for row in new if row["match"]),
        "return_share": float(parameters.get("burden.form_return_share")),
    }


def form_reuse_share(form_id: int) -> float | None:
    """For the admission check: the share of a form's fields the catalog already holds (None for an
    unknown form or one without fields)."""
    form = (
        ReportForm.objects.filter(pk=form_id)
        .annotate(total=Count("fields"), reused=Count("fields", filter=Q(fields__catalog_field__isnull=False)))
        .first()
    )
    if form is None:
        return None
    return rules.reuse_share(form.total, form.reused)


def form_report(user, year: int) -> list[dict]:
    """Per department and month: forms and fields sent, fields reused, values pre-filled and the
    estimated person-hours saved."""
    per_typed = float(parameters.get("burden.form_minutes_per_typed_value"))
    per_prefilled = float(parameters.get("burden.form_minutes_per_prefilled_value"))
    visible = IssuerRollup.objects.visible_to(user).filter(
        month__year=year, metric__in=["forms", "form_fields", "form_fields_reused", "fills", "fill_values_prefilled"]
    )
    table = defaultdict(lambda: defaultdict(int))
    for row in visible.values("issuer__name", "month", "metric").annotate(v=Sum("value")):
        table[(row["issuer__name"], row["month"])][row["metric"]] += row["v"]
    rows = []
    for (issuer, month), metrics in sorted(table.items(), key=lambda item: (item[0][0], item[0][1])):
        rows.append(
            {
                "issuer": issuer,
                "month": f"{month:%Y-%m}",
                "forms": metrics["forms"],
                "fields": metrics["form_fields"],
                "reused": metrics["form_fields_reused"],
                "share": rules.reuse_share(metrics["form_fields"], metrics["form_fields_reused"]),
                "fills": metrics["fills"],
                "prefilled": metrics["fill_values_prefilled"],
                "hours_saved": rules.hours_saved(
                    metrics["fill_values_prefilled"], minutes_per_typed=per_typed, minutes_per_prefilled=per_prefilled
                ),
            }
        )
    return rows


def forms_to_fill(user):
    """Forms sent to units the user may fill for; `pending` tells whether one of these units still has to
    fill it. The forms still to fill come first, the one due soonest first."""
    units = units_for_user(user, "burden.add_formfill")
    sent_to_mine = ReportForm.targets.through.objects.filter(reportform=OuterRef("pk"), unit__in=units)
    unfilled = sent_to_mine.exclude(unit__in=FormFill.objects.filter(form=OuterRef("reportform")).values("unit"))
    return (
        report_forms(user)
        .filter(Exists(sent_to_mine))
        .annotate(pending=Exists(unfilled))
        .order_by("-pending", F("due_on").asc(nulls_last=True), "-sent_on", "-id")
    )


# -- resources against load (编制、经费向基层倾斜) -------------------------------------------------------------
def fund_allocations(user):
    return FundAllocation.objects.visible_to(user).select_related("unit")


def staffing_requests(user):
    return StaffingRequest.objects.visible_to(user).select_related(
        "unit", "filed_by__person__unit", "decided_by__person__unit"
    )


def actor_label(account) -> str:
    """How an account is shown to people: the person's name and unit, never the user name."""
    if account is None:
        return ""
    person = getattr(account, "person", None)
    if person is None:
        return _("an administrator")
    return f"{person.name}（{person.unit.name}）"


def latest_month_with_data(today: dt.date | None = None) -> dt.date:
    """The latest complete month, or the latest month before it that has any load (the first of the month)."""
    today = today or timezone.localdate()
    complete = rules.add_months(today.replace(day=1), -1)
    found = LoadRollup.objects.filter(month__lte=complete).aggregate(m=Max("month"))["m"]
    return found or complete


def index_citation(unit: Unit) -> tuple[dt.date, float | None]:
    """What a staffing request cites: the month and the unit's index in it (None: no capacity)."""
    month = latest_month_with_data()
    result = index_results([unit.pk], rules.Period.month(month.year, month.month))[unit.pk]
    return month, result.value


def fund_rows(allocations, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    return [
        {
            "allocation": row,
            "status": rules.fund_status(row.amount, row.amount_arrived, row.due_on, row.arrived_on, today),
        }
        for row in allocations
    ]


def _funds_by_town(towns: list[Unit], trees: Trees, year: int, today: dt.date) -> dict[int, dict]:
    """Per town (with the units below it): allocated, arrived, and how many allocations are late or short.
    One query over the towns' common ancestor, bucketed by path (the longest town path that matches)."""
    totals = {town.pk: {"allocated": 0.0, "arrived": 0.0, "flagged": 0, "count": 0} for town in towns}
    if not towns:
        return totals
    by_path = {town.path: town.pk for town in towns}
    lengths = sorted({len(path) for path in by_path}, reverse=True)
    rows = FundAllocation.objects.filter(year=year, unit__path__startswith=trees.common).values_list(
        "unit__path", "amount", "amount_arrived", "due_on", "arrived_on"
    )
    for path, amount, arrived, due_on, arrived_on in rows:
        owner = next((by_path[path[:n]] for n in lengths if path[:n] in by_path), None)
        if owner is None:
            continue
        entry = totals[owner]
        entry["allocated"] += float(amount)
        entry["arrived"] += float(arrived)
        entry["count"] += 1
        entry["flagged"] += rules.fund_status(amount, arrived, due_on, arrived_on, today) in rules.FUND_FLAGGED
    return totals


def resources(user, period: rules.Period) -> dict:
    """The county page 资源与负担: every town the user sees, ranked by its index for the period, against
    people (quota, in post, vacancies, load per person, people short of the red line) and the year's funds."""
    today = timezone.localdate()
    towns = list(town_level_units(user))
    trees = _subtrees([town.pk for town in towns])
    results = index_results([town.pk for town in towns], period, calendar=work_calendar(), trees=trees)
    quota = staffing_quota([town.pk for town in towns], trees=trees)
    funds = _funds_by_town(towns, trees, period.first.year, today)
    line = red_line()
    rows = []
    for town in towns:
        result = results[town.pk]
        rows.append(
            {
                "unit": town,
                "result": result,
                "quota": quota[town.pk],
                "in_post": result.in_post,
                "vacancies": max(0, quota[town.pk] - result.in_post),
                "load_per_person": rules.load_per_person(result.load, result.in_post),
                "people_short": rules.people_short(
                    result.load,
                    in_post=result.in_post,
                    working_days=result.working_days,
                    hours_per_day=result.hours_per_day,
                    red_line=line,
                ),
                "funds": funds[town.pk],
            }
        )
    rows.sort(key=lambda row: (row["result"].value is None, -(row["result"].value or 0)))
    return {"rows": rows, "red_line": line, "year": period.first.year}


def unit_resources(unit: Unit, years: list[int]) -> list[dict]:
    """A unit's staffing per year: its quota (org keeps today's) and people in post at the year's end (or today)."""
    today = timezone.localdate()
    trees = _subtrees([unit.pk])
    quota = staffing_quota([unit.pk], trees=trees)[unit.pk]
    rows = []
    for year in years:
        day = min(dt.date(year, 12, 31), today)
        in_post = people_in_post([unit.pk], day, subtree=True, trees=trees)[unit.pk]
        rows.append({"year": year, "on": day, "quota": quota, "in_post": in_post, "vacancies": max(0, quota - in_post)})
    return rows
