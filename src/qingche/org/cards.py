"""Home-page (工作台) cards of the org module; each returns None when it is not for the user."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qingche.core.scope import user_grants, user_person_id
from qingche.org import selectors
from qingche.org.models import Person, Unit
from qingche.org.roles import role_label


def my_roles(request):
    user = request.user
    lines = []
    units = {unit.pk: unit.name for unit in Unit.objects.filter(pk__in=[g.unit_id for g in user_grants(user)])}
    for grant in user_grants(user):
        lines.append(f"{role_label(grant.role, grant.role)} · {units.get(grant.unit_id, '')}")
    person_id = user_person_id(user)
    if person_id:
        person = Person.objects.select_related("unit").get(pk=person_id)
        lines.insert(0, _("%(name)s, %(unit)s") % {"name": person.name, "unit": person.unit.name})
    if user.is_superuser:
        lines.append(_("superuser"))
    return {"key": "my-roles", "title": _("You"), "lines": lines}


def staffing(request):
    user = request.user
    if not user.has_perm("org.view_post"):
        return None
    roots = list(selectors.unit_roots(user)[:1])
    if not roots:
        return None
    root = roots[0]
    numbers = selectors.staffing(user, root, subtree=True)
    return {
        "key": "staffing",
        "title": _("Staffing of %(unit)s") % {"unit": root.name},
        "stats": [
            (_("quota"), numbers["quota"]),
            (_("in post"), numbers["in_post"]),
            (_("vacancies"), numbers["vacancy"]),
        ],
        "links": [(_("Unit tree"), reverse("org:unit_tree"))]
        + ([(_("People"), reverse("org:person_list"))] if user.has_perm("org.view_person") else []),
    }


def administration(request):
    user = request.user
    links = []
    if user.has_perm("core.view_user"):
        links.append((_("Accounts"), reverse("org:account_list")))
    if user.has_perm("org.view_rolegrant"):
        links.append((_("Role grants"), reverse("org:grant_list")))
    if user.has_perm("core.view_holidayoverride"):
        links.append((_("Holidays and workdays"), reverse("core:holiday_list")))
    if user.has_perm("core.view_auditevent"):
        links.append((_("Audit trail"), reverse("core:audit_list")))
    if not links:
        return None
    stats = []
    if user.has_perm("core.view_user"):
        stats.append((_("accounts"), selectors.accounts(user).count()))
    if user.has_perm("org.view_rolegrant"):
        stats.append((_("role grants"), selectors.grants(user).count()))
    return {"key": "administration", "title": _("Administration"), "stats": stats, "links": links}
