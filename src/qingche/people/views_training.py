"""Pages of training: my training and check-in on a phone (front-line), the plan and its sessions (organiser:
组织部; units nominate), 轮训 coverage with a chart and the people not yet trained (组织部, towns), the needs
surveys and their anonymous results; compensatory rest and the leave export. Thin: forms validate, services
write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from qingche.core.charts import chart, series
from qingche.core.excel import xlsx_response
from qingche.core.forms import error_texts, form_errors
from qingche.core.pagination import paginate
from qingche.org.models import Person
from qingche.people import forms_training as forms
from qingche.people import selectors, services_training
from qingche.people import selectors_training as training
from qingche.people.models import Enrolment, TrainingMode
from qingche.people.views import _person_form, _year


def _flash_error(request, error) -> None:
    texts = error_texts(error) if isinstance(error, ValidationError) else [str(error)]
    messages.error(request, "；".join(texts))


# -- front-line: my training and check-in --------------------------------------------------------------------------
@login_required
@permission_required("people.checkin_enrolment", raise_exception=True)
def mine(request):
    person = training.me(request.user)
    form = forms.CheckInForm(request.POST or None)
    if request.method == "POST" and person is not None and form.is_valid():
        try:
            enrolment = services_training.check_in(user=request.user, code=form.cleaned_data["code"])
            messages.success(request, _("Checked in: %(topic)s.") % {"topic": enrolment.session.topic})
            return redirect("people:training_mine")
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    today = timezone.localdate()
    open_surveys = []
    if person is not None:
        answered = set(training.my_answers(request.user).values_list("survey_id", flat=True))
        for survey in training.surveys(request.user).filter(closes_on__gte=today):
            if training.survey_targets(survey, person):
                open_surveys.append({"survey": survey, "answered": survey.pk in answered})
    return render(
        request,
        "people/training/mine.html",
        {
            "person": person,
            "form": form,
            "history": training.history(person, user=request.user) if person else [],
            "surveys": open_surveys,
            "year": today.year,
        },
    )


@login_required
@permission_required("people.add_needsanswer", raise_exception=True)
def survey_answer(request, pk: int):
    survey = get_object_or_404(training.surveys(request.user), pk=pk)
    current = training.my_answers(request.user).filter(survey=survey).first()
    initial = {"topics": current.topics, "modes": current.modes, "note": current.note} if current else None
    form = forms.AnswerForm(request.POST or None, survey=survey, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services_training.survey_answer(user=request.user, survey=survey, **form.cleaned_data)
            messages.success(request, _("Thank you: your answer is saved. Your unit sees only counts, never it."))
            return redirect("people:training_mine")
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(request, "core/form.html", {"form": form, "title": survey.title})


# -- the plan and its sessions -----------------------------------------------------------------------------------
@login_required
@permission_required("people.add_enrolment", raise_exception=True)
def plans(request):
    year = _year(request)
    plan_rows = list(training.training_plans(request.user).filter(year=year))
    sessions = training.sessions(request.user).filter(plan__year=year).order_by("start", "id")
    mode = request.GET.get("mode", "")
    if mode in TrainingMode.values:
        sessions = sessions.filter(mode=mode)
    return render(
        request,
        "people/training/plans.html",
        {
            "year": year,
            "plans": [{"plan": plan, "manage": training.may_manage(request.user, plan)} for plan in plan_rows],
            "page": paginate(request, sessions),
            "modes": TrainingMode.choices,
            "mode": mode,
            "query": f"year={year}&mode={mode}",
            "may_plan": request.user.has_perm("people.add_trainingplan"),
        },
    )


@login_required
@permission_required("people.add_trainingplan", raise_exception=True)
def plan_new(request):
    form = forms.PlanForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            unit = training.organiser_unit(request.user)
            if unit is None:
                raise PermissionDenied(_("You do not organise training for any unit."))
            plan = services_training.plan_create(user=request.user, unit=unit, **form.cleaned_data)
            messages.success(request, _("Plan created: add its sessions, then publish it."))
            return redirect(f"/people/training/?year={plan.year}")
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(request, "core/form.html", {"form": form, "title": _("New training plan")})


@login_required
@permission_required("people.change_trainingplan", raise_exception=True)
def session_new(request, plan_id: int):
    plan = get_object_or_404(training.training_plans(request.user), pk=plan_id)
    form = forms.SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services_training.session_add(user=request.user, plan=plan, **form.cleaned_data)
            messages.success(request, _("Session added."))
            return redirect("people:training_session", session.pk)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    title = _("New session of %(plan)s") % {"plan": plan.title}
    return render(request, "core/form.html", {"form": form, "title": title})


@login_required
@require_POST
@permission_required("people.change_trainingplan", raise_exception=True)
def plan_publish(request, plan_id: int):
    plan = get_object_or_404(training.training_plans(request.user), pk=plan_id)
    try:
        services_training.plan_publish(user=request.user, plan=plan)
        messages.success(request, _("Plan published: the units see its sessions on their home page."))
    except (ValidationError, PermissionDenied) as error:
        _flash_error(request, error)
    return redirect(f"/people/training/?year={plan.year}")


@login_required
@permission_required("people.view_trainingsession", raise_exception=True)
def session_detail(request, pk: int):
    session = get_object_or_404(training.sessions(request.user), pk=pk)
    manage = training.may_manage(request.user, session)
    rows = training.enrolments(request.user).filter(session=session).order_by("person__unit__path", "person__name")
    may_nominate = request.user.has_perm("people.add_enrolment") and session.start > timezone.localdate()
    return render(
        request,
        "people/training/session.html",
        {
            "session": session,
            "manage": manage,
            "enrolments": rows,
            "taken": training.places_taken(session),
            "candidates": training.nominate_people(request.user, session)[:300] if may_nominate else [],
            "may_nominate": may_nominate,
            "import_form": forms.AttendanceImportForm(),
            "code_live": session.checkin_code and session.checkin_until and session.checkin_until >= timezone.now(),
            "units": [unit.name for unit in session.target_units.all()],
            "categories": [Person.Category(value).label for value in session.target_categories],
        },
    )


@login_required
@require_POST
@permission_required("people.add_enrolment", raise_exception=True)
def session_nominate(request, pk: int):
    session = get_object_or_404(training.sessions(request.user), pk=pk)
    ids = [value for value in request.POST.getlist("person") if value.isdigit()]
    people = list(Person.objects.filter(pk__in=ids).select_related("unit"))
    if not people:
        messages.error(request, _("Choose the people to nominate."))
    done = 0
    for person in people:
        try:
            services_training.enrolment_nominate(user=request.user, session=session, person=person)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            _flash_error(request, error)
            break
    if done:
        messages.success(request, _("%(count)s nominated: the organiser confirms.") % {"count": done})
    return redirect("people:training_session", session.pk)


def _managed(request, pk: int):
    session = get_object_or_404(training.sessions(request.user), pk=pk)
    if not training.may_manage(request.user, session):
        raise PermissionDenied(_("Only the organiser of this training may do this."))
    return session


@login_required
@require_POST
@permission_required("people.change_enrolment", raise_exception=True)
def session_manage(request, pk: int):
    """The organiser's actions on a session: confirm or decline nominations, attendance by list, the check-in
    code, an assessment."""
    session = _managed(request, pk)
    action = request.POST.get("action", "")
    try:
        if action in ("confirm", "decline"):
            ids = request.POST.getlist("enrolment")
            for enrolment in session.enrolments.filter(pk__in=[i for i in ids if i.isdigit()]):
                services_training.enrolment_decide(user=request.user, enrolment=enrolment, confirm=action == "confirm")
        elif action == "attend":
            ids = [i for i in request.POST.getlist("person") if i.isdigit()]
            people = list(Person.objects.filter(pk__in=ids))
            if not people:
                raise ValidationError(_("Tick the people present."))
            services_training.attendance_record(user=request.user, session=session, people=people)
        elif action == "code":
            services_training.checkin_code_issue(user=request.user, session=session)
        elif action == "assess":
            enrolment = get_object_or_404(session.enrolments, pk=request.POST.get("enrolment", "0") or 0)
            score_text = request.POST.get("score", "").strip()
            passed_text = request.POST.get("passed", "")
            services_training.assessment_record(
                user=request.user,
                enrolment=enrolment,
                score=score_text or None,
                passed={"yes": True, "no": False}.get(passed_text),
            )
        else:
            raise ValidationError(_("Unknown action."))
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied) as error:
        _flash_error(request, error)
    return redirect("people:training_session", session.pk)


@login_required
@permission_required("people.change_enrolment", raise_exception=True)
def session_import(request, pk: int):
    session = _managed(request, pk)
    if request.GET.get("template"):
        rows = [
            (row.person.name, row.person.unit.name, "", "")
            for row in session.enrolments.filter(status=Enrolment.Status.CONFIRMED).select_related("person__unit")
        ]
        headers = [title for _key, title in services_training.ATTENDANCE_COLUMNS]
        return xlsx_response(f"attendance-{session.pk}.xlsx", headers, rows)
    form = forms.AttendanceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services_training.attendance_import(
                user=request.user, session=session, upload=form.cleaned_data["file"]
            )
            messages.success(request, _("%(count)s attendances imported.") % {"count": count})
        except (ValidationError, PermissionDenied) as error:
            _flash_error(request, error)
    return redirect("people:training_session", session.pk)


# -- 轮训 coverage -------------------------------------------------------------------------------------------------
@login_required
@permission_required("people.view_training_coverage", raise_exception=True)
def coverage(request):
    year = _year(request)
    category = request.GET.get("category", "")
    if category not in Person.Category.values:
        category = ""
    rows = training.untrained(request.user, year, category)
    if request.GET.get("export") == "xlsx":
        headers = [pgettext("person", "name"), _("unit"), _("category"), _("head of party or government")]
        data = [
            (
                row["person"].name,
                row["person"].unit.name,
                row["person"].get_category_display(),
                pgettext("boolean", "yes") if row["head"] else "",
            )
            for row in rows
        ]
        return xlsx_response(f"untrained-{year}.xlsx", [str(h) for h in headers], data)
    figures = training.coverage(request.user, year, category)
    towns = figures["towns"]
    coverage_chart = chart(
        "bar",
        [row["town"].name for row in towns],
        series(_("party and government heads"), [_percent(row["heads_share"]) for row in towns]),
        series(_("others"), [_percent(row["others_share"]) for row in towns]),
        value_min=0,
        value_max=100,
    )
    return render(
        request,
        "people/training/coverage.html",
        {
            "year": year,
            "category": category,
            "categories": Person.Category.choices,
            "figures": figures,
            "chart": coverage_chart,
            "page": paginate(request, rows),
            "query": f"year={year}&category={category}",
        },
    )


# -- needs surveys -----------------------------------------------------------------------------------------------
@login_required
@permission_required("people.add_needssurvey", raise_exception=True)
def surveys(request):
    form = forms.SurveyForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            unit = training.organiser_unit(request.user)
            if unit is None:
                raise PermissionDenied(_("You do not organise training for any unit."))
            survey = services_training.survey_create(user=request.user, unit=unit, **form.cleaned_data)
            messages.success(request, _("Survey sent to its target group."))
            return redirect("people:training_survey", survey.pk)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(
        request,
        "people/training/surveys.html",
        {"surveys": training.surveys(request.user)[:50], "form": form},
    )


@login_required
@permission_required("people.add_needssurvey", raise_exception=True)
def survey_results(request, pk: int):
    survey = get_object_or_404(training.surveys(request.user), pk=pk)
    results = training.survey_results(request.user, survey)
    mode_labels = dict(TrainingMode.choices)
    results["modes"] = [(mode_labels.get(mode, mode), count) for mode, count in results["modes"]]
    category_labels = dict(Person.Category.choices)
    results["by_category"] = [(category_labels.get(c, c), counts) for c, counts in results["by_category"]]
    return render(request, "people/training/survey.html", {"survey": survey, "results": results})


# -- compensatory rest and leave export --------------------------------------------------------------------------
@login_required
@permission_required("people.add_compensatoryrest", raise_exception=True)
def rest_for_person(request, person_id: int):
    person = get_object_or_404(selectors.people(request.user), pk=person_id)
    balance = training.rest_balance(person, timezone.localdate().year)
    form = forms.RestForm(request.POST or None, initial={"date": timezone.localdate()})
    title = _(
        "Compensatory rest of %(name)s（%(unit)s）: %(left)s of %(confirmed)s hours of confirmed overtime left"
    ) % {
        "name": person.name,
        "unit": person.unit.name,
        "left": balance["left"],
        "confirmed": balance["confirmed"],
    }
    return _person_form(request, person, form, services_training.compensatory_rest_record, title, "people:leave_plan")


@login_required
@permission_required("people.decide_leaverequest", raise_exception=True)
def leave_export(request):
    year, today = _year(request), timezone.localdate()
    rows = selectors.leave_plan(request.user, year, today, unused_only=request.GET.get("filter") == "unused")
    if not rows and not selectors.people(request.user).exists():
        raise Http404
    headers = [pgettext("person", "name"), _("unit"), _("entitled"), _("taken"), _("awaiting approval"), _("left")]
    data = [
        (row["person"].name, row["person"].unit.name, row["entitled"], row["taken"], row["pending"], row["left"])
        for row in rows
    ]
    return xlsx_response(f"leave-{year}.xlsx", [str(h) for h in headers], data)


def _percent(share) -> int:
    return 0 if share is None else round(share * 100)
