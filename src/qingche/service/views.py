"""Pages of citizen requests. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from qingche.core import actors, parameters, periods, ratelimit
from qingche.core.charts import chart, series
from qingche.core.excel import xlsx_response
from qingche.core.forms import form_errors
from qingche.core.middleware import client_ip
from qingche.core.pagination import paginate
from qingche.core.periods import month_param
from qingche.core.rules import format_size
from qingche.core.scope import acting_unit_ids
from qingche.org.models import Unit
from qingche.service import importers, rules, selectors, services
from qingche.service.forms import CallbackForm, KnowledgeEntryForm, PublicRequestForm, RequestForm, TrackForm
from qingche.service.models import Open311Key, ServiceRequest


def _error_message(request, error) -> None:
    if isinstance(error, ValidationError):
        texts = (
            [text for texts in error.message_dict.values() for text in texts]
            if hasattr(error, "error_dict")
            else error.messages
        )
        messages.error(request, " ".join(texts))
    else:
        messages.error(request, str(error) or _("You do not have permission to do this."))


def _dispatch_units():
    return Unit.objects.filter(
        kind__in=[*Unit.TOWN_LEVEL, Unit.Kind.DEPARTMENT, Unit.Kind.OFFICE], is_active=True
    ).order_by("kind", "path")


def _villages_of(unit: Unit) -> list[Unit]:
    """The villages and communities a town may pass a request on to (转村); none below anything else."""
    if unit.kind not in Unit.TOWN_LEVEL:
        return []
    return list(
        Unit.objects.filter(
            kind__in=Unit.GRASSROOTS, path__startswith=unit.path, depth=unit.depth + 1, is_active=True
        ).order_by("path")
    )


def _intake_towns(user) -> list[Unit]:
    ids = acting_unit_ids(user, "service.add_servicerequest")
    return list(Unit.objects.filter(pk__in=ids, kind__in=Unit.TOWN_LEVEL))


def _submit_from_form(form, *, user, channel, intake_unit=None, files=(), entry=None, direct=False):
    """Register the form's request; with `direct` (the hotline's 直接答复 button), register it answered from
    the knowledge base `entry` in the same step."""
    data = form.cleaned_data
    submit = services.request_submit
    if direct:
        submit = functools.partial(services.request_submit_answered, entry=entry)
    return submit(
        user=user,
        channel=channel,
        category_id=data["category"],
        title=data.get("title", ""),
        text=data["text"],
        address=data.get("address", ""),
        lat=data.get("lat") or None,
        long=data.get("long") or None,
        town_id=data.get("town"),
        citizen_name=data.get("citizen_name", ""),
        citizen_phone=data.get("citizen_phone", ""),
        anonymous=data.get("anonymous", False),
        idempotency_key=data.get("idempotency_key", ""),
        intake_unit=intake_unit,
        files=files,
        publish=data.get("publish", False),
    )


# -- intake -----------------------------------------------------------------------------------------
@login_required
@permission_required("service.add_servicerequest", raise_exception=True)
def intake(request):
    """Hotline intake (keyboard-first: the category box has focus, Ctrl+Enter submits); a town's
    account registers a walk-in request for its own town."""
    hotline = request.user.has_perm("service.dispatch_servicerequest")
    towns = [] if hotline else _intake_towns(request.user)
    if not hotline and not towns:
        raise PermissionDenied(_("Only the hotline or a town registers requests here."))
    direct = hotline and "direct_entry" in request.POST
    entry = _direct_entry(request) if direct else None
    data = request.POST.copy() if request.method == "POST" else None
    if entry is not None and entry.category_id and not data.get("category"):
        data["category"] = str(entry.category_id)  # the entry's category when the operator chose none
    form = RequestForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            created = _submit_from_form(
                form,
                user=request.user,
                channel="hotline" if hotline else "walk_in",
                intake_unit=None if hotline else towns[0],
                entry=entry,
                direct=direct,
            )
        except ValidationError as error:
            form_errors(form, error)
        except PermissionDenied as error:
            _error_message(request, error)
        else:  # the code is shown once, on this page: never in a redirect, a message or a URL
            return _registered(request, created)
    return render(
        request,
        "service/intake.html",
        {
            "form": form,
            "hotline": hotline,
            "towns": towns,
            "suggest_url": reverse("service:intake_suggest"),
            "history_url": reverse("service:intake_history"),
            "knowledge_url": reverse("service:intake_knowledge") if hotline else "",
        },
    )


def _direct_entry(request):
    pk = request.POST.get("direct_entry", "")
    return selectors.knowledge_entries(request.user).filter(pk=pk, is_active=True).first() if pk.isdigit() else None


@login_required
@permission_required("service.view_knowledgeentry", raise_exception=True)
@require_POST
def intake_knowledge(request):
    """Knowledge base entries for the hotline while the caller talks (htmx): the search box's words, or else
    the entries that may answer what has been typed in the request so far."""
    query = request.POST.get("knowledge_q", "").strip()[:200]
    if query:
        found = selectors.knowledge_search(request.user, query, limit=5)
    else:
        found = selectors.knowledge_suggestions(
            request.user, request.POST.get("title", "") + " " + request.POST.get("text", "")
        )
    return render(
        request,
        "service/_knowledge_results.html",
        {
            "found": found,
            "query": query,
            "knowledge_url": reverse("service:intake_knowledge"),
            "can_answer": request.user.has_perm("service.dispatch_servicerequest"),
        },
    )


def _suggestion(request, *, public: bool):
    from qingche.service.classify.selectors import suggest_categories  # lazy: the classifier loads scikit-learn

    found = suggest_categories(request.POST.get("text", ""), request.POST.get("title", ""))
    return render(
        request,
        "service/_category_suggestion.html",
        {
            "found": found,
            "public": public,
            "suggest_url": reverse("service:submit_suggest" if public else "service:intake_suggest"),
        },
    )


@login_required
@permission_required("service.add_servicerequest", raise_exception=True)
@require_POST
def intake_suggest(request):
    """The category suggested for what the operator has typed so far, and the three most likely (htmx)."""
    return _suggestion(request, public=False)


@login_required
@permission_required("service.handle_servicerequest", raise_exception=True)
@require_POST
def reply_check(request, pk):
    """Hints on a reply being written, before it goes out (htmx)."""
    found = selectors.request_detail(request.user, pk)
    if found is None:
        raise Http404(_("Not found, or outside your scope."))
    reply = request.POST.get("reply", "")[: rules.MAX_TEXT]
    check = selectors.reply_check(found, reply) if reply.strip() else None
    return render(
        request,
        "service/_reply_check.html",
        {"check": check, "check_url": reverse("service:reply_check", args=[pk])},
    )


@login_required
@permission_required("service.add_servicerequest", raise_exception=True)
@require_POST
def intake_history(request):
    """The caller's earlier requests, as the operator types the phone number (htmx)."""
    history = selectors.caller_history(request.user, phone=request.POST.get("citizen_phone", ""))
    return render(
        request,
        "service/_caller_history.html",
        {"history": history, "history_url": reverse("service:intake_history")},
    )


@require_POST
def submit_suggest(request):
    """The citizen's form: the three most likely categories in plain words, to click (htmx)."""
    return _suggestion(request, public=True)


def _registered(request, created):
    response = render(
        request, "service/public_done.html", {"created": created, "code": rules.format_code(created.issued_code)}
    )
    add_never_cache_headers(response)
    return response


def _rate_limited(request) -> bool:
    return ratelimit.over_limit(
        "service.submit",
        client_ip(request) or "",
        window=3600,
        limit=int(parameters.get("service.public_rate_per_hour")),
    )


def public_submit(request):
    """The citizens' web form (no account)."""
    form = PublicRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if _rate_limited(request):
            return render(
                request,
                "service/public_submit.html",
                {"form": form, "limited": True, "suggest_url": reverse("service:submit_suggest")},
                status=429,
            )
        if form.is_valid():
            files = request.FILES.getlist("attachments")
            try:
                created = _submit_from_form(form, user=None, channel="web", files=files)
            except ValidationError as error:
                form_errors(form, error)
            else:
                return _registered(request, created)
        return render(
            request,
            "service/public_submit.html",
            {"form": form, "suggest_url": reverse("service:submit_suggest")},
            status=400,
        )
    return render(
        request, "service/public_submit.html", {"form": form, "suggest_url": reverse("service:submit_suggest")}
    )


TRACK_SCOPE = "service.track"
TRACK_FAILURES, TRACK_WINDOW = 5, 3600  # wrong codes for one number, seconds it is then locked


@never_cache
def track(request):
    """/track/: number + verification code, sent by POST only (a code never travels in a URL) → status, public
    timeline and reply; an answered request can be rated with the code typed again. After TRACK_FAILURES
    wrong codes for a number within the hour, the number is locked for an hour, even for the right code."""
    if request.method == "POST":
        form = TrackForm(request.POST)
    else:  # the number may be linked to; a code in the query string is ignored
        form = TrackForm(initial={"number": request.GET.get("number", "")[:20]})
    found, callback_form, status = None, None, 200
    if form.is_bound and form.is_valid():
        number = form.cleaned_data["number"].strip()
        if ratelimit.locked_out(TRACK_SCOPE, number):
            form.add_error(
                None, _("Too many wrong codes for this number: try again in an hour, or call the hotline 12345.")
            )
            status = 429
        else:
            found = selectors.track(number, form.cleaned_data["code"])
            if found is None:
                ratelimit.count_failure(TRACK_SCOPE, number, limit=TRACK_FAILURES, window=TRACK_WINDOW)
                form.add_error(None, _("No request matches this number and code."))
                status = 404
    elif form.is_bound:
        status = 400
    if found is not None and found.status == rules.ANSWERED:
        callback_form = CallbackForm(request.POST if "satisfaction" in request.POST else None)
        if callback_form.is_bound and callback_form.is_valid():
            try:
                services.request_callback(
                    user=None,
                    request=found,
                    public=True,
                    solved=callback_form.cleaned_data["solved"],
                    satisfaction=callback_form.cleaned_data["satisfaction"],
                )
            except ValidationError as error:
                form_errors(callback_form, error)
            else:
                found.refresh_from_db()
                callback_form = None
        if callback_form is not None and callback_form.errors:
            status = 400
    elif found is not None and "satisfaction" in request.POST:
        form.add_error(None, _("This request has already been rated, or it is not answered yet."))
        status = 400
    context = {
        "form": form,
        "found": found,
        "callback_form": callback_form,
        "timeline": selectors.public_timeline(found) if found else [],
        "review_by": selectors.reopen_review_by(found) if found else None,
    }
    return render(request, "service/track.html", context, status=status)


# -- dispatcher -------------------------------------------------------------------------------------
QUEUE_PAGE_SIZE = 20


@login_required
@permission_required("service.dispatch_servicerequest", raise_exception=True)
def queue(request):
    """A page of 20 requests waiting for dispatch, filtered by town and text. Each row sends to the suggested
    unit in one click; the choice of another unit is loaded for that row only when asked for."""
    town = request.GET.get("town", "")
    text = request.GET.get("q", "").strip()[:50]
    waiting = selectors.dispatch_queue(request.user, town_id=int(town) if town.isdigit() else None, text=text)
    page = paginate(request, waiting, QUEUE_PAGE_SIZE)
    return render(
        request,
        "service/queue.html",
        {
            "page": page,
            "towns": Unit.objects.filter(kind__in=Unit.TOWN_LEVEL, is_active=True).order_by("path"),
            "town": town,
            "text": text,
            "query": urlencode({key: value for key, value in (("town", town), ("q", text)) if value}),
        },
    )


@login_required
@permission_required("service.dispatch_servicerequest", raise_exception=True)
def dispatch_form(request, pk):
    """htmx: the form to dispatch one request to any unit, loaded into its row on demand."""
    row = selectors.request_detail(request.user, pk)
    if row is None:
        raise Http404(_("Not found, or outside your scope."))
    back = request.GET.get("next", "")
    return render(
        request,
        "service/_dispatch_form.html",
        {"row": row, "units": _dispatch_units(), "next": back if back.startswith("/service/") else ""},
    )


@login_required
@permission_required("service.arbitrate_servicerequest", raise_exception=True)
def arbitration(request):
    return render(request, "service/arbitration.html", {"rows": selectors.arbitration_queue(request.user)})


@login_required
@permission_required("service.callback_servicerequest", raise_exception=True)
def callbacks(request):
    page = paginate(request, selectors.callback_queue(request.user))
    page.object_list = selectors.with_reply_checks(page.object_list)
    return render(
        request,
        "service/callbacks.html",
        {
            "page": page,
            "reopenable": selectors.reopenable(request.user),
            "extensions": selectors.pending_extensions(request.user),
        },
    )


@login_required
@permission_required("service.handle_servicerequest", raise_exception=True)
def inbox(request):
    now = timezone.now()
    return render(request, "service/inbox.html", {"rows": selectors.inbox(request.user, now=now), "now": now})


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def detail(request, pk):
    found = selectors.request_detail(request.user, pk)
    if found is None:
        raise Http404(_("Not found, or outside your scope."))
    user = request.user
    handles = (
        found.unit is not None
        and user.has_perm("service.handle_servicerequest")
        and ServiceRequest.objects.visible_to(user, "handle").filter(pk=pk).exists()
    )
    timeline = list(selectors.timeline(user, found))
    shown = actors.names(event.actor for event in timeline)
    for event in timeline:
        if event.actor is not None:
            event.actor._shown_name = shown[event.actor_id]
    context = {
        "req": found,
        "timeline": timeline,
        "clock": found.clock(timezone.now()),
        "handles": handles,
        "units": _dispatch_units(),
        "duplicates": selectors.near_duplicates(user, found)
        if found.status in (rules.NEW, rules.RETURNED, rules.DISPATCHED)
        else [],
        "notices": selectors.notices(user, found),
        "reply_check": selectors.reply_check(found, found.reply) if found.reply else None,
        "reply_check_url": reverse("service:reply_check", args=[found.pk]),
        "history": selectors.caller_history(user, phone_hash=found.citizen_phone_hash, exclude_pk=found.pk)
        if found.citizen_phone_hash
        else [],
        "callback_form": CallbackForm(),
        "public_text": (found.public_text or selectors.public_text_proposed(found))
        if found.publication_consent and request.user.has_perm("service.publish_servicerequest")
        else "",
        "can": {action: rules.can(found.status, action) for action in rules.ALLOWED_FROM},
        "villages": _villages_of(found.unit) if handles and rules.can(found.status, "pass_on") else [],
    }
    return render(request, "service/detail.html", context)


ACTIONS = {
    "dispatch": lambda user, req, post: services.request_dispatch(
        user=user, request=req, unit_id=post.get("unit"), note=post.get("note", "")
    ),
    "accept": lambda user, req, post: services.request_accept(user=user, request=req),
    "start": lambda user, req, post: services.request_start(user=user, request=req, note=post.get("note", "")),
    "return": lambda user, req, post: services.request_return(
        user=user, request=req, reason=post.get("reason", ""), duty_item_code=post.get("duty_item_code", "")
    ),
    "arbitrate": lambda user, req, post: services.request_arbitrate(
        user=user,
        request=req,
        unit_id=post.get("unit"),
        reason=post.get("reason", ""),
        duty_item_code=post.get("duty_item_code", ""),
    ),
    "extend": lambda user, req, post: services.request_extension_ask(
        user=user, request=req, days=post.get("days"), reason=post.get("reason", "")
    ),
    "decide_extension": lambda user, req, post: services.request_extension_decide(
        user=user, request=req, approve=post.get("approve") == "1", note=post.get("note", "")
    ),
    "answer": lambda user, req, post: services.request_answer(user=user, request=req, reply=post.get("reply", "")),
    "callback": lambda user, req, post: services.request_callback(
        user=user,
        request=req,
        solved=post.get("solved", ""),
        satisfaction=post.get("satisfaction", ""),
        note=post.get("note", ""),
    ),
    "reopen": lambda user, req, post: services.request_reopen(user=user, request=req, reason=post.get("reason", "")),
    "publish": lambda user, req, post: services.request_publish(
        user=user, request=req, public_text=post.get("public_text", "")
    ),
    "unpublish": lambda user, req, post: services.request_unpublish(user=user, request=req),
    "pass_on": lambda user, req, post: services.request_pass_on(
        user=user, request=req, village_id=post.get("unit"), note=post.get("note", "")
    ),
}
# What each action's flash message says was done, with the request's number (and the unit it went to).
DONE = {
    "dispatch": gettext_lazy("Dispatched %(number)s to %(unit)s."),
    "accept": gettext_lazy("Accepted %(number)s."),
    "start": gettext_lazy("Started work on %(number)s."),
    "return": gettext_lazy("Returned %(number)s to the dispatcher."),
    "arbitrate": gettext_lazy("Arbitrated %(number)s: %(unit)s handles it."),
    "extend": gettext_lazy("Asked for more time on %(number)s."),
    "decide_extension": gettext_lazy("Decided the extension of %(number)s."),
    "answer": gettext_lazy("Answered %(number)s."),
    "callback": gettext_lazy("Recorded the callback of %(number)s."),
    "reopen": gettext_lazy("Reopened %(number)s: it goes back to %(unit)s."),
    "publish": gettext_lazy("Published %(number)s."),
    "unpublish": gettext_lazy("Withdrew %(number)s from publication."),
    "pass_on": gettext_lazy("Passed %(number)s on to %(unit)s."),
}


@login_required
@require_POST
def act(request, pk, action):
    found = selectors.request_detail(request.user, pk)
    if found is None:
        raise Http404(_("Not found, or outside your scope."))
    if action == "merge":
        into = selectors.request_detail(request.user, request.POST.get("into"))
        handler = None
        if into is None:
            messages.error(request, _("Choose a request to merge into."))
            return redirect("service:detail", pk)
        try:
            services.request_merge(user=request.user, request=found, into=into, reason=request.POST.get("reason", ""))
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
        return redirect("service:detail", pk)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        handler(request.user, found, request.POST)
    except (ValidationError, PermissionDenied) as error:
        _error_message(request, error)
        status = 403 if isinstance(error, PermissionDenied) else 400
        if request.headers.get("HX-Request"):
            return HttpResponse(status=status)
    else:
        found.refresh_from_db()
        unit = found.unit.name if found.unit_id else ""
        messages.success(request, str(DONE[action]) % {"number": found.number, "unit": unit})
    target = request.POST.get("next", "")
    if target.startswith("/service/"):
        return redirect(target)
    return redirect("service:detail", pk)


# -- the three rates --------------------------------------------------------------------------------
def _month(request) -> tuple[dt.date, list[dt.date]]:
    """The month asked for (?month=YYYY-MM; by default the latest complete month with figures) and the
    months to pick from (those with figures, and the one shown)."""
    months = selectors.months_available()
    month = month_param(request, periods.default_month(months))
    return month, periods.month_choices(months, month)


@login_required
@permission_required("service.view_raterollup", raise_exception=True)
def ranking(request):
    month, months = _month(request)
    group = "departments" if request.GET.get("group") == "departments" else "towns"
    rows = selectors.ranking(month, group)
    rows_by_month = selectors.trend(until=month)
    trend = chart(
        "line",
        [f"{row['month']:%Y-%m}" for row in rows_by_month],
        series(_("Response rate"), [_pct(row["rates"].response) for row in rows_by_month]),
        series(_("Resolution rate"), [_pct(row["rates"].resolution) for row in rows_by_month]),
        series(_("Satisfaction rate"), [_pct(row["rates"].satisfaction) for row in rows_by_month]),
        series(_("Score"), [_score(row["rates"]) for row in rows_by_month], bold=True),
        value_min=0,
        value_max=100,
    )
    return render(
        request,
        "service/ranking.html",
        {
            "rows": rows,
            "month": month,
            "group": group,
            "months": months,
            "trend_chart": trend,
            "direct_answers": selectors.direct_answer_count(month),
        },
    )


def _day_param(request, name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


@login_required
@permission_required("service.view_hot_issues", raise_exception=True)
def hot_issues(request):
    """The hottest issues of a period (by default the last 30 days), as cards or as an Excel file."""
    today = timezone.localdate()
    last = min(_day_param(request, "last", today), today)
    first = _day_param(request, "first", last - dt.timedelta(days=29))
    if first > last or (last - first).days > 366:
        first = last - dt.timedelta(days=29)
    computed_at, issues = selectors.hot_issues_recent(request.user, first, last)
    if request.GET.get("format") == "xlsx":
        headers = [
            _("Rank"),
            _("Heat"),
            _("Place"),
            _("First"),
            _("Last"),
            _("Messages"),
            _("Citizens"),
            _("Likes"),
            _("Against"),
            _("Sample"),
        ]
        rows = (
            [
                row["rank"],
                row["issue"].heat,
                row["place"],
                timezone.localtime(row["issue"].first).strftime("%Y-%m-%d"),
                timezone.localtime(row["issue"].last).strftime("%Y-%m-%d"),
                row["issue"].count,
                row["issue"].citizens,
                row["issue"].likes,
                row["issue"].opposes,
                " | ".join(f"{sample.number} {sample.title or sample.text[:60]}" for sample in row["samples"]),
            ]
            for row in issues
        )
        return xlsx_response(f"hot-issues-{first:%Y%m%d}-{last:%Y%m%d}.xlsx", headers, rows, str(_("Hot issues")))
    return render(
        request,
        "service/hot_issues.html",
        {
            "issues": issues,
            "first": first,
            "last": last,
            "computed_at": computed_at,
            "refresh_minutes": selectors.HOT_ISSUES_REFRESH_SECONDS // 60,
        },
    )


def _pct(value):
    return round(100 * value, 1) if value is not None else None


def _score(rates):
    return round(rates.score, 1) if rates.score is not None else None


@login_required
@permission_required("service.view_raterollup", raise_exception=True)
def my_rates(request):
    """A unit's own three rates (its grant's unit, or ?unit= within scope) with the requests behind each failure."""
    month, months = _month(request)
    visible = Unit.objects.visible_to(request.user)
    unit = visible.filter(pk=request.GET.get("unit")).first() if request.GET.get("unit", "").isdigit() else None
    if unit is None:
        acting = acting_unit_ids(request.user, "service.view_raterollup")
        unit = visible.filter(pk=acting[0]).first() if acting else visible.filter(depth=1).first()
    if unit is None:
        raise Http404(_("No unit to show."))
    counts = selectors.rollup_counts(month, [unit.pk]).get(unit.pk, rules.RateCounts())
    rows_by_month = selectors.trend([unit.pk], until=month)
    trend = chart(
        "line",
        [f"{row['month']:%Y-%m}" for row in rows_by_month],
        series(_("Score"), [_score(row["rates"]) for row in rows_by_month]),
        value_min=0,
        value_max=100,
    )
    return render(
        request,
        "service/my_rates.html",
        {
            "unit": unit,
            "month": month,
            "counts": counts,
            "rates": selectors.rates_of(counts),
            "failures": selectors.unit_failures(request.user, unit, month),
            "months": months,
            "trend_chart": trend,
        },
    )


# -- Open311 keys -----------------------------------------------------------------------------------
@login_required
@permission_required("service.view_open311key", raise_exception=True)
def keys(request):
    issued = None
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                entry = Open311Key.objects.visible_to(request.user).filter(pk=request.POST["revoke"]).first()
                if entry is None:
                    raise Http404
                services.open311_key_revoke(user=request.user, entry=entry)
                messages.success(request, _("The key was revoked."))
            else:
                _entry, issued = services.open311_key_issue(user=request.user, partner=request.POST.get("partner", ""))
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
    return render(
        request,
        "service/keys.html",
        {
            "keys": Open311Key.objects.visible_to(request.user).order_by("-created_at"),
            "issued": issued,
            "endpoint": request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})),
        },
    )


# -- Open311 submissions: waiting and set aside ------------------------------------------------------
@login_required
@permission_required("service.dispatch_servicerequest", raise_exception=True)
def open311_intake(request):
    """For the hotline: how many partner submissions wait to be registered, and those the registrar set aside
    with the reason (to be registered by hand at the hotline intake)."""
    failed = selectors.open311_failed()
    for submission in failed:
        submission.reason = rules.registration_failure(submission.error)
    backlog, limit = selectors.open311_backlog(), parameters.get("service.open311_max_wait_minutes")
    return render(
        request,
        "service/open311_intake.html",
        {"backlog": backlog, "limit_minutes": limit, "late": backlog["oldest_wait_s"] > limit * 60, "failed": failed},
    )


# -- import of historical requests ---------------------------------------------------------------
@login_required
@permission_required("service.view_historyimport", raise_exception=True)
def imports(request):
    status = 200
    if request.method == "POST":
        try:
            importers.history_import_start(user=request.user, upload=request.FILES.get("file"))
        except (ValidationError, PermissionDenied) as error:
            _error_message(request, error)
            status = 400 if isinstance(error, ValidationError) else 403
        else:
            messages.success(request, _("The file was received; its rows are being checked."))
            return redirect("service:imports")
    return render(
        request,
        "service/imports.html",
        {
            "jobs": selectors.history_imports(request.user),
            "columns": importers.COLUMNS,
            "max_size": format_size(settings.QINGCHE_MAX_IMPORT_BYTES),
        },
        status=status,
    )


@login_required
@permission_required("service.view_historyimport", raise_exception=True)
def import_status(request, pk):
    """The row of one import, polled by the page while it runs."""
    job = selectors.history_imports(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return render(request, "service/_import_row.html", {"job": job})


# -- the knowledge base -----------------------------------------------------------------------------------
@login_required
@permission_required("service.view_knowledgeentry", raise_exception=True)
def knowledge(request):
    """The knowledge base: search (best matches first) or every entry, newest change first."""
    query = request.GET.get("q", "").strip()[:200]
    if query:
        rows = [entry for entry, _hit in selectors.knowledge_search(request.user, query, limit=50)]
        page = None
    else:
        page = paginate(request, selectors.knowledge_entries(request.user))
        rows = page.object_list
    return render(
        request,
        "service/knowledge.html",
        {
            "rows": rows,
            "page": page,
            "query": query,
            "can_edit": request.user.has_perm("service.change_knowledgeentry"),
            "can_add": request.user.has_perm("service.add_knowledgeentry"),
        },
    )


def _knowledge_form(request, entry=None):
    initial = None
    if entry is not None:
        initial = {
            "title": entry.title,
            "answer": entry.answer,
            "keywords": entry.keywords,
            "category": entry.category_id,
            "source": entry.source,
            "is_active": entry.is_active,
        }
    form = KnowledgeEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.knowledge_entry_save(
                user=request.user,
                entry=entry,
                title=data["title"],
                answer=data["answer"],
                keywords=data["keywords"],
                category_id=data["category"],
                source=data["source"],
                is_active=data["is_active"],
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("The knowledge base entry was saved."))
            return redirect("service:knowledge")
    title = _("New knowledge base entry") if entry is None else _("Edit knowledge base entry")
    return render(request, "core/form.html", {"form": form, "title": title}, status=400 if form.errors else 200)


@login_required
@permission_required("service.add_knowledgeentry", raise_exception=True)
def knowledge_add(request):
    return _knowledge_form(request)


@login_required
@permission_required("service.change_knowledgeentry", raise_exception=True)
def knowledge_edit(request, pk):
    entry = selectors.knowledge_entries(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404(_("Not found, or outside your scope."))
    return _knowledge_form(request, entry)
