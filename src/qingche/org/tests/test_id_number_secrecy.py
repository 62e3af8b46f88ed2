"""A masked 身份证号 must not give the number away (Trust I, item 1).

For every demo person, count the GB 11643-valid numbers consistent with everything a role without the
unmask permission can read: the mask, the birth year, the gender — and, to be safe, the whole region
code (units' administrative codes are readable, so an attacker may guess the county). None may be below
10,000. The pages, the API, the export and the audit trail must show no more than that; a full number
is found by search only where the user may unmask; and the right to unmask must come with the scope of
the same grant."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from qingche.core import rules
from qingche.core.models import AuditEvent, User
from qingche.core.services import pii_unmask
from qingche.org import services
from qingche.org.models import Person, Unit

pytestmark = pytest.mark.django_db

MINIMUM = 10_000


def _sequence_sums(masked: str, gender: str) -> Counter:
    """Weighted sums (mod 11) of the three sequence digits over every choice the mask and gender allow."""
    sums: Counter = Counter({0: 1})
    for position in (14, 15, 16):
        shown = masked[position]
        digits = [int(shown)] if shown != "*" else range(10)
        if position == 16:  # odd for men, even for women
            digits = [d for d in digits if d % 2 == (1 if gender == "male" else 0)]
        nxt: Counter = Counter()
        for partial, count in sums.items():
            for digit in digits:
                nxt[(partial + digit * rules.ID_WEIGHTS[position]) % 11] += count
        sums = nxt
    return sums


def candidates(masked: str, birth_year: int, gender: str, region: str) -> int:
    """How many valid ID numbers fit what is shown (the region taken as known: the worst case)."""
    assert len(masked) == 18
    for position, char in enumerate(region):
        assert masked[position] in ("*", char)
    region_sum = sum(int(d) * w for d, w in zip(region, rules.ID_WEIGHTS[:6], strict=True))
    sequences = _sequence_sums(masked, gender)
    total = 0
    for month in range(1, 13):
        for day in range(1, calendar.monthrange(birth_year, month)[1] + 1):
            digits = f"{birth_year:04d}{month:02d}{day:02d}"
            if any(masked[6 + i] not in ("*", digit) for i, digit in enumerate(digits)):
                continue
            base = region_sum + sum(int(d) * w for d, w in zip(digits, rules.ID_WEIGHTS[6:14], strict=True))
            for partial, count in sequences.items():
                check = rules.ID_CHECK_CHARS[(base + partial) % 11]
                if masked[17] in ("*", check):
                    total += count
    return total


def test_the_counting_is_right_on_a_case_worked_by_hand():
    number = "43990119850312123" + rules.id_number_check_char("43990119850312123")
    assert rules.is_valid_id_number(number)
    # the whole number shown but the region: with the region taken as known, exactly one fits
    assert candidates(number[:4] + "**" + number[6:], 1985, "male", number[:6]) == 1
    # ...and the new mask leaves every date of the year and 500 sequences, one in eleven with the right check
    wide = candidates(rules.mask_id_number(number), 1985, "male", number[:6])
    assert 365 * 500 // 11 - 2000 < wide < 365 * 500 // 11 + 2000


def test_every_demo_person_has_at_least_ten_thousand_candidates_from_what_is_readable(api_as, accounts):
    people = list(Person.objects.all())
    assert people
    low = []
    for person in people:
        count = candidates(person.id_number_masked, person.birth_year, person.gender, person.id_number[:6])
        assert rules.mask_id_number(person.id_number) == person.id_number_masked
        if count < MINIMUM:
            low.append((person.pk, person.id_number_masked, count))
    assert not low, low[:5]
    # What a role without the unmask permission reads through the API is exactly that, and no birth date.
    rows = api_as("xiangzhen").get("/api/v1/people/", {"page_size": 500}).json()["results"]
    assert rows
    by_pk = {person.pk: person for person in people}
    for row in rows:
        person = by_pk[row["id"]]
        assert "birth_date" not in row and "id_number" not in row and "phone" not in row
        assert (row["id_number_masked"], row["birth_year"], row["gender"]) == (
            person.id_number_masked,
            person.birth_date.year,
            person.gender,
        )


def test_pages_exports_and_the_trail_show_the_birth_year_not_the_date(client_as, accounts):
    town = accounts["xiangzhen"].role_grants.get().unit
    person = Person.objects.filter(unit__path__startswith=town.path).order_by("id").first()
    client = client_as("xiangzhen")
    date_forms = {person.birth_date.isoformat(), f"{person.birth_date:%Y%m%d}", f"{person.birth_date:%Y-%m-%d}"}
    detail = client.get(f"/org/people/{person.pk}/").content.decode()
    assert person.id_number_masked in detail and f'id="birth-year">{person.birth_date.year}<' in detail
    assert not any(form in detail for form in date_forms)
    listing = client.get("/org/people/", {"q": person.name}).content.decode()
    assert not any(form in listing for form in date_forms)
    workbook = load_workbook(io.BytesIO(client.get("/org/people/", {"export": "xlsx"}).content), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    line = next(row for row in rows[1:] if row[0] == person.name and row[3] == person.id_number_masked)
    assert line[2] == person.birth_date.year
    assert not any(isinstance(cell, dt.date | dt.datetime) for row in rows[1:] for cell in row)


def test_the_audit_trail_keeps_the_year_and_the_narrow_mask_also_for_events_written_before(client_as, accounts):
    zuzhibu = accounts["zuzhibu"]
    person = Person.objects.filter(unit__path__startswith=Unit.objects.get(depth=1).path).order_by("id").first()
    born = person.birth_date
    sequence = (int(person.id_number[14:17]) + 2) % 1000  # the same parity: the same gender
    new_number = f"{person.id_number[:14]}{sequence:03d}"
    new_number += rules.id_number_check_char(new_number)
    services.person_update(user=zuzhibu, person=person, id_number=new_number)
    event = AuditEvent.objects.filter(object_type="org.person", object_id=str(person.pk), action="update").latest("id")
    assert event.after["id_number"] == rules.mask_id_number(new_number)
    # an event written before the narrower mask, with the full birth date: shown redacted all the same
    old_mask = person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    AuditEvent.objects.create(
        actor_name="system:old",
        action="update",
        object_type="org.person",
        object_id=str(person.pk),
        object_repr=person.name,
        before={"birth_date": born.isoformat(), "id_number": old_mask},
        after={"birth_date": born.isoformat(), "id_number": old_mask},
    )
    client = client_as("shenji")
    page = client.get("/audit/", {"object_type": "org.person", "object_id": person.pk}).content.decode()
    export = client.get("/audit/", {"object_type": "org.person", "object_id": person.pk, "export": "xlsx"}).content
    cells = " ".join(
        str(cell)
        for row in load_workbook(io.BytesIO(export), read_only=True).active.iter_rows(values_only=True)
        for cell in row
    )
    for shown in (page, cells):
        assert born.isoformat() not in shown and old_mask not in shown
        assert rules.mask_id_number(person.id_number) in shown


def test_a_full_number_finds_a_person_only_where_the_user_may_unmask(client_as, accounts):
    town = accounts["xiangzhen"].role_grants.get().unit
    person = Person.objects.filter(unit__path__startswith=town.path).order_by("id").first()
    town_page = client_as("xiangzhen").get("/org/people/", {"q": person.id_number}).content.decode()
    assert f"/org/people/{person.pk}/" not in town_page
    org_page = client_as("zuzhibu").get("/org/people/", {"q": person.id_number}).content.decode()
    assert f"/org/people/{person.pk}/" in org_page


def test_unmasking_needs_the_permission_and_the_scope_in_the_same_grant(accounts):
    towns = list(Unit.objects.filter(kind="town").order_by("path")[:2])
    seen_town, unmask_town = towns
    user = services.account_bootstrap(username="split-grants", password="x")
    services.role_grant_bootstrap(account=user, role_code="town", unit=seen_town, scope="subtree")
    services.role_grant_bootstrap(account=user, role_code="org_department", unit=unmask_town, scope="subtree")
    user = User.objects.get(pk=user.pk)
    outside = Person.objects.filter(unit__path__startswith=seen_town.path).order_by("id").first()
    inside = Person.objects.filter(unit__path__startswith=unmask_town.path).order_by("id").first()
    assert Person.objects.visible_to(user).filter(pk=outside.pk).exists()  # seen through the town grant
    events = AuditEvent.objects.filter(action="unmask").count()
    with pytest.raises(PermissionDenied):
        pii_unmask(user=user, obj=outside, field_name="id_number", reason="核对身份")
    assert AuditEvent.objects.filter(action="unmask").count() == events
    assert pii_unmask(user=user, obj=inside, field_name="id_number", reason="核对身份") == inside.id_number
    assert json.dumps(AuditEvent.objects.filter(action="unmask").latest("id").after) == '{"field": "id_number"}'
