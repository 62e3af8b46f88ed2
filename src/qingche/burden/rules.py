"""Pure burden rules: the 小马拉大车 index, caps on documents and meetings, the merge window of
inspections, app violations and the 一表通 reuse share. Plain Python: no ORM, no request."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

NO_CAPACITY = "no_capacity"
OVER = "over"
RED = "red"
OK = "ok"

UPPER, CITIZEN = "upper", "citizen"
# The standing duties of a unit's duty list: the cart the horse always pulls, not imposed on top.
STANDING = "standing"
SENDERS = (STANDING, UPPER, CITIZEN)


@dataclass(frozen=True)
class Period:
    """A span of whole days, first..last inclusive."""

    first: dt.date
    last: dt.date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("a period ends before it starts")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls(first, add_months(first, 1) - dt.timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def months(self) -> list[dt.date]:
        """First days of the months the period touches."""
        result, current = [], self.first.replace(day=1)
        while current <= self.last:
            result.append(current)
            current = add_months(current, 1)
        return result

    @property
    def label(self) -> str:
        if self.first.day == 1 and self.last == add_months(self.first, 1) - dt.timedelta(days=1):
            return f"{self.first:%Y-%m}"
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_share(period: Period) -> float:
    """How many months a period spans, counting a part month by its share of the month's days (a whole
    month is 1; 1–15 June is 0.5): what a monthly figure (a duty's standing hours) is prorated by."""
    share = 0.0
    for month in period.months():
        month_last = add_months(month, 1) - dt.timedelta(days=1)
        days = (min(period.last, month_last) - max(period.first, month)).days + 1
        share += days / month_last.day
    return round(share, 6)


def last_months(end_month: dt.date, count: int) -> list[dt.date]:
    """The `count` months ending with end_month (first days), oldest first."""
    return [add_months(end_month.replace(day=1), -offset) for offset in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class IndexResult:
    loads: dict[str, float]  # source -> person-hours (unweighted)
    weights: dict[str, float]
    weighted: dict[str, float]  # source -> weight × hours
    load: float
    in_post: int
    working_days: int
    hours_per_day: float
    capacity: float
    value: float | None  # None when there is no capacity
    state: str  # ok / over / red / no_capacity
    by_sender: dict[str, float] = field(default_factory=dict)
    standing: float = 0.0  # weighted person-hours of the standing duties (the duty list)
    imposed: float = 0.0  # weighted person-hours imposed on top: load − standing
    imposed_share: float | None = None  # imposed ÷ capacity: the second figure
    quota: int | None = None  # approved staffing (编制) when known
    vacancy: int = 0  # quota − people in post, never below zero
    lost_capacity: float = 0.0  # vacancy × working days × hours a day: the hours the vacancies cost


def index_value(load: float, capacity: float, red_line: float) -> tuple[float | None, str]:
    """(load ÷ capacity, its state); no capacity is a state of its own, never a division."""
    if capacity <= 0:
        return None, NO_CAPACITY
    value = round(load / capacity, 4)
    return value, RED if value > red_line else OVER if value > 1.0 else OK


def weighted_load(loads: dict[str, float], weights: dict[str, float]) -> float:
    """Σ weight(source) × person-hours(source): the load of burden_index, without its breakdown."""
    return round(sum(float(weights.get(source, 1.0)) * float(hours) for source, hours in loads.items()), 4)


def burden_index(
    loads: dict[str, float],
    weights: dict[str, float],
    *,
    in_post: int,
    working_days: int,
    hours_per_day: float,
    red_line: float,
    senders: dict[str, str] | None = None,
    quota: int | None = None,
) -> IndexResult:
    """load = Σ weight(source) × person-hours(source) = standing + imposed (standing: the sources whose
    sender is STANDING); capacity = in_post × working_days × hours_per_day; index = load ÷ capacity and
    imposed share = imposed ÷ capacity. Vacancies against the quota (编制) cost vacancy × working_days ×
    hours_per_day of capacity. No capacity gives an explicit state, not a division."""
    if in_post < 0 or working_days < 0 or hours_per_day < 0 or (quota is not None and quota < 0):
        raise ValueError("capacity inputs must not be negative")
    # One pass over the sources: the county dashboard computes this for every town on each view.
    senders = senders or {}
    unweighted, used_weights, weighted, by_sender = {}, {}, {}, {}
    for source, hours in loads.items():
        unweighted[source] = hours = float(hours)
        used_weights[source] = weight = float(weights.get(source, 1.0))
        weighted[source] = product = weight * hours
        sender = senders.get(source, UPPER)
        by_sender[sender] = round(by_sender.get(sender, 0.0) + product, 4)
    load = round(sum(weighted.values()), 4)
    capacity = in_post * working_days * hours_per_day
    value, state = index_value(load, capacity, red_line)
    standing = by_sender.get(STANDING, 0.0)
    imposed = round(load - standing, 4)
    vacancy = max(0, quota - in_post) if quota is not None else 0
    return IndexResult(
        loads=unweighted,
        weights=used_weights,
        weighted=weighted,
        load=load,
        in_post=in_post,
        working_days=working_days,
        hours_per_day=hours_per_day,
        capacity=capacity,
        value=value,
        state=state,
        by_sender=by_sender,
        standing=standing,
        imposed=imposed,
        imposed_share=round(imposed / capacity, 4) if capacity > 0 else None,
        quota=quota,
        vacancy=vacancy,
        lost_capacity=vacancy * working_days * hours_per_day,
    )


# -- the index of a person -----------------------------------------------------------------------------------
def working_days_in_post(spans, workdays) -> int:
    """How many of `workdays` (the working days of a period) fall inside at least one span (start, end or
    None for open-ended) of a person's posts in one unit: two posts held at once count once."""
    return sum(1 for day in workdays if any(start <= day and (end is None or day <= end) for start, end in spans))


@dataclass(frozen=True)
class PersonIndexResult:
    own: dict[str, float]  # source -> the person's own person-hours (unweighted)
    unit_loads: dict[str, float]  # source -> the unit's person-hours (the unit itself, not its subtree)
    named: dict[str, float]  # source -> the part of the unit's hours already counted as named people's own
    pool: dict[str, float]  # source -> shared person-hours: unit − named, never below zero
    weights: dict[str, float]
    own_load: float  # Σ weight × own
    pool_load: float  # Σ weight × pool: the unit's shared load
    share: float  # the person's part of the pool (1 ÷ people in post when all were in post all period)
    shared_load: float  # pool_load × share
    load: float  # own_load + shared_load
    in_post: int  # people in post in the unit during the period (who share the pool)
    days_in_post: int  # the person's working days in post in the unit during the period
    working_days: int
    hours_per_day: float
    capacity: float
    value: float | None  # None when the person has no capacity (not in post)
    state: str  # ok / over / red / no_capacity


def person_index(
    own: dict[str, float],
    unit_loads: dict[str, float],
    named: dict[str, float],
    weights: dict[str, float],
    *,
    days_in_post: int,
    team_days: int,
    in_post: int,
    working_days: int,
    hours_per_day: float,
    red_line: float,
) -> PersonIndexResult:
    """A person's 小马拉大车 index in one unit for a period.

    load     = Σ weight × own hours  +  share × Σ weight × max(0, unit hours − named hours)
    share    = days_in_post ÷ team_days   (team_days: every person in post's working days in post, this
               person's included; when all were in post the whole period this is 1 ÷ people in post)
    capacity = days_in_post × hours_per_day
    index    = load ÷ capacity  (no capacity → the state "no capacity", never a division)

    `named` is what the unit's load of each source already holds as someone's own work (their task parts,
    their confirmed overtime): it is taken out of the pool so that nobody's own work is shared out again."""
    if min(days_in_post, team_days, in_post, working_days) < 0 or hours_per_day < 0:
        raise ValueError("days, people and hours must not be negative")
    if days_in_post > working_days:
        raise ValueError("a person cannot be in post on more working days than the period has")
    if team_days < days_in_post or team_days > in_post * working_days:
        raise ValueError("team days must hold the person's own days and at most every person's whole period")
    names = sorted(set(own) | set(unit_loads) | set(named))
    weight = {name: float(weights.get(name, 1.0)) for name in names}
    own_hours = {name: float(own.get(name, 0.0)) for name in names}
    pool = {name: max(0.0, float(unit_loads.get(name, 0.0)) - float(named.get(name, 0.0))) for name in names}
    own_load = round(sum(weight[name] * own_hours[name] for name in names), 4)
    pool_load = round(sum(weight[name] * pool[name] for name in names), 4)
    share = days_in_post / team_days if team_days else 0.0
    shared_load = round(pool_load * share, 4)
    load = round(own_load + shared_load, 4)
    capacity = days_in_post * hours_per_day
    value, state = index_value(load, capacity, red_line)
    return PersonIndexResult(
        own=own_hours,
        unit_loads={name: float(unit_loads.get(name, 0.0)) for name in names},
        named={name: float(named.get(name, 0.0)) for name in names},
        pool=pool,
        weights=weight,
        own_load=own_load,
        pool_load=pool_load,
        share=round(share, 6),
        shared_load=shared_load,
        load=load,
        in_post=in_post,
        days_in_post=days_in_post,
        working_days=working_days,
        hours_per_day=hours_per_day,
        capacity=capacity,
        value=value,
        state=state,
    )


# -- meetings ---------------------------------------------------------------------------------------------
def meeting_problems(
    start: dt.datetime,
    end: dt.datetime,
    *,
    speech_minutes: int,
    speech_cap_minutes: int,
    with_group_discussion: bool,
    max_hours: float,
    max_hours_discussion: float,
) -> list[str]:
    """Codes of the caps a meeting breaks (it may still be recorded: the registry shows reality).
    Raises ValueError when the meeting ends before it starts."""
    if end <= start:
        raise ValueError("a meeting must end after it starts")
    problems = []
    if speech_minutes > speech_cap_minutes:
        problems.append("speech_too_long")
    hours = (end - start).total_seconds() / 3600
    if hours > (max_hours_discussion if with_group_discussion else max_hours):
        problems.append("too_long")
    return problems


def meeting_person_hours(start: dt.datetime, end: dt.datetime, attendees: int) -> float:
    return round((end - start).total_seconds() / 3600 * attendees, 2)


# -- documents --------------------------------------------------------------------------------------------
def document_over_cap(length_chars: int, *, special_task: bool, cap: int, special_cap: int) -> bool:
    return length_chars > (special_cap if special_task else cap)


def yearly_change(this_year: int, last_year: int) -> dict:
    """A body's document count should not grow: the change and whether it needs explaining."""
    return {
        "this_year": this_year,
        "last_year": last_year,
        "change": this_year - last_year,
        "grew": this_year > last_year,
    }


# -- inspections ------------------------------------------------------------------------------------------
def normalize_topic(topic: str) -> str:
    return "".join(topic.split()).lower()


# -- apps and work groups ------------------------------------------------------------------------------------
def app_violations(compulsory_checkin: bool, points_ranking: bool, online_time: bool) -> list[str]:
    return [
        name
        for name, flag in (
            ("compulsory_checkin", compulsory_checkin),
            ("points_ranking", points_ranking),
            ("online_time", online_time),
        )
        if flag
    ]


# -- 一表通 ------------------------------------------------------------------------------------------------
def reuse_share(total_fields: int, reused_fields: int) -> float | None:
    """Share of a form's fields the catalog already holds; None for a form without fields."""
    if total_fields <= 0:
        return None
    if not 0 <= reused_fields <= total_fields:
        raise ValueError("reused fields must be between 0 and the number of fields")
    return round(reused_fields / total_fields, 4)


def fill_person_hours(typed: int, prefilled: int, *, minutes_per_typed: float, minutes_per_prefilled: float) -> Decimal:
    minutes = typed * minutes_per_typed + prefilled * minutes_per_prefilled
    return Decimal(str(round(minutes / 60, 2)))


def hours_saved(prefilled: int, *, minutes_per_typed: float, minutes_per_prefilled: float) -> float:
    return round(prefilled * (minutes_per_typed - minutes_per_prefilled) / 60, 2)


COUNT, NUMBER = "count", "number"  # the kinds of catalog values that are numbers (CatalogField.Kind)


def filled_value_problem(value: str, kind: str, maximum: Decimal | None) -> str | None:
    """What is wrong with a value filled into a form field of this kind, or None: a count is a whole
    number, not negative; a number is any decimal; both stay at or below the field's largest plausible
    value. Digits may be grouped with commas (1,234)."""
    if kind not in (COUNT, NUMBER):
        return None
    try:
        number = Decimal(value.replace(",", "").replace("，", ""))
    except ArithmeticError:
        return "not_a_number"
    if not number.is_finite():
        return "not_a_number"
    if kind == COUNT and number < 0:
        return "negative"
    if kind == COUNT and number != number.to_integral_value():
        return "not_whole"
    if maximum is not None and number > maximum:
        return "too_large"
    return None


# -- 直通车 ------------------------------------------------------------------------------------------------
def report_text_problem(text: str, max_chars: int) -> str | None:
    stripped = (text or "").strip()
    if len(stripped) < 5:
        return "too_short"
    if len(stripped) > max_chars:
        return "too_long"
    return None


# -- 直通车 follow-up codes -------------------------------------------------------------------------------
FOLLOW_UP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes (0/O, 1/I)


def new_follow_up_code() -> str:
    raw = "".join(secrets.choice(FOLLOW_UP_ALPHABET) for _i in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def follow_up_code_hash(code: str, key: str) -> str:
    """The keyed hash kept instead of a follow-up code; spaces and case do not matter."""
    normalized = "".join((code or "").split()).upper()
    return hmac.new(key.encode(), ("burden-report:" + normalized).encode(), hashlib.sha256).hexdigest()


# -- resources against load -------------------------------------------------------------------------------------
FUND_ON_TIME, FUND_PENDING, FUND_LATE, FUND_SHORT = "on_time", "pending", "late", "short"
FUND_FLAGGED = (FUND_LATE, FUND_SHORT)


def fund_status(amount: Decimal, arrived: Decimal, due_on: dt.date, arrived_on: dt.date | None, today: dt.date) -> str:
    """Whether an allocation arrived in full and on time: on_time (in full by the date due), pending (not
    yet due and not yet in full), late (in full, but after the date due), short (due and not in full)."""
    if arrived >= amount:
        return FUND_LATE if arrived_on is not None and arrived_on > due_on else FUND_ON_TIME
    return FUND_SHORT if today > due_on else FUND_PENDING


def load_per_person(load: float, in_post: int) -> float | None:
    """Person-hours of load for each person in post (None without anyone in post)."""
    return round(load / in_post, 1) if in_post > 0 else None


def people_short(load: float, *, in_post: int, working_days: int, hours_per_day: float, red_line: float) -> int:
    """How many more people in post would bring the index down to the red line (0 when it is not above)."""
    per_person = working_days * hours_per_day * red_line
    if per_person <= 0:
        return 0
    needed = -(-round(load, 4) // per_person)  # ceiling, on the rounded load (no 1e-12 overshoot)
    return max(0, int(needed) - in_post)


def staffing_decision(decision: str, posts_asked: int, posts_granted: int | None) -> int:
    """The posts granted by a decision; raises ValueError with the reason when they do not fit it."""
    if decision == "approved":
        return posts_asked
    if decision == "refused":
        return 0
    if decision != "partly":
        raise ValueError("unknown decision")
    if posts_granted is None or not 0 < posts_granted < posts_asked:
        raise ValueError("partly: more than none and fewer than asked")
    return posts_granted
