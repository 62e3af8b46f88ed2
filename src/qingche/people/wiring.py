"""How the people module plugs into the platform: parameters, role permissions, menu entries, the home card."""

from django.utils.translation import gettext_lazy as _

from qingche.core import menu, parameters, widgets
from qingche.org import person_sections, roles
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
    from qingche.people import selectors

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


# -- awards, reserve pool, secondment (models_awards) -----------------------------------------------------
from qingche.people.rules_awards import DEFAULT_PUBLICITY_DAYS  # noqa: E402

parameters.register_defaults(
    {
        "people.award_publicity_days": (
            DEFAULT_PUBLICITY_DAYS,
            "Working days an award's nominees are publicised (公示)",
        ),
        "people.secondment_assess_days_before_end": (
            30,
            "Days before a secondment ends from which its end assessment may be recorded",
        ),
    }
)
AWARDS_EVERYONE = {
    "people.view_awardtype",
    "people.view_awardround",
    "people.view_nomination",  # a self grant: one's own nominations
    "people.add_objection",
    "people.view_objection",  # a self grant: the objections one raised
    "people.view_secondment",  # a self grant: one's own secondments
}
AWARDS_UNIT = AWARDS_EVERYONE | {
    "people.add_nomination",
    "people.view_reserveentry",
    "people.view_reservetask",
    "people.view_reservereview",
    "people.add_reservetask",
}
AWARDS_ORG = AWARDS_UNIT | {
    "people.add_awardtype",
    "people.change_awardtype",
    "people.add_awardround",
    "people.review_nomination",
    "people.answer_objection",
    "people.add_reserveentry",
    "people.change_reserveentry",
    "people.add_reservereview",
    "people.add_secondment",
    "people.change_secondment",
}
roles.add_role_permissions(roles.FRONTLINE, AWARDS_EVERYONE)
roles.add_role_permissions(roles.VILLAGE, AWARDS_EVERYONE)
roles.add_role_permissions(roles.COUNTY_DEPARTMENT, AWARDS_EVERYONE | {"people.add_nomination"})
roles.add_role_permissions(roles.TOWN, AWARDS_UNIT)
roles.add_role_permissions(roles.ORG_DEPARTMENT, AWARDS_ORG)

menu.register(
    menu.MenuItem(_("Awards"), "people:awards", "people.view_awardround", icon="award", section=SECTION, order=74),
    menu.MenuItem(
        _("Reserve cadres"), "people:reserve", "people.view_reserveentry", icon="users-group", section=SECTION, order=75
    ),
    menu.MenuItem(
        _("Secondments"),
        "people:secondments",
        "people.view_reserveentry",
        icon="arrows-exchange",
        section=SECTION,
        order=76,
    ),
)


def _person_section(request, person):
    """Awards conferred, the reserve pool and secondments on the person page."""
    from qingche.people import selectors_awards

    lines = [
        f"{nomination.round.title}（{nomination.round.document_number or nomination.round.conferred_on}）"
        for nomination in selectors_awards.awards_of_person(person.pk)
    ]
    user = request.user
    for entry in selectors_awards.reserve_entries(user).filter(person=person, status="active"):
        lines.append(
            _("Reserve cadre: %(category)s since %(date)s")
            % {"category": entry.get_category_display(), "date": entry.entered_on}
        )
    for secondment in selectors_awards.secondments(user).filter(person=person):
        lines.append(
            _("Secondment to %(unit)s, %(start)s – %(end)s %(outcome)s")
            % {
                "unit": secondment.host_unit.name,
                "start": secondment.start,
                "end": secondment.end,
                "outcome": secondment.get_outcome_display(),
            }
        )
    if not lines:
        return None
    return {"key": "awards", "title": _("Awards, reserve pool and secondments"), "lines": lines}


person_sections.register(_person_section, order=50)
