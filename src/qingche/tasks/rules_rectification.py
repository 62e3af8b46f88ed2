"""Pure rules of the rectification ledger and of coordination decisions (no ORM, no request).

An item moves open → measures set → submitted with evidence → closed (销号, verified by the raiser), or from
submitted back to sent back (then submitted again). Overdue is not a state of its own: an item not closed whose
deadline has passed is overdue, whatever step it is at. Messages are English msgids the caller translates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


def _(message: str) -> str:
    """Marks a msgid for makemessages without importing Django (the caller translates)."""
    return message


OPEN, MEASURES_SET, SUBMITTED, SENT_BACK, CLOSED = "open", "measures_set", "submitted", "sent_back", "closed"
STATUSES = (OPEN, MEASURES_SET, SUBMITTED, SENT_BACK, CLOSED)
NOT_CLOSED = (OPEN, MEASURES_SET, SUBMITTED, SENT_BACK)

SET_MEASURES, SUBMIT, VERIFY, SEND_BACK = "set_measures", "submit", "verify", "send_back"
# what each action may start from, and where it leads
TRANSITIONS = {
    SET_MEASURES: ((OPEN, MEASURES_SET, SENT_BACK), None),  # None: open → measures set, otherwise unchanged
    SUBMIT: ((MEASURES_SET, SENT_BACK), SUBMITTED),
    VERIFY: ((SUBMITTED,), CLOSED),
    SEND_BACK: ((SUBMITTED,), SENT_BACK),
}
OWNER_ACTIONS = (SET_MEASURES, SUBMIT)
RAISER_ACTIONS = (VERIFY, SEND_BACK)

MIN_TEXT = 2

# the ledger page's three views: 问题清单 (what was found), 整改清单 (what is done), 责任清单 (who answers)
VIEWS = ("problems", "measures", "responsibility")
VIEW_LABELS = {
    "problems": _("Problem list"),
    "measures": _("Rectification list"),
    "responsibility": _("Responsibility list"),
}


def next_status(action: str, status: str) -> str | None:
    """The status after the action, or None if the action is not open from this status."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        return None
    if target is None:
        return MEASURES_SET if status == OPEN else status
    return target


def refusal(action: str, status: str) -> str | None:
    """Why the action cannot be taken at this status (a msgid), or None."""
    if next_status(action, status) is not None:
        return None
    if status == CLOSED:
        return _("The item is closed.")
    return {
        SET_MEASURES: _("Measures can no longer be changed once the evidence is submitted."),
        SUBMIT: _("Set the rectification measures before submitting evidence."),
        VERIFY: _("Only an item submitted with evidence can be verified."),
        SEND_BACK: _("Only an item submitted with evidence can be sent back."),
    }[action]


def close_problem(
    *,
    submission: str,
    evidence_files: int,
    verifier_id: int | None,
    submitter_id: int | None,
    verifier_person_id: int | None = None,
    owner_person_id: int | None = None,
) -> str | None:
    """Why the item cannot be closed (销号) by this verifier (a msgid), or None: there must be evidence (text or
    files) and a verifier who is neither the one who submitted it nor the responsible person."""
    if not (submission or "").strip() and not evidence_files:
        return _("An item cannot be closed without evidence.")
    if verifier_id is None:
        return _("An item cannot be closed without a verifier.")
    if verifier_id == submitter_id:
        return _("The one who submitted the evidence cannot verify it: the unit that raised the item does.")
    if verifier_person_id is not None and verifier_person_id == owner_person_id:
        return _("The responsible person cannot verify their own item.")
    return None


def is_overdue(status: str, deadline: dt.date, today: dt.date) -> bool:
    return status != CLOSED and deadline < today


def days_overdue(status: str, deadline: dt.date, today: dt.date) -> int:
    return (today - deadline).days if is_overdue(status, deadline, today) else 0


@dataclass(frozen=True)
class UnitProgress:
    unit_id: int
    total: int
    closed: int
    submitted: int
    overdue: int

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def closed_share(self) -> float | None:
        return self.closed / self.total if self.total else None


def progress_by_unit(rows: Iterable[tuple[int, str, dt.date]], today: dt.date) -> list[UnitProgress]:
    """Per owning unit, from (unit id, status, deadline) rows: items, closed, waiting for verification, overdue;
    the units with most overdue (then most open) first."""
    counts: dict[int, list[int]] = {}
    for unit_id, status, deadline in rows:
        entry = counts.setdefault(unit_id, [0, 0, 0, 0])
        entry[0] += 1
        entry[1] += status == CLOSED
        entry[2] += status == SUBMITTED
        entry[3] += is_overdue(status, deadline, today)
    result = [UnitProgress(unit_id, *values) for unit_id, values in counts.items()]
    return sorted(result, key=lambda row: (-row.overdue, -(row.total - row.closed), row.unit_id))


# -- coordination decisions -------------------------------------------------------------------------------
def decision_problem(
    *, text: str, deadline: dt.date | None, meeting_day: dt.date, form: str, forms: Iterable[str], duty_code: str = ""
) -> dict[str, str]:
    """Field → msgid of what is wrong with a decision as entered (empty when it may be recorded)."""
    errors: dict[str, str] = {}
    if len((text or "").strip()) < MIN_TEXT:
        errors["text"] = _("Write the decision.")
    if deadline is None:
        errors["deadline"] = _("Enter the deadline.")
    elif deadline < meeting_day:
        errors["deadline"] = _("The deadline is before the meeting.")
    if form not in tuple(forms):
        errors["form"] = _("Choose the form the decision takes.")
    elif form == "duty_change" and not (duty_code or "").strip():
        errors["duty_code"] = _("Name the duty item to change.")
    return errors
