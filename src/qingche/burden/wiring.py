"""How the burden module plugs into the platform: parameters, role permissions, menu, sources,
catalog fillers and the home card."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qingche.burden import selectors, sources
from qingche.burden.models import Approval, BurdenReport, StaffingRequest
from qingche.core import menu, parameters, widgets
from qingche.org import roles
from qingche.org.models import Unit

parameters.register_defaults(
    {
        "burden.red_line": (1.0, "小马拉大车 index above which 减负办 is alerted and admission warns"),
        "burden.weights": (
            {
                "standing": 1.0,
                "apps": 1.0,
                "inspections": 1.0,
                "meetings": 1.0,
                "forms": 1.0,
                "overtime": 1.0,
                "tasks": 1.0,
                "service": 1.0,
            },
            "weight of each load source in the burden index",
        ),
        "burden.merge_window_days": (
            30,
            "inspections of one topic on one unit within this many days are flagged to merge",
        ),
        "burden.document_cap_chars": (5000, "length cap of a document (characters)"),
        "burden.document_cap_special_chars": (4000, "length cap of a special-task document (characters)"),
        "burden.speech_cap_minutes": (60, "a leader's main speech at most (minutes)"),
        "burden.meeting_max_hours": (4.0, "a meeting at most half a day (hours)"),
        "burden.meeting_max_hours_discussion": (10.5, "a meeting with group discussion at most 1.5 days (hours)"),
        "burden.form_minutes_per_typed_value": (5.0, "minutes to find and type one form value"),
        "burden.form_minutes_per_prefilled_value": (0.5, "minutes to check one pre-filled form value"),
        "burden.form_return_share": (0.5, "a form whose share of fields already held is at least this is returned"),
        "burden.report_max_chars": (5000, "longest anonymous burden report (characters)"),
        "burden.report_rate_limit": (5, "anonymous reports one sender may send within the window"),
        "burden.report_rate_window_seconds": (600, "window of the anonymous report rate limit (seconds)"),
        "burden.report_rate_limit_total": (300, "anonymous reports from everyone together within the window"),
    }
)

REGISTRY_MODELS = (
    "inspectionplanitem",
    "inspection",
    "meeting",
    "document",
    "requiredapp",
    "reportform",
    "formfill",
    "overtimeentry",
)
VIEW_ALL = {f"burden.view_{name}" for name in REGISTRY_MODELS} | {
    "burden.view_catalogfield",
    "burden.view_loadrollup",
    "burden.view_issuerrollup",
    "burden.view_burdenalert",
}

roles.add_role_permissions(
    roles.BURDEN_OFFICE,
    VIEW_ALL
    | {
        "burden.add_inspectionplanitem",
        "burden.change_inspectionplanitem",
        "burden.add_inspection",
        "burden.change_inspection",
        "burden.approve_inspection",
        "burden.add_meeting",
        "burden.approve_meeting",
        "burden.add_document",
        "burden.add_requiredapp",
        "burden.change_requiredapp",
        "burden.add_catalogfield",
        "burden.change_catalogfield",
        "burden.add_reportform",
        "burden.view_burdenreport",
        "burden.answer_burdenreport",
        "burden.change_burdenalert",
        "burden.confirm_overtimeentry",
    },
)
roles.add_role_permissions(
    roles.COUNTY_DEPARTMENT,
    VIEW_ALL
    | {
        "burden.add_inspection",
        "burden.add_meeting",
        "burden.add_document",
        "burden.add_requiredapp",
        "burden.add_reportform",
        "burden.add_catalogfield",
        "burden.add_overtimeentry",
        "burden.confirm_overtimeentry",
    },
)
roles.add_role_permissions(
    roles.TOWN,
    VIEW_ALL
    | {
        "burden.add_inspection",
        "burden.change_inspection",
        "burden.add_meeting",
        "burden.add_document",
        "burden.add_requiredapp",
        "burden.add_reportform",
        "burden.add_formfill",
        "burden.add_overtimeentry",
        "burden.confirm_overtimeentry",
    },
)
roles.add_role_permissions(
    roles.VILLAGE, VIEW_ALL | {"burden.add_formfill", "burden.add_overtimeentry", "burden.confirm_overtimeentry"}
)
roles.add_role_permissions(
    roles.FRONTLINE, {"burden.view_overtimeentry", "burden.add_overtimeentry", "burden.view_catalogfield"}
)
# The index of a person: read by those who may see the person (org's scope decides whom: a town its people,
# a village its own, front-line staff themselves). 减负办 reads units, not personnel records.
for _role in (roles.COUNTY_DEPARTMENT, roles.TOWN, roles.VILLAGE, roles.FRONTLINE):
    roles.add_role_permissions(_role, {"burden.view_person_index"})

SECTION = _("Burden reduction")
# 直通车 is open to everyone, anonymously: every account finds it in the menu, and the log-in page links to it.
VOICE = menu.MenuItem(_("Report a burden problem (直通车)"), "burden:voice", None, section=SECTION, order=38)
menu.register(VOICE)
menu.register_public(VOICE)
menu.register(
    menu.MenuItem(
        _("My burden index"), "burden:my_index", "burden.view_person_index", icon="gauge", section=SECTION, order=39
    ),
    menu.MenuItem(
        _("Burden dashboard"), "burden:dashboard", "burden.view_loadrollup", icon="chart-bar", section=SECTION, order=40
    ),
    menu.MenuItem(_("Burden index ranking"), "burden:ranking", "burden.view_loadrollup", section=SECTION, order=41),
    menu.MenuItem(_("Inspections"), "burden:inspection_list", "burden.view_inspection", section=SECTION, order=42),
    menu.MenuItem(_("Meetings"), "burden:meeting_list", "burden.view_meeting", section=SECTION, order=43),
    menu.MenuItem(_("Documents"), "burden:document_list", "burden.view_document", section=SECTION, order=44),
    menu.MenuItem(_("Apps and work groups"), "burden:app_list", "burden.view_requiredapp", section=SECTION, order=45),
    menu.MenuItem(_("Report forms (一表通)"), "burden:form_list", "burden.view_reportform", section=SECTION, order=46),
    menu.MenuItem(_("Field catalog"), "burden:catalog_list", "burden.view_catalogfield", section=SECTION, order=47),
    menu.MenuItem(_("Overtime"), "burden:overtime_list", "burden.view_overtimeentry", section=SECTION, order=48),
    menu.MenuItem(
        _("Burden reports (直通车)"), "burden:report_inbox", "burden.view_burdenreport", section=SECTION, order=49
    ),
    menu.MenuItem(_("Index settings"), "burden:settings", "burden.change_burdenalert", section=SECTION, order=50),
)

# The standing duties of each town's duty list (duties' estimates, a monthly rate) and the apps and work
# groups units must use every working day: the load that is there whatever else is sent.
sources.register(
    "standing",
    selectors.standing_duty_rates,
    label=_("standing duties (duty list)"),
    sender=sources.STANDING,
    per=sources.MONTH,
)
sources.register("apps", selectors.app_rates, label=_("apps and work groups"), per=sources.WORKING_DAY)
# Burden's own event sources keep the rollup table current in the transaction of each event.
sources.register("inspections", sources.rollup_function("inspections"), label=_("inspections received"), rollup=True)
sources.register("meetings", sources.rollup_function("meetings"), label=_("meetings attended"), rollup=True)
sources.register("forms", sources.rollup_function("forms"), label=_("report forms filled"), rollup=True)
sources.register("overtime", sources.rollup_function("overtime"), label=_("logged overtime (confirmed)"), rollup=True)


def _person_overtime(person_ids, unit_id, period):
    return selectors.person_overtime(person_ids, unit_id, period)


# Confirmed overtime is always someone's own: the person index counts it to them, never to the pool.
sources.register_person("overtime", _person_overtime, label=_("own confirmed overtime"))


def _in_post(unit):
    return str(selectors.people_in_post([unit.pk])[unit.pk])


def _quota(unit):
    return str(selectors.staffing_quota([unit.pk])[unit.pk])


def _vacancy(unit):
    return str(max(0, selectors.staffing_quota([unit.pk])[unit.pk] - selectors.people_in_post([unit.pk])[unit.pk]))


def _villages(unit):
    return str(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1, kind__in=Unit.GRASSROOTS).count())


sources.register_filler("org.in_post", _in_post, label=_("people in post (unit register)"))
sources.register_filler("org.quota", _quota, label=_("staffing quota (unit register)"))
sources.register_filler("org.vacancy", _vacancy, label=_("vacancies (unit register)"))
sources.register_filler("org.grassroots_units", _villages, label=_("villages and communities (unit tree)"))


def _home_card(request) -> dict | None:
    """What waits in burden monitoring: unplanned inspections and alerts for those who watch the index, 直通车
    reports to answer for 减负办, and forms still to fill for the units that fill them."""
    user = request.user
    stats, links = [], []
    if user.has_perm("burden.view_loadrollup"):
        year = selectors.default_month().year  # the dashboard's year, so that the two agree
        inspections = selectors.inspections(user)
        stats += [
            (_("Unplanned inspections waiting"), inspections.filter(approval=Approval.PENDING).count()),
            (_("Refused inspections held anyway"), selectors.held_despite_refusal(user).count()),
            (_("Open red-line alerts"), selectors.alerts(user).filter(acknowledged_by__isnull=True).count()),
            (_("Inspections in %(year)s") % {"year": year}, inspections.filter(date__year=year).count()),
        ]
        links.append((_("Burden dashboard"), reverse("burden:dashboard")))
    if user.has_perm("burden.answer_burdenreport"):
        waiting = selectors.burden_reports(user).exclude(status=BurdenReport.Status.ANSWERED)
        stats.append((_("Burden reports (直通车) to answer"), waiting.count()))
        links.append((_("Burden reports (直通车)"), reverse("burden:report_inbox")))
    if user.has_perm("burden.add_formfill"):
        stats.append((_("Forms still to fill"), selectors.forms_to_fill(user).filter(pending=True).count()))
        links.append((_("Report forms (一表通)"), reverse("burden:form_list")))
    if not stats:
        return None
    return {"key": "burden", "title": _("Burden on the grassroots"), "stats": stats, "links": links}


widgets.register_card(_home_card, order=40)


# -- resources against load (编制、经费向基层倾斜) -------------------------------------------------------------
# 减负办 keeps the county's fund allocations and decides staffing requests; 编办 (the staffing office, which
# sits in the organization department) reads the same page and decides them too; a town sees its own and files.
roles.add_role_permissions(
    roles.BURDEN_OFFICE,
    {
        "burden.view_fundallocation",
        "burden.add_fundallocation",
        "burden.change_fundallocation",
        "burden.view_staffingrequest",
        "burden.decide_staffingrequest",
    },
)
roles.add_role_permissions(
    roles.ORG_DEPARTMENT,
    {"burden.view_fundallocation", "burden.view_staffingrequest", "burden.decide_staffingrequest"},
)
roles.add_role_permissions(
    roles.TOWN, {"burden.view_fundallocation", "burden.view_staffingrequest", "burden.add_staffingrequest"}
)
menu.register(
    menu.MenuItem(
        _("Resources and burden"),
        "burden:resources",
        "burden.view_fundallocation",
        icon="scale",
        section=SECTION,
        order=41,
    ),
    menu.MenuItem(
        _("Staffing requests"), "burden:staffing_list", "burden.view_staffingrequest", section=SECTION, order=41
    ),
)


def _staffing_card(request) -> dict | None:
    """减负办 and 编办: the staffing requests waiting for their decision."""
    user = request.user
    if not user.has_perm("burden.decide_staffingrequest"):
        return None
    waiting = selectors.staffing_requests(user).filter(status=StaffingRequest.Status.PENDING).count()
    return {
        "key": "staffing",
        "title": _("Staffing requests"),
        "stats": [(StaffingRequest.Status.PENDING.label, waiting)],
        "links": [
            (_("Staffing requests"), reverse("burden:staffing_list") + "?status=pending"),
            (_("Resources and burden"), reverse("burden:resources")),
        ],
    }


widgets.register_card(_staffing_card, order=41)
