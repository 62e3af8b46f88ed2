"""Pure rules of awards, the reserve pool and secondment: no ORM, no request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext as _

DEFAULT_PUBLICITY_DAYS = 5  # 公示 of commendations: usually not less than 5 working days
APPOINTABLE_GRADES = ("excellent", "competent")


def publicity_end(start: dt.date, working_days: int, is_workday: Callable[[dt.date], bool]) -> dt.date:
    """The last day of a publicity period that starts on `start` (or the next working day) and runs for
    `working_days` working days."""
    if working_days < 1:
        raise ValueError("a publicity period lasts at least one working day")
    day, counted = start, 0
    while True:
        if is_workday(day):
            counted += 1
            if counted == working_days:
                return day
        day += dt.timedelta(days=1)


def publicity_state(today: dt.date, start: dt.date | None, end: dt.date | None) -> str:
    """not_started / open / ended."""
    if start is None or end is None or today < start:
        return "not_started"
    return "open" if today <= end else "ended"


def quota_left(quota: int, approved: int) -> int:
    return max(quota - approved, 0)


def conferral_blockers(*, today: dt.date, publicity_end: dt.date | None, objections: list[bool | None]) -> list[str]:
    """Why a nomination cannot be conferred yet: the publicity period not over, objections not answered.
    `objections` holds each objection's finding (None: not answered yet). An upheld one withdraws the
    nomination when it is answered, so it never reaches here."""
    reasons = []
    if publicity_end is None:
        reasons.append(_("The nomination has not been publicised."))
    elif today <= publicity_end:
        reasons.append(_("The publicity period runs until %(end)s.") % {"end": publicity_end.isoformat()})
    unanswered = sum(1 for upheld in objections if upheld is None)
    if unanswered:
        reasons.append(_("%(count)s objection(s) not yet answered.") % {"count": unanswered})
    return reasons


def secondment_outcomes(assessment: str, wish: str) -> list[str]:
    """The outcomes open after a secondment's end assessment (seed 004: 挂职期满后根据考核结果及其本人意愿 …
    正式任职): appointment at the host unit only with a grade of competent or better AND the person's wish
    to stay; otherwise back to the home unit."""
    if not assessment or not wish:
        return []
    if assessment in APPOINTABLE_GRADES and wish == "stay":
        return ["appointed", "returned"]
    return ["returned"]


def reserve_review_due(entered_on: dt.date, reviewed_years: set[int], today: dt.date) -> list[int]:
    """The years (from the year of entry up to last year) without a review."""
    return [year for year in range(entered_on.year, today.year) if year not in reviewed_years]
