"""Every read of citizen requests, scoped to the user; rankings read the rollups, never the raw table."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import defaultdict
from typing import NamedTuple

from django.conf import settings as django_settings
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from qingche.core import parameters
from qingche.core.cache import ttl_cache
from qingche.core.calendar import work_calendar
from qingche.core.pii import pii_hash
from qingche.core.rules import is_valid_phone, normalize_phone
from qingche.duties.selectors import routing_items
from qingche.org.models import Assignment, Person, Unit
from qingche.service import rules
from qingche.service.models import (
    Category,
    ClockNotice,
    HistoryImport,
    KnowledgeEntry,
    Open311Key,
    Open311Submission,
    Place,
    RateRollup,
    RequestEvent,
    ServiceRequest,
    tracking_code_hash,
)

PUBLIC_EVENT_KINDS = (
    "submit",
    "dispatch",
    "accept",
    "start",
    "return",
    "arbitrate",
    "extension_decision",
    "answer",
    "callback",
    "reopen",
    "merge",
    "pass_on",
    "direct_answer",
)


def requests(user):
    return ServiceRequest.objects.visible_to(user).select_related("category", "unit", "town", "village")


# What no list of requests shows: the citizen's words and personal data (decrypted per row when loaded).
LIST_DEFERRED = ("text", "reply", "citizen_name", "citizen_phone", "public_text")


def listed(user):
    """requests(user) for a list page: without the long and the encrypted fields."""
    return requests(user).defer(*LIST_DEFERRED)


def request_detail(user, pk) -> ServiceRequest | None:
    return requests(user).filter(pk=pk).first()


def caller_history(user, *, phone: str = "", phone_hash: str = "", exclude_pk=None, limit: int = 10):
    """The earlier requests of the same caller that the user may see, newest first, found through the phone's
    blind index (nothing is decrypted to search). Give the phone as typed or the hash already stored."""
    if not phone_hash:
        if not is_valid_phone(phone):
            return []
        phone_hash = pii_hash(normalize_phone(phone))
    rows = requests(user).filter(citizen_phone_hash=phone_hash)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return list(rows.order_by("-submitted_at")[:limit])


def timeline(user, request: ServiceRequest):
    return RequestEvent.objects.filter(request=request).select_related("actor", "actor_unit", "to_unit")


def categories():
    return Category.objects.filter(is_active=True).select_related("parent__parent").order_by("code")


def leaf_categories():
    """Categories a request can be filed under: the active nodes without children."""
    return list(
        Category.objects.filter(is_active=True, children__isnull=True).select_related("parent__parent").order_by("code")
    )


@ttl_cache(60, cleared_by=("service.Category",))
def leaf_category_by_code() -> dict:
    """code → active leaf category (parents selected), for intake by service code (Open311). The objects are
    shared between requests: read them, never change them."""
    return {category.code: category for category in leaf_categories()}


def open311_submission(token: str):
    """An Open311 partner's submission by its token (the token is the partner's proof; no account)."""
    return Open311Submission.objects.select_related("request").filter(token=token).first()


def open311_backlog() -> dict:
    """The Open311 submissions waiting to be registered: how many, and how long the oldest has waited."""
    waiting = Open311Submission.objects.filter(request__isnull=True, error="").aggregate(
        count=Count("id"), oldest=Min("received_at")
    )
    oldest = waiting["oldest"]
    wait = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"waiting": waiting["count"], "oldest_wait_s": round(max(0.0, wait), 1)}


def open311_failed(limit: int = 200) -> list[Open311Submission]:
    """Submissions the registrar set aside with the reason (newest first): for the hotline to register by hand.
    County-wide: a submission has no unit before it is registered."""
    return list(
        Open311Submission.objects.filter(request__isnull=True)
        .exclude(error="")
        .select_related("partner", "category")
        .order_by("-id")[:limit]
    )


def _clock_annotated(queryset, now):
    fraction = float(parameters.get("service.due_soon_fraction"))
    rows = list(queryset)
    for row in rows:
        row.clock_now = rules.clock_state(
            status=row.status,
            now=now,
            accept_due=row.accept_due,
            due_at=row.due_at,
            accepted_at=row.accepted_at,
            answered_at=row.answered_at,
            soon_fraction=fraction,
            dispatched_at=row.dispatched_at,
        )
    return rows


def inbox(user, *, now=None, limit=200):
    """Open requests of the units the user handles, sorted by time left (the next deadline first)."""
    now = now or timezone.now()
    queryset = listed(user).filter(status__in=rules.WITH_UNIT).order_by("due_at", "id")[:limit]
    rows = _clock_annotated(queryset, now)
    rows.sort(key=lambda row: row.clock_now.seconds_left if row.clock_now.seconds_left is not None else 1e12)
    return rows


def inbox_counts(user, now=None) -> dict:
    now = now or timezone.now()
    base = requests(user).filter(status__in=rules.WITH_UNIT)
    return {
        "open": base.count(),
        "waiting": base.filter(status=rules.DISPATCHED).count(),
        "overdue": base.filter(due_at__lt=now).count(),
    }


def dispatch_queue(user, *, town_id: int | None = None, text: str = ""):
    """Requests waiting to be dispatched (new or returned), oldest first; optionally of one town and with
    `text` in the number or the subject. The page shows them a page at a time."""
    waiting = (
        listed(user)
        .filter(status__in=(rules.NEW, rules.RETURNED))
        .select_related("suggested_unit")
        .order_by("submitted_at", "id")
    )
    if town_id is not None:
        waiting = waiting.filter(town_id=town_id)
    if text:
        waiting = waiting.filter(Q(number__icontains=text) | Q(title__icontains=text))
    return waiting


def arbitration_queue(user):
    return listed(user).filter(status=rules.ARBITRATION).order_by("submitted_at")


def callback_queue(user):
    """Answered requests waiting for the citizen's call back, the longest waiting first (for paging). The text
    and the reply are read (for the reply-quality column); the encrypted fields are not."""
    return (
        requests(user)
        .defer("citizen_name", "citizen_phone", "public_text")
        .filter(status=rules.ANSWERED)
        .order_by("answered_at", "id")
    )


def with_reply_checks(rows) -> list:
    """The rows (answered requests) as a list, each with `reply_check`: how its reply reads (reply_check), so
    that the hotline sees a score per reply before calling the citizen back."""
    rows = list(rows)
    for row in rows:
        row.reply_check = reply_check(row, row.reply) if row.reply else None
    return rows


def reopenable(user, limit=50):
    return (
        listed(user)
        .filter(status=rules.CLOSED)
        .filter(Q(solved=False) | Q(satisfaction=rules.UNSATISFIED))
        .order_by("-callback_at")[:limit]
    )


def reopen_review_by(request: ServiceRequest) -> dt.datetime | None:
    """When the hotline will have reviewed a request the citizen rated unsolved or unsatisfied (for reopening),
    or None when the rating asks for no review."""
    if request.status != rules.CLOSED or request.callback_at is None:
        return None
    if request.solved is not False and request.satisfaction != rules.UNSATISFIED:
        return None
    days = int(parameters.get("service.reopen_review_working_days"))
    return work_calendar().add_working_days(request.callback_at, days)


def pending_extensions(user):
    return listed(user).filter(extension_pending=True).order_by("due_at")


def near_duplicates(user, request: ServiceRequest, *, limit=5):
    """Requests at the same place and category with similar text within the window, for merging."""
    days = int(parameters.get("service.duplicate_days"))
    threshold = float(parameters.get("service.duplicate_similarity"))
    window = dt.timedelta(days=days)
    candidates = (
        requests(user)
        .filter(
            category=request.category,
            submitted_at__gte=request.submitted_at - window,
            submitted_at__lte=request.submitted_at + window,
        )
        .exclude(pk=request.pk)
        .exclude(status=rules.MERGED)
    )
    if request.village_id:
        candidates = candidates.filter(village_id=request.village_id)
    elif request.town_id:
        candidates = candidates.filter(town_id=request.town_id)
    else:
        candidates = candidates.filter(address=request.address)
    found = []
    for other in candidates[:200]:
        score = rules.similarity(request.title + request.text, other.title + other.text)
        if score >= threshold:
            found.append((score, other))
    found.sort(key=lambda entry: -entry[0])
    return found[:limit]


def notices(user, request):
    return ClockNotice.objects.visible_to(user).filter(request=request).order_by("sent_at")


# -- public tracking --------------------------------------------------------------------------------
def track(number: str, code: str) -> ServiceRequest | None:
    """By number and verification code only: not scoped to any account (the citizen has none). The code is
    compared as its keyed hash; callers limit the attempts (views.track)."""
    number, code = (number or "").strip(), rules.normalize_code(code)
    if not number or not code or len(number) > 20 or len(code) > 40:
        return None
    request = ServiceRequest.objects.select_related("unit", "category", "merged_into").filter(number=number).first()
    if request is None or not request.tracking_code_hash:
        return None
    return request if hmac.compare_digest(request.tracking_code_hash, tracking_code_hash(code)) else None


def public_timeline(request: ServiceRequest) -> list[dict]:
    """Kinds, times, the public notes and unit names: never personal data or staff names."""
    rows = []
    for event in request.events.filter(kind__in=PUBLIC_EVENT_KINDS).select_related("to_unit").order_by("at", "id"):
        rows.append(
            {
                "kind": event.kind,
                "label": RequestEvent.Kind(event.kind).label,
                "at": event.at,
                "unit": event.to_unit.name if event.to_unit else "",
                "note": event.public_note,
            }
        )
    return rows


# -- the three rates --------------------------------------------------------------------------------
def _weights():
    weights = parameters.get("service.rate_weights")
    return tuple(float(w) for w in weights), float(parameters.get("service.basic_satisfied_weight"))


def rates_of(counts: rules.RateCounts, weights=None) -> rules.Rates:
    """The three rates and the score with the configured weights (pass `weights` from _weights() in loops)."""
    weights, basic = weights or _weights()
    return rules.rates(counts, basic_weight=basic, weights=weights)


def rollup_counts(month: dt.date, unit_ids=None, *, kinds=None) -> dict[int, rules.RateCounts]:
    rows = RateRollup.objects.filter(month=month)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    if kinds is not None:
        rows = rows.filter(unit__kind__in=kinds)
    return {
        row[0]: rules.RateCounts(*row[1:])
        for row in rows.values_list(
            "unit_id", "dispatched", "accepted_in_time", "called_back", "solved", "satisfied", "basic_satisfied"
        )
    }


def ranking(month: dt.date, group: str) -> list[rules.RankRow]:
    """Towns and streets (group "towns") or county departments ("departments") for a month, from rollups."""
    kinds = Unit.TOWN_LEVEL if group == "towns" else (Unit.Kind.DEPARTMENT, Unit.Kind.OFFICE)
    units = Unit.objects.filter(kind__in=kinds, is_active=True).values_list("pk", "name", "kind")
    current = rollup_counts(month, kinds=kinds)
    weights = _weights()
    before = {
        uid: rates_of(counts, weights)
        for uid, counts in rollup_counts(rules.previous_month(month), kinds=kinds).items()
    }
    empty = rules.RateCounts()
    rows = [
        rules.RankRow(pk, name, kind, rates_of(current.get(pk, empty), weights), current.get(pk, empty))
        for pk, name, kind in units
        if pk in current or group == "towns"
    ]
    return rules.rank(rows, before)


def trend(unit_ids=None, months=12, until: dt.date | None = None) -> list[dict]:
    """Monthly county (or units') rates for the charts, from rollups."""
    rows = RateRollup.objects.all()
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    if until:
        rows = rows.filter(month__lte=until)
    totals = (
        rows.values("month")
        .annotate(
            d=Sum("dispatched"),
            a=Sum("accepted_in_time"),
            c=Sum("called_back"),
            s=Sum("solved"),
            sat=Sum("satisfied"),
            b=Sum("basic_satisfied"),
        )
        .order_by("-month")[:months]
    )
    result = []
    weights = _weights()
    for row in reversed(list(totals)):
        counts = rules.RateCounts(row["d"], row["a"], row["c"], row["s"], row["sat"], row["b"])
        result.append({"month": row["month"], "rates": rates_of(counts, weights), "counts": counts})
    return result


def months_available() -> list[dt.date]:
    return list(RateRollup.objects.order_by("-month").values_list("month", flat=True).distinct()[:24])


def unit_failures(user, unit: Unit, month: dt.date) -> dict[str, list]:
    """The requests behind each failure of a unit's month: late acceptance, unsolved, unsatisfied."""
    start = timezone.make_aware(dt.datetime.combine(month, dt.time()))
    end_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    end = timezone.make_aware(dt.datetime.combine(end_month, dt.time()))
    base = requests(user)
    return {
        "late": list(
            base.filter(unit=unit, dispatched_at__gte=start, dispatched_at__lt=end, accepted_in_time=False)[:100]
        ),
        "unsolved": list(
            base.filter(callback_unit=unit, callback_at__gte=start, callback_at__lt=end, solved=False)[:100]
        ),
        "unsatisfied": list(
            base.filter(callback_unit=unit, callback_at__gte=start, callback_at__lt=end).exclude(
                satisfaction=rules.SATISFIED
            )[:100]
        ),
    }


def raw_counts(month: dt.date | None = None, unit_ids=None) -> dict[tuple[int, dt.date], dict]:
    """The rollups computed from the raw table (to rebuild them, and to check they agree)."""
    result: dict[tuple[int, dt.date], dict] = defaultdict(
        lambda: {
            "dispatched": 0,
            "accepted_in_time": 0,
            "called_back": 0,
            "solved": 0,
            "satisfied": 0,
            "basic_satisfied": 0,
        }
    )
    dispatched = ServiceRequest.objects.filter(unit__isnull=False, dispatched_at__isnull=False)
    called = ServiceRequest.objects.filter(callback_unit__isnull=False, callback_at__isnull=False)
    if unit_ids is not None:
        dispatched = dispatched.filter(unit_id__in=unit_ids)
        called = called.filter(callback_unit_id__in=unit_ids)
    if month is not None:
        start = timezone.make_aware(dt.datetime.combine(month, dt.time()))
        end = timezone.make_aware(
            dt.datetime.combine((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1), dt.time())
        )
        dispatched = dispatched.filter(dispatched_at__gte=start, dispatched_at__lt=end)
        called = called.filter(callback_at__gte=start, callback_at__lt=end)
    for row in (
        dispatched.annotate(m=TruncMonth("dispatched_at"))
        .values("unit_id", "m")
        .annotate(d=Count("id"), a=Count("id", filter=Q(accepted_in_time=True)))
    ):
        key = (row["unit_id"], _as_date(row["m"]))
        result[key]["dispatched"] += row["d"]
        result[key]["accepted_in_time"] += row["a"]
    for row in (
        called.annotate(m=TruncMonth("callback_at"))
        .values(u=F("callback_unit_id"), mm=F("m"))
        .annotate(
            c=Count("id"),
            s=Count("id", filter=Q(solved=True)),
            sat=Count("id", filter=Q(satisfaction=rules.SATISFIED)),
            b=Count("id", filter=Q(satisfaction=rules.BASIC)),
        )
    ):
        key = (row["u"], _as_date(row["mm"]))
        result[key]["called_back"] += row["c"]
        result[key]["solved"] += row["s"]
        result[key]["satisfied"] += row["sat"]
        result[key]["basic_satisfied"] += row["b"]
    return dict(result)


def _month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(month, dt.time()))
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    end = timezone.make_aware(dt.datetime.combine(following, dt.time()))
    return start, end


def direct_answer_count(month: dt.date) -> int:
    """Consultations the hotline answered directly from the knowledge base in the month (直接答复): counted on
    their own, as they were never dispatched and are in no unit's 三率."""
    start, end = _month_range(month)
    return ServiceRequest.objects.filter(
        knowledge_entry__isnull=False, answered_at__gte=start, answered_at__lt=end
    ).count()


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# -- appraisal indicators ---------------------------------------------------------------------------
def appraisal_figures(person_ids, start, end) -> dict[int, dict]:
    """Objective indicators for the appraisal module from the answers given in start..end (dates).

    A person whose account answered requests (the answer event records the handler) gets those requests:
    done = answers, on_time = answered by the due time, errors = answered late, workload = their handling
    person-hours (selectors.handling_hours), satisfaction = the three-rate score (0–1) of the answered requests
    called back. Anyone else gets an equal share of their unit's answers (the unit's people in post at `end`)
    and the unit's three-rate score from the monthly rollups of start..end. Not scoped to a user: the appraisal
    service that calls it checks its own permissions."""

    person_ids = list(person_ids)
    if not person_ids:
        return {}
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    weights = _weights()
    handling = parameters.get("service.handling_hours")
    categories = {c.pk: c for c in Category.objects.select_related("parent__parent")}
    hours = {pk: handling_hours(category, handling) for pk, category in categories.items()}
    answers = RequestEvent.objects.filter(kind=RequestEvent.Kind.ANSWER, at__gte=first, at__lte=last).order_by()
    columns = (
        "request__category_id",
        "at",
        "request__due_at",
        "request__accepted_in_time",
        "request__callback_at",
        "request__solved",
        "request__satisfaction",
    )

    def add(row: dict, counts: list, values, share: float) -> None:
        category_id, at, due, in_time, called, solved, satisfaction = values
        row["done"] += share
        row["workload"] += hours.get(category_id, 0.0) * share
        if due is None or at <= due:
            row["on_time"] += share
        else:
            row["errors"] += share
        counts[0] += 1
        counts[1] += bool(in_time)
        if called is not None:
            counts[2] += 1
            counts[3] += bool(solved)
            counts[4] += satisfaction == rules.SATISFIED
            counts[5] += satisfaction == rules.BASIC

    def empty() -> dict:
        return {"workload": 0.0, "done": 0.0, "on_time": 0.0, "errors": 0.0}

    figures: dict[int, dict] = {}
    accounts = dict(Person.objects.filter(pk__in=person_ids, account_id__isnull=False).values_list("account_id", "pk"))
    personal: dict[int, list] = {}
    for actor_id, *values in answers.filter(actor_id__in=list(accounts)).values_list("actor_id", *columns):
        person_id = accounts[actor_id]
        add(figures.setdefault(person_id, empty()), personal.setdefault(person_id, [0] * 6), values, 1.0)
    for person_id, counts in personal.items():
        score = rates_of(rules.RateCounts(*counts), weights).score
        figures[person_id]["satisfaction"] = None if score is None else round(score / 100, 4)

    # the others: a share of their unit's answers and the unit's three rates
    in_post = Assignment.objects.filter(start_date__lte=end).filter(Q(end_date__isnull=True) | Q(end_date__gte=end))
    unit_of = dict(
        in_post.filter(person_id__in=[pid for pid in person_ids if pid not in figures])
        .order_by("person_id", "start_date")
        .values_list("person_id", "unit_id")
    )  # the latest wins
    if not unit_of:
        return _rounded(figures)
    unit_ids = set(unit_of.values())
    people = dict(
        in_post.filter(unit_id__in=unit_ids)
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("unit_id", "n")
    )
    per_unit: dict[int, dict] = {}
    for unit_id, *values in answers.filter(actor_unit_id__in=unit_ids).values_list("actor_unit_id", *columns):
        add(per_unit.setdefault(unit_id, empty()), [0] * 6, values, 1.0 / max(1, people.get(unit_id, 1)))
    rollups: dict[int, rules.RateCounts] = {}
    months = RateRollup.objects.filter(unit_id__in=unit_ids, month__gte=start.replace(day=1), month__lte=end)
    for unit_id, *counts in months.values_list(
        "unit_id", "dispatched", "accepted_in_time", "called_back", "solved", "satisfied", "basic_satisfied"
    ):
        rollups[unit_id] = rollups.get(unit_id, rules.RateCounts()) + rules.RateCounts(*counts)
    for person_id, unit_id in unit_of.items():
        if unit_id not in per_unit and unit_id not in rollups:
            continue
        row = dict(per_unit.get(unit_id) or empty())
        score = rates_of(rollups[unit_id], weights).score if unit_id in rollups else None
        row["satisfaction"] = None if score is None else round(score / 100, 4)
        figures[person_id] = row
    return _rounded(figures)


def _rounded(figures: dict[int, dict]) -> dict[int, dict]:
    for row in figures.values():
        for key in ("workload", "done", "on_time", "errors"):
            row[key] = round(row[key], 2)
    return figures


def history_imports(user):
    """The imports of historical requests the user may see, latest first."""

    return HistoryImport.objects.visible_to(user).select_related("created_by")


# -- limits and weights (parameters read for the services and the burden index) ----------------------
def limit_of(category: Category) -> rules.Limit:
    """The category's handling limit; an emergency's is on the wall clock, and so is its acceptance."""
    kind = category.effective_limit_kind()
    amount, unit = parameters.get("service.limits")[kind]
    return rules.Limit(float(amount), unit, wall_clock=kind == Category.LimitKind.EMERGENCY)


def handling_hours(category: Category, weights: dict | None = None) -> float:
    """Person-hours one handled request of the category counts as in the burden index: the weight of the
    category's own code or its nearest parent's in `service.handling_hours`, else of its time-limit kind."""
    weights = weights if weights is not None else parameters.get("service.handling_hours")
    node = category
    while node is not None:
        if node.code in weights:
            return float(weights[node.code])
        node = node.parent
    return float(weights.get(category.effective_limit_kind(), 0))


def accept_limit() -> rules.Limit:
    amount, unit = parameters.get("service.accept_limit")
    return rules.Limit(float(amount), unit)


# -- routing and intake reads: where a request goes, what the citizen and partners are told ------------
class _Place(NamedTuple):
    kind: str
    path: str


class _PlaceDirectory(NamedTuple):
    units: dict[int, _Place]  # every town, street, village and community
    unit_names: dict[int, str]
    by_path: dict[str, int]
    names: tuple[tuple[int, str, str], ...]  # (id, name, short name) of the active ones, for addresses
    points: tuple[tuple[int, float, float], ...]  # (id, latitude, longitude) of the units with a known centre


@ttl_cache(60, cleared_by=("org.Unit", "service.Place"))
def _place_directory() -> _PlaceDirectory:
    """What intake reads to place a request, cached as it changes seldom."""

    rows = list(
        Unit.objects.filter(kind__in=[*Unit.GRASSROOTS, *Unit.TOWN_LEVEL]).values_list(
            "pk", "name", "short_name", "kind", "path", "is_active"
        )
    )
    units = {pk: _Place(kind, path) for pk, _name, _short, kind, path, _active in rows}
    return _PlaceDirectory(
        units=units,
        unit_names={pk: name for pk, name, _short, _kind, _path, _active in rows},
        by_path={place.path: pk for pk, place in units.items()},
        names=tuple((pk, name, short) for pk, name, short, _kind, _path, active in rows if active),
        points=tuple(row for row in Place.objects.values_list("unit_id", "latitude", "longitude") if row[0] in units),
    )


def place_name(unit_id: int | None) -> str:
    return _place_directory().unit_names.get(unit_id, "") if unit_id else ""


def resolve_place(address: str, point: tuple[float, float] | None, town_id=None, village_id=None):
    """(town id, village id) from an explicit choice, the address's unit names, or the nearest known place;
    read from the cached directory, so placing a request costs no query."""
    directory = _place_directory()

    def of_kind(pk, kinds):
        place = directory.units.get(int(pk)) if str(pk).isdigit() else None
        return int(pk) if place is not None and place.kind in kinds else None

    village = of_kind(village_id, Unit.GRASSROOTS) if village_id else None
    town = of_kind(town_id, Unit.TOWN_LEVEL) if town_id else None
    found = None
    if village is None and address:
        found = rules.find_place_names(address, directory.names)
        if found is not None and town is not None and directory.units[found].kind not in Unit.GRASSROOTS:
            found = None  # a town named in the address does not override the town chosen
    if village is None and town is None and found is None and point is not None:
        found = rules.nearest(point, directory.points)
    if found is not None:
        if directory.units[found].kind in Unit.GRASSROOTS:
            village = found
        else:
            town = found
    if village is not None:
        village_path = directory.units[village].path
        if town is None or not village_path.startswith(directory.units[town].path):
            town = directory.by_path.get(village_path[: -Unit.steplen])
    return town, village


@ttl_cache(60, cleared_by=("duties.DutyList", "duties.DutyItem", "org.Unit"))
def _duty_index(town_id: int) -> rules.DutyIndex:
    """The town's published duty items as the routing rule reads them (TF-IDF vectors), built once per cache
    fill; the county's place names are words of the segmenter that never count as matches."""

    places = {name for _pk, *names in _place_directory().names for name in names if name}
    return rules.DutyIndex((rules.DutyMatch(*row) for row in routing_items(town_id)), places)


def suggest(request: ServiceRequest) -> rules.Route:
    office = county_office()
    items = _duty_index(request.town_id) if request.town_id else ()
    category = request.category
    words = [*category.path_names, *[w for w in category.keywords.replace(";", "；").split("；") if w]]
    return rules.suggest_route(
        text=request.title + request.text,
        category_words=words,
        town_id=request.town_id,
        town_name=place_name(request.town_id),
        items=items,
        county_office_id=office[0] if office else None,
        county_office_name=office[1] if office else parameters.get("service.county_office"),
    )


def route_reason_text(route: rules.Route) -> str:
    """The routing reason as stored text, in the site's language whoever submitted (pages show
    ServiceRequest.route_reason_shown, in each reader's language)."""
    with translation.override(django_settings.LANGUAGE_CODE):
        return route.reason


@ttl_cache(60, cleared_by=("org.Unit", "core.Parameter"))
def county_office() -> tuple[int, str] | None:
    """(id, name) of the county office that takes what no town or department should (12345 / 县减负办)."""
    return Unit.objects.filter(name=parameters.get("service.county_office")).values_list("pk", "name").first()


def public_text_proposed(request: ServiceRequest) -> str:
    """The request's text with what identifies the citizen removed, for the reviewer to check."""
    return rules.redact(request.text, names=[request.citizen_name], address=request.address)


def open311_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@ttl_cache(30, cleared_by=("service.Open311Key",))
def _live_keys() -> dict[str, Open311Key]:
    return {entry.key_hash: entry for entry in Open311Key.objects.filter(revoked_at__isnull=True)}


def open311_key_valid(key: str) -> Open311Key | None:
    """The partner key, if issued and not revoked. Read from a cache: a revocation takes effect at once in
    the process that made it and within 30 seconds in the other server processes."""
    if not key:
        return None
    return _live_keys().get(open311_key_hash(key))


# -- hot issues (热点问题) ------------------------------------------------------------------------------
def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    return start, timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))


def hot_issues(user, first: dt.date, last: dt.date, *, limit: int = 20) -> list[dict]:
    """The hottest issues among the requests the user may see that came in between two days (rules.hot_issues;
    parameters service.hot_similarity and service.hot_weights), each with its place, dates, counts and
    up to three sample messages. Consultations answered directly from the knowledge base (直接答复) are not
    counted: a question answered at once is not a problem on the ground."""
    start, end = _day_bounds(first, last)
    rows = (
        requests(user)
        .filter(submitted_at__gte=start, submitted_at__lt=end, knowledge_entry__isnull=True)
        .exclude(status=rules.MERGED)
        .values_list(
            "pk", "village_id", "town_id", "submitted_at", "title", "text", "citizen_phone_hash", "likes", "opposes"
        )
    )
    messages = [
        rules.HotMessage(pk, village or town, at, f"{title} {text}", phone_hash, likes, opposes)
        for pk, village, town, at, title, text, phone_hash, likes, opposes in rows.iterator(chunk_size=2000)
    ]
    issues = rules.hot_issues(
        messages,
        period_first=start,
        period_last=end,
        similarity_threshold=float(parameters.get("service.hot_similarity")),
        weights=parameters.get("service.hot_weights"),
    )[:limit]
    samples = {m.pk for issue in issues for m in issue.members[:3]}
    by_pk = ServiceRequest.objects.in_bulk(sorted(samples))
    names = dict(Unit.objects.filter(pk__in={i.place_id for i in issues if i.place_id}).values_list("pk", "name"))
    return [
        {
            "rank": rank,
            "issue": issue,
            "place": names.get(issue.place_id, ""),
            "samples": [by_pk[m.pk] for m in issue.members[:3] if m.pk in by_pk],
            "numbers": [m.pk for m in issue.members],
        }
        for rank, issue in enumerate(issues, 1)
    ]


def reply_check(request: ServiceRequest, reply: str) -> rules.ReplyCheck:
    """How a reply to the request reads (rules.reply_quality, weights in service.reply_weights)."""
    return rules.reply_quality(f"{request.title} {request.text}", reply, parameters.get("service.reply_weights"))


# -- the knowledge base (直接答复) --------------------------------------------------------------------------
def knowledge_entries(user):
    return KnowledgeEntry.objects.visible_to(user).select_related("category", "updated_by")


@ttl_cache(60, cleared_by=("service.KnowledgeEntry",))
def _knowledge_index() -> rules.KnowledgeIndex:
    """The active entries indexed for search, built once per cache fill (a few thousand entries in well
    under a second); a change saved in this process rebuilds it at the next search."""
    rows = KnowledgeEntry.objects.filter(is_active=True).values_list("pk", "title", "keywords", "answer")
    return rules.KnowledgeIndex(rules.KnowledgeDoc(*row) for row in rows)


def knowledge_search(user, query: str, *, limit: int = 5, minimum: float = 0.0) -> list[tuple]:
    """(entry, hit) of the active entries best matching a query or a caller's text, best first; nothing for
    a user who may not read the knowledge base."""
    if user is None or not user.has_perm("service.view_knowledgeentry"):
        return []
    hits = _knowledge_index().search((query or "")[: rules.MAX_TEXT], limit=limit, minimum=minimum)
    found = knowledge_entries(user).filter(is_active=True).in_bulk([hit.pk for hit in hits])
    return [(found[hit.pk], hit) for hit in hits if hit.pk in found]


def knowledge_suggestions(user, text: str) -> list[tuple]:
    """The entries that may answer what the caller has said so far, above service.knowledge_minimum."""
    return knowledge_search(user, text, limit=3, minimum=float(parameters.get("service.knowledge_minimum")))


HOT_ISSUES_REFRESH_SECONDS = 300


@ttl_cache(HOT_ISSUES_REFRESH_SECONDS)
def hot_issues_recent(user, first: dt.date, last: dt.date) -> tuple[dt.datetime, list[dict]]:
    """The hot issues of a period as computed at most HOT_ISSUES_REFRESH_SECONDS ago, with when: clustering a
    county's month of requests takes about a second, and the page is read far more often than the clusters
    change. Keyed by the account (accounts compare by id), not its grants: the page has a handful of readers
    (hotline, 减负办, 组织部). The page says when the figures were computed."""
    return timezone.now(), hot_issues(user, first, last)
