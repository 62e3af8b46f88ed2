"""How core plugs into the platform: its home cards (audit today, log-in lockouts), menu entries and the task
worker among the background processes (core.background)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.compat import task_enqueued

from qingche.core import background, lockout, menu, selectors, wakeup, widgets


def audit_today(request):
    if not request.user.has_perm("core.view_auditevent"):
        return None
    today = timezone.localdate()
    events = selectors.audit_events(request.user, date_from=today, date_to=today)
    return {
        "key": "audit",
        "title": _("Audit trail today"),
        "stats": [
            (_("events"), events.count()),
            (_("unmaskings"), events.filter(action="unmask").count()),
            (_("failed log-ins"), events.filter(action="login_failed").count()),
        ],
        "links": [(_("Audit trail"), reverse("core:audit_list"))],
    }


widgets.register_card(audit_today, order=80)
widgets.register_card(lockout.card, order=85)

menu.register(
    menu.MenuItem(
        gettext_lazy("Audit trail"),
        "core:audit_list",
        "core.view_auditevent",
        icon="history",
        section=gettext_lazy("System"),
    ),
    menu.MenuItem(
        gettext_lazy("Holidays and workdays"),
        "core:holiday_list",
        "core.view_holidayoverride",
        icon="calendar",
        section=gettext_lazy("System"),
    ),
)

# The worker of the tasks framework (imports of historical requests), woken when a task is queued.
TASKS_CHANNEL = "qingche_tasks"
background.register("task_worker", ["task_worker"])


def _wake_task_worker(sender, **kwargs):
    wakeup.notify(TASKS_CHANNEL)


task_enqueued.connect(_wake_task_worker, dispatch_uid="qingche.core.wake_task_worker")
