"""What /healthz checks, and the clean 503 a request gets while the database is away.

/healthz answers 200 when all is well and 503 when something needs the operator, naming it in
`problems`: `database` (SELECT 1 failed), `background` (a process `qingche serve` supervises, or the
supervisor itself, is not running), or the name of a module's check (e.g. `open311`, registered by the
service module with `register`: a check returns its figures and "ok"). docs/operator-guide.md §9."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from qingche.core import background

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
_checks: dict[str, Callable[[], dict]] = {}


def register(name: str, check: Callable[[], dict]) -> None:
    """check() -> its figures with "ok": False when the operator must act (then /healthz answers 503)."""
    _checks[name] = check


def healthz(request):
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
    except Exception as error:  # noqa: BLE001 - the health check reports any database failure
        database = {"status": "error", "detail": type(error).__name__}
        problems.append("database")
    body = {"database": database, "background": background.status()}
    if body["background"].get("down"):
        problems.append("background")
    if not problems:  # the modules' checks read the database
        for name, check in _checks.items():
            try:
                body[name] = check()
            except Exception as error:  # noqa: BLE001 - a failing check is a problem, not a 500
                body[name] = {"ok": False, "detail": type(error).__name__}
            if not body[name].get("ok", False):
                problems.append(name)
    response = JsonResponse(
        {"status": "error" if problems else "ok", "problems": problems, **body}, status=503 if problems else 200
    )
    if "database" in problems:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# -- a request that finds the database away ------------------------------------------------------------------
def database_away(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def unavailable(request) -> HttpResponse:
    """503 with Retry-After: JSON for the API and Open311 (as their other errors), a plain page otherwise.
    Touches no database: no session, no menu."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    path = request.path_info
    if path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    elif path.startswith("/open311/"):
        response = JsonResponse([{"code": 503, "description": message}], status=503, safe=False)
    else:
        response = HttpResponse(render_to_string("core/503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseAwayMiddleware:
    """A view that hits a dead or refused database connection answers 503 with Retry-After, not 500.
    (CONN_HEALTH_CHECKS replaces a connection the server closed before the next request uses it.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_away(exception):
            logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
            return unavailable(request)
        return None


def server_error(request, *args, **kwargs):
    """handler500: the same 503 when the error came from the database being away outside a view (a
    middleware reading the session or the account), Django's 500 otherwise."""
    if database_away(sys.exc_info()[1]):
        return unavailable(request)
    return defaults.server_error(request, *args, **kwargs)
