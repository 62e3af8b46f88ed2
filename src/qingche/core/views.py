import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingche.core import selectors, services
from qingche.core.audit import shown
from qingche.core.calendar import work_calendar
from qingche.core.models import AuditEvent
from qingche.core.widgets import home_cards


def lockout_response(request, credentials=None, *args, **kwargs):
    return render(request, "core/locked_out.html", status=429)


@login_required
def home(request):
    return render(request, "core/home.html", {"cards": home_cards(request)})


def _audit_export(events):
    from qingche.core.audit import record
    from qingche.core.excel import xlsx_response

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
    page = Paginator(events, 50).get_page(params.get("page"))
    for event in page:
        event.shown_before, event.shown_after = shown(event)
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "actions": AuditEvent.Action.choices,
            "object_types": selectors.audit_object_types(request.user),
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
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

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
