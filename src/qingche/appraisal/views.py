"""Pages of appraisal. Thin: reads through selectors, writes through services."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from qingche.appraisal import forms, indicators, rules, selectors, services
from qingche.appraisal.models import AppraisalCycle, Rating
from qingche.core.audit import record
from qingche.core.charts import chart, series
from qingche.core.excel import xlsx_response
from qingche.core.forms import form_errors
from qingche.core.pagination import paginate
from qingche.core.periods import year_param
from qingche.core.scope import user_person_id
from qingche.org import selectors as org_selectors

Status = AppraisalCycle.Status


def _message(request, error: ValidationError | PermissionDenied) -> None:
    texts = error.messages if isinstance(error, ValidationError) else [str(error)]
    messages.error(request, " ".join(texts))


# -- cycles -----------------------------------------------------------------------------------------
@login_required
@permission_required("appraisal.view_appraisalcycle", raise_exception=True)
def index(request):
    return render(
        request,
        "appraisal/index.html",
        {
            "cycles": selectors.cycles(request.user),
            "my_results": selectors.my_results(request.user)[:20],
            "open_ratings": selectors.open_ratings(request.user).exclude(status=Rating.Status.SUBMITTED).count(),
            "can_add": request.user.has_perm("appraisal.add_appraisalcycle"),
        },
    )


@login_required
@permission_required("appraisal.add_appraisalcycle", raise_exception=True)
def cycle_new(request):
    form = forms.CycleForm(
        request.POST or None,
        schemes=selectors.schemes(request.user).filter(is_active=True),
        units=org_selectors.units(request.user).filter(kind__in=["county", "town", "street", "department"]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("The cycle was created with raters assigned from the unit structure."))
            return redirect("appraisal:cycle_detail", pk=cycle.pk)
    return render(request, "core/form.html", {"form": form, "title": _("New appraisal cycle")})


def _cycle_for(request, pk) -> tuple[AppraisalCycle, bool]:
    cycle = get_object_or_404(selectors.cycles(request.user), pk=pk)
    return cycle, selectors.can_manage(request.user, cycle)


# Each step of a cycle and what its flash message says was done.
ACTIONS = {
    "score": (services.cycle_score, gettext_lazy("%(cycle)s: scored.")),
    "calibrate": (services.cycle_open_calibration, gettext_lazy("%(cycle)s: calibration opened.")),
    "publish": (services.cycle_publish, gettext_lazy("%(cycle)s: published; the publicity period has started.")),
    "finalise": (services.cycle_finalise, gettext_lazy("%(cycle)s: finalised.")),
}


@login_required
@permission_required("appraisal.view_appraisalcycle", raise_exception=True)
def cycle_detail(request, pk):
    cycle, manage = _cycle_for(request, pk)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        try:
            step = request.POST.get("action")
            if step in ACTIONS:
                action, done = ACTIONS[step]
                action(user=request.user, cycle=cycle)
                messages.success(request, str(done) % {"cycle": cycle})
            elif step == "links":
                unit = get_object_or_404(org_selectors.units(request.user), pk=request.POST.get("unit") or 0)
                services.links_create(
                    user=request.user, cycle=cycle, unit=unit, count=int(request.POST.get("count") or 0)
                )
                messages.success(request, _("Rating links created."))
            elif step == "collect":
                used = services.figures_collect(user=request.user, cycle=cycle)
                messages.info(
                    request, _("Sources used: %(names)s") % {"names": indicators.source_names("+".join(used)) or "—"}
                )
        except (ValidationError, PermissionDenied, ValueError) as error:
            _message(request, error if not isinstance(error, ValueError) else ValidationError(str(error)))
        return redirect("appraisal:cycle_detail", pk=cycle.pk)
    first = cycle.appraisees.only("figures_source").first()
    context = {
        "cycle": cycle,
        "manage": manage,
        "scheme": cycle.scheme,
        "dimension_names": forms.DIMENSION_NAMES,
        "figures_source": indicators.source_names(first.figures_source) if first else "",
    }
    if manage:
        link_rows = [
            {
                "link": link,
                "url": request.build_absolute_uri(reverse("appraisal:link_rate", args=[services.link_token(link)])),
            }
            for link in selectors.links(request.user, cycle)
        ]
        context.update(
            progress=selectors.progress(request.user, cycle),
            sources=indicators.status(),
            links=link_rows,
            page=paginate(request, selectors.rater_flags(request.user).filter(cycle=cycle).order_by("id")),
            pending_appeals=selectors.appeals(request.user).filter(appraisee__cycle=cycle, status="pending"),
            towns=org_selectors.units(request.user).filter(
                kind__in=["town", "street"], path__startswith=cycle.unit.path
            ),
            appraisees=cycle.appraisees.select_related("person", "unit").order_by("unit_id", "person__name")[:500]
            if cycle.status == Status.RATING
            else None,
        )
    return render(request, "appraisal/cycle_detail.html", context)


@login_required
@permission_required("appraisal.view_appraisee", raise_exception=True)
def cycle_results(request, pk):
    cycle, manage = _cycle_for(request, pk)
    rows = selectors.ranked_results(request.user, cycle)
    if not manage and not cycle.is_published:
        rows = rows.none()
    if request.GET.get("export") == "xlsx":
        record("export", obj=cycle, object_repr=f"{cycle} results")
        return xlsx_response(
            f"appraisal-{cycle.pk}.xlsx",
            [
                pgettext("ranking", "rank"),
                pgettext("person", "name"),
                _("unit"),
                _("quota group"),
                _("score"),
                _("grade"),
                _("calibration reason"),
            ],
            (
                (
                    r.rank,
                    r.person.name,
                    r.unit.name,
                    selectors.quota_group_label(r.quota_group),
                    r.score,
                    selectors.grade_label(cycle.scheme, r.grade),
                    r.grade_reason,
                )
                for r in rows.iterator(chunk_size=2000)
            ),
        )
    counts = Counter(rows.values_list("grade", flat=True))
    scale = rules.GRADE_SCALES[cycle.scheme.engine_period]
    grades = chart(
        "bar",
        [selectors.grade_label(cycle.scheme, g) for g in scale],
        series(_("people"), [counts.get(g, 0) for g in scale]),
        integers=True,
        labels=True,
    )
    page = paginate(request, rows)
    for row in page:
        row.grade_label = selectors.grade_label(cycle.scheme, row.grade)
    return render(
        request,
        "appraisal/results.html",
        {"cycle": cycle, "page": page, "manage": manage, "chart": grades, "total": sum(counts.values())},
    )


@login_required
@permission_required("appraisal.view_appraisalcycle", raise_exception=True)
def cycle_publicity(request, pk):
    """The 公示 list, for everyone who sees the cycle, during publicity only."""
    cycle = get_object_or_404(selectors.cycles(request.user), pk=pk)
    rows = selectors.publicity_list(request.user, cycle)
    status = 404 if rows is None else 200
    return render(request, "appraisal/publicity.html", {"cycle": cycle, "rows": rows}, status=status)


@login_required
@permission_required("appraisal.view_appraisee", raise_exception=True)
def result_detail(request, pk):
    row = get_object_or_404(selectors.results(request.user), pk=pk)
    cycle, scheme = row.cycle, row.cycle.scheme
    manage = selectors.can_manage(request.user, cycle) and row.person_id != user_person_id(request.user)
    own = row.person_id == user_person_id(request.user)
    grades = selectors.grade_choices(scheme)
    calibrate_form = forms.CalibrateForm(initial={"grade": row.grade}, grades=grades)
    appeal_form = forms.AppealForm()
    if request.method == "POST":
        step = request.POST.get("action")
        try:
            if step == "calibrate":
                calibrate_form = forms.CalibrateForm(request.POST, grades=grades)
                if calibrate_form.is_valid():
                    services.result_calibrate(user=request.user, appraisee=row, **calibrate_form.cleaned_data)
                    messages.success(request, _("The grade was changed and recorded."))
                    return redirect("appraisal:result_detail", pk=row.pk)
            elif step == "appeal":
                appeal_form = forms.AppealForm(request.POST)
                if appeal_form.is_valid():
                    services.appeal_file(user=request.user, appraisee=row, reason=appeal_form.cleaned_data["reason"])
                    messages.success(request, _("Your appeal was filed."))
                    return redirect("appraisal:result_detail", pk=row.pk)
            elif step == "decide":
                appeal = get_object_or_404(selectors.appeals(request.user), pk=request.POST.get("appeal") or 0)
                decide = forms.DecideForm(request.POST, grades=grades)
                if decide.is_valid():
                    services.appeal_decide(user=request.user, appeal=appeal, **decide.cleaned_data)
                    messages.success(request, _("The appeal was decided."))
                    return redirect("appraisal:result_detail", pk=row.pk)
                messages.error(request, _("Write the decision."))
        except (ValidationError, PermissionDenied) as error:
            _message(request, error)
    breakdown = row.breakdown or {}
    # Cycle-wide (never per person): rater groups with nobody assigned at all, e.g. 职能部门 when no
    # department's task reached the people's units (or the tasks module is not installed), are explained
    # as such rather than as "too few raters".
    used = set(cycle.ratings.values_list("group", flat=True).distinct())
    empty_groups = [g for g, w in scheme.group_weights.items() if w > 0 and g not in used]
    departments_connected = indicators.rater_source("department") is not None
    return render(
        request,
        "appraisal/result_detail.html",
        {
            "row": row,
            "cycle": cycle,
            "scheme": scheme,
            "b": selectors.explained(breakdown),
            "figures_source": indicators.source_names(row.figures_source),
            "grade_label": selectors.grade_label(scheme, row.grade),
            "engine_grade_label": selectors.grade_label(scheme, row.engine_grade),
            "quarters": [
                (quarter["cycle"], selectors.grade_label(scheme, quarter["grade"]), quarter["grade"])
                for quarter in breakdown.get("quarters", [])
            ],
            "quarter_gate": {
                key: selectors.grade_label(scheme, code) for key, code in (breakdown.get("quarter_gate") or {}).items()
            },
            "manage": manage,
            "own": own,
            "calibrate_form": calibrate_form,
            "appeal_form": appeal_form,
            "appeals": selectors.appeals(request.user).filter(appraisee=row),
            "decide_form": forms.DecideForm(grades=grades),
            "empty_groups": empty_groups,
            "departments_connected": departments_connected,
        },
    )


@login_required
@permission_required("appraisal.manage_appraisalcycle", raise_exception=True)
def raters_edit(request, pk):
    row = get_object_or_404(selectors.results(request.user), pk=pk)
    if not selectors.can_manage(request.user, row.cycle) or row.person_id == user_person_id(request.user):
        raise Http404
    groups = [g for g, w in row.cycle.scheme.group_weights.items() if w > 0 and g != "public"]
    town_path = row.unit.path_at_depth(2)  # the town (or department) and everything under it
    people = org_selectors.people(request.user).filter(unit__path__startswith=town_path).exclude(pk=row.person_id)
    form = forms.RaterAddForm(request.POST or None, people=people, groups=groups)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                rating = get_object_or_404(
                    selectors.rater_assignments(request.user, row), pk=request.POST.get("rating") or 0
                )
                services.rater_remove(user=request.user, rating=rating, reason=request.POST.get("reason", ""))
                messages.success(request, _("The rater was removed."))
                return redirect("appraisal:raters_edit", pk=row.pk)
            if form.is_valid():
                services.rater_add(user=request.user, appraisee=row, **form.cleaned_data)
                messages.success(request, _("The rater was added."))
                return redirect("appraisal:raters_edit", pk=row.pk)
        except (ValidationError, PermissionDenied) as error:
            _message(request, error)
    return render(
        request,
        "appraisal/raters.html",
        {"row": row, "assignments": selectors.rater_assignments(request.user, row), "form": form},
    )


# -- rating -----------------------------------------------------------------------------------------
@login_required
@permission_required("appraisal.view_rating", raise_exception=True)
def my_ratings(request):
    # A county-wide rater (or the demo's administrator) may have well over a thousand: in pages, and
    # without the scores and scheme weights the list does not show.
    ratings = selectors.open_ratings(request.user).defer(
        "scores",
        "comment",
        "cycle__scheme__dimension_weights",
        "cycle__scheme__group_weights",
        "cycle__scheme__indicator_weights",
    )
    return render(request, "appraisal/my_ratings.html", {"ratings": paginate(request, ratings)})


def _plain_number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _rating_page(request, rating: Rating, save, back_url: str, public: bool = False):
    dimensions = services.scheme_dimensions(rating.cycle.scheme)
    initial = {f"score_{d}": _plain_number(rating.scores.get(d)) for d in dimensions} | {"comment": rating.comment}
    form = forms.RatingForm(request.POST or None, initial=initial, dimensions=dimensions)
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        try:
            save(scores=form.scores(), comment=request.POST.get("comment", ""), submit=submit)
        except (ValidationError, PermissionDenied) as error:
            _message(request, error)
        else:
            messages.success(
                request, _("Submitted. Thank you.") if submit else _("Draft saved: you can come back to it.")
            )
            return redirect(back_url)
    return render(
        request,
        "appraisal/rate.html",
        {
            "rating": rating,
            "form": form,
            "back_url": back_url,
            "public": public,
            "locked": rating.status == Rating.Status.SUBMITTED or rating.cycle.status != Status.RATING,
        },
    )


@login_required
@permission_required("appraisal.change_rating", raise_exception=True)
def rate(request, pk):
    rating = get_object_or_404(selectors.my_ratings(request.user), pk=pk)

    def save(**kwargs):
        services.rating_save(user=request.user, rating=rating, **kwargs)

    return _rating_page(request, rating, save, reverse("appraisal:my_ratings"))


def link_rate(request, token):
    """The 群众 rating page behind a signed link: no account, nothing stored about the visitor."""
    link = services.link_from_token(token)
    if link is None:
        raise Http404
    ratings = list(selectors.link_ratings(link))
    chosen = request.GET.get("rating") or request.POST.get("rating")
    if chosen:
        rating = next((r for r in ratings if str(r.pk) == chosen), None)
        if rating is None:
            raise Http404

        def save(**kwargs):
            services.rating_save_by_link(link=link, rating_id=rating.pk, **kwargs)

        return _rating_page(request, rating, save, request.path, public=True)
    return render(request, "appraisal/link_ratings.html", {"link": link, "ratings": ratings, "cycle": link.cycle})


# -- schemes ----------------------------------------------------------------------------------------
@login_required
@permission_required("appraisal.view_appraisalscheme", raise_exception=True)
def scheme_list(request):
    return render(request, "appraisal/scheme_list.html", {"schemes": selectors.schemes(request.user)})


@login_required
@permission_required("appraisal.add_appraisalscheme", raise_exception=True)
def scheme_edit(request, pk=None):
    scheme = get_object_or_404(selectors.schemes(request.user), pk=pk) if pk else None
    form = forms.SchemeForm(request.POST or None, instance=scheme)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields} | form.weights()
        try:
            if scheme is None:
                unit = org_selectors.unit_roots(request.user).first()
                scheme = services.scheme_create(user=request.user, unit=unit, **data)
            else:
                services.scheme_update(user=request.user, scheme=scheme, **data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, _("The scheme was saved."))
            return redirect("appraisal:scheme_list")
    return render(request, "appraisal/scheme_edit.html", {"form": form, "scheme": scheme})


# -- results that count -----------------------------------------------------------------------------
# key: (name in the audit trail, title, [(field of a line, column heading)])
_PERSON = [("person", pgettext_lazy("person", "name")), ("unit", gettext_lazy("unit"))]
_FINAL = [("final", pgettext_lazy("outcome", "final"))]
OUTCOME_COLUMNS = {
    "pay": (
        "performance pay",
        gettext_lazy("Performance-pay coefficients"),
        [
            *_PERSON,
            ("grade_label", gettext_lazy("grade")),
            ("coefficient", gettext_lazy("performance-pay coefficient")),
            *_FINAL,
        ],
    ),
    "rank": (
        "rank years",
        gettext_lazy("Rank (职级) years"),
        [
            *_PERSON,
            ("grade_label", gettext_lazy("grade")),
            ("year_counts", gettext_lazy("year counts toward rank")),
            ("months_less", gettext_lazy("months less before the next step")),
            ("years_counted", gettext_lazy("years counted so far")),
            *_FINAL,
        ],
    ),
    "awards": (
        "award nominations",
        gettext_lazy("Award nominations"),
        [
            *_PERSON,
            ("score", gettext_lazy("score")),
            ("excellent_years_in_a_row", gettext_lazy("top-grade years in a row")),
            ("merit_candidate", gettext_lazy("third-class merit (三等功) candidate")),
            *_FINAL,
        ],
    ),
    "actions": (
        "organizational action",
        gettext_lazy("Organizational action (组织处理)"),
        [
            *_PERSON,
            ("grade_label", gettext_lazy("grade")),
            ("reason", gettext_lazy("reason")),
            *_FINAL,
        ],
    ),
}


def _cell(value):
    """A value of a results-that-count line as people read it: yes/no for flags, a dash for nothing."""
    if isinstance(value, bool):
        return pgettext("boolean", "yes") if value else pgettext("boolean", "no")
    return "—" if value is None else value


def _outcome_rows(key: str, lines: list[dict]) -> list[list]:
    return [[_cell(line[field]) for field, _heading in OUTCOME_COLUMNS[key][2]] for line in lines]


@login_required
@permission_required("appraisal.manage_appraisalcycle", raise_exception=True)
def outcomes(request):
    cycles = selectors.cycles(request.user).filter(status__in=AppraisalCycle.PUBLISHED)
    latest = cycles.first()
    year = year_param(request, latest.year if latest else timezone.localdate().year)
    cycle = cycles.filter(pk=request.GET.get("cycle") or 0).first() or cycles.filter(year=year).first()
    tables = {
        "pay": selectors.performance_pay(request.user, cycle) if cycle else [],
        "rank": selectors.rank_eligibility(request.user, year),
        "awards": selectors.award_nominations(request.user, year),
        "actions": selectors.organizational_actions(request.user, year),
    }
    export = request.GET.get("export")
    if export in tables:
        name, _title, columns = OUTCOME_COLUMNS[export]
        record("export", object_type="appraisal.outcome", object_repr=f"{name} {year}")
        return xlsx_response(
            f"appraisal-{export}-{year}.xlsx",
            [str(heading) for _field, heading in columns],
            _outcome_rows(export, tables[export]),
        )
    shown = {}
    for key, lines in tables.items():
        # a whole county's lines: each table in pages of its own (the Excel download has them all)
        page = paginate(request, lines, param=f"{key}_page")
        shown[key] = {
            "title": OUTCOME_COLUMNS[key][1],
            "headings": [heading for _field, heading in OUTCOME_COLUMNS[key][2]],
            "rows": _outcome_rows(key, page.object_list),
            "page": page,
            "param": f"{key}_page",
        }
    query = f"year={year}" + (f"&cycle={cycle.pk}" if cycle else "")
    return render(
        request,
        "appraisal/outcomes.html",
        {"tables": shown, "year": year, "cycle": cycle, "cycles": cycles, "query": query},
    )
