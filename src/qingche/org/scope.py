"""What core's data scope needs from org: role grants, the person behind an account, which accounts a
grant reaches, and the unit tree's path step. Installed into `core.scope` by `OrgConfig.ready`; and how an
account is named on a page (its person's name and unit), installed into `core.actors`."""

from django.db import models
from django.utils.translation import gettext as _

from qingche.core import actors, scope
from qingche.core.scope import SELF, UNIT, Grant
from qingche.org.models import Person, RoleGrant, Unit
from qingche.org.roles import role_label


def person_id_of(user) -> int | None:
    return Person.objects.filter(account_id=user.pk).values_list("pk", flat=True).first()


def account_q(grant: Grant, user) -> models.Q:
    """An account belongs where its person's record is kept or where it holds a role; a grant at the top
    of the tree also reaches accounts that are in neither place yet."""
    if grant.scope == SELF:
        return models.Q(pk=user.pk)
    if grant.scope == UNIT:
        return models.Q(person__unit=grant.unit_id) | models.Q(
            pk__in=RoleGrant.objects.filter(unit=grant.unit_id).values("user_id")
        )
    in_subtree = models.Q(person__unit__path__startswith=grant.unit_path) | models.Q(
        pk__in=RoleGrant.objects.filter(unit__path__startswith=grant.unit_path).values("user_id")
    )
    if scope.is_root_path(grant.unit_path):
        nowhere = ~models.Exists(RoleGrant.objects.filter(user=models.OuterRef("pk")))
        return in_subtree | (models.Q(person__isnull=True) & nowhere)
    return in_subtree


def names_of(user_ids: list[int]) -> dict[int, str]:
    """Accounts' person names with their unit, by account id; an account without a person (the three
    administrators) by its first role and that role's unit; accounts with neither are left out."""
    rows = Person.objects.filter(account_id__in=user_ids).values_list("account_id", "name", "unit__name")
    named = {account: _("%(name)s (%(unit)s)") % {"name": name, "unit": unit} for account, name, unit in rows}
    grants = (
        RoleGrant.objects.filter(user_id__in=set(user_ids) - set(named))
        .order_by("user_id", "pk")
        .values_list("user_id", "role__code", "role__name", "unit__name")
    )
    for account, code, role, unit in grants:
        named.setdefault(account, _("%(name)s (%(unit)s)") % {"name": role_label(code, role), "unit": unit})
    return named


def ids_named(text: str) -> list[int]:
    return list(Person.objects.filter(name__icontains=text, account__isnull=False).values_list("account_id", flat=True))


def install() -> None:
    actors.install(names_of, ids_named)
    scope.install(
        grants_of=RoleGrant.grants_of, person_id_of=person_id_of, account_q=account_q, root_path_length=Unit.steplen
    )
