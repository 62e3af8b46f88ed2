"""How the people module plugs into the platform: parameters, role permissions, menu entries, the home card."""

from django.utils.translation import gettext_lazy as _

from qingche.core import menu, parameters, widgets
from qingche.org import roles
from qingche.people import selectors
from qingche.people.rules import DEFAULT_ENTITLEMENT

parameters.register_defaults(
    {
        "people.leave_entitlement": (
            DEFAULT_ENTITLEMENT,
            "Paid annual leave: [years of work reached, days] steps (5/10/15 days at 1/10/20 years)",
        ),
        "people.leave_unused_from_month": (10, "Month from which unused leave is listed for the town to plan cover"),
        "people.health_checks_per_year": (1, "Health checks per person per year"),
        "people.talk_months": (6, "Months without a talk after which a person is listed as having no recent talk"),
        "people.overload_months": (3, "Months running above the burden red line that flag a person for care"),
    }
)

OWN = {
    "people.view_leaverequest",
    "people.add_leaverequest",
    "people.view_healthcheck",
    "people.add_healthcheck",
    "people.view_workstart",
    "people.view_talk",
}
UNIT = OWN | {
    "people.decide_leaverequest",
    "people.change_workstart",
    "people.add_talk",
    "people.view_talknote",  # only the notes of talks the account held (models.TalkNote.scope_q)
    "people.view_overloadflag",
}
roles.add_role_permissions(roles.FRONTLINE, OWN)
roles.add_role_permissions(roles.VILLAGE, OWN)
roles.add_role_permissions(roles.TOWN, UNIT)
roles.add_role_permissions(roles.ORG_DEPARTMENT, UNIT)

SECTION = _("People and care")
menu.register(
    menu.MenuItem(
        _("My leave and health check"),
        "people:mine",
        "people.add_leaverequest",
        icon="beach",
        section=SECTION,
        order=70,
    ),
    menu.MenuItem(
        _("Leave plan"), "people:leave_plan", "people.decide_leaverequest", icon="calendar", section=SECTION, order=71
    ),
    menu.MenuItem(
        _("Health checks"), "people:health", "people.change_workstart", icon="heartbeat", section=SECTION, order=72
    ),
    menu.MenuItem(_("Talks and flags"), "people:talks", "people.add_talk", icon="messages", section=SECTION, order=73),
)


def _card(request):
    user = request.user
    if not user.has_perm("people.view_overloadflag"):
        return None
    flags = selectors.open_flags_for_home(user)
    count = flags.count()
    if not count:
        return None
    return {
        "key": "people",
        "title": _("Overload: talk and leave check due"),
        "stats": [(_("people flagged"), count)],
        "lines": [f"{flag.person.name}（{flag.unit.name}）" for flag in flags[:5]],
        "links": [(_("Open"), "/people/talks/")],
    }


widgets.register_card(_card, order=60)
