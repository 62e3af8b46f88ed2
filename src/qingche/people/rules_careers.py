"""Pure rules of careers: the rank ladders, rank eligibility from the rank history and the annual grades, the
performance-pay shares (largest remainder to the fen), monthly special allowances, the minimum service of new
recruits, and posts against people. Plain Python; no ORM (Django's gettext only)."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

# The ladders, lowest first: [rank, minimum years in the rank below before this step]. DOMAIN_FACTS "Workforce":
# 2 years for the steps from 一级科员 up to 一级主任科员 and 四级–二级调研员, 3 to 一级调研员, 4 to 二级/一级巡视员.
# Town organs stop at 一级调研员 and public institutions climb the 管理岗位 grades (both approx., set per county).
GENERAL = [
    ["一级科员", 0],
    ["四级主任科员", 2],
    ["三级主任科员", 2],
    ["二级主任科员", 2],
    ["一级主任科员", 2],
    ["四级调研员", 2],
    ["三级调研员", 2],
    ["二级调研员", 2],
    ["一级调研员", 3],
    ["二级巡视员", 4],
    ["一级巡视员", 4],
]
DEFAULT_LADDERS = {
    "county": GENERAL,
    "town": GENERAL[:9],
    "institution": [["十级职员", 0]] + [[f"{grade}级职员", 3] for grade in "九八七六五"],
}
# Which categories may hold which kinds of post (混岗 when not): org.Post.Kind -> org.Person.Category values.
DEFAULT_POST_CATEGORIES = {
    "leader": ["civil_servant", "public_institution"],
    "staff": ["civil_servant", "public_institution"],
    "village_cadre": ["village_cadre"],
    "community_worker": ["community_worker"],
    "contract": ["contract"],
}
DAY = dt.timedelta(days=1)


def ladder_for(category: str, town_level: bool) -> str | None:
    """The ladder a person climbs: public institution staff the management grades, civil servants the general
    ladder of town or county organs; other categories none."""
    if category == "public_institution":
        return "institution"
    if category == "civil_servant":
        return "town" if town_level else "county"
    return None


def step_below(ladder: list, rank: str) -> str | None:
    names = [name for name, _years in ladder]
    if rank not in names or names.index(rank) == 0:
        return None
    return names[names.index(rank) - 1]


def _year_fraction(year: int, start: dt.date, end: dt.date) -> float:
    """The share of calendar year `year` inside start..end (both days counted)."""
    first, last = max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))
    if last < first:
        return 0.0
    return ((last - first).days + 1) / (366 if calendar.isleap(year) else 365)


@dataclass
class Eligibility:
    current: str
    since: dt.date | None
    next_rank: str | None = None
    required_years: float = 0.0
    counted_years: float = 0.0
    shortened_years: float = 0.0
    eligible: bool = False
    eligible_on: dt.date | None = None
    demotion_to: str | None = None
    on_ladder: bool = True
    reasons: list[str] = field(default_factory=list)


def eligibility(
    *,
    ladder: list,
    current: str,
    since: dt.date,
    grades: dict[int, str],
    year: int,
    grade_rules: dict,
    grade_labels: dict | None = None,
    demote_grades=("incompetent",),
    count_ungraded: bool = True,
) -> Eligibility:
    """Whether a person may take the next rank step by the end of `year`.

    Years in the current rank are counted from `since` (the last rank change) to 31 December of `year`, per
    calendar year by its annual grade (grade_rules, appraisal.rank_years): a year whose grade does not count
    (基本称职, 不称职) adds nothing; a grade with months_less (优秀: 6) shortens the wait; a year without a grade
    counts if count_ungraded. A demoting grade (不称职) after `since` means down one step, not a promotion."""
    labels = grade_labels or {}
    result = Eligibility(current=current, since=since)
    names = [name for name, _years in ladder]
    if current not in names:
        result.on_ladder = False
        result.reasons.append(_("%(rank)s is not on the rank ladder: correct the rank history.") % {"rank": current})
        return result
    index = names.index(current)
    as_of = dt.date(year, 12, 31)
    result.reasons.append(_("%(rank)s since %(date)s.") % {"rank": current, "date": since.isoformat()})
    demoting = sorted(y for y, grade in grades.items() if grade in demote_grades and dt.date(y, 12, 31) > since)
    if demoting:
        result.demotion_to = step_below(ladder, current)
        result.reasons.append(
            _("%(grade)s in %(year)s: down one step to %(rank)s, no promotion.")
            % {
                "grade": labels.get(grades[demoting[0]], grades[demoting[0]]),
                "year": demoting[0],
                "rank": result.demotion_to or "—",
            }
        )
        return result
    if index == len(names) - 1:
        result.reasons.append(_("The top of this rank ladder."))
        return result
    result.next_rank, result.required_years = names[index + 1], float(ladder[index + 1][1])
    if since > as_of:
        result.reasons.append(_("The rank was changed after this year."))
        return result
    counted, shortened, ungraded = 0.0, 0.0, 0
    for y in range(since.year, year + 1):
        share = _year_fraction(y, since, as_of)
        grade = grades.get(y)
        if grade is None:
            ungraded += 1
            counted += share if count_ungraded else 0.0
            continue
        rule = grade_rules.get(grade, {"counts": False, "months_less": 0})
        if rule.get("counts"):
            counted += share
        else:
            result.reasons.append(
                _("%(year)s: %(grade)s, the year does not count.") % {"year": y, "grade": labels.get(grade, grade)}
            )
        months = int(rule.get("months_less", 0))
        if months:
            shortened += months / 12
            result.reasons.append(
                _("%(year)s: %(grade)s, %(months)s months less.")
                % {"year": y, "grade": labels.get(grade, grade), "months": months}
            )
    if ungraded:
        key = _("%(count)s years without a grade on record counted.") if count_ungraded else None
        key = key or _("%(count)s years without a grade on record not counted.")
        result.reasons.append(key % {"count": ungraded})
    result.counted_years, result.shortened_years = round(counted, 2), round(shortened, 2)
    need = max(result.required_years - shortened, 0.0)
    result.eligible = counted + 1e-9 >= need
    result.eligible_on = _eligible_on(since, need, grades, grade_rules, count_ungraded, year)
    result.reasons.append(
        _("%(counted)s of %(need)s years counted toward %(next)s.")
        % {"counted": f"{counted:.1f}", "need": f"{need:g}", "next": result.next_rank}
    )
    if result.eligible:
        result.reasons.append(_("Eligible from %(date)s.") % {"date": result.eligible_on.isoformat()})
    elif result.eligible_on:
        result.reasons.append(_("Not yet: eligible from %(date)s at the earliest.") % {"date": result.eligible_on})
    return result


def _eligible_on(
    since: dt.date, need: float, grades: dict, grade_rules: dict, count_ungraded: bool, year: int
) -> dt.date | None:
    """The day the counted years reach `need`; the years after `year` without a grade are counted (their grade
    is not known yet)."""
    if need <= 0:
        return since
    counted = 0.0
    for y in range(since.year, since.year + 60):
        grade = grades.get(y)
        counts = count_ungraded if grade is None else bool(grade_rules.get(grade, {}).get("counts"))
        if grade is None and y > year:
            counts = True  # a year still to come
        if not counts:
            continue
        days_in_year = 366 if calendar.isleap(y) else 365
        first = max(since, dt.date(y, 1, 1))
        share = _year_fraction(y, since, dt.date(y, 12, 31))
        if counted + share + 1e-9 >= need:
            days = math.ceil((need - counted) * days_in_year - 1e-6)
            return first + dt.timedelta(days=max(days, 0))
        counted += share
    return None


# -- performance pay ------------------------------------------------------------------------------------------
def post_factor(remote: bool, frontline: bool, factors: dict) -> Decimal:
    """1 × the factor of each flag the post carries (边远, 一线)."""
    factor = Decimal(1)
    if remote:
        factor *= Decimal(str(factors.get("remote", 1)))
    if frontline:
        factor *= Decimal(str(factors.get("frontline", 1)))
    return factor


def pay_shares(pool: Decimal, weights: list) -> list[Decimal]:
    """Each share = pool × weight ÷ the sum of weights, in fen; the fen left over by rounding down go one each to
    the largest remainders (earlier rows first on a tie), so the shares always add up to the pool exactly."""
    fen = int((Decimal(pool) * 100).to_integral_value(rounding=ROUND_HALF_UP))
    exact = [Fraction(str(weight)) for weight in weights]
    total = sum(exact, Fraction(0))
    if any(weight < 0 for weight in exact):
        raise ValueError("negative weight")
    if total == 0:
        raise ValueError("the weights add up to nothing")
    raw = [fen * weight / total for weight in exact]
    floors = [math.floor(value) for value in raw]
    left = fen - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(value) / 100 for value in floors]


def allowance(monthly: Decimal, days_held: int, days_in_month: int) -> Decimal:
    """A month's special allowance for the days the post was held, to the fen."""
    if days_held <= 0:
        return Decimal("0.00")
    amount = Decimal(str(monthly)) * min(days_held, days_in_month) / days_in_month
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def days_held(spans, first: dt.date, last: dt.date) -> int:
    """Days in first..last covered by the (start, end or None) spans, overlaps once."""
    covered = set()
    for start, end in spans:
        day, stop = max(start, first), min(end or last, last)
        while day <= stop:
            covered.add(day)
            day += DAY
    return len(covered)


# -- minimum service and posts against people ----------------------------------------------------------------
def service_end(started_on: dt.date, years: int) -> dt.date:
    """The day the minimum service of a recruit ends (29 February → 28 February)."""
    try:
        return started_on.replace(year=started_on.year + years)
    except ValueError:
        return started_on.replace(year=started_on.year + years, day=28)


def transfer_is_early(requested_on: dt.date, end: dt.date | None) -> bool:
    return end is not None and requested_on < end


def category_fits(post_kind: str, category: str, table: dict) -> bool:
    """Whether a person of this category may hold this kind of post (otherwise 混岗)."""
    allowed = table.get(post_kind)
    return allowed is None or category in allowed


def quota_state(people: int, quota: int, under_share: float) -> str | None:
    """ "over" with more people than the quota; "under" with at least under_share of the quota empty."""
    if quota <= 0:
        return "over" if people > 0 else None
    if people > quota:
        return "over"
    if (quota - people) / quota >= under_share and under_share > 0:
        return "under"
    return None
