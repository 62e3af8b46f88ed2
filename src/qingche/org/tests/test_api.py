"""The JSON API under bad input: 400/403/404 with a JSON body naming the field, never a 500, and
nothing saved."""

import datetime as dt
import json
import re

import pytest
from django.db import transaction

from qingche.core import rules as core_rules
from qingche.demo.builder import DEMO_ACCOUNTS
from qingche.org.models import Assignment, Person, Post, RoleGrant, Unit

ROLES = [username for username, _role, _where in DEMO_ACCOUNTS]  # every demo account
CJK = re.compile(r"[\u4e00-\u9fff]")


def make_id(born: dt.date, serial: int, region: str = "110107") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + core_rules.id_number_check_char(first17)


def person_body(where: Unit, serial: int = 1, **changes) -> dict:
    born = dt.date(1992, 8, 17)
    body = {
        "name": "接口测试",
        "gender": "female",
        "birth_date": born.isoformat(),
        "id_number": make_id(born, serial),
        "phone": "13511112222",
        "hometown": "湖南",
        "education": "bachelor",
        "political_status": "masses",
        "category": "civil_servant",
        "rank": "",
        "unit": where.pk,
    }
    body.update(changes)
    return body


@pytest.fixture
def places(db):
    towns = list(Unit.objects.filter(kind="town").order_by("path"))
    return {
        "county": Unit.objects.get(depth=1),
        "town": towns[0],
        "other_town": towns[1],
        "village": Unit.objects.filter(kind="village", path__startswith=towns[0].path).order_by("path").first(),
        "department": Unit.objects.get(name="县农业农村局"),
    }


@pytest.fixture
def town_org_api(places):
    """An organization-department role held at one town only, for requests just outside a scope."""
    from rest_framework.test import APIClient

    from qingche.org import services

    account = services.account_bootstrap(username="zzb_api_town", password="Unused-Pass-2026!")
    services.role_grant_bootstrap(account=account, role_code="org_department", unit=places["town"])
    api = APIClient()
    api.force_authenticate(account)
    return api


# -- people ---------------------------------------------------------------------------------------------
def test_creating_a_person_through_the_api(api_as, places):
    response = api_as("zuzhibu").post("/api/v1/people/", person_body(places["town"]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert "id_number" not in body and "phone" not in body
    person = Person.objects.get(pk=body["id"])
    assert body["id_number_masked"] == person.id_number_masked and body["phone_masked"] == "135****2222"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"id_number": "110107199208170010"}, "id_number"),
        ({"id_number": "abc"}, "id_number"),
        ({"id_number": ""}, "id_number"),
        ({"id_number": "1" * 30}, "id_number"),
        ({"phone": "123"}, "phone"),
        ({"birth_date": "1992-08-18"}, "birth_date"),
        ({"birth_date": "not a date"}, "birth_date"),
        ({"gender": "x"}, "gender"),
        ({"category": None}, "category"),
        ({"name": ""}, "name"),
        ({"name": "长" * 51}, "name"),
        ({"unit": 99999999}, "unit"),
        ({"unit": "abc"}, "unit"),
        ({"unit": None}, "unit"),
    ],
)
def test_bad_person_input_is_a_400_naming_the_field(api_as, places, changes, field):
    count = Person.objects.count()
    response = api_as("zuzhibu").post("/api/v1/people/", person_body(places["town"], **changes), format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert field in response.json(), response.json()
    assert Person.objects.count() == count


def test_a_duplicate_id_number_is_a_400(api_as, places):
    existing = Person.objects.filter(unit=places["village"]).first()
    body = person_body(places["town"], id_number=existing.id_number, birth_date=existing.birth_date.isoformat())
    response = api_as("zuzhibu").post("/api/v1/people/", body, format="json")
    assert response.status_code == 400 and "id_number" in response.json()


def test_error_messages_follow_the_language(api_as, places):
    body = person_body(places["town"], id_number="110107199208170010")
    chinese = api_as("zuzhibu").post("/api/v1/people/", body, format="json")
    assert CJK.search(" ".join(chinese.json()["id_number"]))
    english = api_as("zuzhibu").post("/api/v1/people/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    message = " ".join(english.json()["id_number"])
    assert "ID number" in message and not CJK.search(message)


def test_a_unit_outside_the_scope_is_refused(town_org_api, places):
    count = Person.objects.count()
    response = town_org_api.post("/api/v1/people/", person_body(places["department"]), format="json")
    assert response.status_code in (400, 403)
    if response.status_code == 400:
        assert "unit" in response.json()
    assert Person.objects.count() == count
    inside = town_org_api.post("/api/v1/people/", person_body(places["village"], 2), format="json")
    assert inside.status_code == 201, inside.content


def test_getting_or_changing_a_person_outside_the_scope_is_a_404(api_as, town_org_api, places):
    outside = Person.objects.filter(unit=places["department"]).first()
    for api in (api_as("xiangzhen"), api_as("cungan"), api_as("yixian"), town_org_api):
        assert api.get(f"/api/v1/people/{outside.pk}/").status_code == 404
        response = api.patch(f"/api/v1/people/{outside.pk}/", {"name": "改名"}, format="json")
        assert response.status_code == 404
        response = api.post(f"/api/v1/people/{outside.pk}/unmask/", {"field": "phone", "reason": "核实"}, format="json")
        assert response.status_code == 404 and outside.phone not in response.content.decode()
    assert Person.objects.get(pk=outside.pk).name == outside.name
    assert api_as("xiangzhen").get("/api/v1/people/999999999/").status_code == 404


def test_patching_a_person_validates_and_keeps_the_record_on_error(api_as, places):
    person = Person.objects.filter(unit=places["village"]).first()
    api = api_as("zuzhibu")
    for body, field in (
        ({"phone": "12"}, "phone"),
        ({"birth_date": "2001-01-01"}, "birth_date"),
        ({"unit": 99999999}, "unit"),
        ({"id_number": "123"}, "id_number"),
    ):
        response = api.patch(f"/api/v1/people/{person.pk}/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.content)
    stored = Person.objects.get(pk=person.pk)
    assert (stored.phone, stored.birth_date, stored.unit_id) == (person.phone, person.birth_date, person.unit_id)
    response = api.patch(f"/api/v1/people/{person.pk}/", {"phone": "13600009999"}, format="json")
    assert response.status_code == 200 and response.json()["phone_masked"] == "136****9999"


# -- units ----------------------------------------------------------------------------------------------
def test_moving_a_unit_under_its_descendant_is_a_400_naming_parent(api_as, places):
    api = api_as("zuzhibu")
    before = dict(Unit.objects.values_list("id", "path"))
    for new_parent in (places["village"], places["town"]):
        response = api.post(f"/api/v1/units/{places['town'].pk}/move/", {"parent": new_parent.pk}, format="json")
        assert response.status_code == 400, response.content
        assert "parent" in response.json()
    response = api.post(
        f"/api/v1/units/{places['village'].pk}/move/", {"parent": places["department"].pk}, format="json"
    )
    assert response.status_code == 400 and "parent" in response.json()
    for body in ({}, {"parent": None}, {"parent": 99999999}, {"parent": "x"}):
        response = api.post(f"/api/v1/units/{places['village'].pk}/move/", body, format="json")
        assert response.status_code == 400 and "parent" in response.json(), body
    assert dict(Unit.objects.values_list("id", "path")) == before
    response = api.post(
        f"/api/v1/units/{places['village'].pk}/move/",
        {"parent": places["other_town"].pk, "reason": "区划调整"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["parent_id"] == places["other_town"].pk


def test_units_outside_the_scope_cannot_be_read_moved_or_used(api_as, places):
    api = api_as("xiangzhen")
    assert api.get(f"/api/v1/units/{places['department'].pk}/").status_code == 404
    assert (
        api.post(
            f"/api/v1/units/{places['department'].pk}/move/", {"parent": places["town"].pk}, format="json"
        ).status_code
        == 404
    )
    before = dict(Unit.objects.values_list("id", "path"))
    response = api.post(
        f"/api/v1/units/{places['village'].pk}/move/", {"parent": places["other_town"].pk}, format="json"
    )
    assert response.status_code in (400, 403)
    assert dict(Unit.objects.values_list("id", "path")) == before


def test_unit_create_and_update_errors(api_as, places):
    api = api_as("xitong")
    count = Unit.objects.count()
    for body, field in (
        ({"parent": places["county"].pk, "name": "错村", "kind": "village"}, "parent"),
        ({"parent": places["town"].pk, "name": "", "kind": "village"}, "name"),
        ({"parent": places["town"].pk, "name": "错码村", "kind": "village", "code": "1"}, "code"),
        ({"parent": places["town"].pk, "name": "错类", "kind": "planet"}, "kind"),
        ({"parent": 99999999, "name": "无上级", "kind": "village"}, "parent"),
    ):
        response = api.post("/api/v1/units/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.content)
    assert Unit.objects.count() == count
    created = api.post(
        "/api/v1/units/", {"parent": places["town"].pk, "name": "接口新村", "kind": "village"}, format="json"
    )
    assert created.status_code == 201 and created.json()["parent_id"] == places["town"].pk
    unit_id = created.json()["id"]
    response = api.patch(f"/api/v1/units/{unit_id}/", {"kind": "town"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    response = api.patch(f"/api/v1/units/{unit_id}/", {"parent": places["other_town"].pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()
    assert Unit.objects.get(pk=unit_id).kind == "village"


@pytest.mark.parametrize(
    "prefix, body",
    [
        ("units", {"name": "\ud800村", "kind": "office"}),
        ("people", {"name": "\ud800", "hometown": "\udfff"}),
    ],
)
def test_lone_surrogates_in_json_are_refused_not_a_500(api_as, places, prefix, body):
    payload = person_body(places["town"], 9) if prefix == "people" else {"parent": places["town"].pk}
    payload.update(body)
    raw = json.dumps(payload, ensure_ascii=True)  # \ud800 stays an escape: valid JSON text
    count = Unit.objects.count(), Person.objects.count()
    response = api_as("admin").post(f"/api/v1/{prefix}/", raw, content_type="application/json")
    assert response.status_code == 400
    assert (Unit.objects.count(), Person.objects.count()) == count


def test_posts_and_assignments_errors(api_as, places):
    api = api_as("zuzhibu")
    for body, field in (
        ({"unit": places["town"].pk, "name": "岗", "kind": "staff", "quota": -1}, "quota"),
        ({"unit": places["town"].pk, "name": "岗", "kind": "boss", "quota": 1}, "kind"),
        ({"unit": 99999999, "name": "岗", "kind": "staff", "quota": 1}, "unit"),
    ):
        response = api.post("/api/v1/posts/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.content)
    person = Person.objects.filter(unit=places["village"]).first()
    post = Post.objects.filter(unit=places["department"]).first()
    count = Assignment.objects.count()
    response = api.post(
        "/api/v1/assignments/",
        {"person": person.pk, "post": post.pk, "start_date": "2026-03-01", "end_date": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 400
    for body, field in (
        ({"person": 99999999, "post": post.pk, "start_date": "2026-03-01"}, "person"),
        ({"person": person.pk, "post": post.pk, "start_date": "x"}, "start_date"),
    ):
        response = api.post("/api/v1/assignments/", body, format="json")
        assert response.status_code == 400 and field in response.json()
    assert Assignment.objects.count() == count
    response = api.post(
        "/api/v1/assignments/", {"person": person.pk, "post": post.pk, "start_date": "2026-03-01"}, format="json"
    )
    assert response.status_code == 201
    assert Person.objects.get(pk=person.pk).unit_id == places["department"].pk
    response = api_as("xiangzhen").post(
        f"/api/v1/assignments/{response.json()['id']}/end/", {"end_date": "2026-04-01"}, format="json"
    )
    assert response.status_code == 404  # moved out of the town's scope with the person


# -- role grants ----------------------------------------------------------------------------------------
def test_role_grant_by_the_security_administrator(api_as, accounts, places):
    api = api_as("anquan")
    body = {"user": accounts["cungan"].pk, "role": "frontline", "unit": places["village"].pk, "scope": "self"}
    response = api.post("/api/v1/role-grants/", body, format="json")
    assert response.status_code == 201, response.content
    assert RoleGrant.objects.filter(user=accounts["cungan"], role__code="frontline", scope="self").count() == 1
    again = api.post("/api/v1/role-grants/", body, format="json")
    assert again.status_code == 400
    for bad, field in (
        ({**body, "role": "emperor"}, "role"),
        ({**body, "scope": "galaxy"}, "scope"),
        ({**body, "user": 99999999}, "user"),
        ({**body, "unit": None}, "unit"),
    ):
        response = api.post("/api/v1/role-grants/", bad, format="json")
        assert response.status_code == 400 and field in response.json(), bad
    grant = RoleGrant.objects.get(user=accounts["cungan"], role__code="frontline")
    assert api.delete(f"/api/v1/role-grants/{grant.pk}/").status_code == 204
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


@pytest.mark.parametrize("name", [name for name in ROLES if name not in ("admin", "anquan")])
def test_role_grant_is_refused_for_everyone_else_with_403(name, api_as, accounts, places):
    """Refused for the lack of the right, not for the body: roles that cannot even see the account
    named get 403 too, not 400 "invalid pk" (the permission is checked before validation)."""
    count = RoleGrant.objects.count()
    response = api_as(name).post(
        "/api/v1/role-grants/",
        {"user": accounts["bumen"].pk, "role": "hotline", "unit": places["county"].pk},
        format="json",
    )
    assert RoleGrant.objects.count() == count
    assert response.status_code == 403, response.content
    assert set(response.json()) == {"detail"} and CJK.search(response.json()["detail"])


# (role, method, url, body): writes the role's grants do not allow, with bodies that would not validate
# either; each must be 403 (not 400) and save nothing.
def forbidden_writes(places, person, assignment):
    return [
        ("xiangzhen", "post", "/api/v1/units/", {"name": "", "kind": "planet", "parent": 99999999}),
        ("zuzhibu", "post", "/api/v1/units/", {"name": "新单位", "kind": "village", "parent": places["town"].pk}),
        ("xiangzhen", "post", "/api/v1/posts/", {"unit": 99999999, "kind": "boss", "quota": -1}),
        ("xitong", "post", "/api/v1/people/", {"unit": "x", "id_number": "bad"}),
        ("bumen", "post", "/api/v1/assignments/", {"person": 99999999, "start_date": "x"}),
        ("zuzhibu", "post", "/api/v1/role-grants/", {"user": "nobody", "role": "emperor"}),
        ("xiangzhen", "patch", f"/api/v1/people/{person.pk}/", {"birth_date": "not a date"}),
        ("xiangzhen", "post", f"/api/v1/people/{person.pk}/unmask/", {"field": "name", "reason": ""}),
        ("xiangzhen", "patch", f"/api/v1/units/{places['town'].pk}/", {"kind": "planet"}),
        ("xiangzhen", "post", f"/api/v1/units/{places['village'].pk}/move/", {"parent": "x"}),
        ("xiangzhen", "post", f"/api/v1/assignments/{assignment.pk}/end/", {"end_date": "x"}),
    ]


def test_writes_the_roles_do_not_allow_are_403_before_the_body_is_validated(api_as, places):
    person = Person.objects.filter(unit=places["village"]).order_by("id").first()
    assignment = Assignment.objects.filter(unit__path__startswith=places["town"].path).order_by("id").first()
    counts = [model.objects.count() for model in (Unit, Post, Person, Assignment, RoleGrant)]
    failures = []
    for name, method, url, body in forbidden_writes(places, person, assignment):
        response = getattr(api_as(name), method)(url, body, format="json")
        if response.status_code != 403 or not CJK.search(response.json().get("detail", "")):
            failures.append((name, method, url, response.status_code, response.content[:200]))
    assert not failures, failures
    assert [model.objects.count() for model in (Unit, Post, Person, Assignment, RoleGrant)] == counts
    # English when asked for: the message is translatable, not hard-coded Chinese.
    english = api_as("xiangzhen").post("/api/v1/units/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 403 and not CJK.search(english.json()["detail"])


def test_a_write_on_an_object_outside_the_scope_stays_404(api_as, places):
    """The permission is checked after the object is found, so a role lacking it cannot tell which
    objects exist outside its scope."""
    outside = Person.objects.filter(unit=places["other_town"]).order_by("id").first()
    response = api_as("xiangzhen").patch(f"/api/v1/people/{outside.pk}/", {"rank": "x"}, format="json")
    assert response.status_code == 404
    inside = Person.objects.filter(unit=places["town"]).order_by("id").first()
    response = api_as("xiangzhen").patch(f"/api/v1/people/{inside.pk}/", {"rank": "x"}, format="json")
    assert response.status_code == 403
    assert Person.objects.get(pk=inside.pk).rank == inside.rank


def test_roles_holding_the_permission_still_get_400_for_a_bad_body(api_as, places):
    response = api_as("zuzhibu").post("/api/v1/posts/", {"unit": places["town"].pk, "kind": "boss"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    response = api_as("xitong").post("/api/v1/units/", {"name": "新单位", "kind": "planet"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()


@pytest.mark.parametrize("name", [name for name in ROLES if name not in ("admin", "anquan")])
def test_role_grant_is_never_created_by_anyone_else(name, api_as, accounts, places):
    count = RoleGrant.objects.count()
    response = api_as(name).post(
        "/api/v1/role-grants/",
        {"user": accounts["bumen"].pk, "role": "hotline", "unit": places["county"].pk},
        format="json",
    )
    assert response.status_code in (400, 403)
    assert RoleGrant.objects.count() == count
    own = RoleGrant.objects.filter(user=accounts[name]).first()
    assert api_as(name).delete(f"/api/v1/role-grants/{own.pk}/").status_code in (403, 404)
    assert RoleGrant.objects.filter(pk=own.pk).exists()


# -- nothing a client sends becomes a 500 --------------------------------------------------------------
BAD_BODIES = [
    ("application/json", "{not json"),
    ("application/json", "["),
    ("application/json", "[]"),
    ("application/json", '"a string"'),
    ("application/json", "null"),
    ("application/json", "12"),
    ("application/json", '{"unit": {"a": 1}, "parent": [1], "person": {}, "post": [], "user": {"x": 1}}'),
    ("application/json", '{"id_number": 123456789012345678, "birth_date": 5, "quota": 1e400, "start_date": []}'),
    ("application/json", '{"name": ' + '"x"' * 2 + "}"),
    ("application/json", '{"field": ["phone"], "reason": {"a": 1}, "end_date": true, "role": 5, "scope": []}'),
    ("application/json", '{"name": "\\ud800", "quota": "NaN", "depth": -1}'),
    ("application/json", "\xff\xfe garbage"),
    ("text/plain", "plain text"),
    ("application/x-www-form-urlencoded", "unit=%ZZ&&&=="),
    ("multipart/form-data; boundary=xyz", "--xyz\r\nbroken"),
]


ORG_PREFIXES = {"units", "posts", "people", "assignments", "role-grants"}


def api_urls() -> list[tuple[str, bool]]:
    """Every API URL (list, a detail, every extra action) with whether it belongs to this module."""
    from qingche.api_urls import router

    urls = []
    for prefix, viewset, _basename in router.registry:
        ours = prefix in ORG_PREFIXES
        serializer = getattr(viewset, "serializer_class", None)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        obj = model.objects.order_by("pk").last() if model is not None else None
        if hasattr(viewset, "list") or hasattr(viewset, "create"):
            urls.append((f"/api/v1/{prefix}/", ours))
        if obj is not None:
            urls.append((f"/api/v1/{prefix}/{obj.pk}/", ours))
        for extra in viewset.get_extra_actions():
            if extra.detail and obj is None:
                continue
            where = f"{obj.pk}/{extra.url_path}" if extra.detail else extra.url_path
            urls.append((f"/api/v1/{prefix}/{where}/", ours))
    return urls


def send_bad_bodies(api, urls, bodies, methods) -> list[tuple]:
    failures = []
    for url in urls:
        for content_type, body in bodies:
            for method in methods:
                try:
                    with transaction.atomic():  # a crash must not break the test's transaction
                        response = getattr(api, method)(
                            url, data=body.encode("utf-8", "surrogatepass"), content_type=content_type
                        )
                except Exception as error:  # noqa: BLE001 - a crash is what this test looks for
                    failures.append((method, url, body, type(error).__name__))
                    continue
                if response.status_code >= 500:
                    failures.append((method, url, body, response.status_code))
                elif response.status_code >= 400 and response.status_code != 405:
                    json.loads(response.content)  # errors are JSON
    return failures


@pytest.mark.parametrize("name", ["admin", "xiangzhen"])
def test_malformed_requests_never_cause_a_500(name, api_as, db):
    """As the superuser every request reaches the parser and the serializers; as a town account the
    scope checks come first."""
    api = api_as(name)
    urls = [url for url, ours in api_urls() if ours]
    assert len(urls) >= 10
    bodies = BAD_BODIES if name == "admin" else BAD_BODIES[:2] + BAD_BODIES[6:8]
    failures = send_bad_bodies(api, urls, bodies, ("post", "put", "patch") if name == "admin" else ("post",))
    assert not failures, failures[:20]
    for query in (
        "page=abc",
        "page=999999",
        "unit=abc",
        "depth=x",
        "kind=planet",
        "person=-1",
        "scope=x",
        "code=%00",
        "page=-1",
    ):
        for url in urls[:1] + [u for u in urls if u.count("/") == 4]:
            assert api.get(f"{url}?{query}").status_code < 500, (url, query)


def other_modules_prefixes() -> list[str]:
    from qingche.api_urls import router

    return sorted({prefix for prefix, _viewset, _basename in router.registry if prefix not in ORG_PREFIXES})


@pytest.mark.parametrize("prefix", other_modules_prefixes())
def test_other_modules_endpoints_never_answer_malformed_json_with_a_500(prefix, api_as, db):
    """Every endpoint of every other module (list, a detail, every action) gets malformed JSON."""
    urls = [url for url, _ours in api_urls() if url.startswith(f"/api/v1/{prefix}/")]
    assert urls
    few = BAD_BODIES[:1] + BAD_BODIES[4:5] + BAD_BODIES[6:7]
    failures = send_bad_bodies(api_as("admin"), urls, few, ("post",))
    assert not failures, failures[:20]
