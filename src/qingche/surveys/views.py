"""Pages of surveys: the builder's list, a survey's page (questions, publish, close), its results with their
Excel export (organisation department, burden-reduction office), and my surveys with the answer form (every
account with a person, on a phone). Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from qingche.core.excel import xlsx_response
from qingche.core.forms import error_texts, form_errors
from qingche.core.pagination import paginate
from qingche.org.models import Person
from qingche.surveys import actions, forms, rules, selectors, services
from qingche.surveys.models import Question

BUILD = "surveys.add_survey"


def _flash_error(request, error) -> None:
    texts = error_texts(error) if isinstance(error, ValidationError) else [str(error)]
    messages.error(request, "；".join(texts))


@login_required
@permission_required(BUILD, raise_exception=True)
def survey_list(request):
    today = timezone.localdate()
    rows = [
        {"survey": survey, "state": selectors.state(survey, today)}
        for survey in selectors.surveys(request.user)
        .annotate(answer_count=Count("responses"))
        .order_by("-opens_on", "-id")
    ]
    preset_form = forms.PresetForm(initial={"opens_on": today, "closes_on": today + timezone.timedelta(days=14)})
    return render(
        request,
        "surveys/list.html",
        {"page": paginate(request, rows), "preset_form": preset_form, "state_labels": STATE_LABELS},
    )


STATE_LABELS = {
    rules.DRAFT: gettext_lazy("draft"),
    rules.SCHEDULED: gettext_lazy("not open yet"),
    rules.OPEN: pgettext_lazy("survey", "open"),
    rules.CLOSED: pgettext_lazy("survey", "closed"),
}


def _acting_unit(request):
    unit = selectors.units_for_builder(request.user).first()
    if unit is None:
        raise PermissionDenied(_("None of your roles may run a survey."))
    return unit


@login_required
@permission_required(BUILD, raise_exception=True)
def survey_new(request):
    unit = _acting_unit(request)
    form = forms.SurveyForm(request.POST or None, units=selectors.target_unit_choices())
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(user=request.user, unit=unit, **form.cleaned_data)
            messages.success(request, _("Survey created: add its questions, then publish it."))
            return redirect("surveys:detail", survey.pk)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(request, "core/form.html", {"form": form, "title": _("New survey")})


@login_required
@permission_required(BUILD, raise_exception=True)
@require_POST
def survey_from_template(request):
    form = forms.PresetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("surveys:list")
    try:
        survey = services.survey_from_preset(user=request.user, unit=_acting_unit(request), **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        _flash_error(request, error)
        return redirect("surveys:list")
    messages.success(request, _("Survey created from the template: check its questions, then publish it."))
    return redirect("surveys:detail", survey.pk)


def _survey(request, pk):
    return get_object_or_404(selectors.surveys(request.user), pk=pk)


@login_required
@permission_required(BUILD, raise_exception=True)
def survey_detail(request, pk: int):
    survey = _survey(request, pk)
    state = selectors.state(survey)
    form = forms.QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(user=request.user, survey=survey, **form.cleaned_data)
            messages.success(request, _("Question added."))
            return redirect("surveys:detail", survey.pk)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    targeted = selectors.targeted_people(survey)
    answered = selectors.response_count(survey)
    waiting = None
    if not survey.anonymous and state != rules.DRAFT:
        waiting = targeted.exclude(pk__in=survey.responses.values("person_id")).order_by("unit__path", "name")
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "state": state,
            "state_label": STATE_LABELS[state],
            "questions": selectors.questions(survey),
            "form": form,
            "targeted": targeted.count(),
            "answered": answered,
            "waiting": paginate(request, waiting) if waiting is not None else None,
            "categories": [Person.Category(value).label for value in survey.target_categories],
        },
    )


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
@require_POST
def question_delete(request, pk: int, question_id: int):
    survey = _survey(request, pk)
    question = get_object_or_404(Question.objects.filter(survey=survey), pk=question_id)
    try:
        services.question_delete(user=request.user, question=question)
        messages.success(request, _("Question removed."))
    except (ValidationError, PermissionDenied) as error:
        _flash_error(request, error)
    return redirect("surveys:detail", survey.pk)


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
@require_POST
def survey_publish(request, pk: int):
    survey = _survey(request, pk)
    try:
        services.survey_publish(user=request.user, survey=survey)
        messages.success(request, _("Survey published: the people it is sent to can answer it."))
    except (ValidationError, PermissionDenied) as error:
        _flash_error(request, error)
    return redirect("surveys:detail", survey.pk)


@login_required
@permission_required("surveys.change_survey", raise_exception=True)
@require_POST
def survey_close(request, pk: int):
    survey = _survey(request, pk)
    try:
        services.survey_close(user=request.user, survey=survey)
        messages.success(request, _("Survey closed: its results can be read."))
    except (ValidationError, PermissionDenied) as error:
        _flash_error(request, error)
    return redirect("surveys:detail", survey.pk)


def _filters(request, survey):
    """The unit and category picked on the results page (unknown values are ignored, never a 500)."""
    unit = request.GET.get("unit") or None
    category = request.GET.get("category") or None
    try:
        unit = int(unit) if unit else None
    except ValueError:
        unit = None
    if category not in Person.Category.values:
        category = None
    return unit, category


@login_required
@permission_required(BUILD, raise_exception=True)
def survey_results(request, pk: int):
    survey = services.survey_seal(survey=_survey(request, pk))
    unit, category = _filters(request, survey)
    result = selectors.results(survey, unit=unit, category=category)
    if result is None:
        if request.GET.get("format") == "xlsx":
            raise Http404(_("The results can be read once the survey has closed."))
        return render(request, "surveys/results.html", {"survey": survey, "result": None})
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"{survey.title}.xlsx", *excel_rows(result), sheet_title=pgettext("survey", "Results"))
    labels = {spec.id: spec.options() for spec in selectors.specs(survey)}
    for question in result["questions"]:
        question["labels"] = labels.get(question["id"], [])
        question["tabs"] = [(_("by unit"), question.get("by_unit")), (_("by category"), question.get("by_category"))]
    question_actions = actions.for_user(request.user)
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "result": result,
            "unit": unit,
            "category": category,
            "unit_choices": result["unit_choices"],
            "category_choices": Person.Category.choices,
            "actions": [(action.label, action.url(survey, None)) for action in question_actions],
            "query": request.GET.urlencode(),
        },
    )


def excel_rows(result: dict) -> tuple[list[str], list[list]]:
    """The results as rows: question, breakdown, group, answer, count, share. A hidden figure is a sentence,
    not a number — the export shows no more than the page."""
    hidden = _("hidden: fewer than %(k)s people or separable from a smaller group") % {"k": result["min_group"]}
    headers = [
        _("question"),
        pgettext("survey", "breakdown"),
        pgettext("survey", "group"),
        pgettext("survey", "answer"),
    ]
    headers += [_("count"), pgettext("survey", "share")]
    rows = []
    for question in result["questions"]:
        groups = [(_("all"), _("the group picked"), question["overall"])]
        groups += [(_("by unit"), row["label"], row["figures"]) for row in question.get("by_unit", [])]
        groups += [(_("by category"), row["label"], row["figures"]) for row in question.get("by_category", [])]
        for breakdown, label, figures in groups:
            if figures is None:
                rows.append([question["text"], breakdown, label, hidden, "", ""])
                continue
            if question["kind"] == rules.TEXT:
                for text in figures["texts"]:
                    rows.append([question["text"], breakdown, label, text, "", ""])
                continue
            for option in figures["options"]:
                share = round(option["share"], 4) if option["share"] is not None else ""
                rows.append([question["text"], breakdown, label, option["label"], option["count"], share])
            if figures.get("mean") is not None:
                rows.append([question["text"], breakdown, label, _("mean"), figures["mean"], ""])
    return headers, rows


@login_required
@permission_required("surveys.answer_survey", raise_exception=True)
def mine(request):
    return render(
        request,
        "surveys/mine.html",
        {
            "person": selectors.person_of(request.user),
            "rows": selectors.inbox_rows(request.user),
            "state_labels": STATE_LABELS,
        },
    )


@login_required
@permission_required("surveys.answer_survey", raise_exception=True)
def answer(request, pk: int):
    survey = get_object_or_404(selectors.inbox(request.user), pk=pk)
    person = selectors.person_of(request.user)
    questions = selectors.questions(survey)
    given, errors = {}, {}
    if request.method == "POST":
        for question in questions:
            name = f"q{question.id}"
            value = request.POST.getlist(name) if question.kind == rules.MULTIPLE else request.POST.get(name, "")
            given[str(question.id)] = value
        try:
            services.response_submit(user=request.user, survey=survey, answers=given)
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("surveys:mine")
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = {key: "；".join(texts) for key, texts in error.message_dict.items()}
            else:
                messages.error(request, "；".join(error.messages))
        except PermissionDenied as error:
            messages.error(request, str(error))
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "state": selectors.state(survey),
            "answered": selectors.has_answered(survey, person),
            "questions": [_answer_row(question, given, errors) for question in questions],
        },
        status=400 if errors else 200,
    )


def _answer_row(question: Question, given: dict, errors: dict) -> dict:
    spec = rules.QuestionSpec(question.id, question.kind, question.text, tuple(question.choices), question.scale_max)
    value = given.get(str(question.id))
    picked = {str(item) for item in value} if isinstance(value, list) else {str(value)} if value else set()
    first = 1 if question.kind == rules.SCALE else 0
    return {
        "q": question,
        "name": f"q{question.id}",
        "options": [
            {"value": index + first, "label": label, "checked": str(index + first) in picked}
            for index, label in enumerate(spec.options())
        ],
        "text": value if question.kind == rules.TEXT and isinstance(value, str) else "",
        "error": errors.get(f"q{question.id}"),
    }
