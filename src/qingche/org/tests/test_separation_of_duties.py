"""三员分立 without gaps (Trust I, item 6): the system administrator manages accounts and settings, not
data; the security administrator cannot mix administrator and business roles on one account."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qingche.core.models import User
from qingche.org import services
from qingche.org.models import Person, Role, RoleGrant, Unit

pytestmark = pytest.mark.django_db


def test_the_system_administrator_cannot_disable_or_enable_the_superuser(accounts, client_as):
    admin, xitong = accounts["admin"], accounts["xitong"]
    assert admin.is_superuser and admin.is_active
    assert not services.account_may_set_active(user=xitong, account=admin)
    with pytest.raises(PermissionDenied):
        services.account_set_active(user=xitong, account=admin, active=False)
    response = client_as("xitong").post(f"/org/accounts/{admin.pk}/toggle/")
    assert response.status_code in (302, 403)
    assert User.objects.get(pk=admin.pk).is_active
    User.objects.filter(pk=admin.pk).update(is_active=False)  # a dormant superuser stays dormant
    with pytest.raises(PermissionDenied):
        services.account_set_active(user=xitong, account=User.objects.get(pk=admin.pk), active=True)
    # the security administrator may (三员 accounts and the superuser are theirs to manage)
    services.account_set_active(user=accounts["anquan"], account=User.objects.get(pk=admin.pk), active=True)
    assert User.objects.get(pk=admin.pk).is_active


def test_the_system_administrator_cannot_move_units(accounts, api_as):
    towns = list(Unit.objects.filter(kind="town").order_by("path")[:2])
    village = Unit.objects.filter(kind="village", path__startswith=towns[0].path).first()
    with pytest.raises(PermissionDenied):
        services.unit_move(user=accounts["xitong"], unit=village, new_parent=towns[1])
    response = api_as("xitong").post(f"/api/v1/units/{village.pk}/move/", {"parent": towns[1].pk}, format="json")
    assert response.status_code == 403
    assert Unit.objects.get(pk=village.pk).path == village.path
    # still keeps names and codes up to date
    services.unit_update(user=accounts["xitong"], unit=village, name=village.name + "（新）", code=village.code)


def test_the_system_administrator_reads_no_personnel_records(accounts, client_as, api_as):
    person = Person.objects.filter(account=None).order_by("id").first()
    client = client_as("xitong")
    assert client.get("/org/people/").status_code == 403
    assert client.get(f"/org/people/{person.pk}/").status_code in (403, 404)
    assert client.get("/org/people/", {"export": "xlsx"}).status_code == 403
    api = api_as("xitong")
    assert api.get("/api/v1/people/").json()["count"] == 0
    assert api.get(f"/api/v1/people/{person.pk}/").status_code == 404
    assert api.get("/api/v1/assignments/").json()["count"] == 0


def test_the_system_administrator_links_an_account_by_name_unit_and_birth_year_only(accounts, client_as):
    person = Person.objects.filter(account=None).select_related("unit").order_by("id").first()
    page = client_as("xitong").get("/org/accounts/").content.decode()
    assert f"{person.name} · {person.unit.name} · {person.birth_date.year}" in page
    hidden = (person.id_number_masked, person.phone_masked, person.birth_date.isoformat(), person.hometown)
    assert not [value for value in hidden if value and value in page]
    account = services.account_create(
        user=accounts["xitong"], username="link-test", password="Link-Pass-2026!x", person=person
    )
    assert Person.objects.get(pk=person.pk).account_id == account.pk


def test_the_security_administrator_keeps_administrator_and_business_roles_apart(accounts, api_as):
    anquan, county = accounts["anquan"], Unit.objects.get(depth=1)
    town = Unit.objects.filter(kind="town").order_by("path").first()
    before = RoleGrant.objects.count()
    with pytest.raises(ValidationError) as error:
        services.role_grant_create(
            user=anquan, account=accounts["xitong"], role=Role.objects.get(code="town"), unit=town
        )
    assert "role" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.role_grant_create(
            user=anquan, account=accounts["xiangzhen"], role=Role.objects.get(code="audit_admin"), unit=county
        )
    response = api_as("anquan").post(
        "/api/v1/role-grants/",
        {"user": accounts["shenji"].pk, "role": "org_department", "unit": county.pk},
        format="json",
    )
    assert response.status_code == 400 and "role" in response.json()
    assert RoleGrant.objects.count() == before
    # a business role for a business account, an administrator role for a fresh account: still fine
    village = Role.objects.get(code="village")
    services.role_grant_create(user=anquan, account=accounts["xiangzhen"], role=village, unit=town)
    fresh = services.account_bootstrap(username="fresh-admin", password="x")
    services.role_grant_create(user=anquan, account=fresh, role=Role.objects.get(code="audit_admin"), unit=county)
