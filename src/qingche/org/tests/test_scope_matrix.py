"""THE scope matrix: every demo role × every API list endpoint and every list page.

The expected rows are computed here, by hand, from the account's role grants (the role's permissions
from `org.roles.ROLE_PERMISSIONS`; a `subtree` grant reaches units whose path starts with the grant
unit's path, a `unit` grant exactly that unit, a `self` grant the account's own person) — never
through `visible_to`. Each list must return exactly that set (every page of the paginated API, and
its `count`): nothing outside the scope, nothing missing. Every detail endpoint for an object just
outside the scope is a 404, and search never reaches outside the scope.

Other modules' list endpoints are picked up from the API router too; their hand-computed expectations
live next to their rules in `<module>/tests/scope_expectations.py` (EXPECTATIONS = {router basename:
f(user) -> ids}). A list endpoint with no expectation anywhere fails the matrix.

Run with -s to see the matrix: endpoint × role → rows returned (— for a refused page)."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

import pytest
from openpyxl import load_workbook

from qingche.core.models import AuditEvent, User
from qingche.demo.builder import DEMO_ACCOUNTS
from qingche.org.models import Assignment, Person, Post, Role, RoleGrant, Unit
from qingche.org.roles import ROLE_PERMISSIONS

ROLE_ACCOUNTS = [username for username, _role, _where in DEMO_ACCOUNTS]
STEP = Unit.steplen
MATRIX: dict[str, dict[str, str]] = {}


# -- the world, read plainly (no scope layer) ----------------------------------------------------------
@dataclass
class World:
    unit_path: dict[int, str]
    unit_name: dict[int, str]
    unit_code: dict[int, str]
    post_unit: dict[int, int]
    person_unit: dict[int, int]
    person_name: dict[int, str]
    person_of_account: dict[int, int]
    assignment: dict[int, tuple[int, int]]  # id -> (unit, person)
    grant: dict[int, tuple[int, int, str, str]]  # id -> (user, unit, role code, scope)
    username: dict[int, str]
    superusers: set[int]
    audit_ids: set[int]
    masked_id: dict[int, str] = field(default_factory=dict)


_WORLDS: dict[str, World] = {}


def load_world() -> World:
    """The demo county as it stands at the start of every test (each test's writes are rolled back), so
    it is read once per database; only the audit trail grows and is read again where it is counted."""
    from django.db import connection

    key = connection.settings_dict["NAME"]
    if key not in _WORLDS:
        _WORLDS[key] = _read_world()
    world = _WORLDS[key]
    return World(**{**world.__dict__, "audit_ids": set(AuditEvent.objects.values_list("id", flat=True))})


def _read_world() -> World:
    people = list(Person.objects.all().values_list("id", "unit_id", "name", "account_id"))
    world = World(
        unit_path=dict(Unit.objects.values_list("id", "path")),
        unit_name=dict(Unit.objects.values_list("id", "name")),
        unit_code=dict(Unit.objects.values_list("id", "code")),
        post_unit=dict(Post.objects.values_list("id", "unit_id")),
        person_unit={pk: unit for pk, unit, _name, _account in people},
        person_name={pk: name for pk, _unit, name, _account in people},
        person_of_account={account: pk for pk, _unit, _name, account in people if account},
        assignment={
            pk: (unit, person) for pk, unit, person in Assignment.objects.values_list("id", "unit_id", "person_id")
        },
        grant={
            pk: (user, unit, role, scope)
            for pk, user, unit, role, scope in RoleGrant.objects.values_list(
                "id", "user_id", "unit_id", "role__code", "scope"
            )
        },
        username=dict(User.objects.values_list("id", "username")),
        superusers=set(User.objects.filter(is_superuser=True).values_list("id", flat=True)),
        audit_ids=set(AuditEvent.objects.values_list("id", flat=True)),
    )
    world.masked_id = {person.pk: person.id_number_masked for person in Person.objects.all()}
    return world


@dataclass(frozen=True)
class HandGrant:
    role: str
    unit_id: int
    path: str
    scope: str
    perms: frozenset[str]


def hand_grants(world: World, user_id: int) -> list[HandGrant]:
    return [
        HandGrant(role, unit, world.unit_path[unit], scope, frozenset(ROLE_PERMISSIONS[role]))
        for user, unit, role, scope in world.grant.values()
        if user == user_id
    ]


def in_unit_scope(world: World, grant: HandGrant, unit_id: int) -> bool:
    if grant.scope == "subtree":
        return world.unit_path[unit_id].startswith(grant.path)
    if grant.scope == "unit":
        return unit_id == grant.unit_id
    return False


# Per model: all ids, and whether one grant reaches one row (by hand, from the rules in the docstring).
def reach_unit(world, grant, user_id, pk):
    if grant.scope == "self":  # a self grant still shows where the person works
        own = world.person_of_account.get(user_id)
        return own is not None and world.person_unit[own] == pk
    return in_unit_scope(world, grant, pk)


def reach_post(world, grant, user_id, pk):
    return grant.scope != "self" and in_unit_scope(world, grant, world.post_unit[pk])


def reach_person(world, grant, user_id, pk):
    if grant.scope == "self":
        return world.person_of_account.get(user_id) == pk
    return in_unit_scope(world, grant, world.person_unit[pk])


def reach_assignment(world, grant, user_id, pk):
    unit, person = world.assignment[pk]
    if grant.scope == "self":
        return world.person_of_account.get(user_id) == person
    return in_unit_scope(world, grant, unit)


def reach_grant(world, grant, user_id, pk):
    owner, unit, _role, _scope = world.grant[pk]
    if grant.scope == "self":
        own = world.person_of_account.get(user_id)
        return own is not None and world.person_of_account.get(owner) == own
    return in_unit_scope(world, grant, unit)


def reach_account(world, grant, user_id, pk):
    """An account belongs where its person's record is kept or where it holds a role; a grant at the
    top of the tree reaches every account."""
    if grant.scope == "self":
        return pk == user_id
    if grant.scope == "subtree" and len(grant.path) == STEP:
        return True
    person = world.person_of_account.get(pk)
    places = [world.person_unit[person]] if person is not None else []
    places += [unit for owner, unit, _role, _scope in world.grant.values() if owner == pk]
    return any(in_unit_scope(world, grant, unit) for unit in places)


def reach_all(world, grant, user_id, pk):
    return True


@dataclass(frozen=True)
class Expectation:
    perm: str
    ids: Callable[[World], set[int]]
    reach: Callable
    model: type
    path_of: Callable[[World, int], str] | None  # the unit path a row hangs off, to find "just outside"


EXPECTATIONS: dict[str, Expectation] = {
    "units": Expectation("org.view_unit", lambda w: set(w.unit_path), reach_unit, Unit, lambda w, pk: w.unit_path[pk]),
    "posts": Expectation(
        "org.view_post", lambda w: set(w.post_unit), reach_post, Post, lambda w, pk: w.unit_path[w.post_unit[pk]]
    ),
    "people": Expectation(
        "org.view_person",
        lambda w: set(w.person_unit),
        reach_person,
        Person,
        lambda w, pk: w.unit_path[w.person_unit[pk]],
    ),
    "assignments": Expectation(
        "org.view_assignment",
        lambda w: set(w.assignment),
        reach_assignment,
        Assignment,
        lambda w, pk: w.unit_path[w.assignment[pk][0]],
    ),
    "role-grants": Expectation(
        "org.view_rolegrant", lambda w: set(w.grant), reach_grant, RoleGrant, lambda w, pk: w.unit_path[w.grant[pk][1]]
    ),
}
ACCOUNTS = Expectation("core.view_user", lambda w: set(w.username), reach_account, User, None)
AUDIT = Expectation("core.view_auditevent", lambda w: set(w.audit_ids), reach_all, AuditEvent, None)


def expected(world: World, spec: Expectation, user_id: int) -> set[int]:
    if user_id in world.superusers:
        return spec.ids(world)
    grants = [grant for grant in hand_grants(world, user_id) if spec.perm in grant.perms]
    return {pk for pk in spec.ids(world) if any(spec.reach(world, grant, user_id, pk) for grant in grants)}


def holds(world: World, user_id: int, perm: str) -> bool:
    return user_id in world.superusers or any(perm in grant.perms for grant in hand_grants(world, user_id))


def just_outside(world: World, spec: Expectation, user_id: int, visible: set[int], how_many: int = 2) -> list[int]:
    """Rows outside the scope nearest to it: the longest shared path with one of the account's grants."""
    outside = sorted(spec.ids(world) - visible)
    if not outside or spec.path_of is None:
        return outside[:how_many]
    paths = [grant.path for grant in hand_grants(world, user_id)] or [""]

    def closeness(pk):
        path = spec.path_of(world, pk)
        return max(len(_common(path, grant_path)) for grant_path in paths)

    return sorted(outside, key=lambda pk: (-closeness(pk), pk))[:how_many]


def _common(a: str, b: str) -> str:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]


def record(name: str, column: str, value) -> None:
    MATRIX.setdefault(name, {})[column] = str(value)


# -- the API ------------------------------------------------------------------------------------------
# This module's endpoints by router basename; every other module lists its own hand-computed
# expectations in `<module>/tests/scope_expectations.py` as EXPECTATIONS = {basename: f(user) -> ids}.
ORG_BASENAMES = {
    "unit": "units",
    "post": "posts",
    "person": "people",
    "assignment": "assignments",
    "rolegrant": "role-grants",
}


def module_expectations() -> dict[str, Callable]:
    from importlib import import_module
    from importlib.util import find_spec

    from django.conf import settings

    found: dict[str, Callable] = {}
    for module in settings.QINGCHE_MODULES:
        if module == "qingche.org" or find_spec(f"{module}.tests") is None:
            continue
        if find_spec(f"{module}.tests.scope_expectations") is not None:
            found.update(import_module(f"{module}.tests.scope_expectations").EXPECTATIONS)
    return found


def module_pages() -> dict[str, dict]:
    """Other modules' detail pages: PAGES = {name: {url (with {pk}), perm, model, ids: f(user) -> ids, paths:
    f() -> {pk: unit path}}} in `<module>/tests/scope_expectations.py`."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.conf import settings

    found: dict[str, dict] = {}
    for module in settings.QINGCHE_MODULES:
        if module == "qingche.org" or find_spec(f"{module}.tests") is None:
            continue
        if find_spec(f"{module}.tests.scope_expectations") is not None:
            found.update(getattr(import_module(f"{module}.tests.scope_expectations"), "PAGES", {}))
    return found


def list_endpoints():
    """(prefix, viewset, basename) of every API endpoint that lists rows (a `list` action)."""
    from qingche.api_urls import router

    return [(prefix, viewset, basename) for prefix, viewset, basename in router.registry if hasattr(viewset, "list")]


def endpoint_model(viewset):
    serializer = getattr(viewset, "serializer_class", None)
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None and getattr(viewset, "queryset", None) is not None:
        model = viewset.queryset.model
    return model


def test_every_api_list_endpoint_has_an_expectation():
    others = module_expectations()
    missing = [
        prefix
        for prefix, _viewset, basename in list_endpoints()
        if basename not in ORG_BASENAMES and basename not in others
    ]
    assert not missing, f"API list endpoints without a scope expectation: {missing}"
    for prefix, viewset, basename in list_endpoints():
        if basename in ORG_BASENAMES:
            assert ORG_BASENAMES[basename] == prefix
            assert endpoint_model(viewset) is EXPECTATIONS[prefix].model, prefix
    assert set(ORG_BASENAMES.values()) == set(EXPECTATIONS)


FULL_PAGES = 20  # other modules' lists longer than this many pages are sampled (see below)


def every_page(api, url: str, max_pages: int | None = None) -> tuple[list[dict], int, bool]:
    """Rows of every page (following `next`), the `count`, and whether every page was read. With
    max_pages, a longer list is sampled: its first two pages and its last one."""
    response = api.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.json()
    count, rows = body["count"], list(body["results"])
    page_size = max(len(rows), 1)
    if max_pages is not None and count > max_pages * page_size:
        for page in ("2", "last"):
            more = api.get(url, {"page": page})
            assert more.status_code == 200, (url, page, more.status_code)
            rows += more.json()["results"]
        return rows, count, False
    while body["next"]:
        body = api.get(body["next"]).json()
        rows += body["results"]
    return rows, count, True


def wanted(world, user, basename, others) -> set[int]:
    if basename in ORG_BASENAMES:
        return expected(world, EXPECTATIONS[ORG_BASENAMES[basename]], user.pk)
    return set(others[basename](user))


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_api_lists_return_exactly_the_scope(name, accounts, api_as):
    world = load_world()
    others = module_expectations()
    user = accounts[name]
    api = api_as(name)
    for prefix, _viewset, basename in list_endpoints():
        want = wanted(world, user, basename, others)
        # This module's lists are read whole; very long lists of other modules (10,000 citizen requests)
        # are checked by their count and a sample of pages (their own matrix reads them whole).
        rows, count, whole = every_page(api, f"/api/v1/{prefix}/", None if basename in ORG_BASENAMES else FULL_PAGES)
        got = [row["id"] for row in rows]
        if whole:
            assert len(got) == len(set(got)), f"{name} {prefix}: a row appears twice across pages"
            assert want - set(got) == set(), f"{name} {prefix}: rows missing: {sorted(want - set(got))[:10]}"
        assert set(got) - want == set(), f"{name} {prefix}: rows outside the scope: {sorted(set(got) - want)[:10]}"
        assert count == len(want), f"{name} {prefix}: count {count} != {len(want)}"
        record(name, f"api:{prefix}", count)


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_unit_api_names_a_parent_only_when_the_caller_sees_it(name, accounts, api_as):
    """`parent_id` is the parent's id when the parent is in the caller's scope and null otherwise: the
    id of a unit outside the scope is not given away (a town sees its own town with no parent)."""
    world = load_world()
    user = accounts[name]
    want = expected(world, EXPECTATIONS["units"], user.pk)
    path_to_id = {path: pk for pk, path in world.unit_path.items()}
    api = api_as(name)
    rows, _count, _whole = every_page(api, "/api/v1/units/")
    for row in rows:
        true_parent = path_to_id.get(world.unit_path[row["id"]][:-STEP])
        assert row["parent_id"] == (true_parent if true_parent in want else None), (name, row)
    hidden = [pk for pk in want if path_to_id.get(world.unit_path[pk][:-STEP]) not in (None, *want)]
    if name in ("bumen", "xiangzhen", "cungan"):  # scopes below the county: their top unit's parent is hidden
        assert hidden, f"{name}: no unit whose parent is outside the scope (the test would prove nothing)"
    for pk in hidden[:3]:
        assert api.get(f"/api/v1/units/{pk}/").json()["parent_id"] is None


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_api_details_just_outside_the_scope_are_404(name, accounts, api_as):
    world = load_world()
    others = module_expectations()
    user = accounts[name]
    api = api_as(name)
    for prefix, viewset, basename in list_endpoints():
        model = endpoint_model(viewset)
        if model is None or not hasattr(viewset, "retrieve"):
            continue
        want = wanted(world, user, basename, others)
        if basename in ORG_BASENAMES:
            outside = just_outside(world, EXPECTATIONS[prefix], user.pk, want)
        else:
            outside = sorted(set(model._base_manager.values_list("pk", flat=True)) - want)[:2]
        for pk in outside:
            response = api.get(f"/api/v1/{prefix}/{pk}/")
            assert response.status_code == 404, (name, prefix, pk, response.status_code)
            assert response["Content-Type"].startswith("application/json")
            if basename not in ORG_BASENAMES:
                continue
            for extra in viewset.get_extra_actions():
                if extra.detail:
                    response = api.post(f"/api/v1/{prefix}/{pk}/{extra.url_path}/", {}, format="json")
                    assert response.status_code == 404, (name, prefix, extra.url_path, pk, response.status_code)
            if "patch" in viewset.http_method_names and hasattr(viewset, "partial_update"):
                assert api.patch(f"/api/v1/{prefix}/{pk}/", {}, format="json").status_code == 404
            if hasattr(viewset, "destroy"):
                assert api.delete(f"/api/v1/{prefix}/{pk}/").status_code == 404
                assert model.objects.filter(pk=pk).exists()
        for pk in sorted(want)[:1]:
            assert api.get(f"/api/v1/{prefix}/{pk}/").status_code == 200, (name, prefix, pk)


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_api_filters_never_reach_outside_the_scope(name, accounts, api_as):
    world = load_world()
    user = accounts[name]
    api = api_as(name)
    visible_units = expected(world, EXPECTATIONS["units"], user.pk)
    outside_units = just_outside(world, EXPECTATIONS["units"], user.pk, visible_units, how_many=3)
    people = expected(world, EXPECTATIONS["people"], user.pk)
    for unit in outside_units:
        for url in (
            f"/api/v1/people/?unit={unit}",
            f"/api/v1/posts/?unit={unit}",
            f"/api/v1/assignments/?unit={unit}",
            f"/api/v1/role-grants/?unit={unit}",
        ):
            response = api.get(url)
            assert response.status_code in (200, 400), url
            if response.status_code == 200:
                assert response.json()["count"] == 0, (name, url)
        if world.unit_code[unit]:
            response = api.get("/api/v1/units/", {"code": world.unit_code[unit]})
            assert response.status_code in (200, 400)
            if response.status_code == 200:
                assert {row["id"] for row in response.json()["results"]} <= visible_units
    # An assignment is scoped by the unit it was held in: a person outside the scope may have held a
    # post inside it, and that row (only that row) is visible.
    assignments = expected(world, EXPECTATIONS["assignments"], user.pk)
    for person in just_outside(world, EXPECTATIONS["people"], user.pk, people, how_many=3):
        response = api.get("/api/v1/assignments/", {"person": person})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            got = {row["id"] for row in response.json()["results"]}
            assert got == {pk for pk in assignments if world.assignment[pk][1] == person}, (name, person)


# -- the pages ------------------------------------------------------------------------------------------
def page_numbers(text: str) -> int:
    match = re.search(r'class="page-link">\s*(\d+)\s*/\s*(\d+)\s*</span>', text)
    return int(match.group(2)) if match else 1


def all_pages(client, url: str, params: dict | None = None) -> list[str] | None:
    """The HTML of every page of a paginated list, or None when the page is refused."""
    params = dict(params or {})
    response = client.get(url, params)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, (url, params, response.status_code)
    texts = [response.content.decode()]
    for number in range(2, page_numbers(texts[0]) + 1):
        texts.append(client.get(url, {**params, "page": number}).content.decode())
    return texts


def first_and_last_page(client, url: str) -> list[str] | None:
    """The audit trail holds thousands of events: its first page and its last are enough to count it."""
    response = client.get(url)
    if response.status_code == 403:
        return None
    assert response.status_code == 200
    first = response.content.decode()
    pages = page_numbers(first)
    return [first, client.get(url, {"page": pages}).content.decode() if pages > 1 else first]


def table_body(text: str, table_id: str) -> str:
    return text.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def people_on_pages(texts) -> list[int]:
    return [
        int(pk) for text in texts for pk in re.findall(r'href="/org/people/(\d+)/"', table_body(text, "person-table"))
    ]


def first_cells(texts, table_id, cells=1) -> list[tuple[str, ...]]:
    rows = []
    for text in texts:
        for row in re.findall(r"<tr>(.*?)</tr>", table_body(text, table_id), re.S):
            values = [
                unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
            if len(values) >= cells:
                rows.append(tuple(values[:cells]))
    return rows


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))[1:]


UNIT_QUERIES = ["镇", "村", "局", "社区", "东河", "4399010"]


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_list_pages_return_exactly_the_scope(name, accounts, client_as):
    world = load_world()
    user = accounts[name]
    client = client_as(name)

    # /org/units/?q=… (the search results) and the tree browser built from /org/units/<pk>/children/.
    units = expected(world, EXPECTATIONS["units"], user.pk)
    can_units = holds(world, user.pk, "org.view_unit")
    record(name, "page:units?q=镇", "—")
    for query in UNIT_QUERIES:
        response = client.get("/org/units/", {"q": query})
        if not can_units:
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        block = response.content.decode().split('id="unit-search-results"', 1)[1].split("</div></div>", 1)[0]
        got = {int(pk) for pk in re.findall(r'href="/org/units/(\d+)/"', block)}
        want = {pk for pk in units if query in world.unit_name[pk] or world.unit_code[pk].startswith(query)}
        assert len(want) < 100  # the page shows at most 100 results
        assert got == want, (name, query, sorted(got - want)[:5], sorted(want - got)[:5])
        if query == "镇":
            record(name, "page:units?q=镇", len(got))
    if can_units:
        tree = client.get("/org/units/").content.decode()
        roots = {int(pk) for pk in re.findall(r'<li data-unit="(\d+)"', tree)}
        seen, queue = set(roots), list(roots)
        while queue:
            pk = queue.pop()
            if Unit.objects.get(pk=pk).numchild:
                children = client.get(f"/org/units/{pk}/children/")
                assert children.status_code == 200
                for child in map(int, re.findall(r'<li data-unit="(\d+)"', children.content.decode())):
                    if child not in seen:
                        seen.add(child)
                        queue.append(child)
        assert seen == units, (name, sorted(seen - units)[:5], sorted(units - seen)[:5])
        exported = Counter(row[0] for row in xlsx_rows(client.get("/org/units/", {"export": "xlsx"})))
        assert exported == Counter(world.unit_name[pk] for pk in units)
    else:
        assert client.get("/org/units/", {"export": "xlsx"}).status_code == 403

    # /org/people/ (every page), its name filter, and its export.
    people = expected(world, EXPECTATIONS["people"], user.pk)
    texts = all_pages(client, "/org/people/")
    if not holds(world, user.pk, "org.view_person"):
        assert texts is None
        assert client.get("/org/people/", {"export": "xlsx"}).status_code == 403
        record(name, "page:people", "—")
        record(name, "page:people.xlsx", "—")
    else:
        got = people_on_pages(texts)
        assert len(got) == len(set(got))
        assert set(got) == people, (name, sorted(set(got) - people)[:5], sorted(people - set(got))[:5])
        record(name, "page:people", len(got))
        for query in ("王",):
            got = set(people_on_pages(all_pages(client, "/org/people/", {"q": query})))
            assert got == {pk for pk in people if query in world.person_name[pk]}, (name, query)
        rows = xlsx_rows(client.get("/org/people/", {"export": "xlsx"}))
        assert Counter((row[0], row[3], row[9]) for row in rows) == Counter(
            (world.person_name[pk], world.masked_id[pk], world.unit_name[world.person_unit[pk]]) for pk in people
        )
        record(name, "page:people.xlsx", len(rows))

    # /audit/ (every page: the count of rows is the count of events, the exports above included).
    world.audit_ids = set(AuditEvent.objects.values_list("id", flat=True))
    texts = first_and_last_page(client, "/audit/")
    if not holds(world, user.pk, "core.view_auditevent"):
        assert texts is None
        record(name, "page:audit", "—")
    else:
        first, last = texts
        rows = len(first_cells([first], "audit-table", cells=8))
        pages = page_numbers(first)
        if pages > 1:
            assert rows == 50
            rows = 50 * (pages - 1) + len(first_cells([last], "audit-table", cells=8))
        assert rows == len(expected(world, AUDIT, user.pk)) == AuditEvent.objects.count()
        record(name, "page:audit", rows)

    # /org/accounts/ and /org/grants/.
    texts = all_pages(client, "/org/accounts/")
    if not holds(world, user.pk, "core.view_user"):
        assert texts is None
        record(name, "page:accounts", "—")
    else:
        got = [cells[0] for cells in first_cells(texts, "account-table")]
        want = expected(world, ACCOUNTS, user.pk)
        assert Counter(got) == Counter(world.username[pk] for pk in want)
        record(name, "page:accounts", len(got))
    texts = all_pages(client, "/org/grants/")
    if not holds(world, user.pk, "org.view_rolegrant"):
        assert texts is None
        record(name, "page:grants", "—")
    else:
        got = Counter(first_cells(texts, "grant-table", cells=3))
        roles = dict(Role.objects.values_list("code", "name"))
        want = expected(world, EXPECTATIONS["role-grants"], user.pk)
        assert got == Counter(
            (world.username[world.grant[pk][0]], roles[world.grant[pk][2]], world.unit_name[world.grant[pk][1]])
            for pk in want
        )
        record(name, "page:grants", sum(got.values()))


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_detail_pages_just_outside_the_scope_are_refused(name, accounts, client_as):
    """404 for a row outside the scope (never a 403 that would tell it exists), 403 only where the role
    lacks the page's permission altogether."""
    world = load_world()
    user = accounts[name]
    client = client_as(name)

    def refused(perm: str | None = None) -> int:
        return 403 if perm and not holds(world, user.pk, perm) else 404

    units = expected(world, EXPECTATIONS["units"], user.pk)
    for pk in just_outside(world, EXPECTATIONS["units"], user.pk, units, how_many=3):
        for url, perm in (
            (f"/org/units/{pk}/", "org.view_unit"),
            (f"/org/units/{pk}/children/", "org.view_unit"),
            (f"/org/units/{pk}/edit/", None),
            (f"/org/units/{pk}/move/", None),
            (f"/org/units/{pk}/posts/new/", None),
            (f"/org/units/new/?parent={pk}", None),
            (f"/org/people/?unit={pk}", "org.view_person"),
        ):
            response = client.get(url)
            assert response.status_code == refused(perm), (name, url, response.status_code)
        response = client.post(f"/org/units/{pk}/move/", {"parent": pk, "reason": "越权"})
        assert response.status_code == 404
    people = expected(world, EXPECTATIONS["people"], user.pk)
    for pk in just_outside(world, EXPECTATIONS["people"], user.pk, people, how_many=3):
        for url, perm in (
            (f"/org/people/{pk}/", "org.view_person"),
            (f"/org/people/{pk}/edit/", None),
            (f"/org/people/{pk}/assign/", None),
        ):
            response = client.get(url)
            assert response.status_code == refused(perm), (name, url, response.status_code)
            assert world.masked_id[pk] not in response.content.decode()
        response = client.post(f"/org/people/{pk}/unmask/", {"field": "phone", "reason": "越权查看"})
        assert response.status_code == 404
        response = client.post(f"/org/people/{pk}/edit/", {"name": "越权改名"})
        assert response.status_code == 404
        assert Person.objects.get(pk=pk).name == world.person_name[pk]
    posts = expected(world, EXPECTATIONS["posts"], user.pk)
    for pk in just_outside(world, EXPECTATIONS["posts"], user.pk, posts, how_many=2):
        assert client.get(f"/org/posts/{pk}/edit/").status_code == 404
    grants = expected(world, EXPECTATIONS["role-grants"], user.pk)
    for pk in just_outside(world, EXPECTATIONS["role-grants"], user.pk, grants, how_many=2):
        assert client.post(f"/org/grants/{pk}/delete/").status_code == 404
        assert RoleGrant.objects.filter(pk=pk).exists()
    accounts_in_scope = expected(world, ACCOUNTS, user.pk)
    for pk in sorted(set(world.username) - accounts_in_scope)[:2]:
        assert client.post(f"/org/accounts/{pk}/toggle/").status_code == 404
        assert User.objects.get(pk=pk).is_active


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_module_detail_pages_open_in_the_scope_and_are_refused_just_outside(name, accounts, client_as):
    """Other modules' detail pages (PAGES in their scope_expectations): the first and the last row in the scope
    open; the rows just outside it (nearest in the unit tree to the account's grants) are 404, or 403 where
    the role lacks the page's permission altogether."""
    world = load_world()
    user = accounts[name]
    client = client_as(name)
    for key, page in module_pages().items():
        want = set(page["ids"](user))
        paths = page["paths"]()
        spec = Expectation(
            page["perm"],
            lambda w, ids=frozenset(paths): set(ids),
            reach_all,
            page["model"],
            lambda w, pk, paths=paths: paths[pk],
        )
        allowed = holds(world, user.pk, page["perm"])
        for pk in just_outside(world, spec, user.pk, want, how_many=3):
            response = client.get(page["url"].format(pk=pk))
            assert response.status_code == (404 if allowed else 403), (name, key, pk, response.status_code)
        for pk in sorted(want)[:1] + sorted(want)[-1:]:
            response = client.get(page["url"].format(pk=pk))
            assert response.status_code == 200, (name, key, pk, response.status_code)
        record(name, f"page:{key}", len(want) if allowed else "—")


@pytest.mark.parametrize("name", ROLE_ACCOUNTS)
def test_search_never_returns_rows_outside_the_scope(name, accounts, client_as):
    world = load_world()
    user = accounts[name]
    client = client_as(name)
    people = expected(world, EXPECTATIONS["people"], user.pk)
    if holds(world, user.pk, "org.view_person"):
        for pk in just_outside(world, EXPECTATIONS["people"], user.pk, people, how_many=3):
            person = Person.objects.get(pk=pk)
            for query in (person.id_number, person.name, person.id_number.lower()):
                got = set(people_on_pages(all_pages(client, "/org/people/", {"q": query})))
                assert got <= people and pk not in got, (name, query)
            exported = xlsx_rows(client.get("/org/people/", {"q": person.name, "export": "xlsx"}))
            assert all(row[3] != person.id_number_masked or row[0] != person.name for row in exported)
        # A full ID number finds the person only where the same grant may unmask: elsewhere the search would
        # confirm guesses of the number that the mask hides.
        unmaskable = {
            pk
            for pk in people
            if user.pk in world.superusers
            or any(
                "core.unmask_pii" in grant.perms and reach_person(world, grant, user.pk, pk)
                for grant in hand_grants(world, user.pk)
                if "org.view_person" in grant.perms
            )
        }
        for pk in sorted(people)[:2]:
            person = Person.objects.get(pk=pk)
            want = {pk} if pk in unmaskable else set()
            assert set(people_on_pages(all_pages(client, "/org/people/", {"q": person.id_number}))) == want
    units = expected(world, EXPECTATIONS["units"], user.pk)
    if holds(world, user.pk, "org.view_unit"):
        for pk in just_outside(world, EXPECTATIONS["units"], user.pk, units, how_many=3):
            for query in filter(None, (world.unit_name[pk], world.unit_code[pk])):
                text = client.get("/org/units/", {"q": query}).content.decode()
                block = text.split('id="unit-search-results"', 1)[1].split("</div></div>", 1)[0]
                got = {int(found) for found in re.findall(r'href="/org/units/(\d+)/"', block)}
                assert got <= units and pk not in got, (name, query)


def test_county_wide_offices_hold_county_wide_grants(accounts):
    """DESIGN §1/§3: the organization department keeps cadre records county-wide; the burden office and
    the hotline work across every unit."""
    county = Unit.objects.get(depth=1)
    for name in ("zuzhibu", "jianfuban", "rexian", "xitong", "anquan", "shenji"):
        grant = accounts[name].role_grants.get()
        assert (grant.unit_id, grant.scope) == (county.pk, "subtree"), name
    world = load_world()
    assert expected(world, EXPECTATIONS["people"], accounts["zuzhibu"].pk) == set(world.person_unit)


def matrix_lines() -> list[str]:
    """Endpoint × role → rows returned (— for a refused page), once the matrix tests ran; the root
    conftest prints it at the end of a verbose run (pytest -v)."""
    if not MATRIX:
        return []
    columns = sorted(
        {column for row in MATRIX.values() for column in row},
        key=lambda column: (not column.startswith("api:"), column),
    )
    width = max(len(column) for column in columns)
    lines = [
        "scope matrix: rows returned per endpoint and role (— = refused)",
        f"{'':<{width}} " + " ".join(f"{name:>9}" for name in ROLE_ACCOUNTS),
    ]
    for column in columns:
        lines.append(
            f"{column:<{width}} " + " ".join(f"{MATRIX.get(name, {}).get(column, '?'):>9}" for name in ROLE_ACCOUNTS)
        )
    return lines
