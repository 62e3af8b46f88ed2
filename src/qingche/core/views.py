import datetime as dt
import time

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingche.core import audit_display, otp, selectors, services
from qingche.core.audit import record, shown
from qingche.core.calendar import work_calendar
from qingche.core.excel import xlsx_response
from qingche.core.forms import LoginForm
from qingche.core.models import AuditEvent, User
from qingche.core.tokens import still_valid
from qingche.core.widgets import home_cards


def lockout_response(request, credentials=None, *args, **kwargs):
    return render(request, "core/locked_out.html", status=429)


@login_required
def home(request):
    return render(request, "core/home.html", {"cards": home_cards(request)})


def _audit_export(events):

    record("export", object_type="core.auditevent", object_repr=_("audit trail"))
    headers = [
        _("time"),
        _("actor"),
        "IP",
        _("action"),
        _("object type"),
        _("object id"),
        _("object"),
        _("before"),
        _("after"),
        _("reason"),
        _("request id"),
    ]
    rows = (
        (
            e.created_at.astimezone(timezone.get_current_timezone()).replace(tzinfo=None),
            e.actor_name,
            e.ip,
            e.get_action_display(),
            e.object_type,
            e.object_id,
            e.object_repr,
            *shown(e),
            e.reason,
            e.request_id,
        )
        for e in events.iterator(chunk_size=2000)
    )
    return xlsx_response("audit.xlsx", headers, rows)


def _date(value: str):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@permission_required("core.view_auditevent", raise_exception=True)
def audit_list(request):
    params = request.GET
    events = selectors.audit_events(
        request.user,
        actor=params.get("actor", "").strip(),
        action=params.get("action", ""),
        object_type=params.get("object_type", ""),
        object_id=params.get("object_id", "").strip(),
        request_id=params.get("request_id", "").strip(),
        date_from=_date(params.get("from", "")),
        date_to=_date(params.get("to", "")),
    )
    if params.get("export") == "xlsx":
        return _audit_export(events)
    page = Paginator(events.select_related("actor"), 50).get_page(params.get("page"))
    page.object_list = audit_display.annotate(page.object_list)
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "actions": AuditEvent.Action.choices,
            "object_types": sorted(
                (
                    (value, audit_display.object_type_label(value))
                    for value in selectors.audit_object_types(request.user)
                ),
                key=lambda pair: pair[1],
            ),
            "chain": selectors.audit_anchors(request.user),
            "params": params,
            "query": query.urlencode(),
        },
    )


@login_required
@permission_required("core.view_holidayoverride", raise_exception=True)
def holiday_list(request):
    if request.method == "POST":
        try:
            services.holiday_save(
                user=request.user,
                date=_required_date(request.POST.get("date", "")),
                is_workday=request.POST.get("is_workday") == "1",
                name=request.POST.get("name", "").strip(),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return render(request, "core/holiday_list.html", _holiday_context(request), status=400)
        messages.success(request, _("Saved."))
        return redirect("core:holiday_list")
    return render(request, "core/holiday_list.html", _holiday_context(request))


def _required_date(value: str) -> dt.date:
    parsed = _date(value)
    if parsed is None:
        raise ValidationError(_("Enter a valid date (YYYY-MM-DD)."))
    return parsed


def _holiday_context(request):
    unknown = work_calendar().years_to_enter(timezone.localdate())
    return {"entries": selectors.holiday_entries(request.user), "unknown_years": unknown}


@login_required
@require_POST
def holiday_delete(request, pk):
    entry = get_object_or_404(selectors.holiday_entries(request.user), pk=pk)
    services.holiday_delete(user=request.user, entry=entry)
    messages.success(request, _("Deleted."))
    return redirect("core:holiday_list")


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user keeps the choice on their account."""

    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    translation.activate(language)
    response = redirect(next_url)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", httponly=True)
    return response


# -- log-in with a second factor, enrolment, API tokens ----------------------------------------------------
PENDING_KEY = "qingche_otp_pending"
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    """The password first; an account that has a second factor then gives its code (login_otp) before
    it is logged in. An administrator without one yet is logged in to enrol and can do nothing else."""

    template_name = "core/login.html"
    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if otp.needs_second_factor(user) and otp.confirmed_totp(user) is not None:
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_redirect_url(),
            }
            return redirect("login_otp")
        return super().form_valid(form)


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None

    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user, pending


def login_otp(request):
    """Second step of the log-in: the 6-digit code of the authenticator app, or a recovery code."""

    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING_KEY, None)
        return lockout_response(request, credentials)
    error = ""
    if request.method == "POST":
        device = otp.verify(user, request.POST.get("otp", ""))
        if device is not None:
            del request.session[PENDING_KEY]
            user.otp_device = device  # django-otp marks the new session as verified by this device
            auth_login(request, user)
            next_url = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = ""
            return redirect(next_url or "core:home")
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        error = _("Wrong verification code.")
    return render(request, "core/login_otp.html", {"error": error}, status=400 if error else 200)


@login_required
def otp_setup(request):
    """Second factor of the signed-in account: enrol (QR code drawn here), prove it in this session,
    renew the recovery codes."""
    user = request.user
    device = otp.confirmed_totp(user)
    context = {"needs": otp.needs_second_factor(user), "device": device, "error": ""}
    if device is not None and not user.is_verified():
        # Enrolled, but this session has not given a code (a log-in outside the log-in page).
        if request.method == "POST":
            verified = otp.verify(user, request.POST.get("otp", ""))
            if verified is not None:
                django_otp.login(request, verified)
                return redirect("core:home")
            context["error"] = _("Wrong verification code.")
        return render(request, "core/otp_verify.html", context, status=400 if context["error"] else 200)
    if device is not None and request.POST.get("action") == "recovery":
        context["codes"] = otp.new_recovery_codes(user)
    elif device is None or request.POST.get("action") in ("enrol", "confirm"):
        pending = otp.pending_totp(user)
        if request.method == "POST" and request.POST.get("action") == "confirm":
            codes = otp.confirm(user, pending, request.POST.get("otp", ""))
            if codes is None:
                context["error"] = _("Wrong verification code.")
            else:
                django_otp.login(request, pending)
                context.update(device=pending, codes=codes)
                return render(request, "core/otp_setup.html", context)
        context.update(pending=pending, secret=otp.base32_secret(pending), qr=otp.qr_data_uri(pending))
    context["recovery_left"] = otp.recovery_codes_left(user)
    return render(request, "core/otp_setup.html", context, status=400 if context["error"] else 200)


@login_required
def api_tokens(request):
    """The account's own API tokens: when each was issued, expires, was last used; revoke one."""

    tokens = list(selectors.api_tokens(request.user)[:100])
    now = timezone.now()
    for token in tokens:
        token.valid = still_valid(token, now)
    return render(request, "core/api_tokens.html", {"tokens": tokens})


@login_required
@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(selectors.api_tokens(request.user), pk=pk)
    services.api_token_revoke(user=request.user, token=token)
    messages.success(request, _("The token is revoked."))
    return redirect("core:api_tokens")
