import ipaddress
import re
import uuid

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

from qingche.core import otp
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


class TrustedProxySchemeMiddleware:
    """X-Forwarded-Proto: https marks a request as secure only when it comes from a reverse proxy listed
    in QINGCHE_TRUSTED_PROXIES (Django's SECURE_PROXY_SSL_HEADER would believe anyone). First in the
    chain, so that HSTS, secure redirects and CSRF see the right scheme."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.META.get("REMOTE_ADDR") in settings.QINGCHE_TRUSTED_PROXIES
            and request.META.get("HTTP_X_FORWARDED_PROTO", "").strip().lower() == "https"
        ):
            request.META["wsgi.url_scheme"] = "https"
        return self.get_response(request)


class AccountDutiesMiddleware:
    """Before anything else, an account must do what its security asks: change a first password given by
    an administrator, enrol a second factor (administrators and the superuser) and prove it in this
    session. Until then only the pages that do so answer; the API answers 403."""

    ALLOWED = ("login", "login_otp", "logout", "password_change", "core:otp_setup", "core:set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if user.must_change_password:
            duty, target = _("Change your first password before going on."), "password_change"
        elif otp.needs_second_factor(user) and not user.is_verified():
            duty, target = _("This account needs a second factor: enrol it before going on."), "core:otp_setup"
        else:
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if match is not None and match.view_name in self.ALLOWED:
            return self.get_response(request)
        if request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": duty}, status=403)
        return redirect(target)
