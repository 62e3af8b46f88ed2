"""Every read of careers, scoped to the user: rank history and eligibility, pay tables and allowances, rotation
alerts, minimum service and posts against people. Reads of other modules' data (appraisal grades, assignments)
are made for people the user already sees."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from qingche.appraisal.models import AppraisalCycle, Appraisee, GradeScale
from qingche.appraisal.selectors import GRADE_LABELS, PUBLIC_INSTITUTION_LABELS
from qingche.core import parameters
from qingche.core.scope import acting_q
from qingche.org import rules as org_rules
from qingche.org import selectors as org_selectors
from qingche.org.models import Assignment, Person, Post, Unit
from qingche.people import rules_careers as rules
from qingche.people.models import WorkStart
from qingche.people.models_careers import PayPool, PostHardship, RankChange, TransferRequest

ANNUAL_PERIODS = ("annual", "mid_term", "end_term")


def rank_changes(user):
    return RankChange.objects.visible_to(user).select_related("person__unit")


def pay_pools(user):
    return PayPool.objects.visible_to(user).select_related("unit")


def post_hardships(user):
    return PostHardship.objects.visible_to(user).select_related("post__unit")


def transfer_requests(user):
    return TransferRequest.objects.visible_to(user).select_related("person", "unit", "decided_by")


def ladders() -> dict:
    return parameters.get("people.rank_ladders")


def _town_paths() -> set[str]:
    return set(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).values_list("path", flat=True))


def _in_town(path: str, towns: set[str]) -> bool:
    return path[: 2 * Unit.steplen] in towns


def ladder_of(person: Person, towns: set[str] | None = None) -> str | None:
    towns = _town_paths() if towns is None else towns
    return rules.ladder_for(person.category, _in_town(person.unit.path, towns))


# -- rank history -------------------------------------------------------------------------------------------
def current_ranks(person_ids) -> dict[int, str]:
    """person id -> the rank of their latest rank change (only the people with a history). Not scoped: the
    caller shows people it has already found in the user's scope (org's person page and list)."""
    latest = {}
    for person_id, rank in (
        RankChange.objects.filter(person_id__in=list(person_ids))
        .order_by("date", "id")
        .values_list("person_id", "to_rank")
    ):
        latest[person_id] = rank
    return latest


def current_rank_expression():
    """The rank of a person's latest change, as a subquery on the outer person (org.panels.with_current_rank)."""
    latest = RankChange.objects.filter(person_id=OuterRef("pk")).order_by("-date", "-id").values("to_rank")[:1]
    return Subquery(latest)


def history_of(person_ids) -> dict[int, list[RankChange]]:
    rows = defaultdict(list)
    for change in RankChange.objects.filter(person_id__in=list(person_ids)).order_by("date", "id"):
        rows[change.person_id].append(change)
    return rows


def grades_of(person_ids) -> tuple[dict[int, dict[int, str]], dict[str, str]]:
    """person id -> {year: annual grade} of published annual (and term) appraisals; and the grade labels."""
    grades: dict[int, dict[int, str]] = defaultdict(dict)
    public = set()
    for person_id, year, grade, scale in (
        Appraisee.objects.filter(
            person_id__in=list(person_ids),
            cycle__status__in=AppraisalCycle.PUBLISHED,
            cycle__scheme__period_type__in=ANNUAL_PERIODS,
        )
        .exclude(grade="")
        .values_list("person_id", "cycle__year", "grade", "cycle__scheme__grade_scale")
        .order_by("cycle__year", "id")
    ):
        grades[person_id][year] = grade
        if scale == GradeScale.PUBLIC_INSTITUTION:
            public.add(person_id)
    return grades, public


def grade_labels(public_institution: bool = False) -> dict[str, str]:
    table = PUBLIC_INSTITUTION_LABELS if public_institution else GRADE_LABELS
    return {code: str(label) for code, label in table.items()}


def grassroots_years(person_ids, today: dt.date) -> dict[int, float]:
    """Years each person held posts in towns, streets, villages and communities (基层工作经历)."""
    towns = _town_paths()
    spans = defaultdict(list)
    for person_id, start, end, path in Assignment.objects.filter(person_id__in=list(person_ids)).values_list(
        "person_id", "start_date", "end_date", "unit__path"
    ):
        if _in_town(path, towns):
            spans[person_id].append((start, end))
    return {person_id: round(org_rules.tenure_years(rows, today), 1) for person_id, rows in spans.items()}


def person_eligibility(person: Person, history: list[RankChange], grades: dict, year: int, public: bool):
    if not history:
        return None
    last = history[-1]
    ladder = ladders().get(last.ladder) or ladders().get(ladder_of(person)) or []
    return rules.eligibility(
        ladder=ladder,
        current=last.to_rank,
        since=last.date,
        grades=grades,
        year=year,
        grade_rules=parameters.get("appraisal.rank_years"),
        grade_labels=grade_labels(public),
        demote_grades=tuple(parameters.get("people.rank_demote_grades")),
        count_ungraded=bool(parameters.get("people.rank_count_ungraded_years")),
    )


def eligibility_list(user, year: int, today: dt.date, *, order: str = "eligible", only_eligible: bool = False):
    """The year's list for the organisation department: everyone in scope with a rank history, their current
    rank, the next step, years counted with the reasons, and their grassroots years (a priority when chosen:
    order="grassroots" puts the eligible with the most grassroots years first)."""
    people = {
        person.pk: person
        for person in Person.objects.filter(pk__in=rank_changes(user).values("person_id")).select_related("unit")
    }
    histories = history_of(people)
    grades, public = grades_of(people)
    grassroots = grassroots_years(people, today)
    rows = []
    for person_id, person in people.items():
        result = person_eligibility(
            person, histories.get(person_id, []), grades.get(person_id, {}), year, person_id in public
        )
        if result is None or (only_eligible and not result.eligible):
            continue
        rows.append({"person": person, "result": result, "grassroots_years": grassroots.get(person_id, 0.0)})
    if order == "grassroots":
        rows.sort(key=lambda row: (not row["result"].eligible, -row["grassroots_years"], row["person"].name))
    else:
        rows.sort(
            key=lambda row: (
                not row["result"].eligible,
                row["result"].demotion_to is None,
                row["result"].eligible_on or dt.date.max,
                row["person"].unit.path,
                row["person"].name,
            )
        )
    return rows


# -- performance pay and allowances -------------------------------------------------------------------------
def _hardship_by_post(post_ids) -> dict[int, PostHardship]:
    return {row.post_id: row for row in PostHardship.objects.filter(post_id__in=list(post_ids))}


def _post_on(person_ids, day: dt.date) -> dict[int, Assignment]:
    """person id -> the assignment they held on a day (the latest started, if several)."""
    held = {}
    for assignment in (
        Assignment.objects.filter(person_id__in=list(person_ids), start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("post")
        .order_by("start_date", "id")
    ):
        held[assignment.person_id] = assignment
    return held


def pay_members(pool: PayPool):
    categories = parameters.get("people.pay_categories")
    return (
        Person.objects.filter(unit__path__startswith=pool.unit.path, category__in=categories)
        .select_related("unit")
        .order_by("unit__path", "name", "pk")
    )


def pay_table(pool: PayPool, today: dt.date) -> dict:
    """The pool's table: each member's grade coefficient (appraisal.pay_coefficients, by the year's published
    annual grade; no grade: people.pay_ungraded_grade), post factor (边远 / 一线 flags, people.pay_post_factors),
    weight = coefficient × factor, and share = pool × weight ÷ the sum of weights, to the fen."""
    coefficients = parameters.get("appraisal.pay_coefficients")
    factors = parameters.get("people.pay_post_factors")
    ungraded = parameters.get("people.pay_ungraded_grade")
    members = list(pay_members(pool))
    grades, public = grades_of(m.pk for m in members)
    day = min(dt.date(pool.year, 12, 31), today)
    posts = _post_on([m.pk for m in members], day)
    hardship = _hardship_by_post(a.post_id for a in posts.values())
    rows = []
    for member in members:
        grade = grades.get(member.pk, {}).get(pool.year)
        assignment = posts.get(member.pk)
        flags = hardship.get(assignment.post_id) if assignment else None
        remote, frontline = bool(flags and flags.remote), bool(flags and flags.frontline)
        coefficient = Decimal(str(coefficients.get(grade or ungraded, 0)))
        factor = rules.post_factor(remote, frontline, factors)
        rows.append(
            {
                "person": member,
                "post": assignment.post if assignment else None,
                "grade": grade,
                "grade_label": grade_labels(member.pk in public).get(grade or ungraded, grade or ungraded),
                "graded": grade is not None,
                "coefficient": coefficient,
                "remote": remote,
                "frontline": frontline,
                "factor": factor,
                "weight": coefficient * factor,
            }
        )
    error = None
    try:
        shares = rules.pay_shares(pool.amount, [row["weight"] for row in rows]) if rows else []
    except ValueError:
        shares, error = [None] * len(rows), "no_weight"
    for row, share in zip(rows, shares, strict=True):
        row["share"] = share
    return {
        "pool": pool,
        "rows": rows,
        "total_weight": sum((row["weight"] for row in rows), Decimal(0)),
        "total": sum((row["share"] or Decimal(0) for row in rows), Decimal(0)),
        "coefficients": coefficients,
        "factors": factors,
        "ungraded": ungraded,
        "error": error,
        "on": day,
    }


def allowances(user, month: dt.date) -> list[dict]:
    """The month's special allowances (边远镇级岗位津贴 …): each person in scope who held a flagged post in the
    month, the days held and the amount for each flag (people.allowances, yuan a month), to the fen."""
    rates = parameters.get("people.allowances")
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    flagged = PostHardship.objects.filter(Q(remote=True) | Q(frontline=True))
    held = (
        Assignment.objects.filter(
            post_id__in=flagged.values("post_id"), start_date__lte=last, person__in=_paid_people(user)
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("person__unit", "post__hardship", "post__unit")
        .order_by("unit__path", "person__name", "start_date")
    )
    by_person = {}
    for assignment in held:
        flags = assignment.post.hardship
        key = (assignment.person_id, assignment.post_id)
        row = by_person.setdefault(
            key, {"person": assignment.person, "post": assignment.post, "flags": flags, "spans": []}
        )
        row["spans"].append((assignment.start_date, assignment.end_date))
    rows = []
    for row in by_person.values():
        days = rules.days_held(row["spans"], first, last)
        amount = Decimal("0.00")
        for flag in ("remote", "frontline"):
            if getattr(row["flags"], flag):
                amount += rules.allowance(Decimal(str(rates.get(flag, 0))), days, last.day)
        if amount:
            rows.append({**row, "days": days, "amount": amount})
    return rows


def _paid_people(user):
    """The people whose pay the user may read: those in units reached by a grant holding view_paypool."""
    return Person.objects.filter(unit__in=Unit.objects.filter(acting_q(user, "people.view_paypool")))


# -- rotation, minimum service, posts against people ---------------------------------------------------------
def rotation_alerts(user, today: dt.date) -> list[dict]:
    """Everyone in scope whose current post breaks a rotation rule (org.rules.rotation_alerts and the
    org.rotation_* parameters, the same as the person page's badges)."""
    params = org_selectors.rotation_params()
    people = {
        p.pk: p
        for p in Person.objects.visible_to(user)
        .filter(category__in=params["categories"])
        .select_related("unit", "hometown_unit")
    }
    by_person = defaultdict(list)
    for assignment in (
        Assignment.objects.filter(person_id__in=list(people)).select_related("post", "unit").order_by("-start_date")
    ):
        by_person[assignment.person_id].append(assignment)
    towns = _town_paths()
    rows = []
    for person_id, history in by_person.items():
        person = people[person_id]
        tenure = org_selectors.person_tenure(history, today, person=person, town_paths=towns)
        if tenure["alerts"]:
            rows.append({"person": person, "tenure": tenure})
    rows.sort(key=lambda row: (-row["tenure"]["years_in_post"], row["person"].unit.path))
    return rows


def min_service_end(person: Person, started_on: dt.date | None, towns: set[str] | None = None) -> dt.date | None:
    """When a grassroots recruit's minimum service ends (people.min_service_years from the start of work), for
    civil servants and public institution staff in a town; None for others."""
    towns = _town_paths() if towns is None else towns
    if started_on is None or person.category not in ("civil_servant", "public_institution"):
        return None
    if not _in_town(person.unit.path, towns):
        return None
    return rules.service_end(started_on, int(parameters.get("people.min_service_years")))


def recruits_in_service(user, today: dt.date) -> list[dict]:
    """People in scope still within their minimum service, the earliest end first."""
    towns = _town_paths()
    starts = dict(
        WorkStart.objects.filter(
            person__in=Person.objects.visible_to(user),
            started_on__gt=today.replace(year=today.year - int(parameters.get("people.min_service_years")) - 1),
        ).values_list("person_id", "started_on")
    )
    rows = []
    for person in Person.objects.filter(pk__in=list(starts)).select_related("unit"):
        end = min_service_end(person, starts[person.pk], towns)
        if end and end > today:
            rows.append({"person": person, "started_on": starts[person.pk], "service_end": end})
    rows.sort(key=lambda row: row["service_end"])
    return rows


def staffing_flags(user, unit: Unit | None = None, today: dt.date | None = None) -> dict:
    """Posts against people (混岗、一人多岗、编制与岗位不对口) over the units the user sees (or one unit):
    people holding several current posts, posts held by someone of another category, people whose post is in
    another unit than their record, and units with more people than their quota or too few."""
    today = today or dt.date.today()
    units = Unit.objects.visible_to(user)
    if unit is not None:
        units = units.filter(pk=unit.pk)
    table = parameters.get("people.post_categories")
    current = (
        Assignment.objects.filter(unit__in=units)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
        .select_related("person__unit", "post", "unit")
        .order_by("unit__path", "person__name", "id")
    )
    rows = list(current)
    posts_per_person = defaultdict(list)
    for assignment in (
        Assignment.objects.filter(person_id__in={a.person_id for a in rows})
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
        .select_related("post__unit")
    ):
        posts_per_person[assignment.person_id].append(assignment.post)
    several, mixed, elsewhere, seen = [], [], [], set()
    for assignment in rows:
        person = assignment.person
        if len(posts_per_person[person.pk]) > 1 and person.pk not in seen:
            several.append({"person": person, "posts": posts_per_person[person.pk]})
            seen.add(person.pk)
        if not rules.category_fits(assignment.post.kind, person.category, table):
            mixed.append({"person": person, "post": assignment.post})
        if person.unit_id != assignment.unit_id:
            elsewhere.append({"person": person, "post": assignment.post})
    under_share = float(parameters.get("people.understaffed_share"))
    quotas = defaultdict(int)
    for unit_id, quota in Post.objects.filter(unit__in=units).values_list("unit_id", "quota"):
        quotas[unit_id] += quota
    headcount = defaultdict(int)
    for unit_id in Person.objects.filter(unit__in=units).values_list("unit_id", flat=True):
        headcount[unit_id] += 1
    names = dict(units.filter(pk__in=set(quotas) | set(headcount)).values_list("pk", "name"))
    quota_rows = []
    for unit_id in sorted(set(quotas) | set(headcount), key=lambda pk: names.get(pk, "")):
        state = rules.quota_state(headcount[unit_id], quotas[unit_id], under_share)
        if state:
            quota_rows.append(
                {
                    "unit_id": unit_id,
                    "unit": names.get(unit_id, ""),
                    "people": headcount[unit_id],
                    "quota": quotas[unit_id],
                    "state": state,
                }
            )
    return {"several": several, "mixed": mixed, "elsewhere": elsewhere, "quota": quota_rows, "under_share": under_share}
