"""Pure rules of citizen requests: the workflow, time limits and clocks, the 三率, routing and
near-duplicates. No ORM, no request: property-based tests live beside these functions.

The only Django used is gettext: refusals (RuleError) and routing reasons are message ids with their
values, put into words when they are shown, in the reader's language."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import threading
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
    NEW: _("waiting for dispatch"),
    DISPATCHED: _("dispatched"),
    ACCEPTED: pgettext_lazy("citizen request: signed for by the unit", "accepted"),
    IN_PROGRESS: _("in progress"),
    ANSWERED: _("answered"),
    CLOSED: _("closed"),
    RETURNED: _("returned, waiting for re-routing"),
    ARBITRATION: _("in arbitration"),
    MERGED: _("merged into another request"),
}

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
    "pass_on": (ACCEPTED, IN_PROGRESS),  # 转村: a town that signed for it passes it on to one of its villages
    "answer_directly": (NEW,),  # 直接答复: the hotline answers a consultation from the knowledge base
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
    "pass_on": pgettext_lazy("citizen request action", "pass on to a village"),
    "answer_directly": pgettext_lazy("citizen request action", "direct answer"),
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


def next_status(
    status: str,
    action: str,
    *,
    return_count: int = 0,
    binding: bool = False,
    returns_before_arbitration: int = 2,
    solved: bool | None = None,
    satisfaction: str = "",
    reason: str = "",
) -> str:
    """The status after `action`, or RuleError. The whole state machine is here."""
    if action not in ALLOWED_FROM:
        raise RuleError(_("Unknown action: %(action)s."), "action", action=action)
    if status not in ALLOWED_FROM[action]:
        raise RuleError(
            _("Not possible while the request is “%(status)s”: %(action)s."),
            status=STATUS_LABELS.get(status, status),
            action=ACTION_LABELS[action],
        )
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
    if action in ("request_extension", "decide_extension", "pass_on"):
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
    if action == "answer_directly":
        if not (reason or "").strip():
            raise RuleError(_("An answer needs the reply to the citizen."), "reply")
        return CLOSED
    raise AssertionError(action)  # pragma: no cover


def can(status: str, action: str) -> bool:
    return status in ALLOWED_FROM.get(action, ())


# -- time limits ------------------------------------------------------------------------------------
HOURS, WORKING_HOURS, WORKING_DAYS = "hours", "working_hours", "working_days"


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str  # HOURS (clock time), WORKING_HOURS or WORKING_DAYS (the working-day calendar)
    wall_clock: bool = False  # an emergency: every limit of the request runs on the wall clock


def on_wall_clock(limit: Limit) -> Limit:
    """The same limit counted in clock hours: a working hour is an hour, a working day 24 hours."""
    if limit.unit == HOURS:
        return limit
    hours = limit.amount * (24 if limit.unit == WORKING_DAYS else 1)
    return Limit(hours, HOURS, limit.wall_clock)


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
    """(accept by, answer by) for a dispatch: accepting never gets longer than handling. An emergency
    (`handle.wall_clock`) runs on the wall clock whatever the parameters' clocks: nights and holidays count."""
    if handle.wall_clock:
        handle, accept = on_wall_clock(handle), on_wall_clock(accept)
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


def clock_state(
    *,
    status: str,
    now: dt.datetime,
    accept_due,
    due_at,
    accepted_at,
    answered_at,
    soon_fraction: float = 0.2,
    dispatched_at=None,
) -> Clock:
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
        return (
            self.dispatched,
            self.accepted_in_time,
            self.called_back,
            self.solved,
            self.satisfied,
            self.basic_satisfied,
        )


@dataclass(frozen=True)
class Rates:
    response: float | None
    resolution: float | None
    satisfaction: float | None
    score: float | None


def rates(
    counts: RateCounts, *, basic_weight: float = 0.5, weights: tuple[float, float, float] = (0.10, 0.45, 0.45)
) -> Rates:
    """响应率 = accepted within the limit ÷ dispatched; 解决率 = solved ÷ called back;
    满意率 = (满意 + basic_weight × 基本满意) ÷ called back; score = weighted mean of the rates known,
    in percent (weights of unknown rates are left out and the rest rescaled)."""
    response = counts.accepted_in_time / counts.dispatched if counts.dispatched else None
    resolution = counts.solved / counts.called_back if counts.called_back else None
    satisfaction = (
        (counts.satisfied + basic_weight * counts.basic_satisfied) / counts.called_back if counts.called_back else None
    )
    known = [
        (value, weight)
        for value, weight in zip((response, resolution, satisfaction), weights, strict=True)
        if value is not None
    ]
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
        previous_rank[uid] = (
            position
            if position == 1 or score != previous_scored[position - 2][0]
            else previous_rank[previous_scored[position - 2][1]]
        )
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
    domain: str = ""  # the field of the list it belongs to (党的建设 … 综合保障)


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


# Below this cosine between a request and its best duty item no item is claimed: words shared by chance
# (企业, 分配 in a complaint about 廉租房) score about 0.1, a request about an item's matter 0.2 and more
# (see bench/routing.py).
MIN_ROUTE_SCORE = 0.18
CATEGORY_WEIGHT = 0.3  # the category's names and keywords count for less than the caller's own words
# How much a word counts in an item by where the item says it: its keywords (and their parts: 路灯 of 路灯不亮)
# are how citizens say the matter, its name how the list says it.
KEYWORD_WEIGHT, NAME_WEIGHT = 2.0, 1.0
# An item of the field the request's category names (教育文体 → 教育文化卫生) scores this much more.
DOMAIN_BONUS = 0.4
POSITION_DECAY = 0.5  # the last word of a request weighs 1 / (1 + this) of its first
# Words that say nothing about whose duty a matter is; single characters are dropped too.
STOP_WORDS = frozenset(
    "街道 社区 建议 我们 你们 他们 我家 我村 没有 现在 已经 一直 这个 那个 这里 "
    "那里 什么 怎么 为什么 希望 要求 请求 反映 投诉 举报 问题 情况 相关 部门 有关 "
    "处理 解决 尽快 及时 管理 工作 负责 做好 开展 辖区 村民 居民 群众 老百姓 导致 "
    "造成 一个 每天 晚上 白天 多次 好几次 几次 几个 很多 非常 严重 影响 还是 但是 "
    "而且 因为 所以 如果 可以 不能 不会 没人 联系 电话 打电话 多久 多年 至今 目前 "
    "最近 附近 旁边 门口 前面 后面 里面 我们家 一下 一些 有人 知道 出来".split()
)

_tokenizer = None
_tokenizer_lock = threading.Lock()


def tokenizer():
    """The process's own jieba tokenizer (not jieba's global one), its dictionary loaded once (~1 s)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba  # lazy: jieba loads its dictionary on import

                jieba.setLogLevel(logging.WARNING)
                made = jieba.Tokenizer()
                made.initialize()
                _tokenizer = made
    return _tokenizer


def terms(text: str, whole: bool = False) -> list[str]:
    """The words of a text that can tell one duty from another, compound words with their parts (unless
    `whole`)."""
    segmenter = tokenizer()
    words = segmenter.cut(text, HMM=False) if whole else segmenter.cut_for_search(text, HMM=False)
    return [
        word
        for word in words
        if len(word) > 1 and not word.isspace() and word not in STOP_WORDS and not _PUNCTUATION.match(word)
    ]


_PUNCTUATION = re.compile(r"^[\W_]+$")


class DutyIndex:
    """A town's published duty items as TF-IDF vectors of their names and keywords, built once per list so
    that routing a request costs a segmentation and a look-up per word. The items' keywords and the
    county's place names are words of the tokenizer; place names never count as matches (“东河镇” is not
    about rivers)."""

    def __init__(self, items: Iterable[DutyMatch], place_names: Iterable[str] = ()):
        from sklearn.feature_extraction.text import TfidfVectorizer  # lazy: scikit-learn is slow to import

        self.items = tuple(items)
        segmenter = tokenizer()
        self.places = frozenset(name for name in place_names if name)
        for word in {*self.places, *(keyword for item in self.items for keyword in item.keywords)}:
            if len(word) > 1 and segmenter.FREQ.get(word) is None:
                segmenter.add_word(word)
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.idf: dict[str, float] = {}
        self.domains = [frozenset(terms(item.domain)) for item in self.items]
        if not self.items:
            return
        fields = [self._fields(item) for item in self.items]
        # the inverse document frequency of each word over the items; a word's weight in an item is its idf
        # times the weight of the item's field that says it (counted once, whatever the repetitions)
        vectorizer = TfidfVectorizer(analyzer=lambda weights: list(weights), binary=True).fit(fields)
        idf = {
            term: float(vectorizer.idf_[column])
            for term, column in vectorizer.vocabulary_.items()
            if term not in self.places
        }
        for position, weights in enumerate(fields):
            vector = {term: weight * idf[term] for term, weight in weights.items() if term in idf}
            norm = math.sqrt(sum(value * value for value in vector.values()))
            for term, value in vector.items():
                self.postings.setdefault(term, []).append((position, value / norm))
        self.idf = idf

    @staticmethod
    @functools.lru_cache(maxsize=8192)  # every town's list repeats the catalogue's items
    def _fields(item: DutyMatch) -> dict[str, float]:
        weights: dict[str, float] = {}
        for text, weight in [(item.name, NAME_WEIGHT), *((keyword, KEYWORD_WEIGHT) for keyword in item.keywords)]:
            for term in terms(text):
                weights[term] = max(weight, weights.get(term, 0.0))
        return weights

    def query(self, text: str, category_words: Iterable[str] = ()) -> tuple[dict[str, float], frozenset[str]]:
        """The request as a unit-length TF-IDF vector over the index's words, and which of them its text says:
        the text's words weigh their idf, less the later they come; its category's words CATEGORY_WEIGHT of it."""
        # the text's words whole: a 廉租房 is not a 租房登记, nor a 地下通道 a 地下水
        found = [term for term in terms(text, whole=True) if term in self.idf]
        weights: dict[str, float] = {}
        for rank, term in enumerate(found):
            # a caller names the matter first and its circumstances after (路灯坏了，老人出门不方便)
            weights.setdefault(term, self.idf[term] / (1 + POSITION_DECAY * rank / len(found)))
        for term in terms(" ".join(category_words)):
            if term in self.idf:
                weights.setdefault(term, CATEGORY_WEIGHT * self.idf[term])
        norm = math.sqrt(sum(weight * weight for weight in weights.values()))
        return ({term: weight / norm for term, weight in weights.items()} if norm else {}), frozenset(found)

    def ranked(self, text: str, category_words: Iterable[str] = ()) -> list[tuple[float, DutyMatch, tuple[str, ...]]]:
        """(cosine, item, the words it shares with the request) of every item sharing a word of the text, best
        first; the words in the order the text says them, the category's last."""
        category_words = list(category_words)
        vector, in_text = self.query(text, category_words)
        fields = set(terms(" ".join(category_words)))
        scores: dict[int, float] = {}
        shared: dict[int, list[str]] = {}
        for term, weight in vector.items():
            for position, value in self.postings[term]:
                scores[position] = scores.get(position, 0.0) + weight * value
                shared.setdefault(position, []).append(term)

        def order(word: str) -> tuple[int, int]:
            found = text.find(word)
            return (found if found >= 0 else len(text), -len(word))

        for position in scores:
            if fields and not fields.isdisjoint(self.domains[position]):
                scores[position] *= 1 + DOMAIN_BONUS
        result = [
            (score, self.items[position], tuple(_outermost(sorted(shared[position], key=order))))
            for position, score in scores.items()
            if not in_text.isdisjoint(shared[position])
        ]
        result.sort(key=lambda entry: (-entry[0], entry[1].code))
        return result


def _outermost(words: list[str]) -> list[str]:
    """The words without those inside another one kept (“路灯” goes when “路灯不亮” is there)."""
    return [word for word in words if not any(word != other and word in other for other in words)]


def match_duties(
    text: str, category_words: Iterable[str], items: Iterable[DutyMatch] | DutyIndex, minimum: float | None = None
) -> list[tuple[float, DutyMatch, tuple[str, ...]]]:
    """Items whose TF-IDF cosine with the request reaches `minimum`, best first, with the shared words."""
    index = items if isinstance(items, DutyIndex) else DutyIndex(items)
    minimum = MIN_ROUTE_SCORE if minimum is None else minimum
    return [entry for entry in index.ranked(text, category_words) if entry[0] >= minimum]


def suggest_route(
    *,
    text: str,
    category_words: Sequence[str],
    town_id: int | None,
    town_name: str,
    items: Iterable[DutyMatch] | DutyIndex,
    county_office_id: int | None,
    county_office_name: str,
) -> Route:
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
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (works for Chinese without a tokenizer)."""
    first, second = bigrams(a), bigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


# -- reply quality ----------------------------------------------------------------------------------------
REPLY_WEIGHTS = {"relevance": 0.35, "completeness": 0.45, "clarity": 0.20}
# what a complete reply says, each found by the words replies use for it (calibrated on 附件4's replies)
REPLY_PARTS = {
    "action": re.compile(
        r"已(?:经)?[\u4e00-\u9fff]{0,4}(?:处理|解决|整改|修复|维修|清理|安排|落实|办理|完成|查处|拆除|疏通|协调)|"
        r"经(?:查|核实|调查|了解)|现场(?:查看|核实|调查)|现(?:将|就)[^。]{0,12}(?:答复|回复)如下"
    ),
    "actor": re.compile(r"[\u4e00-\u9fff]{1,12}(?:局|委|办|镇|乡|街道|政府|中心|公司|所|队|站|村委会|社区|部门|科|院)"),
    "time": re.compile(
        r"\d{4}年|\d{1,2}月\d{1,2}日|\d{1,2}月(?:底|初|中旬|上旬|下旬)|\d+个?工作日|\d+日前|近日|目前|"
        r"日前|立即|年底前|月底前"
    ),
    "next_step": re.compile(
        r"如(?:有|您)(?:疑问|异议|问题|需要|不满)|可(?:拨打|致电|联系|咨询|向|到|前往|登录|申请)|"
        r"联系电话|咨询电话|欢迎.{0,6}(?:来电|咨询|监督)|请您?(?:携带|前往|到|联系|关注|留意)"
    ),
}
REPLY_HINTS = {
    "relevance": _("The reply hardly uses the request's own words: answer what the citizen asked about."),
    "action": _("Say what was done (checked on site, repaired, arranged …)."),
    "actor": _("Say who did it or who is responsible (the office, town or department)."),
    "time": _("Say when it was done or by when it will be."),
    "next_step": _("Tell the citizen what they can do next (whom to call, where to go)."),
    "short": _("The reply is too short to answer anything."),
    "long_sentences": _("Sentences are very long: split them so the citizen can follow."),
}
REPLY_BOILERPLATE = re.compile(
    r"您好|你好|网友|尊敬的|感谢|谢谢|收悉|留言|来信|反映的问题|现将|回复如下|答复如下|[“”\"：:！!，,。.\s]"
)
REPLY_SHORT, REPLY_ENOUGH = 20, 80  # characters of substance (greetings and punctuation removed)


@dataclass(frozen=True)
class ReplyCheck:
    relevance: float  # 0–1: how much of the request's content the reply takes up
    parts: dict[str, bool]  # action, actor, time, next_step: said or not
    clarity: float  # 0–1
    score: float  # 0–100
    hints: list  # what to add, in words (lazy translations)


def reply_quality(request_text: str, reply: str, weights=None) -> ReplyCheck:
    """A reply checked before it goes out. relevance = share of the request's bigrams that the reply uses,
    counted as full at a quarter (a reply restates the matter, it need not repeat the citizen); completeness =
    share of the four parts said (what was done, by whom, when, what next); clarity = enough substance
    (under REPLY_SHORT characters without greetings is nothing; REPLY_ENOUGH is enough) and sentences under
    120 characters on average. score = 100 × Σ weight × part (service.reply_weights)."""
    w = {**REPLY_WEIGHTS, **(weights or {})}
    reply = re.sub(r"\s+", "", reply or "")
    substance = REPLY_BOILERPLATE.sub("", reply)
    asked = bigrams(REPLY_BOILERPLATE.sub("", request_text or ""))
    relevance = min(1.0, len(asked & bigrams(substance)) / len(asked) * 4) if asked else 1.0
    parts = {name: bool(pattern.search(reply)) for name, pattern in REPLY_PARTS.items()}
    sentences = [part for part in re.split(r"[。！？；!?;]", reply) if part]
    average = len(reply) / len(sentences) if sentences else len(reply)
    body = min(1.0, max(0.0, (len(substance) - REPLY_SHORT) / (REPLY_ENOUGH - REPLY_SHORT)))
    clarity = body * (1.0 if average <= 120 else 0.6)
    completeness = sum(parts.values()) / len(parts) if body else 0.0
    score = (
        100
        * (
            w["relevance"] * relevance * (1 if body else 0.3)
            + w["completeness"] * completeness
            + w["clarity"] * clarity
        )
        / sum(w.values())
    )
    hints = []
    if not body:
        hints.append(REPLY_HINTS["short"])
    if relevance < 0.5:
        hints.append(REPLY_HINTS["relevance"])
    hints.extend(REPLY_HINTS[name] for name, said in parts.items() if not said)
    if body and average > 120:
        hints.append(REPLY_HINTS["long_sentences"])
    return ReplyCheck(round(relevance, 3), parts, round(clarity, 3), round(score, 1), hints)


# -- hot issues (热点问题) ------------------------------------------------------------------------------
HOT_WEIGHTS = {"count": 1.0, "citizens": 1.0, "likes": 2.0, "growth": 0.5}
HOT_TEXT_CHARS = 60  # the subject and the start of the text: where callers name the matter


@dataclass(frozen=True)
class HotMessage:
    pk: int
    place_id: int | None  # the village, else the town
    at: dt.datetime
    text: str  # subject + text
    citizen: str  # a keyed hash of the phone, or "" when unknown (each such message counts as its own citizen)
    likes: int = 0
    opposes: int = 0


@dataclass
class HotIssue:
    place_id: int | None
    members: list[HotMessage]
    count: int = 0
    citizens: int = 0
    likes: int = 0
    opposes: int = 0
    growth: float = 0.0
    heat: float = 0.0

    @property
    def first(self) -> dt.datetime:
        return min(m.at for m in self.members)

    @property
    def last(self) -> dt.datetime:
        return max(m.at for m in self.members)


def heat_score(*, count: int, citizens: int, likes: int, opposes: int, growth: float, weights=None) -> float:
    """How hot an issue is: heat = w_count × messages + w_citizens × distinct citizens
    + w_likes × ln(1 + max(likes − opposes, 0)) + w_growth × max(growth, 0) × messages.
    growth (−1…1) compares the later half of the period with the earlier: an issue still growing ranks above one
    that has faded with the same count. Likes count on a log scale, so a few thousand clicks on one message do
    not outweigh many callers."""
    w = {**HOT_WEIGHTS, **(weights or {})}
    return round(
        w["count"] * count
        + w["citizens"] * citizens
        + w["likes"] * math.log1p(max(likes - opposes, 0))
        + w["growth"] * max(growth, 0.0) * count,
        3,
    )


def _growth(times: list[dt.datetime], first: dt.datetime, last: dt.datetime) -> float:
    """(later half − earlier half) ÷ all, over the period [first, last]."""
    middle = first + (last - first) / 2
    late = sum(1 for at in times if at >= middle)
    return (late - (len(times) - late)) / len(times) if times else 0.0


def hot_issues(
    messages: Iterable[HotMessage],
    *,
    period_first: dt.datetime,
    period_last: dt.datetime,
    similarity_threshold: float = 0.3,
    minimum: int = 2,
    weights=None,
) -> list[HotIssue]:
    """Clusters of similar messages at the same place, hottest first. A message joins the cluster of its place
    whose first message is most similar, if similar enough (character bigrams of the subject and the text's
    start), else starts a cluster: one pass, in order of time, so the same messages always give the same
    clusters. Clusters with fewer than `minimum` messages are not issues."""
    # per place: the clusters, their first messages' bigram counts, and which clusters hold each bigram, so
    # that a message is compared only with the clusters it shares a bigram with (overlaps counted, not sets)
    places: dict[int | None, tuple[list[HotIssue], list[int], dict[str, list[int]]]] = {}
    for message in sorted(messages, key=lambda m: (m.at, m.pk)):
        grams = bigrams(message.text[:HOT_TEXT_CHARS])
        if not grams:
            continue
        clusters, sizes, postings = places.setdefault(message.place_id, ([], [], {}))
        overlap: dict[int, int] = {}
        for gram in grams:
            for index in postings.get(gram, ()):
                overlap[index] = overlap.get(index, 0) + 1
        best, best_score = None, similarity_threshold
        for index, shared in sorted(overlap.items()):  # the most similar; of equals, the oldest cluster
            score = shared / (len(grams) + sizes[index] - shared)
            if score > best_score or (best is None and score == best_score):
                best, best_score = index, score
        if best is None:
            best = len(clusters)
            clusters.append(HotIssue(place_id=message.place_id, members=[]))
            sizes.append(len(grams))
            for gram in grams:
                postings.setdefault(gram, []).append(best)
        clusters[best].members.append(message)
    found = []
    for clusters, _sizes, _postings in places.values():
        for issue in clusters:
            if len(issue.members) < minimum:
                continue
            issue.count = len(issue.members)
            issue.citizens = len({m.citizen or f"#{m.pk}" for m in issue.members})
            issue.likes = sum(m.likes for m in issue.members)
            issue.opposes = sum(m.opposes for m in issue.members)
            issue.growth = round(_growth([m.at for m in issue.members], period_first, period_last), 3)
            issue.heat = heat_score(
                count=issue.count,
                citizens=issue.citizens,
                likes=issue.likes,
                opposes=issue.opposes,
                growth=issue.growth,
                weights=weights,
            )
            found.append(issue)
    found.sort(key=lambda issue: (-issue.heat, issue.first))
    return found


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
_ID_NUMBER = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[0-9]{2}[0-9]{2}[0-9]{3}[0-9Xx](?![0-9])"
    r"|(?<![0-9])[1-9][0-9]{14}(?![0-9])"
)
_PHONE = re.compile(
    r"(?<![0-9])(?:\+?86[\s-]?)?1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}(?![0-9])"
    r"|(?<![0-9])0[0-9]{2,3}[\s-]?[0-9]{7,8}(?![0-9])|(?<![0-9])[0-9]{7,8}(?![0-9])"
)
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
    for literal in sorted({n.strip() for n in (*names, address) if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(literal, REDACTED)
    text = _ID_NUMBER.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    text = _BELOW_VILLAGE.sub(REDACTED, text)
    return re.sub(f"(?:{re.escape(REDACTED)})+", REDACTED, text)


# -- Open311 registration -----------------------------------------------------------------------------------
REGISTRATION_FAILURES = {
    "ValidationError": _("Its content did not pass the checks of registration."),
    "IntegrityError": _("It conflicts with data already registered."),
    "DataError": _("A value in it is out of the database's range."),
}


def registration_failure(error: str) -> str:
    """In words, why a submission could not be registered: the stored reason begins with the error's class
    (services.open311_submissions_register), which the page shows too, as the technical detail."""
    return REGISTRATION_FAILURES.get(
        error.partition(":")[0].strip(), _("A fault of the program stopped its registration.")
    )


# -- the knowledge base (直接答复) ------------------------------------------------------------------------
KNOWLEDGE_HEAD_WEIGHT = 3.0  # a bigram of the question or keywords counts three times one only in the answer
_KNOWLEDGE_NOISE = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class KnowledgeDoc:
    """What the search reads of an entry: its question, keywords (separated by spaces, commas or ；) and answer."""

    pk: int
    title: str
    keywords: str
    answer: str


@dataclass(frozen=True)
class KnowledgeHit:
    pk: int
    score: float  # 0–1: the weighted share of the entry's question (or of a short query) that matched
    words: tuple[str, ...]  # the matched bigrams of the question and keywords, in query order


def _knowledge_grams(*texts: str) -> set[str]:
    grams: set[str] = set()
    for text in texts:
        for part in _KNOWLEDGE_NOISE.split(text or ""):
            grams |= bigrams(part)
    return grams


class KnowledgeIndex:
    """The knowledge base's active entries indexed by character bigram (no tokenizer, no download). A query
    scores an entry by the IDF-weighted bigrams they share (a bigram of the entry's question or keywords
    counts KNOWLEDGE_HEAD_WEIGHT times one found only in its answer), divided by the smaller of the query's
    and the question's weight: a short query ("社保") fully found scores 1, and so does a caller's long text
    that holds the whole question. Ties go to the entry whose question is closer in length to the query.
    A search reads only the entries sharing a bigram with the query."""

    def __init__(self, docs: Iterable[KnowledgeDoc]):
        head_of: dict[int, set[str]] = {}
        postings: dict[str, dict[int, float]] = {}
        for doc in docs:
            head = _knowledge_grams(doc.title, *re.split(r"[\s,，;；、]+", doc.keywords or ""))
            head_of[doc.pk] = head
            for gram in _knowledge_grams(doc.answer) - head:
                postings.setdefault(gram, {})[doc.pk] = 1.0
            for gram in head:
                postings.setdefault(gram, {})[doc.pk] = KNOWLEDGE_HEAD_WEIGHT
        self.size = len(head_of)
        self.postings = postings
        self.idf = {gram: math.log(1 + self.size / len(found)) for gram, found in postings.items()}
        self._unknown = math.log(1 + max(self.size, 1))  # a bigram no entry holds weighs the most
        self.head_weight = {
            pk: KNOWLEDGE_HEAD_WEIGHT * sum(self.idf[gram] for gram in head) for pk, head in head_of.items()
        }
        self.heads = head_of

    def __len__(self) -> int:
        return self.size

    def search(self, query: str, *, limit: int = 5, minimum: float = 0.0) -> list[KnowledgeHit]:
        """The best entries for a query or a caller's text, best first; those scoring below `minimum` left out."""
        ordered = list(dict.fromkeys(gram for part in _KNOWLEDGE_NOISE.split(query or "") for gram in _pairs(part)))
        if not ordered or not self.size:
            return []
        query_weight = KNOWLEDGE_HEAD_WEIGHT * sum(self.idf.get(gram, self._unknown) for gram in ordered)
        shared: dict[int, float] = {}
        for gram in ordered:
            for pk, weight in self.postings.get(gram, {}).items():
                shared[pk] = shared.get(pk, 0.0) + weight * self.idf[gram]
        hits = []
        for pk, weight in shared.items():
            score = min(1.0, weight / (min(query_weight, self.head_weight[pk]) or 1.0))
            if score >= minimum:
                closeness = weight / max(query_weight, self.head_weight[pk])
                words = tuple(gram for gram in ordered if gram in self.heads[pk])
                hits.append((score, closeness, -pk, KnowledgeHit(pk, round(score, 3), words)))
        hits.sort(key=lambda row: row[:3], reverse=True)
        return [row[3] for row in hits[:limit]]


def _pairs(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]
