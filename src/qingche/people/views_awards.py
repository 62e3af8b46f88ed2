"""Pages of awards (types, rounds, nominations, the 公示 page with objections), the reserve pool and
secondments. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingche.core.excel import xlsx_response
from qingche.core.forms import error_texts, form_errors
from qingche.core.pagination import paginate
from qingche.core.scope import acting_q
from qingche.org.models import Unit
from qingche.people import forms_awards as forms
from qingche.people import selectors, selectors_awards, services_awards
from qingche.people.models_awards import AwardRound, ReserveEntry, Secondment


def _form_page(request, form, call, title, done, *, template="core/form.html", context=None):
    """Validate, call the service, go to `done` (a URL or a function of the result); a refusal shows on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = call(**form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect(done(result) if callable(done) else done)
        except (ValidationError, PermissionDenied) as error:
            form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(request, template, {"form": form, "title": title, **(context or {})})


def _int(value) -> int:
    """An id from a form: anything but digits is no id (a 404 follows, not a 500)."""
    return int(value) if str(value or "").isdigit() else 0


def _post_action(request, call, success: str):
    try:
        call()
        messages.success(request, success)
    except (ValidationError, PermissionDenied) as error:
        texts = error_texts(error) if isinstance(error, ValidationError) else [str(error)]
        messages.error(request, "；".join(texts))


# -- awards ----------------------------------------------------------------------------------------------
@login_required
@permission_required("people.view_awardround", raise_exception=True)
def awards(request):
    return render(
        request,
        "people/awards/index.html",
        {
            "types": selectors_awards.award_types(request.user),
            "rounds": selectors_awards.award_rounds(request.user),
            "mine": selectors_awards.awards_of_person(getattr(getattr(request.user, "person", None), "pk", 0)),
        },
    )


@login_required
@permission_required("people.add_awardtype", raise_exception=True)
def award_type_new(request):
    form = forms.AwardTypeForm(request.POST or None)
    call = lambda **data: services_awards.award_type_create(user=request.user, **data)  # noqa: E731
    return _form_page(request, form, call, _("New award type"), "people:awards")


@login_required
@permission_required("people.add_awardround", raise_exception=True)
def award_round_new(request):
    form = forms.AwardRoundForm(
        request.POST or None,
        types=selectors_awards.award_types(request.user),
        initial={"year": timezone.localdate().year},
    )
    call = lambda award_type, year, title: services_awards.award_round_open(  # noqa: E731
        user=request.user, award_type=award_type, year=year, title=title
    )
    return _form_page(request, form, call, _("Open an award round"), lambda r: f"/people/awards/{r.pk}/")


def _round(request, pk) -> AwardRound:
    return get_object_or_404(selectors_awards.award_rounds(request.user), pk=pk)


@login_required
@permission_required("people.view_awardround", raise_exception=True)
def award_round(request, pk: int):
    award_round = _round(request, pk)
    rows = selectors_awards.nomination_rows(request.user, award_round)
    if request.GET.get("format") == "xlsx":
        headers = [_("person"), _("unit"), _("source"), _("reason"), _("evidence"), _("status"), _("review note")]
        return xlsx_response(
            f"{award_round.title}.xlsx",
            [str(h) for h in headers],
            (
                [
                    n.person.name,
                    n.unit.name,
                    n.get_source_display(),
                    n.reason,
                    n.evidence,
                    n.get_status_display(),
                    n.review_note,
                ]
                for n in rows
            ),
        )
    return render(
        request,
        "people/awards/round.html",
        {
            "round": award_round,
            "rows": rows,
            "publicity": selectors_awards.publicity(award_round, timezone.localdate()),
            "confer_form": forms.ConferForm(),
        },
    )


@login_required
@permission_required("people.add_nomination", raise_exception=True)
def nominate(request, pk: int):
    award_round = _round(request, pk)
    people = selectors.people(request.user).filter(acting_q(request.user, "people.add_nomination", "unit"))
    form = forms.NominationForm(request.POST or None, people=people.order_by("unit__path", "name"))
    call = lambda **data: services_awards.nomination_submit(  # noqa: E731
        user=request.user, award_round=award_round, **data
    )
    title = _("Nominate for %(round)s") % {"round": award_round.title}
    return _form_page(request, form, call, title, f"/people/awards/{award_round.pk}/")


@login_required
@require_POST
@permission_required("people.review_nomination", raise_exception=True)
def award_round_action(request, pk: int):
    award_round = _round(request, pk)
    action, user = request.POST.get("action"), request.user
    if action == "from_appraisal":

        def call():
            created = services_awards.nominations_from_appraisal(user=user, award_round=award_round)
            messages.info(
                request, _("%(count)s candidates added from the appraisal results.") % {"count": len(created)}
            )

        _post_action(request, call, _("Done."))
    elif action == "publicity":
        _post_action(
            request,
            lambda: services_awards.publicity_start(user=user, award_round=award_round),
            _("Publicity started."),
        )
    elif action == "confer":
        _post_action(
            request,
            lambda: services_awards.award_round_confer(
                user=user, award_round=award_round, document_number=request.POST.get("document_number", "")
            ),
            _("Awards conferred and recorded on each person."),
        )
    elif action in ("approve", "reject"):
        nomination = get_object_or_404(selectors_awards.nominations(user), pk=_int(request.POST.get("nomination")))
        _post_action(
            request,
            lambda: services_awards.nomination_review(
                user=user, nomination=nomination, approve=action == "approve", note=request.POST.get("note", "")
            ),
            _("Review saved."),
        )
    else:
        messages.error(request, _("Unknown action."))
    return redirect("people:award_round", award_round.pk)


@login_required
@permission_required("people.view_awardround", raise_exception=True)
def publicity(request, pk: int):
    """The 公示 page: every account sees the nominees and may object while it is open; 组织部 sees and answers
    the objections."""
    award_round = _round(request, pk)
    today = timezone.localdate()
    form = forms.ObjectionForm(request.POST or None)
    if request.method == "POST":
        nomination = get_object_or_404(
            selectors_awards.publicised(award_round), pk=_int(request.POST.get("nomination"))
        )
        if form.is_valid():
            try:
                services_awards.objection_raise(
                    user=request.user, nomination=nomination, text=form.cleaned_data["text"]
                )
                messages.success(request, _("Objection received: the organisation department will look into it."))
                return redirect("people:publicity", award_round.pk)
            except (ValidationError, PermissionDenied) as error:
                form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(
        request,
        "people/awards/publicity.html",
        {
            "round": award_round,
            "rows": selectors_awards.publicised(award_round),
            "publicity": selectors_awards.publicity(award_round, today),
            "objections": selectors_awards.objections(request.user).filter(nomination__round=award_round),
            "form": form,
        },
    )


@login_required
@permission_required("people.answer_objection", raise_exception=True)
def objection_answer(request, pk: int):
    objection = get_object_or_404(selectors_awards.objections(request.user), pk=pk)
    form = forms.ObjectionAnswerForm(request.POST or None)
    call = lambda **data: services_awards.objection_answer(user=request.user, objection=objection, **data)  # noqa: E731
    title = _("Answer the objection to %(name)s") % {"name": objection.nomination.person.name}
    done = f"/people/awards/{objection.nomination.round_id}/publicity/"
    return _form_page(
        request, form, call, title, done, template="people/awards/objection.html", context={"objection": objection}
    )


# -- reserve pool ----------------------------------------------------------------------------------------
@login_required
@permission_required("people.view_reserveentry", raise_exception=True)
def reserve(request):
    category = request.GET.get("category", "")
    category = category if category in ReserveEntry.Category.values else ""
    status = "left" if request.GET.get("status") == "left" else "active"
    try:
        town_id = int(request.GET.get("town") or 0)
    except ValueError:
        town_id = 0
    rows = selectors_awards.reserve_pool(
        request.user, category=category, town_id=town_id, status=status, today=timezone.localdate()
    )
    if request.GET.get("format") == "xlsx":
        headers = [
            _("person"),
            _("town"),
            _("unit"),
            _("category"),
            _("entered on"),
            _("mentor"),
            _("development plan"),
        ]
        headers += [_("assignments"), _("reviews missing"), _("left on"), _("reason for leaving")]
        return xlsx_response(
            "reserve-cadres.xlsx",
            [str(h) for h in headers],
            (
                [
                    r["entry"].person.name,
                    r["town"].name if r["town"] else "",
                    r["entry"].unit.name,
                    r["entry"].get_category_display(),
                    r["entry"].entered_on,
                    r["entry"].mentor.name if r["entry"].mentor else "",
                    r["entry"].plan,
                    r["entry"].task_count,
                    "、".join(str(y) for y in r["reviews_due"]),
                    r["entry"].left_on or "",
                    r["entry"].leave_reason,
                ]
                for r in rows
            ),
        )
    return render(
        request,
        "people/awards/reserve.html",
        {
            "page": paginate(request, rows),
            "categories": ReserveEntry.Category.choices,
            "towns": selectors_awards.reserve_towns(request.user),
            "category": category,
            "town_id": town_id,
            "status": status,
            "query": f"category={category}&town={town_id or ''}&status={status}",
        },
    )


@login_required
@permission_required("people.add_reserveentry", raise_exception=True)
def reserve_new(request):
    people = selectors.people(request.user).order_by("unit__path", "name")
    form = forms.ReserveEntryForm(request.POST or None, people=people)
    call = lambda **data: services_awards.reserve_enter(user=request.user, **data)  # noqa: E731
    return _form_page(request, form, call, _("Add to the reserve pool"), lambda e: f"/people/reserve/{e.pk}/")


@login_required
@permission_required("people.view_reserveentry", raise_exception=True)
def reserve_detail(request, pk: int):
    entry = get_object_or_404(selectors_awards.reserve_entries(request.user), pk=pk)
    user = request.user
    forms_by_name = {
        "task": forms.ReserveTaskForm(prefix="task"),
        "review": forms.ReserveReviewForm(prefix="review", initial={"year": timezone.localdate().year}),
        "leave": forms.ReserveLeaveForm(prefix="leave"),
    }
    calls = {
        "task": lambda **data: services_awards.reserve_task_add(user=user, entry=entry, **data),
        "review": lambda **data: services_awards.reserve_review(user=user, entry=entry, **data),
        "leave": lambda **data: services_awards.reserve_leave(user=user, entry=entry, **data),
    }
    form_classes = {"task": forms.ReserveTaskForm, "review": forms.ReserveReviewForm, "leave": forms.ReserveLeaveForm}
    if request.method == "POST":
        name = request.POST.get("form")
        if name in calls:
            form = form_classes[name](request.POST, prefix=name)
            forms_by_name[name] = form
            if form.is_valid():
                try:
                    calls[name](**form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("people:reserve_detail", entry.pk)
                except (ValidationError, PermissionDenied) as error:
                    form_errors(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
    return render(
        request,
        "people/awards/reserve_detail.html",
        {
            "entry": entry,
            "tasks": selectors_awards.reserve_tasks(user).filter(entry=entry),
            "reviews": selectors_awards.reserve_reviews(user).filter(entry=entry),
            **{f"{name}_form": form for name, form in forms_by_name.items()},
        },
    )


# -- secondment ------------------------------------------------------------------------------------------
@login_required
@permission_required("people.view_secondment", raise_exception=True)
def secondments(request):
    rows = selectors_awards.secondments(request.user)
    if request.GET.get("format") == "xlsx":
        headers = [_("person"), _("home unit"), _("host unit"), _("from"), _("until"), _("goals")]
        headers += [_("end assessment"), _("the person's wish"), _("outcome")]
        return xlsx_response(
            "secondments.xlsx",
            [str(h) for h in headers],
            (
                [
                    s.person.name,
                    s.home_unit.name,
                    s.host_unit.name,
                    s.start,
                    s.end,
                    s.goals,
                    s.get_assessment_display(),
                    s.get_wish_display(),
                    s.get_outcome_display(),
                ]
                for s in rows
            ),
        )
    return render(request, "people/awards/secondments.html", {"page": paginate(request, rows)})


@login_required
@permission_required("people.add_secondment", raise_exception=True)
def secondment_new(request):
    form = forms.SecondmentForm(
        request.POST or None,
        people=selectors.people(request.user).order_by("unit__path", "name"),
        units=Unit.objects.order_by("path"),
    )
    call = lambda **data: services_awards.secondment_start(user=request.user, **data)  # noqa: E731
    return _form_page(request, form, call, _("New secondment"), lambda s: f"/people/secondments/{s.pk}/")


@login_required
@permission_required("people.view_secondment", raise_exception=True)
def secondment_detail(request, pk: int):
    secondment = get_object_or_404(selectors_awards.secondments(request.user), pk=pk)
    user = request.user
    assess_form = forms.SecondmentAssessForm(prefix="assess")
    outcome_form = forms.SecondmentOutcomeForm(prefix="outcome")
    if request.method == "POST":
        if not user.has_perm("people.change_secondment"):
            raise PermissionDenied
        if request.POST.get("form") == "assess":
            form = assess_form = forms.SecondmentAssessForm(request.POST, prefix="assess")
            call = lambda **data: services_awards.secondment_assess(user=user, secondment=secondment, **data)  # noqa: E731
        else:
            form = outcome_form = forms.SecondmentOutcomeForm(request.POST, prefix="outcome")
            call = lambda **data: services_awards.secondment_decide(user=user, secondment=secondment, **data)  # noqa: E731
        if form.is_valid():
            try:
                call(**form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("people:secondment_detail", secondment.pk)
            except (ValidationError, PermissionDenied) as error:
                error = error if isinstance(error, ValidationError) else ValidationError(str(error))
                form_errors(form, error)
                messages.error(request, "；".join(error_texts(error)))
    return render(
        request,
        "people/awards/secondment_detail.html",
        {
            "secondment": secondment,
            "assess_form": assess_form,
            "outcome_form": outcome_form,
            "outcomes": Secondment.Outcome,
        },
    )
