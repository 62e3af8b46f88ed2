"""The audit trail (who, when, from where, before/after, append-only) and personal data (encrypted at
rest, keyed hash for lookup, masked everywhere, unmasking only with permission, a reason, and a trace)."""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from qingche.core import rules
from qingche.core.models import AuditEvent
from qingche.core.pii import decrypt, pii_hash
from qingche.demo.builder import DEMO_ACCOUNTS
from qingche.org.models import Person, Unit

ROLES = [username for username, _role, _where in DEMO_ACCOUNTS]  # every demo account


def make_id(born: dt.date, serial: int, region: str = "110105") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + rules.id_number_check_char(first17)


def org_department() -> Unit:
    return Unit.objects.get(name="县委组织部")


def person_data(**changes) -> dict:
    """Keyword arguments for org.services.person_create (without the unit)."""
    born = dt.date(1990, 3, 15)
    data = {
        "name": "审计测试",
        "gender": "female",
        "birth_date": born,
        "id_number": make_id(born, 42),
        "phone": "13912345678",
        "hometown": "湖南长沙",
        "education": "bachelor",
        "political_status": "cpc",
        "category": "civil_servant",
        "rank": "一级科员",
    }
    data.update(changes)
    return data


def person_form(unit: Unit, **changes) -> dict:
    born = dt.date(1990, 3, 15)
    data = {
        "name": "审计测试",
        "gender": "female",
        "birth_date": born.isoformat(),
        "id_number": make_id(born, 42),
        "phone": "13912345678",
        "hometown": "湖南长沙",
        "education": "bachelor",
        "political_status": "cpc",
        "category": "civil_servant",
        "rank": "一级科员",
        "unit": unit.pk,
    }
    data.update(changes)
    return data


def events_text(events) -> str:
    return json.dumps(
        [[event.before, event.after, event.object_repr, event.reason] for event in events], ensure_ascii=False
    )


def some_visible_person(user):
    """A person the account can see, preferring its own record (for self-scoped roles)."""
    own = Person.objects.filter(account=user).first()
    if own is not None and Person.objects.visible_to(user).filter(pk=own.pk).exists():
        return own
    return Person.objects.visible_to(user).exclude(phone="").order_by("id").first()


# -- audit through a real request ---------------------------------------------------------------------
def test_creating_and_updating_a_person_through_pages_is_audited_with_masked_values(client_as, accounts):
    client = client_as("zuzhibu")
    unit = org_department()
    data = person_form(unit)
    response = client.post("/org/people/new/", data, REMOTE_ADDR="10.20.30.40", HTTP_X_REQUEST_ID="qc-test-create-1")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["X-Request-ID"] == "qc-test-create-1"
    person = Person.objects.get(id_number_hash=pii_hash(data["id_number"]))

    created = AuditEvent.objects.get(action="create", object_type="org.person", object_id=str(person.pk))
    assert created.actor_id == accounts["zuzhibu"].pk
    assert created.actor_name == "zuzhibu"
    assert created.ip == "10.20.30.40"
    assert created.request_id == "qc-test-create-1"
    assert created.before in (None, {})
    assert created.after["name"] == "审计测试"
    assert created.after["id_number"] == rules.mask_id_number(data["id_number"])
    assert created.after["phone"] == "139****5678"
    assert created.created_at is not None

    changed = dict(data, name="审计测试改", phone="13698761234")
    response = client.post(
        f"/org/people/{person.pk}/edit/", changed, REMOTE_ADDR="10.20.30.41", HTTP_X_REQUEST_ID="qc-test-update-1"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    updated = AuditEvent.objects.get(action="update", object_type="org.person", object_id=str(person.pk))
    assert (updated.actor_id, updated.ip, updated.request_id) == (
        accounts["zuzhibu"].pk,
        "10.20.30.41",
        "qc-test-update-1",
    )
    assert updated.before == {"name": "审计测试", "phone": "139****5678"}
    assert updated.after == {"name": "审计测试改", "phone": "136****1234"}

    trail = events_text(AuditEvent.objects.filter(object_type="org.person", object_id=str(person.pk)))
    for clear in (data["id_number"], data["phone"], changed["phone"], data["id_number"][4:14]):
        assert clear not in trail


def test_a_write_without_a_request_names_the_context_actor(accounts):
    from qingche.core.audit import audit_context
    from qingche.org import services

    with audit_context(actor_name="system:test", reason="nightly load"):
        person = services.person_create(user=accounts["admin"], unit=org_department(), **person_data())
    event = AuditEvent.objects.get(action="create", object_type="org.person", object_id=str(person.pk))
    # An explicit actor object is absent, so the context's name is kept; the reason is recorded.
    assert event.actor_name == "system:test"
    assert event.reason == "nightly load"
    assert event.ip is None and event.request_id == ""


def same_mask_id_number(old: str) -> str:
    """Another valid ID number with the same birth date, gender and mask (first 4 and last 4 kept):
    only the 5th and 6th digits (the district) change, to one that keeps the check character."""
    for district in range(100):
        first17 = f"{old[:4]}{district:02d}{old[6:17]}"
        if first17 != old[:17] and rules.id_number_check_char(first17) == old[17]:
            return first17 + old[17]
    raise AssertionError(f"no other district keeps the check character of {old}")


@pytest.mark.parametrize("field", ["phone", "id_number"])
def test_a_change_that_keeps_the_same_mask_is_still_audited_without_clear_values(field, accounts):
    from qingche.org import services

    person = Person.objects.visible_to(accounts["zuzhibu"]).exclude(phone="").order_by("id").first()
    old = getattr(person, field)
    if field == "phone":
        new = old[:3] + ("0000" if old[3:7] != "0000" else "1111") + old[-4:]
        mask = rules.mask_phone
    else:
        new = same_mask_id_number(old)
        mask = rules.mask_id_number
    assert new != old and mask(new) == mask(old)
    before = AuditEvent.objects.filter(object_type="org.person", object_id=str(person.pk)).count()
    services.person_update(user=accounts["zuzhibu"], person=person, **{field: new})
    assert getattr(Person.objects.get(pk=person.pk), field) == new
    events = AuditEvent.objects.filter(object_type="org.person", object_id=str(person.pk)).order_by("id")
    assert events.count() == before + 1
    event = events.last()
    assert event.action == "update"
    assert event.before == {field: mask(old)} and event.after == {field: mask(new)}
    text = events_text([event])
    assert old not in text and new not in text
    assert pii_hash(old) not in text and pii_hash(new) not in text

    # Saving again without a change writes nothing (the comparison is of values, not of ciphertexts,
    # which differ on every save).
    Person.objects.get(pk=person.pk).save()
    assert AuditEvent.objects.filter(object_type="org.person", object_id=str(person.pk)).count() == before + 1


# -- append-only --------------------------------------------------------------------------------------
@pytest.fixture
def event(accounts):
    from qingche.core.audit import record

    return record("export", object_type="org.person", object_repr="append-only check", after={"rows": 1})


def test_audit_events_cannot_be_changed_through_the_model(event):
    event.reason = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.parametrize("operation", ["queryset_update", "queryset_delete", "raw_update", "raw_delete"])
def test_the_database_refuses_update_and_delete_of_audit_events(event, operation):
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            if operation == "queryset_update":
                AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
            elif operation == "queryset_delete":
                AuditEvent.objects.filter(pk=event.pk).delete()
            else:
                with connection.cursor() as cursor:
                    if operation == "raw_update":
                        cursor.execute(f"UPDATE {table} SET reason = %s WHERE id = %s", ["tampered", event.pk])
                    else:
                        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.reason == "" and stored.object_repr == "append-only check"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists only on PostgreSQL")
def test_postgresql_refuses_truncate_of_the_audit_trail(event):
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {AuditEvent._meta.db_table}")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_offers_no_way_to_change_or_delete_audit_events(client_as, accounts, event):
    from django.contrib import admin
    from django.test import RequestFactory

    model_admin = admin.site._registry.get(AuditEvent)
    if model_admin is not None:  # registered read-only, if at all
        request = RequestFactory().get("/admin/")
        request.user = accounts["admin"]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, event)
        assert not model_admin.has_delete_permission(request, event)
        assert "delete_selected" not in model_admin.get_actions(request)
    client = client_as("admin")
    base = "/admin/core/auditevent"
    for url in (f"{base}/{event.pk}/change/", f"{base}/{event.pk}/delete/", f"{base}/add/"):
        response = client.get(url)
        assert response.status_code in (403, 404) or b'name="_save"' not in response.content, url
        client.post(url, {"reason": "tampered", "post": "yes"})
    client.post(f"{base}/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    stored = AuditEvent.objects.filter(pk=event.pk).first()
    assert stored is not None and stored.reason == ""


# -- personal data at rest -----------------------------------------------------------------------------
@pytest.fixture
def new_person(accounts):
    from qingche.org import services

    return services.person_create(user=accounts["zuzhibu"], unit=org_department(), **person_data())


def test_the_database_holds_only_ciphertext(new_person):
    id_number, phone = new_person.id_number, new_person.phone
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id_number, phone, id_number_hash, phone_hash FROM {Person._meta.db_table} WHERE id = %s",
            [new_person.pk],
        )
        stored_id, stored_phone, id_hash, phone_hash = cursor.fetchone()
    for stored, clear in ((stored_id, id_number), (stored_phone, phone)):
        assert stored and clear not in stored
        assert clear[-8:] not in stored and clear[:8] not in stored
        assert decrypt(stored) == clear
    assert id_hash == pii_hash(id_number) and phone_hash == pii_hash(phone)
    assert id_number not in id_hash and phone not in phone_hash


def test_no_clear_personal_data_anywhere_in_the_demo_database(db):
    """The demo's people too: scan every stored ciphertext against its decrypted value."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone FROM {Person._meta.db_table}")
        rows = cursor.fetchall()
    assert rows
    for stored_id, stored_phone in rows:
        assert not rules.is_valid_id_number(stored_id)
        assert not re.search(r"1[3-9]\d{9}", stored_phone or "")
        clear_id = decrypt(stored_id)
        assert rules.is_valid_id_number(clear_id) and clear_id not in stored_id


def test_lookup_by_keyed_hash_finds_the_person(new_person, client_as):
    assert list(Person.objects.filter(id_number_hash=pii_hash(new_person.id_number))) == [new_person]
    assert list(Person.objects.filter(phone_hash=pii_hash(new_person.phone))) == [new_person]
    # The same value typed in lower case / with spaces normalises to the same hash.
    normalized = rules.normalize_id_number(f" {new_person.id_number.lower()} ")
    assert Person.objects.filter(id_number_hash=pii_hash(normalized)).get() == new_person
    # The people list finds a person by ID number (through the hash: the field is never decrypted in SQL).
    response = client_as("zuzhibu").get("/org/people/", {"q": new_person.id_number})
    assert f"/org/people/{new_person.pk}/" in response.content.decode()


# -- unmasking ------------------------------------------------------------------------------------------
def test_pii_unmask_needs_the_permission_a_reason_and_the_scope(accounts, new_person):
    from qingche.core.services import pii_unmask
    from qingche.org import services as org_services

    for name in ROLES:
        user = accounts[name]
        if user.has_perm("core.unmask_pii"):
            continue
        with pytest.raises(PermissionDenied):
            pii_unmask(user=user, obj=new_person, field_name="phone", reason="核实身份")
    assert not AuditEvent.objects.filter(action="unmask").exists()

    zuzhibu = accounts["zuzhibu"]
    with pytest.raises(ValidationError) as error:
        pii_unmask(user=zuzhibu, obj=new_person, field_name="phone", reason=" ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        pii_unmask(user=zuzhibu, obj=new_person, field_name="name", reason="核实身份")
    # The permission reaches only as far as the grant: an organization-department role held at one
    # town cannot unmask someone outside that town.
    town = Unit.objects.filter(kind="town").order_by("path").first()
    local = org_services.account_bootstrap(username="zuzhibu_town", password="Unused-Pass-2026!")
    org_services.role_grant_bootstrap(account=local, role_code="org_department", unit=town)
    assert not new_person.unit.path.startswith(town.path)
    with pytest.raises(PermissionDenied):
        pii_unmask(user=local, obj=new_person, field_name="phone", reason="核实身份")
    insider = Person.objects.filter(unit__path__startswith=town.path).first()
    assert pii_unmask(user=local, obj=insider, field_name="phone", reason="核实身份") == insider.phone
    assert AuditEvent.objects.filter(action="unmask").count() == 1
    assert AuditEvent.objects.get(action="unmask").object_id == str(insider.pk)

    assert pii_unmask(user=zuzhibu, obj=new_person, field_name="id_number", reason="核实身份") == new_person.id_number
    event = AuditEvent.objects.get(action="unmask", object_id=str(new_person.pk))
    assert event.object_type == "org.person"
    assert event.reason == "核实身份"
    assert event.after == {"field": "id_number"}
    assert new_person.id_number not in events_text([event])


def test_pii_unmask_outside_a_request_names_the_user(accounts, new_person):
    from qingche.core.services import pii_unmask

    pii_unmask(user=accounts["zuzhibu"], obj=new_person, field_name="phone", reason="核实身份")
    event = AuditEvent.objects.get(action="unmask", object_id=str(new_person.pk))
    assert (event.actor_id, event.actor_name) == (accounts["zuzhibu"].pk, "zuzhibu")


def test_only_zuzhibu_holds_the_unmask_permission_among_demo_roles(accounts):
    holders = {name for name in ROLES if name != "admin" and accounts[name].has_perm("core.unmask_pii")}
    assert holders == {"zuzhibu"}


@pytest.mark.parametrize("name", ROLES)
def test_person_pages_and_api_show_only_masked_values(name, accounts, client_as, api_as):
    user = accounts[name]
    person = some_visible_person(user)
    if person is None or not user.has_perm("org.view_person"):
        assert client_as(name).get("/org/people/").status_code == 403
        return
    clear = [person.id_number, person.phone]
    page = client_as(name).get(f"/org/people/{person.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert person.id_number_masked in html and person.phone_masked in html
    listing = client_as(name).get("/org/people/", {"q": person.name}).content.decode()
    api_detail = api_as(name).get(f"/api/v1/people/{person.pk}/")
    assert api_detail.status_code == 200
    assert api_detail.json()["id_number_masked"] == person.id_number_masked
    assert api_detail.json()["phone_masked"] == person.phone_masked
    api_list = api_as(name).get("/api/v1/people/").content.decode()
    for text in (html, listing, api_detail.content.decode(), api_list):
        for value in clear:
            assert value not in text


@pytest.mark.parametrize("name", ROLES)
def test_the_unmask_endpoints_are_refused_without_the_permission_and_audited_with_it(name, accounts, client_as, api_as):
    user = accounts[name]
    person = some_visible_person(user) or Person.objects.filter(unit=org_department()).first()
    allowed = user.has_perm("core.unmask_pii") and Person.objects.visible_to(user).filter(pk=person.pk).exists()
    visible = Person.objects.visible_to(user).filter(pk=person.pk).exists()
    before = AuditEvent.objects.filter(action="unmask").count()

    page = client_as(name).post(
        f"/org/people/{person.pk}/unmask/",
        {"field": "phone", "reason": "电话回访核实"},
        HTTP_HX_REQUEST="true",
        REMOTE_ADDR="10.9.8.7",
    )
    api = api_as(name).post(
        f"/api/v1/people/{person.pk}/unmask/",
        {"field": "id_number", "reason": "电话回访核实"},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )
    if allowed:
        assert page.status_code == 200 and person.phone in page.content.decode()
        assert api.status_code == 200 and api.json() == {"field": "id_number", "value": person.id_number}
        events = list(AuditEvent.objects.filter(action="unmask").order_by("id")[before:])
        assert [(event.after["field"], event.reason) for event in events] == [
            ("phone", "电话回访核实"),
            ("id_number", "电话回访核实"),
        ]
        assert {event.actor_id for event in events} == {user.pk}
        assert {event.ip for event in events} == {"10.9.8.7"}
        assert events[0].request_id == page["X-Request-ID"]
        assert events[1].request_id == api["X-Request-ID"]
    else:
        expected = 403 if visible else 404
        assert page.status_code == expected, page.content.decode()[:500]
        assert api.status_code == expected
        for response in (page, api):
            assert person.phone not in response.content.decode()
            assert person.id_number not in response.content.decode()
        assert AuditEvent.objects.filter(action="unmask").count() == before


@pytest.mark.parametrize("name", ["zuzhibu", "admin"])
def test_the_person_edit_form_shows_no_clear_personal_data(name, client_as, new_person):
    before = AuditEvent.objects.filter(action="unmask").count()
    response = client_as(name).get(f"/org/people/{new_person.pk}/edit/")
    assert response.status_code == 200
    text = response.content.decode()
    unmasked = new_person.id_number in text or new_person.phone in text
    # Either the form shows masked values only, or showing the clear values is an audited unmasking.
    assert not unmasked or AuditEvent.objects.filter(action="unmask").count() > before


def test_the_audit_trail_page_shows_masked_values_only(client_as, new_person):
    html = client_as("shenji").get("/audit/", {"object_type": "org.person", "object_id": new_person.pk})
    assert html.status_code == 200
    text = html.content.decode()
    assert new_person.id_number_masked in text
    assert new_person.id_number not in text and new_person.phone not in text
