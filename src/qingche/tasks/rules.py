"""Pure admission rules (no ORM, no request): each check gives pass / warn / block with a reason a
person can read, and the verdict per target follows from the checks of that target alone.

The service gathers the facts (the target's published duty item, the year's registry, near-duplicate
candidates read through an index, the calendar) and calls `admit`. Reasons are English msgids with
parameters; the caller translates them (the interface shows them in Chinese)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


def _(message: str) -> str:
    """Marks a msgid for makemessages (xgettext's `_` keyword) without importing Django: it returns the English
    msgid unchanged; the caller translates it with gettext."""
    return message


PASS, WARN, BLOCK = "pass", "warn", "block"
ADMITTED, RETURNED, PENDING = "admitted", "returned", "pending"

DUTY, REGISTRY, LEAD_TIME, DUPLICATE, TRACE, BURDEN = "duty", "registry", "lead_time", "duplicate", "trace", "burden"
FORM = "form"
RULES = (DUTY, REGISTRY, LEAD_TIME, DUPLICATE, TRACE, BURDEN, FORM)
RULE_LABELS = {
    DUTY: _("Duty-list match"),
    REGISTRY: _("Responsibility letter / veto registry"),
    LEAD_TIME: _("Lead time"),
    DUPLICATE: _("Near-duplicate"),
    TRACE: _("Trace materials"),
    BURDEN: _("Burden index"),
    FORM: _("Data-report form (一表通)"),
}
NOT_ON_LIST = "not_on_list"  # the code of the one block that waits for 减负办 instead of returning
# What each check's code means, in words (the admissions overview counts blocks and warnings by code).
CODE_LABELS = {
    NOT_ON_LIST: _("not on the unit's duty list"),
    "basic": _("basic duty"),
    "cooperation_lead": _("cooperation duty, led by the sender"),
    "cooperation_not_lead": _("cooperation duty, led by another department"),
    "taken_back": _("duty taken back by the county"),
    "letter_not_registered": _("responsibility letter not on the registry"),
    "veto_not_registered": _("veto not on the registry"),
    "both_not_registered": _("letter and veto not on the registry"),
    "registered": _("on the registry"),
    "letter_on_department_duty": _("letter or veto on a duty a department leads"),
    "enough": _("lead time enough"),
    "short": _("lead time too short"),
    "urgent_no_reason": _("urgent without a reason"),
    "quota_used": _("urgent quota used up"),
    "urgent": _("urgent"),
    "near_duplicate": _("near-duplicate of a recent task"),
    "beyond_standard": _("trace materials beyond the standard set"),
    "standard": _("standard trace materials"),
    "unknown": _("no index (nobody in post)"),
    "above_red_line": _("burden index above the red line"),
    "within_red_line": _("burden index within the red line"),
    "no_form": _("no data-report form"),
    "no_fields": _("form without fields"),
    "form_already_held": _("form asks for data already held"),
    "form_new_data": _("form asks for new data"),
    "none": _("nothing demanded"),
}

TRACE_MATERIALS = {
    "photos": _("photos"),
    "minutes": _("meeting minutes"),
    "ledgers": _("ledgers"),
    "sign_in": _("sign-in sheets"),
    "video": _("video recordings"),
    "summary": _("written summary"),
}


@dataclass(frozen=True)
class Check:
    rule: str
    outcome: str
    reason: str  # English msgid with %(name)s parameters
    params: Mapping = field(default_factory=dict)
    code: str = ""  # machine-readable cause, e.g. "not_on_list", "taken_back"
    link: str = ""  # e.g. the near-duplicate task

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "reason": self.reason,
            "params": dict(self.params),
            "code": self.code,
            "link": self.link,
        }


@dataclass(frozen=True)
class DutyFact:
    """The item of the request's duty code on one target's published lists."""

    kind: str  # basic / cooperation / taken_back
    name: str
    lead_unit_id: int | None = None
    lead_name: str = ""


@dataclass(frozen=True)
class Candidate:
    """An earlier task admitted to the same unit, for the near-duplicate check."""

    task_id: int
    title: str
    text: str
    link: str = ""


@dataclass(frozen=True)
class RequestFacts:
    requester_unit_id: int
    duty_code: str
    title: str
    content: str
    lead_working_days: int
    needs_letter: bool = False
    has_veto: bool = False
    letter_on_registry: bool = False
    veto_on_registry: bool = False
    urgent: bool = False
    urgent_reason: str = ""
    urgent_quota_left: int = 0
    trace_materials: frozenset = frozenset()
    form_title: str = ""  # the burden ReportForm the request names, if any
    form_reuse_share: float | None = None  # share of its fields the field catalog already holds


@dataclass(frozen=True)
class TargetFacts:
    unit_id: int
    duty: DutyFact | None
    candidates: tuple[Candidate, ...] = ()
    burden_index: float | None = None  # the measured 小马拉大车 index (burden module); None: no capacity


@dataclass(frozen=True)
class Policy:
    min_lead_days: int = 5
    standard_materials: frozenset = frozenset({"ledgers", "summary"})
    duplicate_threshold: float = 0.6
    burden_red_line: float = 1.0
    form_return_share: float = 0.5


# -- calendar ------------------------------------------------------------------------------------------
def lead_working_days(today: dt.date, deadline: dt.date, is_workday: Callable[[dt.date], bool]) -> int:
    """Working days the town has: those after today up to and including the deadline's day."""
    if deadline <= today:
        return 0
    count, day = 0, today + dt.timedelta(days=1)
    while day <= deadline:
        count += is_workday(day)
        day += dt.timedelta(days=1)
    return count


# -- similarity (Chinese-aware: character bigrams, no tokenizer needed) ---------------------------------
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
COMPARED_CHARS = 400  # title and the start of the content: enough to tell a re-sent notice, cheap to compare


@functools.lru_cache(maxsize=65536)
def bigrams(text: str) -> frozenset:
    """Character bigrams of the text with spaces and punctuation removed (full- and half-width)."""
    cleaned = _NOISE.sub("", (text or "").lower())
    if len(cleaned) < 2:
        return frozenset({cleaned}) if cleaned else frozenset()
    return frozenset(map(cleaned.__getitem__, map(slice, range(len(cleaned) - 1), range(2, len(cleaned) + 1))))


def jaccard(first: frozenset, second: frozenset) -> float:
    if not first or not second:
        return 0.0
    common = len(first & second)
    return common / (len(first) + len(second) - common)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams, 0..1."""
    return jaccard(bigrams(a), bigrams(b))


def compared_text(title: str, content: str) -> str:
    return (title + "\n" + content)[:COMPARED_CHARS]


# -- the checks ---------------------------------------------------------------------------------------
def check_duty(request: RequestFacts, target: TargetFacts) -> Check:
    duty = target.duty
    if not request.duty_code or duty is None:
        return Check(
            DUTY,
            BLOCK,
            _(
                "The task is on none of this unit's published duty lists: it reaches the unit "
                "only with the approval of the burden-reduction office."
            ),
            code=NOT_ON_LIST,
        )
    params = {"item": duty.name, "lead": duty.lead_name}
    if duty.kind == "basic":
        return Check(DUTY, PASS, _("A basic duty of this unit: %(item)s."), params, code="basic")
    if duty.kind == "cooperation":
        if duty.lead_unit_id == request.requester_unit_id:
            return Check(
                DUTY, PASS, _("A cooperation duty led by your department: %(item)s."), params, code="cooperation_lead"
            )
        return Check(
            DUTY,
            BLOCK,
            _("A cooperation duty: only the lead department (%(lead)s) may assign it."),
            params,
            code="cooperation_not_lead",
        )
    return Check(
        DUTY,
        BLOCK,
        _("This duty was taken back by %(lead)s: the department does it itself."),
        params,
        code="taken_back",
    )


DEPARTMENT_LED = ("cooperation", "taken_back")


def check_registry(request: RequestFacts, target: TargetFacts | None = None) -> Check:
    """A letter or veto needs the item on the year's registry; and never on a duty a department leads (配合履职,
    上级收回) for this target, even when the code is registered: the department's work is not pushed onto the town
    (seed 004: "将应是部门为主、地方配合的工作责任,推给镇级")."""
    duty = target.duty if target is not None else None
    if (request.needs_letter or request.has_veto) and duty is not None and duty.kind in DEPARTMENT_LED:
        return Check(
            REGISTRY,
            BLOCK,
            _(
                "A responsibility letter or one-vote veto cannot be laid on this unit for %(item)s: a department "
                "leads this duty (%(lead)s), so the responsibility stays with the department even if the item "
                "is on the registry."
            ),
            {"item": duty.name, "lead": duty.lead_name or "—"},
            code="letter_on_department_duty",
        )
    missing = []
    if request.needs_letter and not request.letter_on_registry:
        missing.append("letter")
    if request.has_veto and not request.veto_on_registry:
        missing.append("veto")
    if missing == ["letter"]:
        return Check(
            REGISTRY,
            BLOCK,
            _("A responsibility letter is demanded, but the item is not on this year's approved registry."),
            code="letter_not_registered",
        )
    if missing == ["veto"]:
        return Check(
            REGISTRY,
            BLOCK,
            _("A one-vote veto is attached, but the item is not on this year's approved registry."),
            code="veto_not_registered",
        )
    if missing:
        return Check(
            REGISTRY,
            BLOCK,
            _(
                "A responsibility letter and a one-vote veto are demanded, but the item is "
                "on neither of this year's approved registries."
            ),
            code="both_not_registered",
        )
    if request.needs_letter or request.has_veto:
        return Check(REGISTRY, PASS, _("On this year's approved registry."), code="registered")
    return Check(REGISTRY, PASS, _("No responsibility letter or veto demanded."), code="none")


def check_lead_time(request: RequestFacts, policy: Policy) -> Check:
    params = {"days": request.lead_working_days, "minimum": policy.min_lead_days}
    if request.lead_working_days >= policy.min_lead_days:
        return Check(
            LEAD_TIME, PASS, _("%(days)s working days to the deadline (at least %(minimum)s)."), params, code="enough"
        )
    if not request.urgent:
        return Check(
            LEAD_TIME,
            BLOCK,
            _(
                "Only %(days)s working days to the deadline; at least %(minimum)s are "
                "required unless the task is urgent with a reason."
            ),
            params,
            code="short",
        )
    if not request.urgent_reason.strip():
        return Check(LEAD_TIME, BLOCK, _("Marked urgent without a reason."), params, code="urgent_no_reason")
    if request.urgent_quota_left <= 0:
        return Check(
            LEAD_TIME,
            BLOCK,
            _("Marked urgent, but your department has used up this year's urgent quota."),
            params,
            code="quota_used",
        )
    return Check(
        LEAD_TIME,
        WARN,
        _("Urgent: %(days)s working days (counts against the department's urgent quota)."),
        params,
        code="urgent",
    )


def check_duplicate(request: RequestFacts, target: TargetFacts, policy: Policy) -> Check:
    mine = bigrams(compared_text(request.title, request.content))
    best, best_score = None, 0.0
    for candidate in target.candidates:
        score = jaccard(mine, bigrams(compared_text(candidate.title, candidate.text)))
        if score > best_score:
            best, best_score = candidate, score
    if best is not None and best_score >= policy.duplicate_threshold:
        return Check(
            DUPLICATE,
            WARN,
            _("Very similar (%(percent)s%%) to a task already sent to this unit: %(title)s."),
            {"percent": round(best_score * 100), "title": best.title, "task": best.task_id},
            code="near_duplicate",
            link=best.link,
        )
    return Check(DUPLICATE, PASS, _("No similar task sent to this unit recently."), code="none")


def check_trace(request: RequestFacts, policy: Policy) -> Check:
    extra = sorted(set(request.trace_materials) - set(policy.standard_materials))
    if extra:
        return Check(
            TRACE,
            WARN,
            _("Trace materials beyond the standard set are demanded (%(extra)s): judge the work, not the paperwork."),
            {"extra": extra},
            code="beyond_standard",
        )
    return Check(TRACE, PASS, _("Trace materials within the standard set."), code="standard")


def check_burden(target: TargetFacts, policy: Policy) -> Check:
    if target.burden_index is None:
        return Check(BURDEN, PASS, _("No burden index for this unit: nobody is recorded in post."), code="unknown")
    params = {"index": f"{target.burden_index:.2f}", "red_line": f"{policy.burden_red_line:.2f}"}
    if target.burden_index > policy.burden_red_line:
        return Check(
            BURDEN,
            WARN,
            _("Burden index %(index)s is above the red line %(red_line)s: this unit is already overloaded."),
            params,
            code="above_red_line",
        )
    return Check(
        BURDEN, PASS, _("Burden index %(index)s is within the red line %(red_line)s."), params, code="within_red_line"
    )


def check_form(request: RequestFacts, policy: Policy) -> Check:
    """一表通: a data-report form whose fields the field catalog mostly holds already is returned."""
    if not request.form_title:
        return Check(FORM, PASS, _("No data-report form."), code="no_form")
    if request.form_reuse_share is None:
        return Check(FORM, PASS, _("The data-report form has no fields."), code="no_fields")
    params = {
        "form": request.form_title,
        "share": f"{request.form_reuse_share:.0%}",
        "limit": f"{policy.form_return_share:.0%}",
    }
    if request.form_reuse_share >= policy.form_return_share:
        return Check(
            FORM,
            BLOCK,
            _(
                "%(share)s of the fields of the form “%(form)s” are already held in the field "
                "catalog (limit %(limit)s): use the data already held instead of asking "
                "again."
            ),
            params,
            code="form_already_held",
        )
    return Check(
        FORM,
        PASS,
        _("%(share)s of the fields of the form “%(form)s” are already held (limit %(limit)s)."),
        params,
        code="form_new_data",
    )


def verdict(checks: Iterable[Check]) -> str:
    """Any block returns the request to the requester, except that a task on none of the lists (and nothing
    else blocking) waits for the burden-reduction office's approval."""
    blocks = [check for check in checks if check.outcome == BLOCK]
    if not blocks:
        return ADMITTED
    if all(check.code == NOT_ON_LIST for check in blocks):
        return PENDING
    return RETURNED


def checks_for(request: RequestFacts, target: TargetFacts, policy: Policy) -> list[Check]:
    return [
        check_duty(request, target),
        check_registry(request, target),
        check_lead_time(request, policy),
        check_duplicate(request, target, policy),
        check_trace(request, policy),
        check_burden(target, policy),
        check_form(request, policy),
    ]


def admit(request: RequestFacts, targets: Iterable[TargetFacts], policy: Policy) -> dict[int, tuple[list[Check], str]]:
    """{unit_id: (checks, verdict)}: every target is judged on its own facts, never on the others'."""
    result = {}
    for target in targets:
        checks = checks_for(request, target, policy)
        result[target.unit_id] = (checks, verdict(checks))
    return result


def validate_effort(hours) -> str | None:
    """None when the estimated effort (person-hours per unit) is sensible, else the msgid of the problem."""
    if hours is None:
        return _("Enter the estimated effort.")
    if hours <= 0:
        return _("The estimated effort must be more than zero person-hours.")
    if hours > 2000:
        return _("The estimated effort is absurd: more than 2,000 person-hours per unit (a year of one person).")
    return None
