"""How org plugs into the platform: what data scope needs (installed into core.scope), the home-page
(工作台) cards — each returns None when it is not for the user — and the menu entries."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingche.core import menu, parameters, widgets
from qingche.core.scope import user_grants, user_person_id
from qingche.org import rules, scope, selectors
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


scope.install()

parameters.register_defaults(
    {
        "org.rotation_post_years": (
            rules.ROTATION_DEFAULTS["post_years"],
            "Years in the same post after which an exchange is due",
        ),
        "org.rotation_level_years": (
            rules.ROTATION_DEFAULTS["level_years"],
            "Years at the same leadership level (principal or deputy) after which a leader is not re-appointed at it",
        ),
        "org.rotation_categories": (
            rules.ROTATION_DEFAULTS["categories"],
            "Person categories the rotation rules apply to (not village cadres, community workers or contract staff)",
        ),
        "org.rotation_post_kinds": (rules.ROTATION_DEFAULTS["post_kinds"], "Kinds of post the rotation rules apply to"),
        "org.rotation_principal_posts": (
            rules.ROTATION_DEFAULTS["principal_posts"],
            "Leadership posts that are principal (正职); other leadership posts are deputy level",
        ),
        "org.rotation_avoidance_posts": (
            rules.ROTATION_DEFAULTS["avoidance_posts"],
            "Top posts with home-area avoidance: a post name, or unit·post (the unit's name contains the unit part)",
        ),
    }
)

widgets.register_card(my_roles, order=1)
widgets.register_card(staffing, order=50)
widgets.register_card(administration, order=90)

menu.register(
    menu.MenuItem(
        gettext_lazy("Unit tree"),
        "org:unit_tree",
        "org.view_unit",
        icon="sitemap",
        section=gettext_lazy("Units and people"),
        order=10,
    ),
    menu.MenuItem(
        gettext_lazy("People"),
        "org:person_list",
        "org.view_person",
        icon="users",
        section=gettext_lazy("Units and people"),
        order=11,
    ),
    menu.MenuItem(
        gettext_lazy("Import"),
        "org:import",
        ("org.import_unit", "org.import_person"),
        icon="upload",
        section=gettext_lazy("Units and people"),
        order=12,
    ),
    menu.MenuItem(
        gettext_lazy("Accounts"),
        "org:account_list",
        "core.view_user",
        icon="user-cog",
        section=gettext_lazy("System"),
        order=90,
    ),
    menu.MenuItem(
        gettext_lazy("Role grants"),
        "org:grant_list",
        "org.view_rolegrant",
        icon="shield",
        section=gettext_lazy("System"),
        order=91,
    ),
)
