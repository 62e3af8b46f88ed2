import re
import uuid

from django.conf import settings
from django.utils import translation

from qingche.core.audit import AuditContext, _context

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request) -> str | None:
    """The client's address. X-Real-IP is believed only when it comes from a reverse proxy listed in
    QINGCHE_TRUSTED_PROXIES (the operator guide's set-up); anyone else could forge it."""
    remote = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
    if forwarded and remote in settings.QINGCHE_TRUSTED_PROXIES:
        return forwarded
    return remote


class RequestContextMiddleware:
    """Gives every request an id (kept from the proxy's X-Request-ID when well formed) and puts the
    request in the audit context, so that every write it causes names its actor, IP and request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = _context.set(AuditContext(request=request, ip=client_ip(request), request_id=request.request_id))
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


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
