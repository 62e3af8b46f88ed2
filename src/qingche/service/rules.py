"""Pure rules of citizen requests: the workflow, time limits and clocks, the 三率, routing and
near-duplicates. No ORM, no request: property-based tests live beside these functions.

The only Django used is gettext: refusals (RuleError) and routing reasons are message ids with their
values, put into words when they are shown, in the reader's language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# -- workflow ---------------------------------------------------------------------------------------
NEW, DISPATCHED, ACCEPTED, IN_PROGRESS = "new", "dispatched", "accepted", "in_progress"
ANSWERED, CLOSED = "answered", "closed"
RETURNED, ARBITRATION, MERGED = "returned", "arbitration", "merged"
STATUSES = (NEW, DISPATCHED, ACCEPTED, IN_PROGRESS, ANSWERED, CLOSED, RETURNED, ARBITRATION, MERGED)
OPEN_STATUSES = (NEW, DISPATCHED, ACCEPTED, IN_PROGRESS, ANSWERED, RETURNED, ARBITRATION)
WITH_UNIT = (DISPATCHED, ACCEPTED, IN_PROGRESS)
# 签收 (a unit accepting a dispatched request) is not 验收 (a requester accepting finished work): the
# context keeps the two apart in translations.
STATUS_LABELS = {
    NEW: _("waiting for dispatch"), DISPATCHED: _("dispatched"),
    ACCEPTED: pgettext_lazy("citizen request: signed for by the unit", "accepted"), IN_PROGRESS: _("in progress"),
    ANSWERED: _("answered"), CLOSED: _("closed"), RETURNED: _("returned, waiting for re-routing"),
    ARBITRATION: _("in arbitration"), MERGED: _("merged into another request"),
}  # fmt: skip

SATISFIED, BASIC, UNSATISFIED = "satisfied", "basic", "unsatisfied"
SATISFACTIONS = (SATISFIED, BASIC, UNSATISFIED)

# action -> statuses it may start from
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "dispatch": (NEW, RETURNED),
    "accept": (DISPATCHED,),
    "start": (ACCEPTED,),
    "return": (DISPATCHED, ACCEPTED),
    "arbitrate": (ARBITRATION,),
    "request_extension": (ACCEPTED, IN_PROGRESS),
    "decide_extension": (ACCEPTED, IN_PROGRESS, ANSWERED, CLOSED),
    "answer": (ACCEPTED, IN_PROGRESS),
    "callback": (ANSWERED,),
    "reopen": (CLOSED,),
    "merge": (NEW, RETURNED, DISPATCHED),
}
ACTION_LABELS = {
    "dispatch": pgettext_lazy("citizen request action", "dispatch"),
    "accept": pgettext_lazy("citizen request action", "accept"),
    "start": pgettext_lazy("citizen request action", "start work"),
    "return": pgettext_lazy("citizen request action", "return"),
    "arbitrate": pgettext_lazy("citizen request action", "arbitration"),
    "request_extension": pgettext_lazy("citizen request action", "extension request"),
    "decide_extension": pgettext_lazy("citizen request action", "extension decision"),
    "answer": pgettext_lazy("citizen request action", "answer"),
    "callback": pgettext_lazy("citizen request action", "callback"),
    "reopen": pgettext_lazy("citizen request action", "reopening"),
    "merge": pgettext_lazy("citizen request action", "merge"),
}


class RuleError(ValueError):
    """A refused transition or invalid input; `field` names what was wrong. `message` is a message id
    (a lazy translation) and `params` its values: str(error) puts it into words in the active language,
    so a caller that keeps the error until it is shown (ValidationError(message, params=params)) shows
    it in the reader's language."""

    def __init__(self, message, field: str = "status", **params):
        super().__init__(message)
        self.message, self.field, self.params = message, field, params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


def next_status(status: str, action: str, *, return_count: int = 0, binding: bool = False,
                returns_before_arbitration: int = 2, solved: bool | None = None,
                satisfaction: str = "", reason: str = "") -> str:
    """The status after `action`, or RuleError. The whole state machine is here."""
    if action not in ALLOWED_FROM:
        raise RuleError(_("Unknown action: %(action)s."), "action", action=action)
    if status not in ALLOWED_FROM[action]:
        raise RuleError(_("Not possible while the request is “%(status)s”: %(action)s."),
                        status=STATUS_LABELS.get(status, status), action=ACTION_LABELS[action])
    if action == "dispatch":
        return DISPATCHED
    if action == "accept":
        return ACCEPTED
    if action == "start":
        return IN_PROGRESS
    if action == "return":
        if binding:
            raise RuleError(_("An arbitration assigned this request: its decision binds and it cannot be returned."))
        if not (reason or "").strip():
            raise RuleError(_("A return needs a reason."), "reason")
        return ARBITRATION if return_count + 1 >= returns_before_arbitration else RETURNED
    if action == "arbitrate":
        return DISPATCHED
    if action in ("request_extension", "decide_extension"):
        return status
    if action == "answer":
        if not (reason or "").strip():
            raise RuleError(_("An answer needs the reply to the citizen."), "reply")
        return ANSWERED
    if action == "callback":
        if solved is None:
            raise RuleError(_("Say whether the matter was solved."), "solved")
        if satisfaction not in SATISFACTIONS:
            raise RuleError(_("Choose the citizen's satisfaction."), "satisfaction")
        return CLOSED
    if action == "reopen":
        if solved is not False and satisfaction != UNSATISFIED:
            raise RuleError(_("Only an unsolved or unsatisfied request can be reopened."))
        return IN_PROGRESS
    if action == "merge":
        return MERGED
    raise AssertionError(action)  # pragma: no cover


def can(status: str, action: str) -> bool:
    return status in ALLOWED_FROM.get(action, ())


# -- time limits ------------------------------------------------------------------------------------
HOURS, WORKING_HOURS, WORKING_DAYS = "hours", "working_hours", "working_days"


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str  # HOURS (clock time), WORKING_HOURS or WORKING_DAYS (the working-day calendar)


def add_limit(start: dt.datetime, limit: Limit, calendar) -> dt.datetime:
    if start.tzinfo is None:
        raise ValueError("naive datetime")
    if limit.unit == HOURS:
        return start + dt.timedelta(hours=limit.amount)
    if limit.unit == WORKING_HOURS:
        return calendar.add_working_hours(start, limit.amount)
    if limit.unit == WORKING_DAYS:
        return calendar.add_working_days(start, int(limit.amount))
    raise ValueError(f"unknown limit unit {limit.unit}")


def deadlines(dispatched_at: dt.datetime, handle: Limit, accept: Limit, calendar) -> tuple[dt.datetime, dt.datetime]:
    """(accept by, answer by) for a dispatch: accepting never gets longer than handling."""
    due = add_limit(dispatched_at, handle, calendar)
    accept_due = min(add_limit(dispatched_at, accept, calendar), due)
    return accept_due, due


def extend(due: dt.datetime, working_days: int, calendar) -> dt.datetime:
    if working_days < 1 or working_days > 30:
        raise RuleError(_("An extension is 1 to 30 working days."), "days")
    return calendar.add_working_days(due, working_days)


OK, DUE_SOON, OVERDUE, LATE_ACCEPT, DONE = "ok", "due_soon", "overdue", "accept_overdue", "done"


@dataclass(frozen=True)
class Clock:
    state: str
    seconds_left: float | None  # to the next deadline that matters; negative when past


def clock_state(*, status: str, now: dt.datetime, accept_due, due_at, accepted_at, answered_at,
                soon_fraction: float = 0.2, dispatched_at=None) -> Clock:
    """Due-soon and overdue, derived at read time from stored timestamps (nothing is kept in memory).
    Due soon: less than `soon_fraction` of the handling time left, or less than 24 hours."""
    if status not in WITH_UNIT or due_at is None:
        return Clock(DONE, None)
    if status == DISPATCHED and accept_due is not None and now > accept_due:
        return Clock(LATE_ACCEPT, (accept_due - now).total_seconds())
    left = (due_at - now).total_seconds()
    if left < 0:
        return Clock(OVERDUE, left)
    span = (due_at - dispatched_at).total_seconds() if dispatched_at else None
    threshold = min(24 * 3600, span * soon_fraction) if span else 24 * 3600
    return Clock(DUE_SOON if left <= threshold else OK, left)


# -- the three rates --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RateCounts:
    dispatched: int = 0
    accepted_in_time: int = 0
    called_back: int = 0
    solved: int = 0
    satisfied: int = 0
    basic_satisfied: int = 0

    def __add__(self, other: RateCounts) -> RateCounts:
        return RateCounts(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.dispatched, self.accepted_in_time, self.called_back, self.solved, self.satisfied,
                self.basic_satisfied)


@dataclass(frozen=True)
class Rates:
    response: float | None
    resolution: float | None
    satisfaction: float | None
    score: float | None


def rates(counts: RateCounts, *, basic_weight: float = 0.5,
          weights: tuple[float, float, float] = (0.10, 0.45, 0.45)) -> Rates:
    """响应率 = accepted within the limit ÷ dispatched; 解决率 = solved ÷ called back;
    满意率 = (满意 + basic_weight × 基本满意) ÷ called back; score = weighted mean of the rates known,
    in percent (weights of unknown rates are left out and the rest rescaled)."""
    response = counts.accepted_in_time / counts.dispatched if counts.dispatched else None
    resolution = counts.solved / counts.called_back if counts.called_back else None
    satisfaction = (
        (counts.satisfied + basic_weight * counts.basic_satisfied) / counts.called_back if counts.called_back else None
    )
    known = [(value, weight) for value, weight in zip((response, resolution, satisfaction), weights, strict=True)
             if value is not None]
    total = sum(weight for _value, weight in known)
    score = 100 * sum(value * weight for value, weight in known) / total if known and total else None
    return Rates(response, resolution, satisfaction, score)


@dataclass
class RankRow:
    unit_id: int
    name: str
    kind: str
    rates: Rates
    counts: RateCounts
    rank: int | None = None
    previous_score: float | None = None
    previous_rank: int | None = None

    @property
    def change(self) -> float | None:
        if self.rates.score is None or self.previous_score is None:
            return None
        return self.rates.score - self.previous_score


def rank(rows: Sequence[RankRow], previous: dict[int, Rates]) -> list[RankRow]:
    """Rank by score (higher first; ties share a rank; rows without a score last, unranked), with the
    previous month's score and rank for the month-on-month change."""
    previous_scored = sorted(((r.score, uid) for uid, r in previous.items() if r.score is not None), reverse=True)
    previous_rank = {}
    for position, (score, uid) in enumerate(previous_scored, start=1):
        previous_rank[uid] = position if position == 1 or score != previous_scored[position - 2][0] else \
            previous_rank[previous_scored[position - 2][1]]
    ordered = sorted(rows, key=lambda row: (row.rates.score is None, -(row.rates.score or 0), row.name))
    last_score, last_rank = None, 0
    for position, row in enumerate(ordered, start=1):
        if row.rates.score is not None:
            if row.rates.score != last_score:
                last_rank = position
            row.rank, last_score = last_rank, row.rates.score
        earlier = previous.get(row.unit_id)
        row.previous_score = earlier.score if earlier else None
        row.previous_rank = previous_rank.get(row.unit_id)
    return ordered


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# -- routing ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DutyMatch:
    code: str
    name: str
    kind: str  # basic / cooperation / taken_back
    keywords: tuple[str, ...]
    lead_unit_id: int | None = None
    lead_unit_name: str = ""


# Why a unit was suggested, by the rule that chose it; the values (names, codes, matched words) are kept
# with the request and the sentence is made when it is shown.
ROUTE_REASONS = {
    "no_town": _(
        "The place could not be narrowed to a town or street: sent to %(office)s to coordinate, as no unit is "
        "clearly responsible."
    ),
    "no_match": _(
        "No item of the published duty list of %(town)s matches the request: sent to %(office)s to coordinate, as "
        "no unit is clearly responsible."
    ),
    "basic": _(
        "Item %(code)s “%(name)s” of the duty list of %(town)s is a basic duty (matched: %(words)s): %(town)s "
        "handles it."
    ),
    "no_lead": _(
        "Item %(code)s “%(name)s” of the duty list of %(town)s names no lead department (matched: %(words)s): "
        "sent to %(office)s to coordinate."
    ),
    "cooperation": _(
        "Item %(code)s “%(name)s” of the duty list of %(town)s is a cooperation duty (matched: %(words)s): the "
        "lead department %(lead)s handles it and %(town)s cooperates."
    ),
    "taken_back": _(
        "Item %(code)s “%(name)s” of the duty list of %(town)s was taken back by %(lead)s (matched: %(words)s): "
        "%(lead)s handles it."
    ),
}
ROUTE_VALUES = ("town", "office", "code", "name", "lead")


def route_reason(basis: str, params: dict) -> str:
    """The reason for a suggested unit in words, in the active language (empty for an unknown basis)."""
    template = ROUTE_REASONS.get(basis)
    if template is None:
        return ""
    values = {key: params.get(key, "") for key in ROUTE_VALUES}
    values["words"] = str(pgettext_lazy("list separator", ", ")).join(params.get("matched") or ())
    return str(template) % values


@dataclass(frozen=True)
class Route:
    unit_id: int | None
    basis: str  # the rule that chose the unit: a key of ROUTE_REASONS
    params: dict = field(default_factory=dict)  # the values its reason quotes
    duty_code: str = ""
    matched: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reason(self) -> str:
        return route_reason(self.basis, self.params)

    def stored(self) -> dict:
        """What a request keeps to show the reason later, in its reader's language."""
        return {"basis": self.basis, "params": dict(self.params)}


class DutyIndex:
    """A town's duty items by keyword, built once per list: finding the keywords a text holds then costs a
    look-up per substring of a keyword's length instead of a search of the text per keyword of every item."""

    def __init__(self, items: Iterable[DutyMatch]):
        self.items = tuple(items)
        self.by_word: dict[str, list[DutyMatch]] = {}
        for item in self.items:
            for word in item.keywords:
                if word and item not in self.by_word.setdefault(word, []):
                    self.by_word[word].append(item)
        self.lengths = sorted({len(word) for word in self.by_word})

    def words_in(self, text: str) -> set[str]:
        by_word, found = self.by_word, set()
        for length in self.lengths:
            for start in range(len(text) - length + 1):
                piece = text[start:start + length]
                if piece in by_word:
                    found.add(piece)
        return found


def match_duties(text: str, category_words: Iterable[str], items: Iterable[DutyMatch] | DutyIndex) -> list[
        tuple[int, DutyMatch, tuple[str, ...]]]:
    """Items whose keywords occur in the request's text (2 points each) or in its category's names and
    keywords (1 point each), best first."""
    index = items if isinstance(items, DutyIndex) else DutyIndex(items)
    in_text = index.words_in(text)
    in_category = index.words_in(" ".join(category_words))
    candidates = {id(item): item for word in in_text | in_category for item in index.by_word[word]}
    scored = []
    for item in candidates.values():
        found, score = [], 0
        for word in item.keywords:
            if word in in_text:
                found.append(word)
                score += 2
            elif word in in_category:
                found.append(word)
                score += 1
        if score:
            scored.append((score, item, tuple(found)))
    scored.sort(key=lambda entry: (-entry[0], entry[1].code))
    return scored


def suggest_route(*, text: str, category_words: Sequence[str], town_id: int | None, town_name: str,
                  items: Iterable[DutyMatch] | DutyIndex, county_office_id: int | None,
                  county_office_name: str) -> Route:
    """Which unit should handle the request, and why, in words a dispatcher can check.
    basic duty → the town; cooperation or taken back → the lead department; no match → the county
    government's queue."""
    office = {"office": county_office_name}
    if town_id is None:
        return Route(county_office_id, "no_town", office)
    matches = match_duties(text, category_words, items)
    if not matches:
        return Route(county_office_id, "no_match", {**office, "town": town_name})
    _score, item, found = matches[0]
    params = {"town": town_name, "code": item.code, "name": item.name, "matched": list(found)}
    if item.kind == "basic":
        return Route(town_id, "basic", params, item.code, found)
    if item.lead_unit_id is None:
        return Route(county_office_id, "no_lead", {**params, **office}, item.code, found)
    basis = "cooperation" if item.kind == "cooperation" else "taken_back"
    return Route(item.lead_unit_id, basis, {**params, "lead": item.lead_unit_name}, item.code, found)


# -- places -----------------------------------------------------------------------------------------
def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """'min_lat,min_long,max_lat,max_long' → floats, checked."""
    parts = [float(part) for part in str(text).split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError("bounding box is min_lat,min_long,max_lat,max_long")
    return parts[0], parts[1], parts[2], parts[3]


def check_coordinates(lat, long, bbox: tuple[float, float, float, float]) -> tuple[float, float] | None:
    """None when neither is given; RuleError when only one is, when not numbers or outside the county."""
    if lat in (None, "") and long in (None, ""):
        return None
    if lat in (None, "") or long in (None, ""):
        raise RuleError(_("Give both latitude and longitude, or neither."), "lat")
    try:
        lat_f, long_f = float(lat), float(long)
    except (TypeError, ValueError):
        raise RuleError(_("Latitude and longitude must be numbers."), "lat") from None
    if lat_f != lat_f or long_f != long_f:  # NaN
        raise RuleError(_("Latitude and longitude must be numbers."), "lat")
    if not (bbox[0] <= lat_f <= bbox[2] and bbox[1] <= long_f <= bbox[3]):
        raise RuleError(_("The place is outside the county."), "lat")
    return lat_f, long_f


def nearest(point: tuple[float, float], places: Iterable[tuple[int, float, float]]) -> int | None:
    best, best_id = None, None
    for place_id, lat, long in places:
        distance = (lat - point[0]) ** 2 + (long - point[1]) ** 2
        if best is None or distance < best:
            best, best_id = distance, place_id
    return best_id


def find_place_names(address: str, names: Iterable[tuple[int, str, str]]) -> int | None:
    """The unit whose name (or short name) the address mentions; the longest name wins."""
    best, best_len = None, 0
    for unit_id, name, short in names:
        for candidate in (name, short):
            if candidate and len(candidate) >= 2 and candidate in address and len(candidate) > best_len:
                best, best_len = unit_id, len(candidate)
    return best


# -- near-duplicates --------------------------------------------------------------------------------
def bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text or "")
    return {text[i:i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (works for Chinese without a tokenizer)."""
    first, second = bigrams(a), bigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


# -- intake -----------------------------------------------------------------------------------------
MAX_TEXT = 5000


def clean_text(text: str, *, field: str = "text", maximum: int = MAX_TEXT, minimum: int = 5) -> str:
    text = (text or "").replace("\x00", "").strip()
    if len(text) < minimum:
        raise RuleError(_("Too short: at least %(minimum)s characters."), field, minimum=minimum)
    if len(text) > maximum:
        raise RuleError(_("Too long: at most %(maximum)s characters."), field, maximum=maximum)
    return text


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def request_number(day: dt.date, serial: int) -> str:
    return f"{day:%Y%m%d}{serial:06d}"


# -- tracking codes ---------------------------------------------------------------------------------
# Digits and capitals without the look-alikes 0/O, 1/I/L: 31 symbols, 10 of them ≈ 49 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def normalize_code(code: str) -> str:
    """What the citizen typed, as stored: capitals, without spaces or dashes (the code is shown as
    ABCDE-FGHJK)."""
    return re.sub(r"[\s\-－—]", "", code or "").upper()


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


# -- publication ------------------------------------------------------------------------------------
REDACTED = "＊＊"
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[0-9]{2}[0-9]{2}[0-9]{3}[0-9Xx](?![0-9])"
                        r"|(?<![0-9])[1-9][0-9]{14}(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[\s-]?)?1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}(?![0-9])"
                    r"|(?<![0-9])0[0-9]{2,3}[\s-]?[0-9]{7,8}(?![0-9])|(?<![0-9])[0-9]{7,8}(?![0-9])")
_NUMERAL = "0-9０-９一二三四五六七八九十百零〇两"
# Below the village or community: streets and lanes with numbers, house numbers, buildings, units,
# floors, rooms and villagers' groups (村民小组).
_BELOW_VILLAGE = re.compile(
    rf"[\u4e00-\u9fa5]{{1,4}}(?:路|街|大道|巷|弄|胡同)[{_NUMERAL}]+[号弄]?"
    rf"|[\u4e00-\u9fa5]{{2,4}}(?:小区|花园|公寓|大厦)"
    rf"|[{_NUMERAL}]+(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|户|组|队)"
)


def redact(text: str, *, names: Iterable[str] = (), address: str = "") -> str:
    """The text as it may be published: ID numbers, phone numbers, the names the citizen gave, the
    address the citizen gave and anything below the village or community level replaced by ＊＊."""
    text = text or ""
    for literal in sorted({n.strip() for n in (*names, address) if n and len(n.strip()) >= 2}, key=len,
                          reverse=True):
        text = text.replace(literal, REDACTED)
    text = _ID_NUMBER.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    text = _BELOW_VILLAGE.sub(REDACTED, text)
    return re.sub(f"(?:{re.escape(REDACTED)})+", REDACTED, text)
