"""Every write of units, posts, people, assignments, accounts and role grants.

Each function checks the actor's permission and scope, validates, and writes in one
transaction; AuditedModel records the change in the audit trail."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from qingche.core import rules as core_rules
from qingche.core.audit import audit_context, record
from qingche.core.cache import clear_all
from qingche.core.models import User
from qingche.core.pii import pii_hash
from qingche.core.scope import forget_grants, unit_in_scope, user_grants
from qingche.org import roles, rules
from qingche.org.models import Assignment, Person, Post, Role, RoleGrant, Unit

ADMINISTRATOR_ROLES = {roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN}
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "hometown",
    "hometown_unit",
    "education",
    "political_status",
    "category",
    "rank",
    "unit",
)


def _require(user, perm: str, unit: Unit | None = None) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if unit is not None and not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your scope."))


# -- units ------------------------------------------------------------------------------------------
def _check_unit_fields(kind: str, code: str, parent: Unit | None) -> None:
    errors = {}
    if kind not in Unit.Kind.values:
        errors["kind"] = _("Unknown kind of unit.")
    elif not rules.may_hang_under(kind, parent.kind if parent else None):
        errors["parent"] = _("A unit of this kind cannot be placed under %(parent)s.") % {
            "parent": parent.name if parent else _("the top level")
        }
    if code and not rules.is_valid_unit_code(kind, code):
        errors["code"] = _(
            "The administrative code must be 6, 9 or 12 digits as GB/T 2260 and the statistical division codes give it."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def unit_create(*, user, parent: Unit | None, name: str, kind: str, code: str = "", short_name: str = "") -> Unit:
    _require(user, "org.add_unit", parent)
    if parent is None and not user.is_superuser:
        raise PermissionDenied(_("Only the superuser can create a top-level unit."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    _check_unit_fields(kind, code, parent)
    fields = {"name": name[:100], "kind": kind, "code": code, "short_name": short_name[:50]}
    if parent is None:
        return Unit.objects.add_root(create_kwargs=fields)
    return Unit.objects.add_child(Unit.objects.get(pk=parent.pk), create_kwargs=fields)


@transaction.atomic
def unit_update(*, user, unit: Unit, name: str, code: str = "", short_name: str = "", is_active: bool = True) -> Unit:
    _require(user, "org.change_unit", unit)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    _check_unit_fields(unit.kind, code, Unit.objects.get_parent(unit))
    unit.name, unit.code, unit.short_name, unit.is_active = name[:100], code, short_name[:50], is_active
    unit.save()
    return unit


@transaction.atomic
def unit_move(*, user, unit: Unit, new_parent: Unit, reason: str = "") -> Unit:
    """Put a unit (with everything below it) under another parent; never under itself. An organisational
    change (org.move_unit), not the system administrator's upkeep of names and codes."""
    _require(user, "org.move_unit", unit)
    _require(user, "org.move_unit", new_parent)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    if rules.would_create_cycle(unit.path, new_parent.path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself or one of its own units.")})
    if not rules.may_hang_under(unit.kind, new_parent.kind):
        raise ValidationError(
            {"parent": _("A unit of this kind cannot be placed under %(parent)s.") % {"parent": new_parent.name}}
        )
    old_parent = Unit.objects.get_parent(unit)
    Unit.objects.move(unit, new_parent, "last-child")
    clear_all()  # the move rewrites paths without saving a unit: no signal clears the per-process caches
    record(
        "update",
        obj=unit,
        before={"parent": old_parent.name if old_parent else None},
        after={"parent": new_parent.name},
        reason=reason,
    )
    return Unit.objects.get(pk=unit.pk)


# -- posts ------------------------------------------------------------------------------------------
@transaction.atomic
def post_create(*, user, unit: Unit, name: str, kind: str = Post.Kind.STAFF, quota: int = 1) -> Post:
    _require(user, "org.add_post", unit)
    post = Post(unit=unit, name=(name or "").strip()[:100], kind=kind, quota=quota)
    _full_clean(post)
    post.save()
    return post


@transaction.atomic
def post_update(*, user, post: Post, name: str, kind: str, quota: int) -> Post:
    _require(user, "org.change_post", post.unit)
    post.name, post.kind, post.quota = (name or "").strip()[:100], kind, quota
    _full_clean(post)
    post.save()
    return post


def _full_clean(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError:
        raise
    except (TypeError, ValueError) as error:  # a value of the wrong type for its field
        raise ValidationError(str(error)) from error


# -- people -----------------------------------------------------------------------------------------
def _check_duplicate_id(person: Person) -> None:

    digest = pii_hash(Person._meta.get_field("id_number").normalized(person.id_number))
    if digest and Person.objects.filter(id_number_hash=digest).exclude(pk=person.pk).exists():
        raise ValidationError({"id_number": _("A person with this ID number is already on record.")})


def _check_id_matches(person: Person) -> None:

    if person.id_number and core_rules.is_valid_id_number(person.id_number) and person.birth_date:
        if core_rules.birth_date_from_id_number(person.id_number) != person.birth_date:
            raise ValidationError({"birth_date": _("The birth date does not match the ID number.")})


@transaction.atomic
def person_create(*, user, **data) -> Person:
    unit = data.get("unit")
    if unit is None:
        raise ValidationError({"unit": _("Choose a unit.")})
    _require(user, "org.add_person", unit)
    person = Person(**{key: value for key, value in data.items() if key in PERSON_FIELDS})
    _validate_person(person)
    person.save()
    return person


@transaction.atomic
def person_update(*, user, person: Person, **data) -> Person:
    _require(user, "org.change_person", person.unit)
    for key, value in data.items():
        if key in PERSON_FIELDS:
            setattr(person, key, value)
    if "id_number" in data and "birth_date" not in data:
        person.birth_date = None  # follows the (possibly new) ID number

    _require(user, "org.change_person", person.unit)
    _validate_person(person)
    person.save()
    return person


def _validate_person(person: Person) -> None:

    if not person.birth_date and core_rules.is_valid_id_number(person.id_number or ""):
        person.birth_date = core_rules.birth_date_from_id_number(person.id_number)  # forms no longer ask for it
    _full_clean(person, exclude=["account", "id_number_hash", "phone_hash", "id_number_masked", "phone_masked"])
    _check_id_matches(person)
    _check_duplicate_id(person)


# -- assignments ------------------------------------------------------------------------------------
@transaction.atomic
def assignment_create(
    *, user, person: Person, post: Post, start_date: dt.date, end_date: dt.date | None = None, move_record: bool = True
) -> Assignment:
    """Put a person in a post. With move_record, the person's record follows them to the post's unit
    and their other open assignments end the day before."""
    _require(user, "org.add_assignment", post.unit)
    if not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("Unknown person, or outside your scope.")})
    assignment = Assignment(person=person, post=post, unit=post.unit, start_date=start_date, end_date=end_date)
    if end_date and start_date and end_date < start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    _full_clean(assignment)
    if move_record and end_date is None:
        for open_assignment in person.assignments.filter(end_date__isnull=True).exclude(post=post):
            open_assignment.end_date = max(open_assignment.start_date, start_date - dt.timedelta(days=1))
            open_assignment.save()
        if person.unit_id != post.unit_id:
            person.unit = post.unit
            person.save()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(*, user, assignment: Assignment, end_date: dt.date) -> Assignment:
    _require(user, "org.change_assignment", assignment.unit)
    if end_date < assignment.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    assignment.end_date = end_date
    assignment.save()
    return assignment


# -- accounts and role grants -----------------------------------------------------------------------
@transaction.atomic
def account_create(*, user, username: str, password: str, person: Person | None = None) -> User:
    _require(user, "core.add_user")
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Enter a user name.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    account = User(username=username)
    account.full_clean(exclude=["password"])
    validate_password(password, account)
    if person is not None:
        if not Person.objects.visible_to(user, "link").filter(pk=person.pk).exists():
            raise ValidationError({"person": _("Unknown person, or outside your scope.")})
        if person.account_id:
            raise ValidationError({"person": _("This person already has an account.")})
    account.set_password(password)
    account.must_change_password = True  # the administrator knows this password: the owner replaces it
    account.save()
    if person is not None:
        person.account = account
        person.save()
    return account


def _is_administrator_account(account: User) -> bool:
    """Whether the account is the superuser or holds a system, security or audit administrator role
    (reads the grants prefetched with their roles when the caller has them)."""
    return account.is_superuser or any(grant.role.code in ADMINISTRATOR_ROLES for grant in account.role_grants.all())


def _account_set_active_check(*, user, account: User) -> None:
    """三员分立: the system administrator manages ordinary accounts (core.change_user), but the accounts
    of the three administrators (system, security, audit) and the superuser's are managed by the security
    administrator only, so that the system administrator cannot shut out the one who audits or checks
    them, nor wake a dormant superuser."""
    if _is_administrator_account(account):
        if not (user.is_superuser or any(grant.role == roles.SECURITY_ADMIN for grant in user_grants(user))):
            raise PermissionDenied(
                _(
                    "三员分立: only the security administrator may enable or disable the superuser or the account "
                    "of a system, security or audit administrator."
                )
            )
    else:
        _require(user, "core.change_user")
    if account.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))


def account_may_set_active(*, user, account: User) -> bool:
    """Whether the user may enable or disable the account (for offering the button)."""
    try:
        _account_set_active_check(user=user, account=account)
    except (PermissionDenied, ValidationError):
        return False
    return True


@transaction.atomic
def account_set_active(*, user, account: User, active: bool) -> User:
    _account_set_active_check(user=user, account=account)
    if not User.objects.visible_to(user).filter(pk=account.pk).exists():
        raise PermissionDenied(_("This record is outside your scope."))
    account.is_active = active
    account.save()
    return account


@transaction.atomic
def role_grant_create(*, user, account: User, role: Role, unit: Unit, scope: str = "") -> RoleGrant:
    """Only the security administrator grants roles, never to their own account (三员分立)."""
    _require(user, "org.add_rolegrant", unit)
    if account.pk == user.pk:
        raise PermissionDenied(_("No one can grant roles to their own account."))
    held = set(RoleGrant.objects.filter(user=account).values_list("role__code", flat=True))
    if role.code in ADMINISTRATOR_ROLES:
        if held & (ADMINISTRATOR_ROLES - {role.code}):
            raise ValidationError(
                {
                    "role": _(
                        "三员分立: the system, security and audit administrator roles cannot be held by one account."
                    )
                }
            )
        if held - ADMINISTRATOR_ROLES:
            raise ValidationError(
                {"role": _("三员分立: an account with a business role cannot also hold an administrator role.")}
            )
    elif held & ADMINISTRATOR_ROLES:
        raise ValidationError({"role": _("三员分立: an administrator account cannot also hold a business role.")})
    scope = scope or role.default_scope
    if scope not in RoleGrant.Scope.values:
        raise ValidationError({"scope": _("Unknown scope.")})
    grant = RoleGrant(user=account, role=role, unit=unit, scope=scope)
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError as error:
        raise ValidationError(_("This account already holds this role at this unit.")) from error
    forget_grants(account)
    return grant


@transaction.atomic
def role_grant_delete(*, user, grant: RoleGrant, reason: str = "") -> None:
    _require(user, "org.delete_rolegrant", grant.unit)
    if grant.user_id == user.pk:
        raise PermissionDenied(_("No one can change the roles of their own account."))
    with audit_context(reason=reason):
        grant.delete()


# -- bulk loading (demo county, benchmarks, first loads of a county's records) --------------------
def unit_tree_load(nodes: list[dict], *, batch_size: int = 2000) -> list[Unit]:
    """Insert a whole tree at once. `nodes` are dicts with name, kind, code, short_name and
    `parent` (the index of an earlier node, or None for a root), in parent-before-child order.
    Paths are computed here the way treebeard would, so the tree is valid without per-node queries."""
    existing_roots = Unit.objects.filter(depth=1).count()
    child_counts: dict[int | None, int] = {}
    units: list[Unit] = []
    for node in nodes:
        parent_index = node.get("parent")
        child_counts[parent_index] = child_counts.get(parent_index, 0) + 1
        if parent_index is None:
            path = Unit._get_path(None, 1, existing_roots + child_counts[None])
            depth = 1
        else:
            parent = units[parent_index]
            path = Unit._get_path(parent.path, parent.depth + 1, child_counts[parent_index])
            depth = parent.depth + 1
        units.append(
            Unit(
                name=node["name"],
                kind=node["kind"],
                code=node.get("code", ""),
                short_name=node.get("short_name", ""),
                path=path,
                depth=depth,
                numchild=0,
            )
        )
    for index, unit in enumerate(units):
        unit.numchild = child_counts.get(index, 0)
    Unit.objects.bulk_create(units, batch_size=batch_size)
    clear_all()  # a bulk insert sends no signal to clear the per-process caches of the tree
    record("import", object_type="org.unit", object_repr=f"{len(units)} units (bulk load)", after={"rows": len(units)})
    return list(Unit.objects.filter(path__in=[unit.path for unit in units]).order_by("path"))


def people_bulk_load(people: list[Person], *, batch_size: int = 2000) -> None:
    """Insert many people at once (hashes filled in here, values encrypted by the field)."""
    for person in people:
        person.fill_derived_pii()
    Person.objects.bulk_create(people, batch_size=batch_size)
    record(
        "import", object_type="org.person", object_repr=f"{len(people)} people (bulk load)", after={"rows": len(people)}
    )


def posts_bulk_load(posts: list[Post], *, batch_size: int = 2000) -> None:
    Post.objects.bulk_create(posts, batch_size=batch_size)
    record("import", object_type="org.post", object_repr=f"{len(posts)} posts (bulk load)", after={"rows": len(posts)})


def assignments_bulk_load(assignments: list[Assignment], *, batch_size: int = 2000) -> None:
    for assignment in assignments:
        assignment.unit_id = assignment.post.unit_id
    Assignment.objects.bulk_create(assignments, batch_size=batch_size)
    clear_all()  # nor of the people in post (burden's capacity)
    record(
        "import",
        object_type="org.assignment",
        object_repr=f"{len(assignments)} assignments (bulk load)",
        after={"rows": len(assignments)},
    )


def account_bootstrap(
    *, username: str, password: str, person: Person | None = None, is_superuser: bool = False, is_demo: bool = False
) -> User:
    """Create an account outside any request (installation, demo): no acting user to check."""
    account = User(username=username, is_superuser=is_superuser, is_staff=is_superuser, is_demo=is_demo)
    account.set_password(password)
    account.save()
    if person is not None:
        person.account = account
        person.save()
    return account


def role_grant_bootstrap(*, account: User, role_code: str, unit: Unit, scope: str = "") -> RoleGrant:
    role = Role.objects.get(code=role_code)
    grant = RoleGrant(user=account, role=role, unit=unit, scope=scope or role.default_scope)
    grant.save()
    return grant
