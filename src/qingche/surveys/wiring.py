"""How the surveys module plugs into the platform: its parameter, role permissions, menu entries, home card.
Higher modules add buttons to a survey's results through surveys.actions.register_result_action."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingche.core import menu, parameters, widgets
from qingche.org import roles
from qingche.surveys import selectors
from qingche.surveys.rules import DEFAULT_MIN_GROUP

parameters.register_defaults(
    {
        "surveys.min_group": (
            DEFAULT_MIN_GROUP,
            "Anonymity minimum: no survey figure is shown from fewer respondents than this (at least 2)",
        ),
    }
)

ANSWER = {"surveys.answer_survey"}
BUILD = ANSWER | {"surveys.view_survey", "surveys.add_survey", "surveys.change_survey"}
for role in (roles.FRONTLINE, roles.VILLAGE, roles.TOWN, roles.COUNTY_DEPARTMENT):
    roles.add_role_permissions(role, ANSWER)
roles.add_role_permissions(roles.ORG_DEPARTMENT, BUILD)
roles.add_role_permissions(roles.BURDEN_OFFICE, BUILD)

SECTION = _("Surveys")
menu.register(
    menu.MenuItem(
        _("My surveys"), "surveys:mine", "surveys.answer_survey", icon="checklist", section=SECTION, order=80
    ),
    menu.MenuItem(_("Surveys"), "surveys:list", "surveys.add_survey", icon="forms", section=SECTION, order=81),
)


def _card(request):

    user = request.user
    if not user.has_perm("surveys.answer_survey"):
        return None
    waiting = [row for row in selectors.inbox_rows(user) if row["state"] == "open" and not row["answered"]]
    if not waiting:
        return None
    return {
        "key": "surveys",
        "title": _("Surveys waiting for your answer"),
        "stats": [(_("surveys"), len(waiting))],
        "lines": [row["survey"].title for row in waiting[:5]],
        "links": [(pgettext_lazy("survey", "Answer"), "/surveys/mine/")],
    }


widgets.register_card(_card, order=65)
