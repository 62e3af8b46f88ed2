"""Every write of the appraisal module: schemes, cycles, raters, ratings, scoring, calibration,
publicity, appeals and finalisation. Each function checks permission and scope, validates, and
writes in one transaction; AuditedModel (or `record`) puts it in the audit trail."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.appraisal import indicators, rules, selectors
from qingche.appraisal.models import (
    MANAGE_PERM,
    Appeal,
    AppraisalCycle,
    AppraisalScheme,
    Appraisee,
    GradeScale,
    PersonCategory,
    QuotaGroupKind,
    RaterFlag,
    Rating,
    RatingLink,
)
from qingche.core import bulk, parameters
from qingche.core.audit import record
from qingche.core.calendar import work_calendar
from qingche.core.scope import ancestor_paths, unit_in_scope, user_person_id
from qingche.org import roles
from qingche.org.models import Assignment, Person, Post, RoleGrant, Unit

LINK_SALT = "qingche.appraisal.rating-link"
Status = AppraisalCycle.Status


# -- checks -----------------------------------------------------------------------------------------
def _require(user, perm: str, unit: Unit | None = None) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if unit is not None and not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your scope."))


def _require_status(cycle: AppraisalCycle, *allowed: str) -> None:
    if cycle.status not in allowed:
        raise ValidationError(
            _("The cycle is in the “%(status)s” stage; this needs: %(allowed)s.")
            % {"status": cycle.get_status_display(), "allowed": ", ".join(str(Status(s).label) for s in allowed)}
        )


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Give a reason: it is recorded in the audit trail.")})
    return reason


def check_weights(weights, known: tuple[str, ...], field: str, labels: dict | None = None) -> dict[str, float]:
    """Percentages for known keys, none negative, summing to 100 (a clear message otherwise)."""
    if not isinstance(weights, dict) or not weights:
        raise ValidationError({field: _("Enter the weights.")})
    clean = {}
    for key, value in weights.items():
        if key not in known:
            raise ValidationError({field: _("Unknown key “%(key)s”.") % {"key": key}})
        name = selectors.label(key)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({field: _("The weight of %(key)s is not a number.") % {"key": name}}) from None
        if not math.isfinite(number) or number < 0:
            raise ValidationError({field: _("The weight of %(key)s must be 0 or more.") % {"key": name}})
        clean[key] = number
    total = math.fsum(clean.values())
    if abs(total - 100.0) > 1e-6:
        raise ValidationError(
            {field: _("The weights add up to %(total)s%%; they must add up to 100%%.") % {"total": f"{total:g}"}}
        )
    return clean


# -- schemes ----------------------------------------------------------------------------------------
SCHEME_FIELDS = (
    "name",
    "person_category",
    "period_type",
    "grade_scale",
    "dimension_weights",
    "group_weights",
    "indicator_weights",
    "subjective_weight",
    "min_raters",
    "excellent_quota",
    "quota_group",
    "is_active",
)


def _validate_scheme(scheme: AppraisalScheme) -> None:
    errors = {}
    if not (scheme.name or "").strip():
        errors["name"] = _("Enter a name.")
    for field, choices in (
        ("person_category", PersonCategory),
        ("period_type", AppraisalScheme._meta.get_field("period_type").choices),
        ("grade_scale", GradeScale),
        ("quota_group", QuotaGroupKind),
    ):
        values = choices.values if hasattr(choices, "values") else [value for value, _label in choices]
        if getattr(scheme, field) not in values:
            errors[field] = _("Choose one of the offered values.")
    if scheme.period_type == "regular" and scheme.grade_scale != GradeScale.REGULAR:
        errors["grade_scale"] = _("A regular (quarterly) appraisal uses the scale 好/较好/一般/较差.")
    if scheme.period_type != "regular" and scheme.grade_scale == GradeScale.REGULAR:
        errors["grade_scale"] = _("The scale 好/较好/一般/较差 is for regular (quarterly) appraisals only.")
    for field, known in (
        ("dimension_weights", rules.DIMENSIONS),
        ("group_weights", rules.RATER_GROUPS),
        ("indicator_weights", rules.INDICATORS),
    ):
        try:
            setattr(scheme, field, check_weights(getattr(scheme, field), known, field))
        except ValidationError as error:
            errors.update(error.message_dict)
    if "indicator_weights" not in errors and not any(
        scheme.indicator_weights.get(name, 0) > 0 for name in ("volume", "on_time", "accuracy")
    ):
        errors["indicator_weights"] = _(
            "Give weight to at least one of workload, on-time rate and accuracy: "
            "not everyone has a satisfaction figure."
        )
    if not 0 <= (scheme.subjective_weight or 0) <= 100:
        errors["subjective_weight"] = _("Enter a percentage from 0 to 100.")
    if not scheme.min_raters or scheme.min_raters < 1:
        errors["min_raters"] = _("At least one rater per group.")
    limits = {**rules.DEFAULT_MAX_EXCELLENT_QUOTA, **(parameters.get("appraisal.max_excellent_quota") or {})}
    top = int(limits["regular" if scheme.period_type == "regular" else "annual"])
    if not 0 <= (scheme.excellent_quota or 0) <= top:
        errors["excellent_quota"] = _("The top-grade quota is at most %(max)d%%.") % {"max": top}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scheme_create(*, user, unit: Unit, **data) -> AppraisalScheme:
    _require(user, "appraisal.add_appraisalscheme", unit)
    scheme = AppraisalScheme(unit=unit, **{key: value for key, value in data.items() if key in SCHEME_FIELDS})
    _validate_scheme(scheme)
    scheme.save()
    return scheme


@transaction.atomic
def scheme_update(*, user, scheme: AppraisalScheme, **data) -> AppraisalScheme:
    _require(user, "appraisal.change_appraisalscheme", scheme.unit)
    scheme = AppraisalScheme.objects.select_for_update().get(pk=scheme.pk)
    for key, value in data.items():
        if key in SCHEME_FIELDS:
            setattr(scheme, key, value)
    _validate_scheme(scheme)
    if scheme.cycles.exclude(status=Status.RATING).exists():
        raise ValidationError(_("A cycle of this scheme has been scored: copy the scheme instead of changing it."))
    scheme.save()
    return scheme


def engine_scheme(scheme: AppraisalScheme) -> rules.Scheme:
    """The scheme as the scoring rules see it (fractions; zero weights left out)."""

    def used(weights):
        return {key: value / 100.0 for key, value in weights.items() if value > 0}

    return rules.Scheme(
        period=scheme.engine_period,
        dimension_weights=used(scheme.dimension_weights),
        group_weights=used(scheme.group_weights),
        subjective_weight=scheme.subjective_weight / 100.0,
        excellent_quota=scheme.excellent_quota / 100.0,
        min_raters=scheme.min_raters,
        params=rules.ScoringParams(indicator_weights=used(scheme.indicator_weights)),
    )


def scheme_dimensions(scheme: AppraisalScheme) -> tuple[str, ...]:
    return tuple(d for d in rules.DIMENSIONS if scheme.dimension_weights.get(d, 0) > 0)


# -- cycles: who is appraised and who rates ---------------------------------------------------------
def _current(on: dt.date):
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def _town_of(unit_path: str, towns: dict[str, Unit]) -> Unit | None:
    return next((towns[path] for path in reversed(ancestor_paths(unit_path)) if path in towns), None)


def people_in_scope(scheme: AppraisalScheme, unit: Unit, on: dt.date) -> list[Assignment]:
    """Current assignments (one per person) of the people the scheme's category covers under `unit`."""
    category = scheme.person_category
    rows = Assignment.objects.filter(_current(on), unit__path__startswith=unit.path).select_related(
        "post", "unit", "person"
    )
    if category == PersonCategory.TOWN_LEADER:
        rows = rows.filter(unit__kind__in=Unit.TOWN_LEVEL, post__kind=Post.Kind.LEADER)
    elif category == PersonCategory.TOWN_STAFF:
        rows = rows.filter(unit__kind__in=Unit.TOWN_LEVEL, post__kind=Post.Kind.STAFF)
    elif category == PersonCategory.VILLAGE_CADRE:
        rows = rows.filter(post__kind__in=[Post.Kind.VILLAGE_CADRE, Post.Kind.COMMUNITY_WORKER])
    elif category == PersonCategory.DEPARTMENT_STAFF:
        rows = rows.filter(unit__kind=Unit.Kind.DEPARTMENT, post__kind=Post.Kind.STAFF)
    else:
        rows = rows.filter(person__category=Person.Category.PUBLIC_INSTITUTION)
    chosen: dict[int, Assignment] = {}
    for assignment in rows.order_by("person_id", "-start_date", "id"):
        chosen.setdefault(assignment.person_id, assignment)
    return list(chosen.values())


def _quota_group(kind: str, unit: Unit, towns: dict[str, Unit]) -> str:
    if kind == QuotaGroupKind.CYCLE:
        return "cycle"
    if kind == QuotaGroupKind.UNIT:
        return unit.name
    town = _town_of(unit.path, towns)
    return town.name if town is not None else unit.name


def department_raters(unit_ids, start: dt.date, end: dt.date) -> dict[int, list[int]]:
    """Unit id -> the person ids of its 职能部门 raters: the county departments whose tasks were admitted to
    the unit during start..end (the tasks module's rater source; nothing while it is not connected), at most
    `appraisal.department_raters_max_departments` of them per unit (those that sent the most tasks, then by
    id). A department rates through the people in its leadership posts on `end`; a department with nobody in
    such a post, through the people whose active accounts hold the county-department role there."""
    source = indicators.rater_source("department")
    if source is None or not unit_ids:
        return {}
    key = "appraisal.department_raters_max_departments"
    try:
        limit = int(parameters.get(key))
        if limit < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError(
            _("The parameter %(key)s must be a whole number of 0 or more; ask an administrator to correct it.")
            % {"key": key}
        ) from None
    chosen = {
        unit_id: sorted(counts, key=lambda department: (-counts[department], department))[:limit]
        for unit_id, counts in (source(list(unit_ids), start, end) or {}).items()
    }
    departments = {department for ids in chosen.values() for department in ids}
    people: dict[int, list[int]] = {}
    for unit_id, person_id in (
        Assignment.objects.filter(
            _current(end), unit_id__in=departments, unit__kind=Unit.Kind.DEPARTMENT, post__kind=Post.Kind.LEADER
        )
        .values_list("unit_id", "person_id")
        .order_by("unit_id", "person_id")
        .distinct()
    ):
        people.setdefault(unit_id, []).append(person_id)
    without_leaders = departments - set(people)
    if without_leaders:
        for unit_id, person_id in (
            RoleGrant.objects.filter(
                unit_id__in=without_leaders,
                unit__kind=Unit.Kind.DEPARTMENT,
                role__code=roles.COUNTY_DEPARTMENT,
                user__is_active=True,
                user__person__isnull=False,
            )
            .values_list("unit_id", "user__person__id")
            .order_by("unit_id", "user__person__id")
            .distinct()
        ):
            people.setdefault(unit_id, []).append(person_id)
    result = {}
    for unit_id, ids in chosen.items():
        raters = list(dict.fromkeys(person for department in ids for person in people.get(department, [])))
        if raters:
            result[unit_id] = raters
    return result


def default_raters(
    appraisees: list[Appraisee], on: dt.date, start: dt.date | None = None, groups: set[str] | None = None
) -> list[tuple[Appraisee, int, str]]:
    """(appraisee, rater person id, group) from the org structure: superiors are the holders of leaders'
    posts in the same unit (or, for a leader, in the unit above); peers hold posts of the same kind in
    the same unit; subordinates are a leader's staff; departments (职能部门) are those that worked with the
    person's unit through admitted tasks from `start` to `on` (department_raters). Nobody rates themselves,
    and nobody rates one person in two groups (the first group above wins). `groups` limits the groups
    assigned (default: all)."""
    unit_ids = {a.unit_id for a in appraisees}
    parents = {}
    for unit in Unit.objects.filter(pk__in=unit_ids):
        parent_path = unit.path[: -Unit.steplen]
        parents[unit.pk] = parent_path
    parent_ids = dict(Unit.objects.filter(path__in=set(parents.values())).values_list("path", "pk"))
    holders: dict[int, dict[str, list[int]]] = {}
    wanted_units = unit_ids | set(parent_ids.values())
    for person_id, unit_id, kind in (
        Assignment.objects.filter(_current(on), unit_id__in=wanted_units)
        .values_list("person_id", "unit_id", "post__kind")
        .order_by("person_id")
        .distinct()
    ):
        holders.setdefault(unit_id, {}).setdefault(kind, []).append(person_id)
    kinds = dict(
        Assignment.objects.filter(_current(on), person_id__in=[a.person_id for a in appraisees]).values_list(
            "person_id", "post__kind"
        )
    )
    departments = {}
    if groups is None or "department" in groups:
        departments = department_raters(unit_ids, start or on, on)
    leader = Post.Kind.LEADER
    pairs = []
    for appraisee in appraisees:
        in_unit = holders.get(appraisee.unit_id, {})
        kind = kinds.get(appraisee.person_id, Post.Kind.STAFF)
        if kind == leader:
            above = holders.get(parent_ids.get(parents.get(appraisee.unit_id)), {})
            staff = [p for k, people in sorted(in_unit.items()) if k != leader for p in people]
            found = {"superior": above.get(leader, []), "peer": in_unit.get(leader, []), "subordinate": staff}
        else:
            found = {"superior": in_unit.get(leader, []), "peer": in_unit.get(kind, [])}
        found["department"] = departments.get(appraisee.unit_id, [])
        seen = {appraisee.person_id}
        for group, people in found.items():
            for person_id in people:
                if person_id not in seen:
                    seen.add(person_id)
                    if groups is None or group in groups:
                        pairs.append((appraisee, person_id, group))
    return pairs


@transaction.atomic
def cycle_create(
    *, user, scheme: AppraisalScheme, name: str, year: int, period_start: dt.date, period_end: dt.date, unit: Unit
) -> AppraisalCycle:
    """A cycle of `scheme` over the people of `unit`'s subtree, with raters assigned from the org
    structure (editable until scoring)."""
    _require(user, "appraisal.add_appraisalcycle", unit)
    _require(user, MANAGE_PERM, unit)
    if not (name or "").strip():
        raise ValidationError({"name": _("Enter a name.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if not scheme.is_active:
        raise ValidationError({"scheme": _("This scheme is no longer in use.")})
    cycle = AppraisalCycle.objects.create(
        scheme=scheme, name=name.strip()[:100], year=year, period_start=period_start, period_end=period_end, unit=unit
    )
    towns = {town.path: town for town in Unit.objects.filter(kind__in=[*Unit.TOWN_LEVEL, Unit.Kind.DEPARTMENT])}
    rows = [
        Appraisee(
            cycle=cycle, person=a.person, unit=a.unit, quota_group=_quota_group(scheme.quota_group, a.unit, towns)
        )
        for a in people_in_scope(scheme, unit, period_end)
    ]
    if not rows:
        raise ValidationError(_("Nobody of this scheme's category is in post under %(unit)s.") % {"unit": unit.name})
    Appraisee.objects.bulk_create(rows, batch_size=2000)
    appraisees = list(cycle.appraisees.all())
    used_groups = {g for g, w in scheme.group_weights.items() if w > 0}
    ratings = [
        Rating(cycle=cycle, ratee=appraisee, group=group, rater_person_id=person_id)
        for appraisee, person_id, group in default_raters(appraisees, period_end, period_start, used_groups)
    ]
    Rating.objects.bulk_create(ratings, batch_size=5000)
    record("import", obj=cycle, after={"appraisees": len(appraisees), "rater_assignments": len(ratings)})
    return cycle


def _locked(cycle: AppraisalCycle) -> AppraisalCycle:
    """The cycle as stored now, locked for the rest of the transaction (status changes race otherwise)."""
    return AppraisalCycle.objects.select_for_update().select_related("scheme", "unit").get(pk=cycle.pk)


def _manage(user, cycle: AppraisalCycle) -> None:
    _require(user, MANAGE_PERM, cycle.unit)


@transaction.atomic
def rater_add(*, user, appraisee: Appraisee, person: Person, group: str) -> Rating:
    cycle = appraisee.cycle
    _manage(user, cycle)
    _require_status(cycle, Status.RATING)
    if group not in cycle.scheme.group_weights or cycle.scheme.group_weights[group] <= 0:
        raise ValidationError({"group": _("This rater group has no weight in the scheme.")})
    if person.pk == appraisee.person_id:
        raise ValidationError({"person": _("Nobody rates themselves.")})
    if Rating.objects.filter(ratee=appraisee, rater_person=person).exists():
        raise ValidationError({"person": _("This person already rates %(name)s.") % {"name": appraisee.person.name}})
    return Rating.objects.create(cycle=cycle, ratee=appraisee, group=group, rater_person=person)


@transaction.atomic
def rater_remove(*, user, rating: Rating, reason: str) -> None:
    cycle = rating.cycle
    _manage(user, cycle)
    _require_status(cycle, Status.RATING)
    reason = _reason(reason)
    record("delete", object_type="appraisal.rating", object_id=rating.pk, object_repr=str(rating), reason=reason)
    Rating.objects.filter(pk=rating.pk).delete()


# -- rating links for 群众 ---------------------------------------------------------------------------
def link_token(link: RatingLink) -> str:
    return signing.dumps({"l": link.pk, "n": link.nonce}, salt=LINK_SALT, compress=True)


def link_from_token(token: str) -> RatingLink | None:
    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    link = RatingLink.objects.select_related("cycle__scheme").filter(pk=data.get("l"), nonce=data.get("n")).first()
    if link is None or link.revoked:
        return None
    return link


@transaction.atomic
def links_create(*, user, cycle: AppraisalCycle, unit: Unit, count: int, group: str = "public") -> list[RatingLink]:
    """`count` rating links for 群众 served by `unit`; each rates every appraisee under `unit`."""
    _manage(user, cycle)
    _require_status(cycle, Status.RATING)
    if cycle.scheme.group_weights.get(group, 0) <= 0:
        raise ValidationError({"group": _("This rater group has no weight in the scheme.")})
    if not 1 <= count <= 500:
        raise ValidationError({"count": _("Create from 1 to 500 links at a time.")})
    ratees = list(cycle.appraisees.filter(unit__path__startswith=unit.path))
    if not ratees:
        raise ValidationError({"unit": _("Nobody in this cycle works under %(unit)s.") % {"unit": unit.name}})
    start = cycle.links.filter(unit=unit).count()
    links = [
        RatingLink.objects.create(cycle=cycle, unit=unit, group=group, label=f"{unit.name} {start + i + 1}")
        for i in range(count)
    ]
    Rating.objects.bulk_create(
        [Rating(cycle=cycle, ratee=ratee, group=group, rater_link=link) for link in links for ratee in ratees]
    )
    return links


# -- ratings ----------------------------------------------------------------------------------------
def _clean_scores(scores, dimensions: tuple[str, ...], complete: bool) -> dict[str, float]:
    if not isinstance(scores, dict):
        raise ValidationError({"scores": _("Scores must be given per dimension.")})
    unknown = set(scores) - set(dimensions)
    if unknown:
        raise ValidationError({"scores": _("Unknown dimension: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}})
    clean = {}
    for dimension in dimensions:
        value = scores.get(dimension)
        if value in (None, ""):
            if complete:
                raise ValidationError(
                    {"scores": _("Give a score for %(dim)s before submitting.") % {"dim": selectors.label(dimension)}}
                )
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({"scores": _("A score must be a number from 0 to 100.")}) from None
        if not math.isfinite(number) or not 0 <= number <= 100:
            raise ValidationError(
                {
                    "scores": _("Scores are from 0 to 100 (%(dim)s: %(value)s).")
                    % {"dim": selectors.label(dimension), "value": value}
                }
            )
        clean[dimension] = number
    return clean


def _save_rating(rating: Rating, scores, comment: str, submit: bool) -> Rating:
    rating = Rating.objects.select_for_update().select_related("cycle__scheme", "ratee").get(pk=rating.pk)
    if rating.cycle.status != Status.RATING:
        raise ValidationError(_("Rating for this cycle has closed."))
    if rating.status == Rating.Status.SUBMITTED:
        raise ValidationError(_("This rating was already submitted; a rating is submitted once."))
    if rating.rater_person_id and rating.rater_person_id == rating.ratee.person_id:
        raise ValidationError(_("Nobody rates themselves."))
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationError({"comment": _("The comment is too long (at most 1,000 characters).")})
    rating.scores = _clean_scores(scores, scheme_dimensions(rating.cycle.scheme), complete=submit)
    rating.comment = comment
    rating.status = Rating.Status.SUBMITTED if submit else Rating.Status.DRAFT
    rating.save()
    return rating


@transaction.atomic
def rating_save(*, user, rating: Rating, scores, comment: str = "", submit: bool = False) -> Rating:
    """Save a draft (any scores so far) or submit (every dimension scored). Only the rater may."""
    person_id = user_person_id(user)
    if person_id is None or rating.rater_person_id != person_id:
        raise PermissionDenied(_("You are not the rater of this rating."))
    return _save_rating(rating, scores, comment, submit)


@transaction.atomic
def rating_save_for(*, user, appraisee: Appraisee, scores, comment: str = "", submit: bool = False) -> Rating:
    """The same, found by the person rated: refused for oneself and for anyone one does not rate."""
    person_id = user_person_id(user)
    if person_id is not None and appraisee.person_id == person_id:
        raise ValidationError({"ratee": _("Nobody rates themselves.")})
    rating = Rating.objects.filter(ratee=appraisee, rater_person_id=person_id).first() if person_id else None
    if rating is None:
        raise PermissionDenied(_("You are not a rater of this person in this cycle."))
    return _save_rating(rating, scores, comment, submit)


@transaction.atomic
def rating_save_by_link(*, link: RatingLink, rating_id: int, scores, comment: str = "", submit: bool = False):
    rating = Rating.objects.filter(pk=rating_id, rater_link=link).first()
    if rating is None:
        raise PermissionDenied(_("This link does not rate that person."))
    return _save_rating(rating, scores, comment, submit)


@transaction.atomic
def ratings_bulk_load(*, cycle: AppraisalCycle, rows: list[tuple[int, dict, str, bool]]) -> int:
    """(rating id, scores, comment, submitted) for many ratings at once: for the demo and first loads
    of paper ballots (民主测评表) typed in by the organization department. Checked like a form."""
    _require_status(cycle, Status.RATING)
    dimensions = scheme_dimensions(cycle.scheme)
    by_id = {rating.pk: rating for rating in cycle.ratings.filter(pk__in=[row[0] for row in rows])}
    changed = []
    for rating_id, scores, comment, submit in rows:
        rating = by_id.get(rating_id)
        if rating is None:
            raise ValidationError(_("Rating %(id)s is not part of this cycle.") % {"id": rating_id})
        if rating.status == Rating.Status.SUBMITTED:
            raise ValidationError(_("This rating was already submitted; a rating is submitted once."))
        rating.scores = _clean_scores(scores, dimensions, complete=submit)
        rating.comment = (comment or "")[:1000]
        rating.status = Rating.Status.SUBMITTED if submit else Rating.Status.DRAFT
        changed.append(rating)
    bulk.update(Rating, changed, ["scores", "comment", "status"])
    record("import", obj=cycle, after={"ratings": len(changed)})
    return len(changed)


# -- objective figures ------------------------------------------------------------------------------
FIGURE_FIELDS = ("workload", "done", "on_time", "errors", "satisfaction")


def _clean_figures(values: dict) -> dict:
    clean = {}
    for name in FIGURE_FIELDS:
        value = values.get(name)
        if name == "satisfaction" and value in (None, ""):
            clean[name] = None
            continue
        try:
            number = float(value or 0)
        except (TypeError, ValueError):
            raise ValidationError({name: _("Enter a number.")}) from None
        if not math.isfinite(number) or number < 0:
            raise ValidationError({name: _("Enter a number of 0 or more.")})
        clean[name] = number
    if clean["on_time"] > clean["done"]:
        raise ValidationError({"on_time": _("Items done on time cannot exceed items done.")})
    if clean["satisfaction"] is not None and clean["satisfaction"] > 1:
        raise ValidationError({"satisfaction": _("Satisfaction is a share from 0 to 1.")})
    return clean


@transaction.atomic
def figures_set(*, user, cycle: AppraisalCycle, rows: dict[int, dict], source: str) -> int:
    """Objective figures per appraisee id (entered, imported, or from the demo), checked whole first."""
    _manage(user, cycle)
    _require_status(cycle, Status.RATING)
    cleaned = {appraisee_id: _clean_figures(values) for appraisee_id, values in rows.items()}
    appraisees = list(cycle.appraisees.filter(pk__in=cleaned))
    if len(appraisees) != len(cleaned):
        raise ValidationError(_("Some rows name people who are not in this cycle."))
    for appraisee in appraisees:
        for name, value in cleaned[appraisee.pk].items():
            setattr(appraisee, name, value)
        appraisee.figures_source = source[:100]
    bulk.update(Appraisee, appraisees, [*FIGURE_FIELDS, "figures_source"])
    record("import", obj=cycle, after={"figures": len(appraisees), "source": source})
    return len(appraisees)


@transaction.atomic
def figures_collect(*, user, cycle: AppraisalCycle) -> list[str]:
    """Pull figures from every connected indicator source; returns the sources used."""
    _manage(user, cycle)
    _require_status(cycle, Status.RATING)
    appraisees = {a.person_id: a for a in cycle.appraisees.all()}
    figures, triggers, used = indicators.collect(list(appraisees), cycle.period_start, cycle.period_end)
    scale = rules.GRADE_SCALES[cycle.scheme.engine_period]
    for person_id, trigger in triggers.items():
        if person_id in appraisees:
            grade = indicators.trigger_grade(trigger["grade"], scale)
            bottom_grade_set(user=user, appraisee=appraisees[person_id], grade=grade, reason=trigger["reason"])
    if used:
        figures_set(
            user=user,
            cycle=cycle,
            source="+".join(used),
            rows={appraisees[p].pk: values for p, values in figures.items() if p in appraisees},
        )
    cycle.indicator_sources = {"used": used, "at": timezone.now().isoformat()}
    cycle.save()
    return used


@transaction.atomic
def bottom_grade_set(*, user, appraisee: Appraisee, grade: str, reason: str) -> Appraisee:
    """A bottom grade needs an explicit trigger with a reason (e.g. an accountability case)."""
    cycle = appraisee.cycle
    _manage(user, cycle)
    _require_status(cycle, Status.RATING)
    scale = rules.GRADE_SCALES[cycle.scheme.engine_period]
    if grade and grade not in scale[2:]:
        raise ValidationError({"grade": _("Only the two bottom grades are set by a trigger.")})
    appraisee.bottom_grade = grade or ""
    appraisee.bottom_grade_reason = _reason(reason) if grade else ""
    appraisee.save()
    return appraisee


# -- scoring ----------------------------------------------------------------------------------------
def build_engine_cycle(cycle: AppraisalCycle) -> tuple[rules.Cycle, list[int]]:
    """The cycle's data as arrays for rules.score_cycle, read in chunks."""
    scheme = engine_scheme(cycle.scheme)
    dimensions = scheme.dimensions
    rows = list(
        cycle.appraisees.order_by("id").values_list(
            "id",
            "quota_group",
            "workload",
            "done",
            "on_time",
            "errors",
            "satisfaction",
            "bottom_grade",
            "bottom_grade_reason",
        )
    )
    ids = [row[0] for row in rows]
    index = {appraisee_id: i for i, appraisee_id in enumerate(ids)}
    columns = np.array([row[2:6] for row in rows], dtype=float).reshape(len(rows), 4)
    satisfaction = np.array([np.nan if row[6] is None else row[6] for row in rows], dtype=float)
    bottom = {i: rules.BottomGrade(row[7], row[8]) for i, row in enumerate(rows) if row[7]}
    group_index = {group: g for g, group in enumerate(scheme.groups)}
    raters: dict[str, int] = {}
    rater, ratee, group, scores = [], [], [], []
    submitted = cycle.ratings.filter(status=Rating.Status.SUBMITTED, group__in=list(group_index)).order_by("id")
    for person_id, link_id, ratee_id, group_name, values in submitted.values_list(
        "rater_person_id", "rater_link_id", "ratee_id", "group", "scores"
    ).iterator(chunk_size=10000):
        key = f"p{person_id}" if person_id else f"l{link_id}"
        rater.append(raters.setdefault(key, len(raters)))
        ratee.append(index[ratee_id])
        group.append(group_index[group_name])
        scores.append([float(values.get(d, 0.0)) for d in dimensions])
    ratings = rules.Ratings(
        rater=np.array(rater, dtype=np.intp),
        ratee=np.array(ratee, dtype=np.intp),
        group=np.array(group, dtype=np.intp),
        scores=np.array(scores, dtype=float).reshape(len(scores), len(dimensions)),
    )
    indicators_ = rules.Indicators(columns[:, 0], columns[:, 1], columns[:, 2], columns[:, 3], satisfaction)
    engine_cycle = rules.Cycle(
        person_ids=ids,
        quota_groups=[row[1] for row in rows],
        indicators=indicators_,
        rater_ids=list(raters),
        ratings=ratings,
        bottom_grades=bottom,
    )
    return engine_cycle, ids


def _regular_grades(cycle: AppraisalCycle, ids: list[int]) -> dict[int, list[dict]]:
    """For an annual cycle: each appraisee's published 平时 (quarterly) grades of cycles within its period, by
    appraisee id, oldest first — shown in the breakdown and used by the 平时 gate."""
    if cycle.scheme.engine_period != "annual":
        return {}
    person_of = dict(Appraisee.objects.filter(pk__in=ids).values_list("person_id", "pk"))
    rows = (
        Appraisee.objects.filter(
            person_id__in=list(person_of),
            cycle__scheme__grade_scale=GradeScale.REGULAR,
            cycle__status__in=AppraisalCycle.PUBLISHED,
            cycle__period_start__gte=cycle.period_start,
            cycle__period_end__lte=cycle.period_end,
        )
        .exclude(grade="")
        .order_by("cycle__period_start", "cycle_id")
        .values_list("person_id", "cycle__name", "cycle__period_start", "grade")
    )
    quarters: dict[int, list[dict]] = {}
    for person_id, name, start, grade in rows:
        quarters.setdefault(person_of[person_id], []).append(
            {"cycle": name, "start": start.isoformat(), "grade": grade}
        )
    return quarters


@transaction.atomic
def cycle_score(*, user, cycle: AppraisalCycle) -> rules.CycleResult:
    """Score the whole cycle with the rules engine; results are written in batches. Re-scoring is
    allowed until calibration opens (e.g. after late ratings)."""
    _manage(user, cycle)
    cycle = _locked(cycle)
    _require_status(cycle, Status.RATING, Status.SCORED)
    engine_cycle, ids = build_engine_cycle(cycle)
    result = rules.score_cycle(engine_cycle, engine_scheme(cycle.scheme))
    batch = int(parameters.get("appraisal.batch_size"))
    scores, ranks, grades = result.score.tolist(), result.rank.tolist(), result.grading.grade.tolist()
    quarters = _regular_grades(cycle, ids)
    caps_at = parameters.get("appraisal.regular_gate_caps_at") or ""
    for start in range(0, len(ids), batch):
        chunk = []
        for i in range(start, min(start + batch, len(ids))):
            breakdown = result.explain(i)
            if ids[i] in quarters:
                breakdown["quarters"] = quarters[ids[i]]
                gated = rules.regular_gate(grades[i], [q["grade"] for q in quarters[ids[i]]], caps_at)
                if gated != grades[i]:
                    breakdown["quarter_gate"] = {"from": grades[i], "to": gated}
                    grades[i] = gated
            chunk.append(
                Appraisee(
                    pk=ids[i],
                    score=scores[i],
                    rank=ranks[i],
                    engine_grade=grades[i],
                    grade=grades[i],
                    grade_reason="",
                    breakdown=breakdown,
                )
            )
        bulk.update(Appraisee, chunk, ["score", "rank", "engine_grade", "grade", "grade_reason", "breakdown"])
    cycle.rater_flags.all().delete()
    flags = []
    for flag in result.rater_flags:
        kind, number = flag.rater[0], int(flag.rater[1:])
        flags.append(
            RaterFlag(
                cycle=cycle,
                kind=flag.kind,
                detail=flag.detail,
                rater_person_id=number if kind == "p" else None,
                rater_link_id=number if kind == "l" else None,
            )
        )
    RaterFlag.objects.bulk_create(flags, batch_size=2000)
    cycle.status, cycle.scored_at = Status.SCORED, timezone.now()
    cycle.save()
    record("update", obj=cycle, after={"scored": len(ids), "rater_flags": len(flags)})
    return result


@transaction.atomic
def cycle_open_calibration(*, user, cycle: AppraisalCycle) -> AppraisalCycle:
    cycle = _locked(cycle)
    _require(user, "appraisal.calibrate_appraisalcycle", cycle.unit)
    _require_status(cycle, Status.SCORED)
    cycle.status = Status.CALIBRATION
    cycle.save()
    return cycle


def top_grade(cycle: AppraisalCycle) -> str:
    return rules.GRADE_SCALES[cycle.scheme.engine_period][0]


def quota_slots(cycle: AppraisalCycle, quota_group: str) -> tuple[int, int]:
    """(top-grade slots, people) of a quota group: floor(quota × size), as the rules compute it."""
    size = cycle.appraisees.filter(quota_group=quota_group).count()
    return int(math.floor(cycle.scheme.excellent_quota / 100.0 * size + rules.QUOTA_EPSILON)), size


def _change_grade(appraisee: Appraisee, grade: str, reason: str) -> Appraisee:
    cycle = appraisee.cycle
    scale = rules.GRADE_SCALES[cycle.scheme.engine_period]
    if grade not in scale:
        raise ValidationError({"grade": _("Choose a grade of the scheme's scale.")})
    if grade == top_grade(cycle) and appraisee.grade != grade:
        slots, size = quota_slots(cycle, appraisee.quota_group)
        holders = cycle.appraisees.filter(quota_group=appraisee.quota_group, grade=grade).count()
        if holders + 1 > slots:
            raise ValidationError(
                {
                    "grade": _(
                        "The quota of the top grade in %(group)s is %(slots)d of %(size)d people and is full: "
                        "lower someone else's grade first."
                    )
                    % {"group": selectors.quota_group_label(appraisee.quota_group), "slots": slots, "size": size}
                }
            )
    before = appraisee.grade
    appraisee.grade, appraisee.grade_reason = grade, reason
    appraisee.save()
    record("update", obj=appraisee, before={"grade": before}, after={"grade": grade}, reason=reason)
    return appraisee


@transaction.atomic
def result_calibrate(*, user, appraisee: Appraisee, grade: str, reason: str) -> Appraisee:
    """The committee changes a grade: a reason is required, the change is audited and the top-grade
    quota of the quota group must still hold."""
    appraisee = (
        Appraisee.objects.select_for_update().select_related("cycle__scheme", "cycle__unit").get(pk=appraisee.pk)
    )
    _require(user, "appraisal.calibrate_appraisalcycle", appraisee.cycle.unit)
    _require_status(appraisee.cycle, Status.CALIBRATION)
    if appraisee.person_id == user_person_id(user):
        raise PermissionDenied(_("Nobody calibrates their own grade."))
    return _change_grade(appraisee, grade, _reason(reason))


@transaction.atomic
def cycle_publish(*, user, cycle: AppraisalCycle, today: dt.date | None = None) -> AppraisalCycle:
    """Start the publicity period (公示) for the configured number of working days."""
    cycle = _locked(cycle)
    _require(user, "appraisal.calibrate_appraisalcycle", cycle.unit)
    _require_status(cycle, Status.CALIBRATION)
    today = today or timezone.localdate()
    days = int(parameters.get("appraisal.publicity_working_days"))
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0)))
    cycle.publicity_start = today
    cycle.publicity_end = work_calendar().add_working_days(start, days).date()
    cycle.status = Status.PUBLICITY
    cycle.save()
    return cycle


@transaction.atomic
def appeal_file(*, user, appraisee: Appraisee, reason: str, today: dt.date | None = None) -> Appeal:
    """复核: only the person themselves, only during publicity, one open appeal at a time."""
    if appraisee.person_id != user_person_id(user):
        raise PermissionDenied(_("Only the person appraised may appeal their own result."))
    cycle = appraisee.cycle
    _require_status(cycle, Status.PUBLICITY)
    today = today or timezone.localdate()
    if cycle.publicity_end and today > cycle.publicity_end:
        raise ValidationError(_("The publicity period ended on %(date)s.") % {"date": cycle.publicity_end})
    if appraisee.appeals.filter(status=Appeal.Status.PENDING).exists():
        raise ValidationError(_("Your appeal is already being reviewed."))
    return Appeal.objects.create(appraisee=appraisee, reason=_reason(reason))


@transaction.atomic
def appeal_decide(*, user, appeal: Appeal, decision: str, new_grade: str = "") -> Appeal:
    appeal = Appeal.objects.select_for_update().select_related("appraisee__cycle__scheme").get(pk=appeal.pk)
    appraisee = appeal.appraisee
    _require(user, "appraisal.calibrate_appraisalcycle", appraisee.cycle.unit)
    _require_status(appraisee.cycle, Status.PUBLICITY)
    if appeal.status != Appeal.Status.PENDING:
        raise ValidationError(_("This appeal has already been decided."))
    if appraisee.person_id == user_person_id(user):
        raise PermissionDenied(_("Nobody decides their own appeal."))
    decision = _reason(decision, "decision")
    if new_grade and new_grade != appraisee.grade:
        _change_grade(appraisee, new_grade, _("Appeal decision: %(text)s") % {"text": decision})
        appeal.status, appeal.new_grade = Appeal.Status.CHANGED, new_grade
    else:
        appeal.status = Appeal.Status.KEPT
    appeal.decision, appeal.decided_at = decision, timezone.now()
    appeal.save()
    return appeal


@transaction.atomic
def cycle_finalise(*, user, cycle: AppraisalCycle, today: dt.date | None = None) -> AppraisalCycle:
    cycle = _locked(cycle)
    _require(user, "appraisal.calibrate_appraisalcycle", cycle.unit)
    _require_status(cycle, Status.PUBLICITY)
    today = today or timezone.localdate()
    if cycle.publicity_end and today <= cycle.publicity_end:
        raise ValidationError(_("Publicity runs until %(date)s.") % {"date": cycle.publicity_end})
    if Appeal.objects.filter(appraisee__cycle=cycle, status=Appeal.Status.PENDING).exists():
        raise ValidationError(_("Decide every appeal first."))
    cycle.status = Status.FINAL
    cycle.save()
    return cycle
