"""How the tasks module plugs into the platform: role permissions, menu entries, parameters, home card."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qingche.core import menu, parameters, widgets
from qingche.core.scope import acting_unit_ids
from qingche.org import roles
from qingche.tasks import selectors
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
    if user.has_perm("tasks.decide_admission"):
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
