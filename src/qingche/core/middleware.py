import ipaddress
import re
import uuid

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils import translation

from qingche.core.anonymous import is_anonymous_path
from qingche.core.audit import AuditContext, _context

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _trusted(remote: str | None) -> bool:
    """QINGCHE_TRUSTED_PROXIES holds addresses or networks (10.0.0.0/24), or `*` (every peer is a proxy)."""
    if not remote:
        return False
    address = ipaddress.ip_address(remote)
    for entry in settings.QINGCHE_TRUSTED_PROXIES:
        if entry == "*":
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str | None:
    """The client's address. X-Real-IP is believed only when it comes from a reverse proxy listed in
    QINGCHE_TRUSTED_PROXIES (the operator guide's set-up); anyone else could forge it. A header that is
    not an address is ignored."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR") or "")
    forwarded = _valid_ip(request.META.get("HTTP_X_REAL_IP", "").strip())
    if forwarded and _trusted(remote):
        return forwarded
    return remote


class RequestContextMiddleware:
    """Gives every request an id (kept from the proxy's X-Request-ID when well formed) and puts the
    request in the audit context, so that every write it causes names its actor, IP and request id.
    On the anonymous paths (core.anonymous) the context names nobody (no account, no address, no id),
    and a cookie the browser already holds is not sent again: Django re-sends the CSRF cookie on every
    page with a form only to renew its expiry, and the answer to an anonymous report sets no cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_anonymous_path(request.path_info):
            request.request_id = ""
            token = _context.set(AuditContext())
        else:
            incoming = request.META.get("HTTP_X_REQUEST_ID", "")
            request.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
            token = _context.set(AuditContext(request=request, ip=client_ip(request), request_id=request.request_id))
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        if request.request_id:
            response["X-Request-ID"] = request.request_id
        else:
            held = [name for name, morsel in response.cookies.items() if request.COOKIES.get(name) == morsel.value]
            for name in held:
                del response.cookies[name]
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except on the anonymous paths: there the session may be read (the page knows who is
    logged in) but is never saved and no session cookie is sent, so SESSION_SAVE_EVERY_REQUEST does not
    rewrite the cadre's session row at the instant of an anonymous report."""

    def process_response(self, request, response):
        if is_anonymous_path(request.path_info):
            return response
        return super().process_response(request, response)


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
