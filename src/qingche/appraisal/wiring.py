"""How the appraisal module plugs into the platform: role permissions, menu, parameters, home card."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qingche.appraisal import rules, selectors
from qingche.core import audit_display, menu, parameters, widgets
from qingche.org import roles

RATE = {
    "appraisal.view_rating",
    "appraisal.change_rating",
    "appraisal.view_appraisalcycle",
    "appraisal.view_appraisee",
    "appraisal.view_appeal",
    "appraisal.add_appeal",
}
MANAGE = RATE | {
    "appraisal.view_appraisalscheme",
    "appraisal.add_appraisalscheme",
    "appraisal.change_appraisalscheme",
    "appraisal.add_appraisalcycle",
    "appraisal.change_appraisalcycle",
    "appraisal.manage_appraisalcycle",
    "appraisal.calibrate_appraisalcycle",
    "appraisal.view_raterflag",
    "appraisal.view_ratinglink",
    "appraisal.add_ratinglink",
    "appraisal.change_appeal",
}

roles.add_role_permissions(roles.ORG_DEPARTMENT, MANAGE)
for role in (roles.TOWN, roles.COUNTY_DEPARTMENT, roles.VILLAGE, roles.FRONTLINE, roles.BURDEN_OFFICE, roles.HOTLINE):
    roles.add_role_permissions(role, RATE)

parameters.register_defaults(
    {
        "appraisal.publicity_working_days": (5, "公示 length in working days"),
        "appraisal.regular_gate_caps_at": (
            "basically_competent",
            "平时 gate: an annual grade a 较差 quarter caps the annual grade at (empty: no gate)",
        ),
        "appraisal.pay_coefficients": (
            {
                "excellent": 1.2,
                "competent": 1.0,
                "basically_competent": 0.8,
                "incompetent": 0.0,
                "good": 1.1,
                "fairly_good": 1.0,
                "average": 0.9,
                "poor": 0.7,
            },
            "performance-pay coefficient by grade (approx., set by each county)",
        ),
        "appraisal.rank_years": (
            {
                "excellent": {"counts": True, "months_less": 6},
                "competent": {"counts": True, "months_less": 0},
                "basically_competent": {"counts": False, "months_less": 0},
                "incompetent": {"counts": False, "months_less": 0},
            },
            "whether an annual grade's year counts toward rank (职级) years, and months less before the next step",
        ),
        "appraisal.max_excellent_quota": (
            rules.DEFAULT_MAX_EXCELLENT_QUOTA,
            "highest top-grade quota (percent) a scheme may set: annual (优秀) and regular (好) appraisals",
        ),
        "appraisal.award_excellent_in_a_row": (3, "优秀 years in a row that make a 三等功 candidate"),
        "appraisal.batch_size": (5000, "people written per batch when scoring a cycle"),
        "appraisal.department_raters_max_departments": (
            5,
            "most county departments per unit in the 职能部门 rater group (those that sent the unit the most "
            "admitted tasks in the cycle's period)",
        ),
    }
)

menu.register(
    menu.MenuItem(
        _("Appraisal cycles"),
        "appraisal:index",
        "appraisal.view_appraisalcycle",
        icon="chart-bar",
        section=_("Appraisal"),
        order=40,
    ),
    menu.MenuItem(
        _("My ratings"), "appraisal:my_ratings", "appraisal.view_rating", icon="star", section=_("Appraisal"), order=41
    ),
    menu.MenuItem(
        _("Appraisal schemes"),
        "appraisal:scheme_list",
        "appraisal.add_appraisalscheme",
        icon="settings",
        section=_("Appraisal"),
        order=42,
    ),
    menu.MenuItem(
        _("Results that count"),
        "appraisal:outcomes",
        "appraisal.manage_appraisalcycle",
        icon="award",
        section=_("Appraisal"),
        order=43,
    ),
)


def _pending_ratings_card(request):
    pending = selectors.open_ratings(request.user).exclude(status="submitted").count()
    if not pending:
        return None

    return {
        "key": "appraisal-ratings",
        "title": _("Ratings to give"),
        "stats": [(_("waiting"), pending)],
        "links": [(_("My ratings"), reverse("appraisal:my_ratings"))],
    }


widgets.register_card(_pending_ratings_card, order=40)

audit_display.register_object_type(
    "appraisal.outcome", _("results that count (performance pay, rank years, awards, actions)")
)
