"""Every read of units and people, already scoped to the user."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Length, Substr

from qingche.core import parameters
from qingche.core.models import User
from qingche.core.pii import pii_hash
from qingche.core.rules import is_valid_id_number, normalize_id_number
from qingche.core.selectors import unmaskable
from qingche.org import rules
from qingche.org.models import Assignment, Person, Post, Role, RoleGrant, Unit


def units(user):
    return Unit.objects.visible_to(user)


def units_with_parent(user):
    """Units annotated with `parent_pk` (one query for a whole page, not one per unit): the parent's id
    if the user can see the parent, else None, so that no id from outside the scope is given away."""
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen)
    parent = units(user).filter(path=parent_path).values("pk")[:1]
    return units(user).annotate(parent_pk=Subquery(parent))


def unit_roots(user):
    """The top-most units the user can see: where their tree browser starts."""
    visible = units(user)
    paths = list(visible.order_by("path").values_list("path", flat=True)[:2000])
    roots, last = [], None
    for path in paths:
        if last is None or not path.startswith(last):
            roots.append(path)
            last = path
    return visible.filter(path__in=roots).order_by("path")


def unit_children(user, unit: Unit):
    return units(user).filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")


def unit_search(user, query: str):
    return units(user).filter(Q(name__icontains=query) | Q(code__startswith=query)).order_by("path")


def unit_ancestors(user, unit: Unit):
    return units(user).filter(path__in=[unit.path[:i] for i in range(Unit.steplen, len(unit.path), Unit.steplen)])


def staffing(user, unit: Unit, *, subtree: bool = False) -> dict:
    """Quota, people in post and vacancies of a unit (or its whole subtree), over the posts the user may
    see. The figures are aggregates: they need no right to see the people themselves."""
    today = dt.date.today()
    unit_filter = {"unit__path__startswith": unit.path} if subtree else {"unit": unit}
    visible_posts = posts(user).filter(**unit_filter)
    quota = visible_posts.aggregate(total=Sum("quota"))["total"] or 0
    in_post = (
        Assignment.objects.filter(post__in=visible_posts.values("pk"))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("person")
        .distinct()
        .count()
    )
    return {
        "quota": quota,
        "in_post": in_post,
        "vacancy": rules.vacancy(quota, in_post),
        "over": max(0, in_post - quota),
    }


def posts(user):
    return Post.objects.visible_to(user)


def posts_of_unit(user, unit: Unit):
    today = dt.date.today()
    current = Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gte=today)
    return posts(user).filter(unit=unit).annotate(filled=Count("assignments", filter=current)).order_by("id")


def people(
    user,
    *,
    query: str = "",
    unit: Unit | None = None,
    category: str = "",
    education: str = "",
    political_status: str = "",
    gender: str = "",
):

    # Lists never decrypt: they show the stored masked copies.
    result = Person.objects.visible_to(user).select_related("unit").defer("id_number", "phone")
    if query:
        if is_valid_id_number(query):
            # Exact lookup by the keyed hash, never by decrypting; and only where the user may unmask, or
            # the search would confirm guesses of a number that the mask keeps hidden.
            result = result.filter(
                id_number_hash=pii_hash(normalize_id_number(query)),
                pk__in=unmaskable(user, Person).values("pk"),
            )
        else:
            result = result.filter(name__contains=query)
    if unit is not None:
        result = result.filter(unit__path__startswith=unit.path)
    for field, value in (
        ("category", category),
        ("education", education),
        ("political_status", political_status),
        ("gender", gender),
    ):
        if value:
            result = result.filter(**{field: value})
    return result


def people_to_link(user):
    """People without an account, for linking one to an account: name, unit and birth year, nothing else
    of the record (org.link_person, the system administrator's, reaches no further)."""
    return (
        Person.objects.visible_to(user, "link")
        .filter(account=None)
        .select_related("unit")
        .only("pk", "name", "birth_date", "unit__name")
        .order_by("name", "pk")
    )


def person_assignments(user, person: Person):
    return assignments(user).filter(person=person).select_related("post", "unit").order_by("-start_date")


def rotation_params() -> dict:
    """The rotation and avoidance parameters (org.rotation_*), with their defaults in org.rules."""
    return {key: parameters.get(f"org.rotation_{key}") for key in rules.ROTATION_DEFAULTS}


def person_tenure(
    person_assignments, today: dt.date | None = None, person: Person | None = None, town_paths: set | None = None
) -> dict:
    """Years in the current post, in the current unit and at the current leadership level, derived from
    assignments, and (given the person) the rotation alerts of org.rules.rotation_alerts. town_paths: the paths
    of the town-level units, when the caller has read them once for many people."""
    today = today or dt.date.today()
    rows = list(person_assignments)
    current = next((row for row in rows if row.end_date is None or row.end_date >= today), None)
    if current is None:
        return {"current": None, "years_in_post": 0, "years_in_unit": 0, "long_tenure": False, "alerts": []}
    params = rotation_params()
    in_post = rules.tenure_years([(r.start_date, r.end_date) for r in rows if r.post_id == current.post_id], today)
    in_unit = rules.tenure_years([(r.start_date, r.end_date) for r in rows if r.unit_id == current.unit_id], today)
    level = rules.leadership_level(current.post.kind, current.post.name, params["principal_posts"])
    at_level = rules.tenure_years(
        [
            (r.start_date, r.end_date)
            for r in rows
            if level and rules.leadership_level(r.post.kind, r.post.name, params["principal_posts"]) == level
        ],
        today,
    )
    alerts = []
    if person is not None:
        alerts = rules.rotation_alerts(
            category=person.category,
            post_kind=current.post.kind,
            post_name=current.post.name,
            unit_name=current.unit.name,
            years_in_post=in_post,
            years_at_level=at_level,
            serves_home=serves_in_home_area(person, current.unit, town_paths),
            params=params,
        )
    return {
        "current": current,
        "years_in_post": round(in_post, 1),
        "years_in_unit": round(in_unit, 1),
        "years_at_level": round(at_level, 1),
        "long_tenure": rules.POST_YEARS in alerts if person is not None else in_post >= params["post_years"],
        "alerts": alerts,
        "post_years": params["post_years"],
        "level_years": params["level_years"],
    }


def serves_in_home_area(person: Person, unit: Unit | None = None, town_paths: set | None = None) -> bool:
    """Whether the person works where they come from: in their home town for a post in a town (or below), in
    their home county for a post in a county department. `unit` is the post's unit (default: the record's)."""
    home = person.hometown_unit
    unit = unit or person.unit
    if home is None or unit.depth < 2 or home.depth < 2:
        return False
    return home.path.startswith(home_area_path(unit, town_paths))


def home_area_path(unit: Unit, town_paths: set | None = None) -> str:
    """The path of the area a unit serves: its town (or street) for a town and below, its county otherwise."""
    town_prefix = unit.path[: 2 * Unit.steplen]
    if town_paths is None:
        in_town = Unit.objects.filter(path=town_prefix, kind__in=Unit.TOWN_LEVEL).exists()
    else:
        in_town = town_prefix in town_paths
    return town_prefix if unit.depth >= 2 and in_town else unit.root_path


def assignments(user):
    return Assignment.objects.visible_to(user)


def accounts(user):
    return User.objects.visible_to(user).order_by("username")


def grants(user):
    return RoleGrant.objects.visible_to(user).select_related("user", "role", "unit")


def roles(user):
    return Role.objects.visible_to(user)
