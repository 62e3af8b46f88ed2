"""Writes of the classifier: a new version, a restored one. Only the system administrator (or the command
line, user=None) may; each is recorded in the audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from qingche.core.audit import record
from qingche.core.scope import user_grants
from qingche.org import roles
from qingche.service.classify import build, store
from qingche.service.classify.data import taidi_dir
from qingche.service.classify.selectors import handled_examples


def may_manage(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or any(grant.role == roles.SYSTEM_ADMIN for grant in user_grants(user))


def _require(user) -> None:
    if user is not None and not may_manage(user):
        raise PermissionDenied(_("Only the system administrator may retrain or restore the classifier."))


def _record(user, action: str, **values) -> None:
    """Into the audit trail. From the command line (user None) the database may not exist yet (`make model`
    on a fresh clone runs before any migration): the version's evaluation.json is then its only record."""
    if user is not None:
        record(action, **values)
        return
    try:
        record(action, **values)
    except DatabaseError:
        pass


def classifier_build(user, *, with_requests: bool = True, params=None, replace_county: bool = True) -> dict:
    """Train and store a new version (from the shared data, and the county's closed requests when
    `with_requests`); returns its evaluation with `version` and `current`."""
    _require(user)
    if not (taidi_dir() / "train.csv").exists():
        raise ValidationError(
            _("The shared training data was not found in %(dir)s (set QINGCHE_TAIDI_DIR).") % {"dir": taidi_dir()}
        )
    examples = handled_examples() if with_requests else []
    result = build.build_and_store(examples, params, replace_county=replace_county)
    _record(
        user,
        "classifier_build",
        object_type="service.classifier",
        object_id=result["version"],
        object_repr=result["version"],
        after={key: result[key] for key in ("source", "current", "county_training_requests")}
        | {"macro_f1": result["held_out"].get("macro_f1")},
    )
    return result


def classifier_restore(user, version: str | None = None) -> str:
    """Make `version` (default: the one before the current) the current version again."""
    _require(user)
    before = store.current_name()
    name = version or store.previous_name()
    if name is None:
        raise ValidationError(_("There is no earlier classifier version to restore."))
    try:
        store.set_current(name)
    except store.NoModel:
        raise ValidationError(_("There is no classifier version %(name)s.") % {"name": name}) from None
    _record(
        user,
        "classifier_restore",
        object_type="service.classifier",
        object_id=name,
        object_repr=name,
        before={"current": before},
        after={"current": name},
    )
    return name
