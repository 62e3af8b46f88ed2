"""How the people module plugs into the platform: parameters, role permissions, menu entries, the home card."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingche.core import menu, parameters, widgets
from qingche.org import roles
from qingche.people import selectors, selectors_awards, selectors_careers, selectors_training, views_careers
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


# -- careers (issue 19: rank, pay, rotation, posts) ---------------------------------------------------------
from qingche.org import panels  # noqa: E402
from qingche.people import rules_careers  # noqa: E402

parameters.register_defaults(
    {
        "people.rank_ladders": (
            rules_careers.DEFAULT_LADDERS,
            "Rank ladders, lowest first: [rank, minimum years in the rank below] (county organs, town organs, "
            "public institution management grades)",
        ),
        "people.rank_demote_grades": (["incompetent"], "Annual grades that put a person down one rank step"),
        "people.rank_count_ungraded_years": (True, "Whether years without an annual grade on record count toward rank"),
        "people.pay_post_factors": (
            {"remote": 1.2, "frontline": 1.1},
            "Post factor of the performance-pay share for a remote (边远) and a front-line (一线) post (approx.)",
        ),
        "people.pay_categories": (
            ["civil_servant", "public_institution"],
            "Person categories that share a unit's performance-pay pool",
        ),
        "people.pay_ungraded_grade": (
            "competent",
            "The grade counted for a pay share when a person has no annual grade",
        ),
        "people.allowances": (
            {"remote": 300, "frontline": 0},
            "Special allowance in yuan a month for holding a remote (边远镇级岗位津贴) or front-line post (approx.)",
        ),
        "people.min_service_years": (5, "Minimum years of service of a new recruit in a town (最低服务年限)"),
        "people.post_categories": (
            rules_careers.DEFAULT_POST_CATEGORIES,
            "Which person categories may hold each kind of post (otherwise flagged as 混岗)",
        ),
        "people.understaffed_share": (0.2, "Share of a unit's quota left empty from which it is flagged as short"),
    }
)

CAREERS_OWN = {"people.view_rankchange", "people.view_transferrequest", "people.add_transferrequest"}
CAREERS_LEADERS = CAREERS_OWN | {"people.view_paypool", "people.view_posthardship"}
CAREERS_ORG = CAREERS_LEADERS | {
    "people.add_rankchange",
    "people.add_paypool",
    "people.change_paypool",
    "people.add_posthardship",
    "people.change_posthardship",
    "people.decide_transferrequest",
}
roles.add_role_permissions(roles.FRONTLINE, CAREERS_OWN)
roles.add_role_permissions(roles.VILLAGE, CAREERS_OWN)
roles.add_role_permissions(roles.TOWN, CAREERS_LEADERS)
roles.add_role_permissions(roles.COUNTY_DEPARTMENT, CAREERS_LEADERS)
roles.add_role_permissions(roles.ORG_DEPARTMENT, CAREERS_ORG)

CAREERS = _("Rank, pay and rotation")
menu.register(
    menu.MenuItem(
        _("Rank eligibility"),
        "people:careers_eligibility",
        "people.add_rankchange",
        icon="stairs-up",
        section=CAREERS,
        order=74,
    ),
    menu.MenuItem(
        _("Performance pay"), "people:careers_pay", "people.view_paypool", icon="coin", section=CAREERS, order=75
    ),
    menu.MenuItem(
        _("Special allowances"),
        "people:careers_allowances",
        "people.view_paypool",
        icon="mountain",
        section=CAREERS,
        order=76,
    ),
    menu.MenuItem(
        _("Rotation alerts"),
        "people:careers_rotation",
        "people.add_rankchange",
        icon="arrows-exchange",
        section=CAREERS,
        order=77,
    ),
    menu.MenuItem(
        _("Posts and people"),
        "people:careers_staffing",
        "people.view_posthardship",
        icon="id-badge",
        section=CAREERS,
        order=78,
    ),
    menu.MenuItem(
        _("Transfer requests"),
        "people:careers_transfers",
        "people.add_transferrequest",
        icon="transfer",
        section=CAREERS,
        order=79,
    ),
)


def _rank_panel(request, person):

    return views_careers.person_panel(request, person)


def _unit_panel(request, unit):

    return views_careers.unit_panel(request, unit)


def _rank():

    return selectors_careers.current_rank_expression()


panels.register_person_panel(_rank_panel, order=20)
panels.register_unit_panel(_unit_panel, order=20)
panels.register_rank_source(_rank)
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

    return selectors_training.appraisal_figures(person_ids, start, end)


from django.apps import apps as _apps  # noqa: E402

if _apps.is_installed("qingche.appraisal"):
    from qingche.appraisal import indicators  # noqa: E402

    indicators.register("training", _training_figures)


def _training_panel(request, person):
    """The person's training history on their page (org.panels)."""

    if not request.user.has_perm("people.view_enrolment"):
        return None
    rows = list(selectors_training.history(person, user=request.user)[:50])
    return {"template": "people/training/_history_panel.html", "history": rows}


panels.register_person_panel(_training_panel, order=30)
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
    return {
        "template": "people/awards/_person_panel.html",
        "key": "awards",
        "title": _("Awards, reserve pool and secondments"),
        "lines": lines,
    }


panels.register_person_panel(_person_section, order=50)
# -- 组织处理 proposals (models_consequences) ----------------------------------------------------------------
from qingche.people import views_consequences  # noqa: E402
from qingche.people.rules_consequences import DEFAULT_THRESHOLDS  # noqa: E402

parameters.register_defaults(
    {
        "people.consequence_thresholds": (
            {key: value for key, value in DEFAULT_THRESHOLDS.items() if key != "merit_years"},
            "组织处理: consecutive years of 基本称职 before 诫勉 (admonish_years), of 不称职 before the dismissal "
            "procedure (dismissal_years), of 称职 or better for a pay step (pay_step_years) and a 级别 (level_years); "
            "三等功 follows appraisal.award_excellent_in_a_row",
        ),
    }
)
CONSEQUENCES_VIEW = {"people.view_consequence"}
CONSEQUENCES_ORG = CONSEQUENCES_VIEW | {"people.add_consequence", "people.decide_consequence"}
roles.add_role_permissions(roles.TOWN, CONSEQUENCES_VIEW)
roles.add_role_permissions(roles.COUNTY_DEPARTMENT, CONSEQUENCES_VIEW)
roles.add_role_permissions(roles.ORG_DEPARTMENT, CONSEQUENCES_ORG)
menu.register(
    menu.MenuItem(
        _("Organisational consequences"),
        "people:consequences",
        "people.add_consequence",
        icon="gavel",
        section=CAREERS,
        order=80,
    ),
)


def _consequences_panel(request, person):
    return views_consequences.person_panel(request, person)


panels.register_person_panel(_consequences_panel, order=25)
