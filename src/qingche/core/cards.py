from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qingche.core import selectors


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
