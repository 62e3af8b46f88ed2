"""How the accountability module plugs into the platform: parameters, role permissions, menu entries, the home
card and the appraisal indicator source (a sanction in force is a bottom-grade trigger; a 容错 decision
offsets an error in the person's figures)."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from qingche.accountability import selectors
from qingche.accountability.rules import DEFAULT_SANCTION_GRADES
from qingche.core import menu, parameters, widgets
from qingche.org import roles

parameters.register_defaults(
    {
        "accountability.sanction_bottom_grades": (
            DEFAULT_SANCTION_GRADES,
            "Kind of sanction → the annual appraisal grade it caps the year at while in force "
            "(basically_competent, incompetent, or empty for none; a 平时 cycle uses the matching 一般/较差)",
        ),
        "accountability.tolerance_offsets_errors": (
            1,
            "Errors taken off a person's appraisal figures for each 容错 decision (exempt or lighter) in the period",
        ),
    }
)

OWN = {"accountability.view_case", "accountability.view_caseperson", "accountability.view_determination"}
READERS = OWN | {
    "accountability.add_case",
    "accountability.change_case",
    "accountability.determine_case",
    "accountability.add_caseperson",
}
for role in (roles.DISCIPLINE, roles.ORG_DEPARTMENT):
    roles.add_role_permissions(role, READERS)
# Everyone else reads only the cases that concern their own person (models: scope_q).
for role in (
    roles.BURDEN_OFFICE,
    roles.COUNTY_DEPARTMENT,
    roles.TOWN,
    roles.VILLAGE,
    roles.FRONTLINE,
    roles.HOTLINE,
):
    roles.add_role_permissions(role, OWN)

SECTION = _("Accountability")
menu.register(
    menu.MenuItem(
        _("Accountability cases"),
        "accountability:cases",
        "accountability.add_case",
        icon="scale",
        section=SECTION,
        order=80,
    ),
)


def _card(request):
    """The person concerned: their cases still under examination and their sanctions in force."""

    user = request.user
    if not user.has_perm("accountability.view_case") or user.has_perm("accountability.add_case"):
        return None
    mine = selectors.my_record(user)
    if not mine["cases"]:
        return None
    return {
        "key": "accountability",
        "title": _("Accountability cases concerning me"),
        "stats": [(_("cases"), len(mine["cases"])), (_("fault-tolerance decisions"), mine["tolerated"])],
        "lines": [case.title for case in mine["cases"][:5]],
        "links": [(_("Open"), "/accountability/mine/")],
    }


widgets.register_card(_card, order=65)

if apps.is_installed("qingche.appraisal"):
    from qingche.appraisal import indicators

    def _figures(person_ids, start, end):

        return selectors.appraisal_figures(person_ids, start, end)

    indicators.register("accountability", _figures)
