"""组织处理 (organisational consequences of annual appraisal grades), pure: which proposals a person's grade
history implies for one year. No ORM; the thresholds come in as parameters (DOMAIN_FACTS defaults):

- 基本称职 → 诫勉 (each year by default; `admonish_years` consecutive years if set higher);
- 不称职 → down one rank step and the post adjusted; `dismissal_years` (2) in a row → the dismissal procedure;
- 称职 or better for `pay_step_years` (2) consecutive years → a pay step; `level_years` (5) → a 级别;
- 优秀 → commendation (嘉奖) each year;
- 优秀 `merit_years` (3) in a row → 三等功 candidate, and eligible for the next rank step early.

A year without a grade breaks every streak (nothing is presumed)."""

from __future__ import annotations

from dataclasses import dataclass

ADMONISH = "admonish"
DEMOTE = "demote"
ADJUST_POST = "adjust_post"
DISMISSAL = "dismissal"
PAY_STEP = "pay_step"
LEVEL = "level"
MERIT = "merit"
COMMEND = "commend"
EARLY_RANK = "early_rank"
KINDS = (ADMONISH, DEMOTE, ADJUST_POST, DISMISSAL, PAY_STEP, LEVEL, COMMEND, MERIT, EARLY_RANK)

EXCELLENT, COMPETENT, BASIC, INCOMPETENT = "excellent", "competent", "basically_competent", "incompetent"
GOOD = (EXCELLENT, COMPETENT)

DEFAULT_THRESHOLDS = {
    "admonish_years": 1,
    "dismissal_years": 2,
    "pay_step_years": 2,
    "level_years": 5,
    "merit_years": 3,
}


@dataclass(frozen=True)
class Proposal:
    kind: str
    streak: int  # the consecutive years of the grade(s) behind it, this year included


def streak(grades: dict[int, str], year: int, accepted) -> int:
    """How many years in a row, ending with `year`, have a grade in `accepted`."""
    count = 0
    while grades.get(year - count) in accepted:
        count += 1
    return count


def proposals(grades: dict[int, str], year: int, thresholds: dict | None = None) -> list[Proposal]:
    """The 组织处理 proposals that the grades (year -> annual grade) imply for `year`."""
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    grade = grades.get(year)
    found: list[Proposal] = []
    if grade == BASIC:
        run = streak(grades, year, (BASIC,))
        if run >= max(1, int(limits["admonish_years"])):
            found.append(Proposal(ADMONISH, run))
    elif grade == INCOMPETENT:
        run = streak(grades, year, (INCOMPETENT,))
        if run >= max(1, int(limits["dismissal_years"])):
            found.append(Proposal(DISMISSAL, run))
        else:
            found += [Proposal(DEMOTE, run), Proposal(ADJUST_POST, run)]
    elif grade in GOOD:
        run = streak(grades, year, GOOD)
        for kind, key in ((PAY_STEP, "pay_step_years"), (LEVEL, "level_years")):
            every = max(1, int(limits[key]))
            if run and run % every == 0:
                found.append(Proposal(kind, run))
        if grade == EXCELLENT:
            excellent = streak(grades, year, (EXCELLENT,))
            found.append(Proposal(COMMEND, excellent))
            every = max(1, int(limits["merit_years"]))
            if excellent >= every:
                found += [Proposal(MERIT, excellent), Proposal(EARLY_RANK, excellent)]
    return found
