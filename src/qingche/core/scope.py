"""Data scope: the one place that decides which rows an account may see or act on.

Every account holds role grants (role, unit, scope) with scope `self`, `unit` or `subtree`.
`Model.objects.visible_to(user, action)` keeps the rows that at least one grant reaches whose
role holds the model's `<app>.<action>_<model>` permission. Models say how they hang off the
unit tree with class attributes:

- `scope_unit_field`: lookup path to the owning Unit ("" for the Unit model itself);
- `scope_person_field`: lookup path to the Person for `self` grants ("" for Person itself);
- `scope_global = True`: any grant with the permission sees every row (reference data,
  the audit trail);
- or a classmethod `scope_q(grant, user)` returning a Q for models with their own rule.

`core` knows nothing of the module that keeps grants and people: that module installs its loaders
with `install()` when Django starts (org does it in `OrgConfig.ready`), and this module reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

SELF, UNIT, SUBTREE = "self", "unit", "subtree"


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    scope: str
    perms: frozenset[str]


@dataclass
class Loaders:
    """What the module that keeps grants and people installs (see `install`)."""

    grants_of: Callable[[object], list[Grant]] = lambda user: []
    person_id_of: Callable[[object], int | None] = lambda user: None
    account_q: Callable[[Grant, object], Q] = lambda grant, user: Q(pk=user.pk)
    root_path_length: int = 0  # a unit path this long is the top of the tree


_loaders = Loaders()


def install(**loaders) -> None:
    """Called once at start-up by the module that keeps role grants, people and the unit tree."""
    for name, value in loaders.items():
        if not hasattr(_loaders, name):
            raise TypeError(f"unknown scope loader {name}")
        setattr(_loaders, name, value)


def is_root_path(path: str) -> bool:
    """Whether a unit path is the top of the tree."""
    return len(path) == _loaders.root_path_length


def account_q(grant: Grant, user) -> Q:
    """The accounts a grant reaches (the rule lives with the grants: see `install`)."""
    return _loaders.account_q(grant, user)


def user_grants(user) -> list[Grant]:
    """The account's grants with their roles' permissions, loaded once per user object."""
    cached = getattr(user, "_qingche_grants", None)
    if cached is not None:
        return cached
    grants = _loaders.grants_of(user) if user.is_authenticated and user.is_active else []
    user._qingche_grants = grants
    return grants


def user_person_id(user) -> int | None:
    """The Person record linked to the account, if any (cached on the user object)."""
    if not hasattr(user, "_qingche_person_id"):
        user._qingche_person_id = _loaders.person_id_of(user) if user.is_authenticated else None
    return user._qingche_person_id


def forget_grants(user) -> None:
    for name in ("_qingche_grants", "_qingche_person_id", "_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(name, None)


def _prefix(field: str) -> str:
    return f"{field}__" if field else ""


def unit_q(grant: Grant, lookup: str = "") -> Q:
    """The rows whose unit at `lookup` (a path to a Unit, "" for the Unit itself) the grant reaches through
    its unit: its own unit for a `unit` grant, its subtree for a `subtree` grant, nothing for `self`."""
    if grant.scope == UNIT:
        return Q(**{_prefix(lookup) + "pk": grant.unit_id})
    if grant.scope == SUBTREE:
        return Q(**{_prefix(lookup) + "path__startswith": grant.unit_path})
    return Q(pk__in=[])


def acting_q(user, perm: str, lookup: str = "") -> Q:
    """The units (at `lookup`) the user may act for with `perm`: those its grants holding `perm` reach."""
    if user.is_superuser:
        return Q()
    condition = Q(pk__in=[])
    for grant in user_grants(user):
        if perm in grant.perms:
            condition |= unit_q(grant, lookup)
    return condition


def acting_unit_ids(user, perm: str) -> list[int]:
    """The units the user acts *as* with `perm`: the units of its grants that hold it, in grant order."""
    return [grant.unit_id for grant in user_grants(user) if perm in grant.perms]


def ancestor_paths(path: str) -> list[str]:
    """The paths of a unit and of every unit above it, from the top of the tree."""
    step = _loaders.root_path_length
    return [path[:end] for end in range(step, len(path) + 1, step)] if step else [path]


def grant_q(model, grant: Grant, user) -> Q:
    custom = getattr(model, "scope_q", None)
    if custom is not None:
        return custom(grant, user)
    if grant.scope == SELF:
        person_id = user_person_id(user)
        person_field = getattr(model, "scope_person_field", None)
        if person_id is None or person_field is None:
            return Q(pk__in=[])
        return Q(**{_prefix(person_field) + "pk": person_id})
    unit_field = model.scope_unit_field
    if grant.scope == UNIT:
        return Q(**{_prefix(unit_field) + "pk": grant.unit_id})
    return Q(**{_prefix(unit_field) + "path__startswith": grant.unit_path})


def unit_in_scope(user, perm: str, unit) -> bool:
    """Whether the user holds `perm` through a grant that reaches `unit` (for creating records in it)."""
    if user.is_superuser:
        return True
    for grant in user_grants(user):
        if perm not in grant.perms:
            continue
        if grant.scope == SUBTREE and unit.path.startswith(grant.unit_path):
            return True
        if grant.scope == UNIT and unit.pk == grant.unit_id:
            return True
    return False


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view", *, also: tuple[str, ...] = ()):
        """The rows a grant holding `<app>.<action>_<model>` reaches; with `also`, only grants that hold
        those permissions too count (e.g. unmasking: the same grant must carry the right and the scope)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        meta = self.model._meta
        perm = f"{meta.app_label}.{action}_{meta.model_name}"
        grants = [grant for grant in user_grants(user) if perm in grant.perms and all(p in grant.perms for p in also)]
        if not grants:
            return self.none()
        if getattr(self.model, "scope_global", False):
            return self
        condition = Q()
        for grant in grants:
            condition |= grant_q(self.model, grant, user)
        return self.filter(condition)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass
