"""Log-in lockout (django-axes), counted two ways over the cool-off window:

- a user name from one address: AXES_FAILURE_LIMIT failures lock that name at that address only, so
  nobody elsewhere can lock a colleague out by typing wrong passwords for their name;
- an address, whatever the names: QINGCHE_LOGIN_ADDRESS_FAILURE_LIMIT failures lock the address, which
  stops spraying one password over many user names. The limit is higher because a whole town hall
  may reach Qingche through one address.

Axes compares one number with one limit, so the handler reports a failure count that reaches
AXES_FAILURE_LIMIT when either count is over its own limit. Every lockout is logged and shown to the
security administrator on the home page (`card`)."""

import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Count, Sum
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger("qingche.security")


def _sum(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """Expects AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"] (settings.py)."""

    def get_failures(self, request, credentials=None) -> int:
        as_user, at_address = (_sum(attempts) for attempts in self.get_user_attempts(request, credentials))
        if at_address >= settings.QINGCHE_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(as_user, get_failure_limit(request, credentials))
        return as_user

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful log-in clears that name's failures at that address, not the address's other names:
        a sprayer who owns one account must not reset the address count by logging in with it."""
        as_user = self.filter_user_attempts(request, credentials)[0]
        count, _deleted = as_user.delete()
        return count


@receiver(user_locked_out)
def _alert(sender, request=None, username=None, ip_address=None, **kwargs):
    log.warning("log-in lockout: user name %r at address %s", username, ip_address)


def recent_attempts():
    """Failure counts of the current cool-off window, as axes keeps them."""
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - get_cool_off())


def lockouts() -> dict:
    """The names locked at an address and the addresses locked for trying many names, right now."""
    attempts = recent_attempts()
    names = list(
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("ip_address", "username")
    )
    addresses = list(
        attempts.values("ip_address")
        .annotate(failures=Sum("failures_since_start"), names=Count("username", distinct=True))
        .filter(failures__gte=settings.QINGCHE_LOGIN_ADDRESS_FAILURE_LIMIT)
        .order_by("ip_address")
    )
    return {"names": names, "addresses": addresses}


def card(request):
    """The security administrator's alert on the home page."""
    if not request.user.has_perm("axes.view_accessattempt"):
        return None
    locked = lockouts()
    lines = [
        _(
            "Address %(ip)s tried %(names)d user names (%(failures)d failures): possible password spraying, "
            "the address is locked."
        )
        % {"ip": row["ip_address"], "names": row["names"], "failures": row["failures"]}
        for row in locked["addresses"]
    ]
    lines += [
        _("%(name)s is locked at address %(ip)s after %(failures)d failures.")
        % {"name": row["username"], "ip": row["ip_address"], "failures": row["failures"]}
        for row in locked["names"]
    ]
    return {
        "key": "lockouts",
        "title": _("Log-in lockouts"),
        "stats": [(_("user names locked"), len(locked["names"])), (_("addresses locked"), len(locked["addresses"]))],
        "lines": lines,
    }
