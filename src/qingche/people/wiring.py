"""How the people module plugs into the platform: parameters, role permissions, menu entries, the home card."""

from django.utils.translation import gettext_lazy as _

from qingche.core import menu, parameters, widgets
from qingche.org import person_panels, roles
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


# -- training (培训) and compensatory rest: issue 18, the training half --------------------------------------------
from qingche.people.rules_training import DEFAULT_HEAD_POSTS  # noqa: E402

parameters.register_defaults(
    {
        "people.survey_anonymity_minimum": (
            5,
            "Training needs survey: counts of answers below this number are hidden from superiors",
        ),
        "people.training_head_posts": (
            DEFAULT_HEAD_POSTS,
            "Posts counted as 党政主职 in training coverage (a current post with this name or beginning with it)",
        ),
        "people.training_pass_mark": (60, "Training assessment: the score from which a person passes"),
        "people.checkin_code_minutes": (30, "Minutes a training check-in code shown at the venue stays valid"),
        "people.leave_carry_over_days": (
            0,
            "Unused annual leave carried into the next year, at most this many days (0: none; 条例 §5 allows one year)",
        ),
        "people.leave_carry_over_until_month": (
            3,
            "Leave carried over must be taken by the end of this month of the next year (0: the whole year)",
        ),
    }
)

TRAINING_OWN = {
    "people.view_needssurvey",
    "people.add_needsanswer",
    "people.view_needsanswer",  # only one's own (models.NeedsAnswer.scope_q)
    "people.view_trainingplan",
    "people.view_trainingsession",
    "people.view_enrolment",
    "people.checkin_enrolment",
    "people.view_compensatoryrest",
}
TRAINING_UNIT = TRAINING_OWN | {
    "people.add_enrolment",
    "people.view_training_coverage",
    "people.add_compensatoryrest",
}
TRAINING_ORGANISER = TRAINING_UNIT | {
    "people.add_needssurvey",
    "people.add_trainingplan",
    "people.change_trainingplan",
    "people.change_enrolment",
}
roles.add_role_permissions(roles.FRONTLINE, TRAINING_OWN)
roles.add_role_permissions(roles.VILLAGE, TRAINING_OWN | {"people.add_enrolment"})
roles.add_role_permissions(roles.TOWN, TRAINING_UNIT)
roles.add_role_permissions(roles.ORG_DEPARTMENT, TRAINING_ORGANISER)

TRAINING = _("Training")
menu.register(
    menu.MenuItem(
        _("My training"), "people:training_mine", "people.checkin_enrolment", icon="school", section=TRAINING, order=74
    ),
    menu.MenuItem(
        _("Training plan"),
        "people:training_plans",
        "people.add_enrolment",
        icon="list-check",
        section=TRAINING,
        order=75,
    ),
    menu.MenuItem(
        _("Training coverage"),
        "people:training_coverage",
        "people.view_training_coverage",
        icon="chart-bar",
        section=TRAINING,
        order=76,
    ),
    menu.MenuItem(
        _("Training needs surveys"),
        "people:training_surveys",
        "people.add_needssurvey",
        icon="clipboard-list",
        section=TRAINING,
        order=77,
    ),
)


def _training_card(request):
    """Units are told of a published plan here: sessions open for nomination."""
    from django.utils import timezone

    from qingche.people import selectors_training

    user = request.user
    if not user.has_perm("people.add_enrolment"):
        return None
    upcoming = selectors_training.open_for_nomination(user, timezone.localdate())
    count = upcoming.count()
    if not count:
        return None
    return {
        "key": "training",
        "title": _("Training open for nomination"),
        "stats": [(_("sessions"), count)],
        "lines": [f"{row.start:%m-%d} {row.topic}" for row in upcoming[:5]],
        "links": [(_("Open"), "/people/training/")],
    }


widgets.register_card(_training_card, order=61)


def _training_figures(person_ids, start, end):
    from qingche.people import selectors_training

    return selectors_training.appraisal_figures(person_ids, start, end)


from django.apps import apps as _apps  # noqa: E402

if _apps.is_installed("qingche.appraisal"):
    from qingche.appraisal import indicators  # noqa: E402

    indicators.register("training", _training_figures)


def _training_panel(request, person):
    """The person's training history on their page (org.person_panels)."""
    from django.template.loader import render_to_string

    from qingche.people import selectors_training

    if not request.user.has_perm("people.view_enrolment"):
        return None
    rows = list(selectors_training.history(person, user=request.user)[:50])
    return render_to_string("people/training/_history_panel.html", {"history": rows}, request=request)


person_panels.register(_training_panel, order=20)
