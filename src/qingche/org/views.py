"""Pages of units and people. Thin: reads through selectors, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from qingche.core.audit import record
from qingche.core.excel import XLSX_CONTENT_TYPE, xlsx_response
from qingche.core.forms import form_errors
from qingche.core.pagination import paginate
from qingche.core.selectors import may_unmask
from qingche.core.services import pii_unmask
from qingche.org import forms, importers, person_sections, selectors, services
from qingche.org.models import Person, Role, Unit
from qingche.org.roles import role_label


def _form_page(request, form, title: str, save, success: str = ""):
    """The one shape of every create/edit page: on a valid POST call `save(cleaned_data)`, which writes
    through a service and returns where to go; a service's ValidationError lands on the form (400)."""
    if request.method == "POST" and form.is_valid():
        try:
            target = save(form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, success or _("Saved."))
            return redirect(target)
    return render(request, "core/form.html", {"form": form, "title": title}, status=400 if form.errors else 200)


# -- units ------------------------------------------------------------------------------------------
@login_required
@permission_required("org.view_unit", raise_exception=True)
def unit_tree(request):
    query = request.GET.get("q", "").strip()
    if request.GET.get("export") == "xlsx":
        return _units_export(request)
    results = selectors.unit_search(request.user, query)[:100] if query else None
    return render(
        request, "org/unit_tree.html", {"roots": selectors.unit_roots(request.user), "query": query, "results": results}
    )


def _units_export(request):
    rows = selectors.units(request.user).values_list("name", "kind", "code", "short_name", "depth")
    kinds = dict(Unit.Kind.choices)
    record("export", object_type="org.unit", object_repr=_("unit list"))
    return xlsx_response(
        "units.xlsx",
        [_("name"), _("kind"), _("administrative code"), _("short name"), _("level")],
        ((name, kinds.get(kind, kind), code, short, depth) for name, kind, code, short, depth in rows),
    )


@login_required
@permission_required("org.view_unit", raise_exception=True)
def unit_children(request, pk):
    unit = get_object_or_404(selectors.units(request.user), pk=pk)
    return render(request, "org/_unit_children.html", {"children": selectors.unit_children(request.user, unit)})


@login_required
@permission_required("org.view_unit", raise_exception=True)
def unit_detail(request, pk):
    unit = get_object_or_404(selectors.units(request.user), pk=pk)
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "ancestors": selectors.unit_ancestors(request.user, unit),
            "children": selectors.unit_children(request.user, unit),
            "posts": selectors.posts_of_unit(request.user, unit),
            "staffing": selectors.staffing(request.user, unit),
            "staffing_subtree": selectors.staffing(request.user, unit, subtree=True),
            "people_count": selectors.people(request.user, unit=unit).count(),
        },
    )


@login_required
def unit_create(request):
    parent = None
    if request.GET.get("parent") or not request.user.is_superuser:  # only the superuser adds a top unit
        parent = get_object_or_404(selectors.units(request.user), pk=request.GET.get("parent") or 0)
    form = forms.UnitForm(request.POST or None)
    title = _("New unit under %(parent)s") % {"parent": parent.name} if parent else _("New top-level unit")

    def save(data):
        return services.unit_create(user=request.user, parent=parent, **data).get_absolute_url()

    return _form_page(request, form, title, save)


@login_required
def unit_edit(request, pk):
    unit = get_object_or_404(selectors.units(request.user), pk=pk)
    initial = {"name": unit.name, "kind": unit.kind, "code": unit.code, "short_name": unit.short_name}
    form = forms.UnitForm(request.POST or None, initial=initial)
    form.fields["kind"].disabled = True

    def save(data):
        services.unit_update(
            user=request.user, unit=unit, name=data["name"], code=data["code"], short_name=data["short_name"]
        )
        return unit.get_absolute_url()

    return _form_page(request, form, _("Edit %(name)s") % {"name": unit.name}, save)


@login_required
def unit_move(request, pk):
    unit = get_object_or_404(selectors.units(request.user), pk=pk)
    form = forms.UnitMoveForm(request.POST or None, units=selectors.units(request.user))

    def save(data):
        services.unit_move(user=request.user, unit=unit, new_parent=data["parent"], reason=data["reason"])
        return unit.get_absolute_url()

    return _form_page(request, form, _("Move %(name)s") % {"name": unit.name}, save, success=_("Moved."))


@login_required
def post_create(request, unit_pk):
    unit = get_object_or_404(selectors.units(request.user), pk=unit_pk)
    form = forms.PostForm(request.POST or None, initial={"quota": 1})

    def save(data):
        services.post_create(user=request.user, unit=unit, **data)
        return unit.get_absolute_url()

    return _form_page(request, form, _("New post in %(unit)s") % {"unit": unit}, save)


@login_required
def post_edit(request, pk):
    post = get_object_or_404(selectors.posts(request.user), pk=pk)
    form = forms.PostForm(request.POST or None, initial={"name": post.name, "kind": post.kind, "quota": post.quota})

    def save(data):
        services.post_update(user=request.user, post=post, **data)
        return post.unit.get_absolute_url()

    return _form_page(request, form, _("Edit post %(post)s") % {"post": post}, save)


# -- people -----------------------------------------------------------------------------------------
@login_required
@permission_required("org.view_person", raise_exception=True)
def person_list(request):
    if request.method == "POST":
        return _person_search_redirect(request)
    params = request.GET.copy()
    if params.get("search"):
        params["q"] = request.session.get(PEOPLE_SEARCH_KEY, {}).get(params["search"], "")
    form = forms.PersonFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    unit = None
    if filters.get("unit"):
        unit = get_object_or_404(selectors.units(request.user), pk=filters["unit"])
    people = selectors.people(
        request.user,
        query=(filters.get("q") or "").strip(),
        unit=unit,
        category=filters.get("category", ""),
        education=filters.get("education", ""),
        political_status=filters.get("political_status", ""),
        gender=filters.get("gender", ""),
    )
    if request.GET.get("export") == "xlsx":
        return _people_export(people)
    page = paginate(request, people, 50)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "org/person_list.html", {"form": form, "page": page, "unit": unit, "query": query.urlencode()}
    )


PEOPLE_SEARCH_KEY = "org_people_search"


def _person_search_redirect(request):
    """The filter form is posted and the searched text (a name or an ID number) stays in the session:
    the list's address carries only a random reference to it, so no ID number reaches an address, a log
    or the browser history."""
    import secrets

    query = request.POST.copy()
    query.pop("csrfmiddlewaretoken", None)
    text = (query.pop("q", None) or [""])[0].strip()
    if text:
        reference = secrets.token_urlsafe(6)
        searches = request.session.get(PEOPLE_SEARCH_KEY, {})
        searches[reference] = text[:100]
        request.session[PEOPLE_SEARCH_KEY] = dict(list(searches.items())[-20:])
        query["search"] = reference
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)


def _people_export(people):
    record("export", object_type="org.person", object_repr=_("people list"))
    headers = [
        pgettext("person", "name"),
        _("gender"),
        _("birth year"),
        _("ID number"),
        _("phone"),
        _("category"),
        _("education"),
        _("political status"),
        _("rank"),
        _("unit"),
    ]
    # The choice labels translated once, not per row (get_FOO_display rebuilds the choices each call).
    label = {
        name: {value: str(text) for value, text in Person._meta.get_field(name).flatchoices}
        for name in ("gender", "category", "education", "political_status")
    }
    # Plain values, not Person objects with their unit: the export of a county is thousands of rows.
    columns = ("name", "gender", "birth_date", "id_number_masked", "phone_masked", "category", "education")
    columns += ("political_status", "rank", "unit__name")
    rows = (
        (
            p["name"],
            label["gender"].get(p["gender"], p["gender"]),
            p["birth_date"].year if p["birth_date"] else None,  # the year only, as the pages show it
            p["id_number_masked"],
            p["phone_masked"],
            label["category"].get(p["category"], p["category"]),
            label["education"].get(p["education"], p["education"]),
            label["political_status"].get(p["political_status"], p["political_status"]),
            p["rank"],
            p["unit__name"],
        )
        for p in people.values(*columns).iterator(chunk_size=2000)
    )
    return xlsx_response("people.xlsx", headers, rows)


@login_required
@permission_required("org.view_person", raise_exception=True)
def person_detail(request, pk):
    person = get_object_or_404(selectors.people(request.user).select_related("hometown_unit", "account"), pk=pk)
    history = list(selectors.person_assignments(request.user, person))
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "history": history,
            "tenure": selectors.person_tenure(history),
            "home_area": selectors.serves_in_home_area(person),
            "unmask_form": forms.UnmaskForm(),
            "may_unmask": may_unmask(request.user, person),
            "sections": person_sections.sections(request, person),
        },
    )


@login_required
@require_POST
def person_unmask(request, pk):
    person = get_object_or_404(selectors.people(request.user), pk=pk)
    form = forms.UnmaskForm(request.POST)
    if not form.is_valid():
        return render(
            request, "org/_unmasked.html", {"error": _("Give the reason for seeing this personal data.")}, status=400
        )
    try:
        value = pii_unmask(
            user=request.user, obj=person, field_name=form.cleaned_data["field"], reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        return render(request, "org/_unmasked.html", {"error": " ".join(error.messages)}, status=400)
    return render(request, "org/_unmasked.html", {"value": value, "field": form.cleaned_data["field"]})


@login_required
def person_create(request):
    units = selectors.units(request.user)
    form = forms.PersonForm(request.POST or None, units=units, initial={"unit": request.GET.get("unit")})

    def save(data):
        return reverse("org:person_detail", kwargs={"pk": services.person_create(user=request.user, **data).pk})

    return _form_page(request, form, _("New person"), save)


@login_required
def person_edit(request, pk):
    person = get_object_or_404(selectors.people(request.user), pk=pk)
    if not request.user.has_perm("org.change_person"):
        raise PermissionDenied
    form = forms.PersonForm(
        request.POST or None, instance=Person.objects.get(pk=person.pk), units=selectors.units(request.user)
    )

    def save(data):
        services.person_update(user=request.user, person=person, **data)
        return reverse("org:person_detail", kwargs={"pk": person.pk})

    return _form_page(request, form, _("Edit %(name)s") % {"name": person.name}, save)


@login_required
def assignment_create(request, person_pk):
    person = get_object_or_404(selectors.people(request.user), pk=person_pk)
    form = forms.AssignmentForm(request.POST or None, posts=selectors.posts(request.user).select_related("unit"))

    def save(data):
        services.assignment_create(user=request.user, person=person, **data)
        return reverse("org:person_detail", kwargs={"pk": person.pk})

    return _form_page(request, form, _("Assign %(name)s to a post") % {"name": person.name}, save)


# -- import -----------------------------------------------------------------------------------------
@login_required
def import_page(request):
    if not (request.user.has_perm("org.import_unit") or request.user.has_perm("org.import_person")):
        raise PermissionDenied
    result, kind, status = None, request.POST.get("kind", ""), 200
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if kind not in ("units", "people"):
            status = 400
            form.add_error(None, _("Choose what to import."))
        elif form.is_valid():
            importer = importers.import_units if kind == "units" else importers.import_people
            try:
                result = importer(request.user, form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error.messages)
            else:
                if not result.errors:
                    messages.success(request, _("Imported %(count)d rows.") % {"count": len(result.rows)})
                    return redirect("org:import")
        if form.errors or (result and result.errors):
            status = 400
    return render(request, "org/import.html", {"form": form, "result": result, "kind": kind}, status=status)


@login_required
def import_template(request, kind):
    if kind not in ("units", "people"):
        raise PermissionDenied
    response = HttpResponse(importers.template(kind), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="qingche-{kind}-template.xlsx"'
    return response


# -- accounts and role grants -----------------------------------------------------------------------
@login_required
@permission_required("core.view_user", raise_exception=True)
def account_list(request):
    accounts = selectors.accounts(request.user).prefetch_related("role_grants__role", "role_grants__unit")
    query = request.GET.get("q", "").strip()
    if query:
        accounts = accounts.filter(username__icontains=query)
    if request.GET.get("export") == "xlsx":
        record("export", object_type="core.user", object_repr=_("account list"))
        rows = (
            (a.username, a.is_active, "；".join(f"{g.role.label}@{g.unit.name}" for g in a.role_grants.all()))
            for a in accounts
        )
        return xlsx_response("accounts.xlsx", [_("user name"), _("active"), _("roles")], rows)
    form = forms.AccountForm(request.POST or None, people=selectors.people_to_link(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.account_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("org:account_list")
        status = 400
    page = paginate(request, accounts, 50)
    for account in page:
        account.may_toggle = services.account_may_set_active(user=request.user, account=account)
    return render(request, "org/account_list.html", {"page": page, "form": form, "query": query}, status=status)


@login_required
@require_POST
def account_toggle(request, pk):
    account = get_object_or_404(selectors.accounts(request.user), pk=pk)
    try:
        services.account_set_active(user=request.user, account=account, active=not account.is_active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("org:account_list")


@login_required
@permission_required("org.view_rolegrant", raise_exception=True)
def grant_list(request):
    form = forms.GrantForm(
        request.POST or None, accounts=selectors.accounts(request.user), units=selectors.units(request.user)
    )
    form.fields["role"].queryset = Role.objects.all()
    form.fields["role"].label_from_instance = lambda role: role_label(role.code, role.name)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.role_grant_create(
                    user=request.user,
                    account=data["account"],
                    role=data["role"],
                    unit=data["unit"],
                    scope=data["scope"],
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("org:grant_list")
        status = 400
    grants = selectors.grants(request.user)
    if request.GET.get("export") == "xlsx":
        record("export", object_type="org.rolegrant", object_repr=_("role grants"))
        rows = ((g.user.username, g.role.label, g.unit.name, g.get_scope_display()) for g in grants)
        return xlsx_response("role-grants.xlsx", [_("account"), _("role"), _("unit"), _("scope")], rows)
    page = paginate(request, grants, 50)
    return render(request, "org/grant_list.html", {"page": page, "form": form}, status=status)


@login_required
@require_POST
def grant_delete(request, pk):
    grant = get_object_or_404(selectors.grants(request.user), pk=pk)
    services.role_grant_delete(user=request.user, grant=grant, reason=request.POST.get("reason", ""))
    messages.success(request, _("Deleted."))
    return redirect("org:grant_list")
