"""How the tasks module plugs into the platform: role permissions, menu entries, parameters, home card."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingche.core import menu, parameters, widgets
from qingche.core.scope import acting_unit_ids
from qingche.org import roles
from qingche.tasks import rules_rectification, selectors, selectors_rectification
from qingche.tasks import selectors_rectification as ledger
from qingche.tasks.models import Admission, Task

parameters.register_defaults(
    {
        "tasks.min_lead_working_days": (5, "Minimum working days between sending a task and its deadline"),
        "tasks.urgent_quota": (6, "Urgent task requests a county department may send a year (default quota)"),
        "tasks.duplicate_window_days": (90, "Days back the near-duplicate check looks for tasks sent to the same unit"),
        "tasks.duplicate_threshold": (0.6, "Character-bigram similarity from which a task counts as a near-duplicate"),
        "tasks.standard_trace_materials": (
            ["ledgers", "summary"],
            "Trace materials a task may demand without a warning",
        ),
        "tasks.remind_before_working_hours": (8, "Working hours before a deadline when the reminder is sent"),
        "tasks.max_evidence_bytes": (10 * 1024 * 1024, "Largest evidence file accepted, in bytes"),
        "tasks.max_effort_hours": (2000, "Largest estimated effort per unit, in person-hours"),
        "tasks.off_list_decider_role": (
            roles.BURDEN_OFFICE,
            "Role code whose holders decide off-list tasks: burden_office (减负办) or org_department (组织部 as 编办)",
        ),
    }
)

VIEW = {
    "tasks.view_task",
    "tasks.view_taskassignment",
    "tasks.view_progresspost",
    "tasks.view_evidence",
    "tasks.view_reminder",
    "tasks.view_registryentry",
    "tasks.view_urgentquota",
}
WORK = {"tasks.add_progresspost", "tasks.add_evidence", "tasks.change_taskassignment"}

roles.add_role_permissions(
    roles.COUNTY_DEPARTMENT,
    VIEW
    | {
        "tasks.add_taskrequest",
        "tasks.view_taskrequest",
        "tasks.view_admission",
        "tasks.appeal_admission",
        "tasks.review_task",
    },
)
roles.add_role_permissions(
    roles.BURDEN_OFFICE,
    VIEW
    | {
        "tasks.view_taskrequest",
        "tasks.view_admission",
        "tasks.decide_admission",
        "tasks.add_registryentry",
        "tasks.change_registryentry",
        "tasks.delete_registryentry",
        "tasks.add_urgentquota",
        "tasks.change_urgentquota",
    },
)
# 组织部 acts as 编办: it decides off-list targets when tasks.off_list_decider_role names it (its queue is empty
# otherwise, and it never decides targets on a duty list)
roles.add_role_permissions(
    roles.ORG_DEPARTMENT,
    {"tasks.view_taskrequest", "tasks.view_admission", "tasks.decide_admission"},
)
roles.add_role_permissions(
    roles.TOWN,
    VIEW | WORK | {"tasks.view_admission", "tasks.split_task", "tasks.add_taskassignment", "tasks.change_task"},
)
roles.add_role_permissions(
    roles.VILLAGE, VIEW | WORK | {"tasks.split_task", "tasks.add_taskassignment", "tasks.change_task"}
)
roles.add_role_permissions(roles.FRONTLINE, VIEW | WORK)

menu.register(
    menu.MenuItem(
        _("Send a task"),
        "tasks:request_new",
        "tasks.add_taskrequest",
        icon="send",
        section=_("Duties and tasks"),
        order=30,
    ),
    menu.MenuItem(
        _("Sent tasks"),
        "tasks:request_list",
        "tasks.view_taskrequest",
        icon="list",
        section=_("Duties and tasks"),
        order=31,
    ),
    menu.MenuItem(
        _("Approval queue"),
        "tasks:queue",
        "tasks.decide_admission",
        icon="gavel",
        section=_("Duties and tasks"),
        order=32,
    ),
    menu.MenuItem(
        _("Admissions overview"),
        "tasks:overview",
        "tasks.decide_admission",
        icon="chart-bar",
        section=_("Duties and tasks"),
        order=33,
    ),
    menu.MenuItem(
        _("Task inbox"), "tasks:inbox", "tasks.split_task", icon="inbox", section=_("Duties and tasks"), order=34
    ),
    menu.MenuItem(
        _("My tasks"), "tasks:mine", "tasks.add_progresspost", icon="checklist", section=_("Duties and tasks"), order=35
    ),
    menu.MenuItem(
        _("Registry of letters and vetoes"),
        "tasks:registry",
        "tasks.view_registryentry",
        icon="certificate",
        section=_("Duties and tasks"),
        order=36,
    ),
)


def _card(request):
    """What waits for the user: decisions for 减负办; returns and work to accept for a requesting department;
    tasks to split for a town or village; own parts for everyone who works them."""
    user = request.user
    stats, links = [], []
    if selectors.decides_admissions(user):
        stats.append((_("waiting for your decision"), selectors.approval_queue(user).count()))
        links.append((_("Approval queue"), reverse("tasks:queue")))
    if user.has_perm("tasks.add_taskrequest"):
        mine = acting_unit_ids(user, "tasks.add_taskrequest")
        returned = selectors.admissions(user).filter(
            request__requester_unit_id__in=mine, verdict=Admission.Verdict.RETURNED, appealed_at=None
        )
        stats.append((_("returned to you"), returned.count()))
        if user.has_perm("tasks.review_task"):
            done = selectors.tasks(user).filter(request__requester_unit_id__in=mine, status=Task.Status.DONE)
            stats.append((_("done, for you to accept"), done.count()))
        links.append((_("Sent tasks"), reverse("tasks:request_list")))
    if user.has_perm("tasks.split_task"):
        inbox = selectors.tasks(user).filter(status__in=("open", "in_progress", "sent_back"))
        stats.append((_("open tasks in your scope"), inbox.count()))
        links.append((_("Task inbox"), reverse("tasks:inbox")))
    if user.has_perm("tasks.add_progresspost"):
        stats.append((_("assigned to you, open"), selectors.my_assignments(user).filter(status="open").count()))
        links.append((_("My tasks"), reverse("tasks:mine")))
    if not stats:
        return None
    return {"key": "tasks", "title": _("Tasks"), "stats": stats, "links": links}


widgets.register_card(_card, order=30)


# -- connections to other modules ------------------------------------------------------------------------
# Burden monitoring: the effort of admitted tasks is load on the target unit (sent by the requesting department,
# an upper-level demand). services._create_task keeps burden's rollup current in the admitting transaction.
from qingche.burden import sources as burden_sources  # noqa: E402
from qingche.tasks.services import TASKS_LOAD_SOURCE  # noqa: E402

burden_sources.register(
    TASKS_LOAD_SOURCE,
    burden_sources.rollup_function(TASKS_LOAD_SOURCE),
    label=_("admitted tasks (by effort)"),
    sender=burden_sources.UPPER,
    rollup=True,
)


# The index of a person: the task parts given to people are their own work, taken out of the unit's shared
# load of admitted tasks (a read of this module's tables through its selector).
def _person_effort(person_ids, unit_id, period):
    return selectors.person_effort(person_ids, unit_id, period.first, period.last)


burden_sources.register_person(
    TASKS_LOAD_SOURCE, _person_effort, label=_("task parts assigned to the person"), unit_source=TASKS_LOAD_SOURCE
)


# Appraisal: workload, done, on time, late and sent back from people's task assignments.
def _appraisal_figures(person_ids, start, end):
    return selectors.appraisal_figures(person_ids, start, end)


from django.apps import apps as _apps  # noqa: E402

if _apps.is_installed("qingche.appraisal"):
    from qingche.appraisal import indicators  # noqa: E402

    indicators.register("tasks", _appraisal_figures)


# Appraisal: the 职能部门 rater group are the departments whose tasks were admitted to the ratee's unit.
def _requesting_departments(unit_ids, start, end):
    return selectors.requesting_departments(unit_ids, start, end)


if _apps.is_installed("qingche.appraisal"):
    indicators.register_rater_source("department", _requesting_departments)


# -- the rectification ledger (问题 → 整改 → 销号) and coordination meetings (联席会议) -------------------------------
parameters.register_defaults(
    {
        "tasks.rectification_remind_days": (
            3,
            "Days before a rectification item's or a coordination decision's deadline when its owner is reminded",
        ),
        "tasks.rectification_default_days": (30, "Days from raising a rectification item to its default deadline"),
    }
)
LEDGER_VIEW = {
    "tasks.view_rectificationitem",
    "tasks.view_rectificationevidence",
    "tasks.view_coordinationmeeting",
    "tasks.view_coordinationissue",
    "tasks.view_coordinationdecision",
}
RAISE_AND_VERIFY = {"tasks.add_rectificationitem", "tasks.verify_rectificationitem"}
WORK_ITEMS = {"tasks.change_rectificationitem", "tasks.add_rectificationevidence"}
CONVENE = {
    "tasks.add_coordinationmeeting",
    "tasks.add_coordinationissue",
    "tasks.add_coordinationdecision",
}
roles.add_role_permissions(roles.BURDEN_OFFICE, LEDGER_VIEW | RAISE_AND_VERIFY | CONVENE)
roles.add_role_permissions(roles.ORG_DEPARTMENT, LEDGER_VIEW | RAISE_AND_VERIFY)
roles.add_role_permissions(
    roles.COUNTY_DEPARTMENT,
    LEDGER_VIEW | RAISE_AND_VERIFY | WORK_ITEMS | CONVENE | {"tasks.change_coordinationdecision"},
)
roles.add_role_permissions(
    roles.TOWN, LEDGER_VIEW | RAISE_AND_VERIFY | WORK_ITEMS | {"tasks.change_coordinationdecision"}
)
roles.add_role_permissions(
    roles.VILLAGE, {"tasks.view_rectificationitem", "tasks.view_rectificationevidence"} | WORK_ITEMS
)
roles.add_role_permissions(
    roles.FRONTLINE, {"tasks.view_rectificationitem", "tasks.view_rectificationevidence"} | WORK_ITEMS
)

LEDGER_SECTION = _("Closing the loop")
menu.register(
    menu.MenuItem(
        _("Rectification ledger"),
        "tasks:ledger",
        "tasks.view_rectificationitem",
        icon="list-check",
        section=LEDGER_SECTION,
        order=60,
    ),
    menu.MenuItem(
        _("Raise a rectification item"),
        "tasks:ledger_new",
        "tasks.add_rectificationitem",
        icon="plus",
        section=LEDGER_SECTION,
        order=61,
    ),
    menu.MenuItem(
        _("Coordination meetings"),
        "tasks:coordination_list",
        "tasks.view_coordinationmeeting",
        icon="users-group",
        section=LEDGER_SECTION,
        order=62,
    ),
    menu.MenuItem(
        _("Open decisions by owner"),
        "tasks:decisions_open",
        "tasks.view_coordinationdecision",
        icon="checklist",
        section=LEDGER_SECTION,
        order=63,
    ),
)


def _ledger_card(request):
    """Rectification items waiting for the user: to rectify (the owner), to verify (the raiser), overdue."""

    user = request.user
    if not user.has_perm("tasks.view_rectificationitem"):
        return None
    rows = ledger.items(user)
    stats = []
    if user.has_perm("tasks.change_rectificationitem"):
        mine = acting_unit_ids(user, "tasks.change_rectificationitem")
        stats.append(
            (
                _("to rectify"),
                rows.filter(owner_unit_id__in=mine, status__in=("open", "measures_set", "sent_back")).count(),
            )
        )
    if user.has_perm("tasks.verify_rectificationitem"):
        mine = acting_unit_ids(user, "tasks.verify_rectificationitem")
        stats.append(
            (_("submitted, for you to verify"), rows.filter(raiser_unit_id__in=mine, status="submitted").count())
        )
    overdue = rows.filter(status__in=rules_rectification.NOT_CLOSED, deadline__lt=timezone.localdate()).count()
    stats.append((_("overdue rectification items"), overdue))
    return {
        "key": "rectification",
        "title": _("Rectification ledger"),
        "stats": stats,
        "links": [(_("Rectification ledger"), reverse("tasks:ledger"))],
    }


widgets.register_card(_ledger_card, order=31)


# "转为整改" on the pages of burden (inspections, red-line alerts, 直通车 reports): lower modules cannot import this
# one, so they render core.followups' tags and this module plugs in the button and the public progress.
from qingche.core import followups  # noqa: E402
from qingche.surveys import actions as survey_actions  # noqa: E402


def _raise_action(kind):
    def build(user, object_id):

        if not user.has_perm("tasks.add_rectificationitem"):
            return []
        url = reverse("tasks:ledger_new") + f"?source={kind}&source_id={object_id}"
        return [(_("Raise for rectification (转为整改)"), url)]

    return build


def _public_progress(report_ids):

    return selectors_rectification.public_progress(report_ids)


followups.register_action("burden.inspection", _raise_action("inspection"))
followups.register_action("burden.burdenalert", _raise_action("burden_alert"))
followups.register_action("burden.burdenreport", _raise_action("burden_report"))
followups.register_progress("burden.burdenreport", _public_progress)


def _survey_ledger_url(survey, question=None):
    return reverse("tasks:ledger_new") + f"?source=survey&source_id={survey.pk}"


survey_actions.register_result_action(
    label=_("Raise for rectification (转为整改)"), url=_survey_ledger_url, permission="tasks.add_rectificationitem"
)
# the surveys module (another branch) gets its button by one more line here: register_action("surveys.survey", …)
