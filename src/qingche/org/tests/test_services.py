"""Writes of units, people and assignments: the rules they enforce, the errors they name, and that a
refused write changes nothing. Reads derived from them: tenure and staffing."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qingche.core import rules as core_rules
from qingche.core.models import AuditEvent
from qingche.org import rules, selectors, services
from qingche.org.models import Assignment, Person, Post, Unit


def make_id(born: dt.date, serial: int, region: str = "110105") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + core_rules.id_number_check_char(first17)


def parent_of(unit: Unit) -> Unit:
    unit.refresh_from_db()
    return Unit.objects.get(path=unit.path[: -Unit.steplen])


def person_data(serial: int = 1, **changes) -> dict:
    born = dt.date(1988, 6, 9)
    data = {
        "name": f"测试人{serial}",
        "gender": "male",
        "birth_date": born,
        "id_number": make_id(born, serial),
        "phone": f"1390000{serial:04d}",
        "category": "civil_servant",
        "education": "bachelor",
    }
    data.update(changes)
    return data


@pytest.fixture
def tree(db):
    county = Unit.objects.get(depth=1)
    towns = list(Unit.objects.filter(kind="town").order_by("path"))
    town, other_town = towns[0], towns[1]
    village = Unit.objects.filter(kind="village", path__startswith=town.path).order_by("path").first()
    department = Unit.objects.get(name="县农业农村局")
    return {"county": county, "town": town, "other_town": other_town, "village": village, "department": department}


def error_fields(error: ValidationError) -> set[str]:
    return set(error.message_dict) if hasattr(error, "error_dict") else {"__all__"}


def snapshot_paths():
    return dict(Unit.objects.values_list("id", "path"))


# -- units ----------------------------------------------------------------------------------------------
def test_unit_create_hangs_a_unit_under_its_parent_and_audits_it(accounts, tree):
    unit = services.unit_create(
        user=accounts["xitong"], parent=tree["town"], name="新建测试村", kind="village", code=tree["town"].code + "999"
    )
    unit.refresh_from_db()
    assert parent_of(unit) == tree["town"]
    assert unit.path.startswith(tree["town"].path) and unit.depth == tree["town"].depth + 1
    assert Unit.objects.get(pk=tree["town"].pk).numchild == tree["town"].numchild + 1
    assert AuditEvent.objects.filter(action="create", object_type="org.unit", object_id=str(unit.pk)).exists()


@pytest.mark.parametrize(
    "parent_key, kind",
    [
        ("county", "village"),
        ("county", "community"),
        ("county", "county"),
        ("village", "town"),
        ("village", "village"),
        ("department", "town"),
        ("department", "village"),
        ("town", "department"),
        ("town", "town"),
    ],
)
def test_kinds_that_cannot_hang_under_a_parent_are_refused(accounts, tree, parent_key, kind):
    assert not rules.may_hang_under(kind, tree[parent_key].kind)
    count = Unit.objects.count()
    with pytest.raises(ValidationError) as error:
        services.unit_create(user=accounts["xitong"], parent=tree[parent_key], name="不该存在的单位", kind=kind)
    assert error_fields(error.value) == {"parent"}
    assert Unit.objects.count() == count


def test_unit_create_names_the_bad_field(accounts, tree):
    count = Unit.objects.count()
    for fields, bad in (
        ({"name": "  ", "kind": "village"}, "name"),
        ({"name": "代码错误村", "kind": "village", "code": "12ab"}, "code"),
        ({"name": "代码错误村", "kind": "village", "code": "123456"}, "code"),
        ({"name": "类型错误", "kind": "planet"}, "kind"),
    ):
        with pytest.raises(ValidationError) as error:
            services.unit_create(user=accounts["xitong"], parent=tree["town"], **fields)
        assert bad in error_fields(error.value), fields
    assert Unit.objects.count() == count


def test_unit_create_needs_the_permission_and_the_scope(accounts, tree):
    count = Unit.objects.count()
    for name in ("bumen", "xiangzhen", "zuzhibu", "anquan", "shenji", "yixian"):
        with pytest.raises(PermissionDenied):
            services.unit_create(user=accounts[name], parent=tree["town"], name="越权村", kind="village")
    with pytest.raises(PermissionDenied):  # only the superuser makes a new top-level unit
        services.unit_create(user=accounts["xitong"], parent=None, name="另一个县", kind="county")
    assert Unit.objects.count() == count
    services.unit_create(user=accounts["admin"], parent=None, name="另一个县", kind="county", code="439902")
    assert Unit.objects.count() == count + 1


@pytest.mark.parametrize("levels_below", [0, 1, 2])
def test_moving_a_unit_under_itself_or_a_descendant_is_refused_and_changes_nothing(accounts, tree, levels_below):
    chain = [services.unit_create(user=accounts["xitong"], parent=tree["town"], name="镇内科室", kind="office")]
    for level in (1, 2):
        chain.append(
            services.unit_create(user=accounts["xitong"], parent=chain[-1], name=f"下属科室{level}", kind="office")
        )
    before = snapshot_paths()
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.unit_move(user=accounts["zuzhibu"], unit=chain[0], new_parent=chain[levels_below], reason="测试")
    assert error_fields(error.value) == {"parent"}
    assert snapshot_paths() == before
    assert AuditEvent.objects.count() == events


def test_moving_a_town_under_its_own_village_is_refused(accounts, tree):
    before = snapshot_paths()
    with pytest.raises(ValidationError) as error:
        services.unit_move(user=accounts["zuzhibu"], unit=tree["town"], new_parent=tree["village"])
    assert error_fields(error.value) == {"parent"}
    assert snapshot_paths() == before


def test_moving_to_a_parent_of_the_wrong_kind_is_refused(accounts, tree):
    before = snapshot_paths()
    with pytest.raises(ValidationError) as error:
        services.unit_move(user=accounts["zuzhibu"], unit=tree["village"], new_parent=tree["department"])
    assert error_fields(error.value) == {"parent"}
    assert snapshot_paths() == before


def test_a_valid_move_carries_the_subtree_and_the_scope_follows(accounts, tree):
    village, other_town = tree["village"], tree["other_town"]
    people = set(Person.objects.filter(unit=village).values_list("pk", flat=True))
    assert people
    xiangzhen = accounts["xiangzhen"]
    assert people <= set(Person.objects.visible_to(xiangzhen).values_list("pk", flat=True))
    services.unit_move(user=accounts["zuzhibu"], unit=village, new_parent=other_town, reason="区划调整")
    village.refresh_from_db()
    assert parent_of(village) == other_town and village.path.startswith(other_town.path)
    assert Unit.objects.get(pk=other_town.pk).numchild == other_town.numchild + 1
    assert Unit.objects.get(pk=tree["town"].pk).numchild == tree["town"].numchild - 1
    from qingche.core.scope import forget_grants

    forget_grants(xiangzhen)
    assert not people & set(Person.objects.visible_to(xiangzhen).values_list("pk", flat=True))
    event = AuditEvent.objects.filter(action="update", object_type="org.unit", object_id=str(village.pk)).latest("id")
    assert event.before == {"parent": tree["town"].name} and event.after == {"parent": other_town.name}
    assert event.reason == "区划调整"


def test_moving_needs_the_permission(accounts, tree):
    # 三员分立: the system administrator keeps names and codes up to date, but a move is an organisational change
    for name in ("xiangzhen", "xitong", "anquan"):
        with pytest.raises(PermissionDenied):
            services.unit_move(user=accounts[name], unit=tree["village"], new_parent=tree["other_town"])


# -- people ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"id_number": "110105198806090011"}, "id_number"),  # wrong check digit
        ({"id_number": "11010519880609001"}, "id_number"),  # 17 characters
        ({"id_number": "110105198802300019"}, "id_number"),  # 30 February
        ({"phone": "12345"}, "phone"),
        ({"phone": "1234567890123"}, "phone"),
        ({"phone": "23800001234"}, "phone"),
        ({"birth_date": dt.date(1988, 6, 10)}, "birth_date"),  # does not match the ID number
        ({"gender": "other"}, "gender"),
        ({"category": ""}, "category"),
        ({"name": ""}, "name"),
    ],
)
def test_person_create_refuses_bad_input_naming_the_field_and_saves_nothing(accounts, tree, changes, field):
    people, events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.person_create(user=accounts["zuzhibu"], unit=tree["town"], **person_data(**changes))
    assert field in error_fields(error.value)
    assert Person.objects.count() == people
    assert AuditEvent.objects.count() == events


def test_person_create_refuses_a_duplicate_id_number(accounts, tree):
    existing = Person.objects.filter(unit=tree["village"]).first()
    born = core_rules.birth_date_from_id_number(existing.id_number)
    people = Person.objects.count()
    for id_number in (existing.id_number, existing.id_number.lower(), f" {existing.id_number} "):
        with pytest.raises(ValidationError) as error:
            services.person_create(
                user=accounts["zuzhibu"], unit=tree["town"], **person_data(id_number=id_number, birth_date=born)
            )
        assert error_fields(error.value) == {"id_number"}
    assert Person.objects.count() == people


def test_a_duplicate_id_number_with_an_x_in_lower_case_is_caught(accounts, tree):
    serial = next(n for n in range(1, 999) if make_id(dt.date(1988, 6, 9), n).endswith("X"))
    first = services.person_create(user=accounts["zuzhibu"], unit=tree["town"], **person_data(serial))
    with pytest.raises(ValidationError) as error:
        services.person_create(
            user=accounts["zuzhibu"],
            unit=tree["town"],
            **person_data(serial, id_number=first.id_number.lower(), name="另一人"),
        )
    assert error_fields(error.value) == {"id_number"}


def test_a_duplicate_id_number_typed_in_full_width_digits_is_caught(accounts, tree):
    first = services.person_create(user=accounts["zuzhibu"], unit=tree["town"], **person_data(7))
    full_width_digits = str.maketrans("0123456789", "０１２３４５６７８９")
    full_width = first.id_number[:17].translate(full_width_digits) + first.id_number[17]
    people = Person.objects.count()
    with pytest.raises(ValidationError):
        services.person_create(
            user=accounts["zuzhibu"], unit=tree["town"], **person_data(7, id_number=full_width, name="另一人")
        )
    assert Person.objects.count() == people


def test_person_create_and_update_need_the_permission_and_the_scope(accounts, tree):
    people = Person.objects.count()
    for name in ("xitong", "bumen", "xiangzhen", "cungan", "yixian", "anquan", "shenji"):
        with pytest.raises(PermissionDenied):
            services.person_create(user=accounts[name], unit=tree["town"], **person_data(3))
    assert Person.objects.count() == people
    person = services.person_create(user=accounts["zuzhibu"], unit=tree["town"], **person_data(3))
    with pytest.raises(PermissionDenied):
        services.person_update(user=accounts["xiangzhen"], person=person, name="改名")
    # An org-department role held at one town cannot move a person out of that town.
    local = services.account_bootstrap(username="zzb_town", password="Unused-Pass-2026!")
    services.role_grant_bootstrap(account=local, role_code="org_department", unit=tree["town"])
    with pytest.raises(PermissionDenied):
        services.person_update(user=local, person=Person.objects.get(pk=person.pk), unit=tree["department"])
    assert Person.objects.get(pk=person.pk).unit_id == tree["town"].pk
    with pytest.raises(PermissionDenied):
        services.person_create(user=local, unit=tree["other_town"], **person_data(4))


def test_person_update_validates_like_create(accounts, tree):
    person = services.person_create(user=accounts["zuzhibu"], unit=tree["town"], **person_data(5))
    other = Person.objects.filter(unit=tree["village"]).first()
    for changes, field in (
        ({"phone": "abc"}, "phone"),
        ({"id_number": other.id_number, "birth_date": other.birth_date}, "id_number"),
        ({"birth_date": dt.date(2000, 1, 1)}, "birth_date"),
    ):
        with pytest.raises(ValidationError) as error:
            services.person_update(user=accounts["zuzhibu"], person=Person.objects.get(pk=person.pk), **changes)
        assert field in error_fields(error.value)
    stored = Person.objects.get(pk=person.pk)
    assert (stored.phone, stored.id_number, stored.birth_date) == (person.phone, person.id_number, person.birth_date)


# -- assignments ----------------------------------------------------------------------------------------
@pytest.fixture
def moving_person(accounts, tree):
    zuzhibu = accounts["zuzhibu"]
    person = services.person_create(user=zuzhibu, unit=tree["town"], **person_data(11))
    old_post = Post.objects.filter(unit=tree["town"]).order_by("id").first()
    old = services.assignment_create(user=zuzhibu, person=person, post=old_post, start_date=dt.date(2019, 3, 1))
    return person, old


def test_assignment_create_moves_the_record_and_ends_the_open_assignment(accounts, tree, moving_person):
    person, old = moving_person
    new_post = Post.objects.filter(unit=tree["department"]).order_by("id").first()
    new = services.assignment_create(
        user=accounts["zuzhibu"], person=person, post=new_post, start_date=dt.date(2026, 3, 1)
    )
    old.refresh_from_db()
    person.refresh_from_db()
    assert old.end_date == dt.date(2026, 2, 28)
    assert new.end_date is None and new.unit_id == tree["department"].pk
    assert person.unit_id == tree["department"].pk
    assert list(Assignment.objects.filter(person=person, end_date__isnull=True)) == [new]
    assert AuditEvent.objects.filter(
        action="update", object_type="org.assignment", object_id=str(old.pk), after={"end_date": "2026-02-28"}
    ).exists()
    assert AuditEvent.objects.filter(action="update", object_type="org.person", object_id=str(person.pk)).exists()


def test_a_closed_historical_assignment_moves_nothing(accounts, tree, moving_person):
    person, old = moving_person
    history_post = Post.objects.filter(unit=tree["department"]).order_by("id").first()
    services.assignment_create(
        user=accounts["zuzhibu"],
        person=person,
        post=history_post,
        start_date=dt.date(2012, 1, 1),
        end_date=dt.date(2018, 12, 31),
    )
    old.refresh_from_db()
    person.refresh_from_db()
    assert old.end_date is None and person.unit_id == tree["town"].pk


def test_assignment_create_refuses_bad_input_and_changes_nothing(accounts, tree, moving_person):
    person, old = moving_person
    new_post = Post.objects.filter(unit=tree["department"]).order_by("id").first()
    count = Assignment.objects.count()
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            user=accounts["xiangzhen"], person=person, post=new_post, start_date=dt.date(2026, 3, 1)
        )
    local = services.account_bootstrap(username="zzb_dept", password="Unused-Pass-2026!")
    services.role_grant_bootstrap(account=local, role_code="org_department", unit=tree["department"])
    with pytest.raises(ValidationError) as error:  # the person is outside this account's scope
        services.assignment_create(user=local, person=person, post=new_post, start_date=dt.date(2026, 3, 1))
    assert error_fields(error.value) == {"person"}
    assert Assignment.objects.count() == count
    old.refresh_from_db()
    person.refresh_from_db()
    assert old.end_date is None and person.unit_id == tree["town"].pk


def test_an_assignment_ending_before_it_starts_names_end_date(accounts, tree, moving_person):
    person, _old = moving_person
    post = Post.objects.filter(unit=tree["department"]).order_by("id").first()
    with pytest.raises(ValidationError) as error:
        services.assignment_create(
            user=accounts["zuzhibu"],
            person=person,
            post=post,
            start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 2, 1),
        )
    assert error_fields(error.value) == {"end_date"}


def test_an_assignment_ending_before_it_starts_is_refused(accounts, tree, moving_person):
    person, old = moving_person
    post = Post.objects.filter(unit=tree["department"]).order_by("id").first()
    count = Assignment.objects.count()
    with pytest.raises(ValidationError):
        services.assignment_create(
            user=accounts["zuzhibu"],
            person=person,
            post=post,
            start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 2, 1),
        )
    with pytest.raises(ValidationError) as error:
        services.assignment_end(user=accounts["zuzhibu"], assignment=old, end_date=dt.date(2019, 2, 1))
    assert error_fields(error.value) == {"end_date"}
    assert Assignment.objects.count() == count
    assert Assignment.objects.get(pk=old.pk).end_date is None


# -- tenure and staffing --------------------------------------------------------------------------------
def years(first: dt.date, last: dt.date) -> float:
    return (last - first).days / 365.2425


def test_tenure_is_derived_from_assignments(accounts, tree):
    zuzhibu = accounts["zuzhibu"]
    person = services.person_create(user=zuzhibu, unit=tree["town"], **person_data(21))
    post_a, post_b = Post.objects.filter(unit=tree["town"]).order_by("id")[:2]
    elsewhere = Post.objects.filter(unit=tree["department"]).order_by("id").first()
    services.assignment_create(
        user=zuzhibu, person=person, post=elsewhere, start_date=dt.date(2005, 7, 1), end_date=dt.date(2009, 12, 31)
    )
    services.assignment_create(
        user=zuzhibu, person=person, post=post_a, start_date=dt.date(2010, 1, 1), end_date=dt.date(2015, 12, 31)
    )
    services.assignment_create(user=zuzhibu, person=person, post=post_b, start_date=dt.date(2016, 1, 1))
    today = dt.date(2026, 7, 1)
    tenure = selectors.person_tenure(selectors.person_assignments(accounts["admin"], person), today=today)
    assert tenure["current"].post_id == post_b.pk
    in_post = years(dt.date(2016, 1, 1), today)  # 10.5 years
    in_unit = years(dt.date(2010, 1, 1), dt.date(2015, 12, 31)) + years(dt.date(2016, 1, 1), today)
    assert tenure["years_in_post"] == round(in_post, 1) == 10.5
    assert tenure["years_in_unit"] == round(in_unit, 1) == 16.5
    assert tenure["long_tenure"] is True
    earlier = selectors.person_tenure(
        selectors.person_assignments(accounts["admin"], person), today=dt.date(2020, 1, 1)
    )
    assert earlier["years_in_post"] == round(years(dt.date(2016, 1, 1), dt.date(2020, 1, 1)), 1) == 4.0
    assert earlier["long_tenure"] is False
    assert selectors.person_tenure([], today=today) == {
        "current": None,
        "years_in_post": 0,
        "years_in_unit": 0,
        "long_tenure": False,
        "alerts": [],
    }


def test_overlapping_spans_are_counted_once():
    spans = [
        (dt.date(2010, 1, 1), dt.date(2014, 12, 31)),
        (dt.date(2012, 1, 1), dt.date(2016, 12, 31)),
        (dt.date(2020, 1, 1), None),
        (dt.date(2030, 1, 1), None),
    ]
    today = dt.date(2021, 1, 1)
    expected = years(dt.date(2010, 1, 1), dt.date(2016, 12, 31)) + years(dt.date(2020, 1, 1), today)
    assert rules.tenure_years(spans, today) == pytest.approx(expected)
    assert rules.tenure_years([], today) == 0
    assert rules.vacancy(5, 3) == 2 and rules.vacancy(1, 3) == 0


def test_staffing_numbers_of_a_unit_computed_by_hand(accounts, tree, client_as):
    xitong, zuzhibu, admin = accounts["xitong"], accounts["zuzhibu"], accounts["admin"]
    village = services.unit_create(user=xitong, parent=tree["town"], name="编制测试村", kind="village")
    crowded = services.unit_create(user=xitong, parent=tree["town"], name="超编测试村", kind="village")
    p1 = services.post_create(user=zuzhibu, unit=village, name="村委委员", kind="village_cadre", quota=3)
    p2 = services.post_create(user=zuzhibu, unit=village, name="网格员", kind="contract", quota=2)
    p3 = services.post_create(user=zuzhibu, unit=crowded, name="网格员", kind="contract", quota=1)
    people = [services.person_create(user=zuzhibu, unit=village, **person_data(30 + n)) for n in range(6)]
    plan = [
        (people[0], p1, None),
        (people[1], p1, None),
        (people[2], p2, dt.date(2020, 1, 1)),
        (people[3], p2, None),
        (people[4], p3, None),
        (people[5], p3, None),
    ]
    for person, post, end in plan:
        services.assignment_create(user=zuzhibu, person=person, post=post, start_date=dt.date(2019, 1, 1), end_date=end)
    # village: quota 3 + 2 = 5; in post now: people 0, 1, 3 (person 2 left in 2020) -> 3, vacancy 2.
    assert selectors.staffing(admin, village) == {"quota": 5, "in_post": 3, "vacancy": 2, "over": 0}
    # crowded: quota 1, two people in post -> no vacancy, one over quota.
    assert selectors.staffing(admin, crowded) == {"quota": 1, "in_post": 2, "vacancy": 0, "over": 1}
    filled = {post.name: post.filled for post in selectors.posts_of_unit(admin, village)}
    assert filled == {"村委委员": 2, "网格员": 1}
    # The town with everything below it, counted row by row.
    today = dt.date.today()
    town = tree["town"]
    paths = dict(Unit.objects.values_list("id", "path"))
    quota = sum(
        quota for unit_id, quota in Post.objects.values_list("unit_id", "quota") if paths[unit_id].startswith(town.path)
    )
    in_post = len(
        {
            person_id
            for person_id, unit_id, end in Assignment.objects.values_list("person_id", "unit_id", "end_date")
            if paths[unit_id].startswith(town.path) and (end is None or end >= today)
        }
    )
    assert selectors.staffing(admin, town, subtree=True) == {
        "quota": quota,
        "in_post": in_post,
        "vacancy": max(0, quota - in_post),
        "over": max(0, in_post - quota),
    }
    page = client_as("admin").get(f"/org/units/{village.pk}/").content.decode()
    assert 'id="quota">5<' in page and 'id="vacancy">2<' in page


# -- accounts: 三员分立 ------------------------------------------------------------------------------------
ADMINISTRATOR_ACCOUNTS = ("xitong", "anquan", "shenji")  # system, security and audit administrators


@pytest.fixture
def second_system_admin(accounts):
    county = Unit.objects.get(depth=1)
    account = services.account_bootstrap(username="xitong2", password="Unused-Pass-2026!")
    services.role_grant_bootstrap(account=account, role_code="system_admin", unit=county)
    return account


@pytest.mark.parametrize("target", ["anquan", "shenji", "second"])
def test_the_system_administrator_cannot_disable_an_administrator_account(accounts, target, second_system_admin):
    account = second_system_admin if target == "second" else accounts[target]
    before = AuditEvent.objects.filter(object_type="core.user", object_id=str(account.pk)).count()
    with pytest.raises(PermissionDenied) as refused:
        services.account_set_active(user=accounts["xitong"], account=account, active=False)
    assert "三员分立" in str(refused.value)
    account.refresh_from_db()
    assert account.is_active
    assert AuditEvent.objects.filter(object_type="core.user", object_id=str(account.pk)).count() == before
    assert not services.account_may_set_active(user=accounts["xitong"], account=account)


@pytest.mark.parametrize("target", ["xitong", "shenji", "second"])
def test_the_security_administrator_enables_and_disables_administrator_accounts(accounts, target, second_system_admin):
    account = second_system_admin if target == "second" else accounts[target]
    assert services.account_may_set_active(user=accounts["anquan"], account=account)
    services.account_set_active(user=accounts["anquan"], account=account, active=False)
    account.refresh_from_db()
    assert not account.is_active
    event = AuditEvent.objects.filter(object_type="core.user", object_id=str(account.pk), action="update").last()
    assert event.after == {"is_active": False}
    services.account_set_active(user=accounts["anquan"], account=account, active=True)
    account.refresh_from_db()
    assert account.is_active


def test_ordinary_accounts_stay_with_the_system_administrator(accounts):
    bumen = accounts["bumen"]
    with pytest.raises(PermissionDenied):
        services.account_set_active(user=accounts["anquan"], account=bumen, active=False)
    services.account_set_active(user=accounts["xitong"], account=bumen, active=False)
    bumen.refresh_from_db()
    assert not bumen.is_active
    for name in ("shenji", "zuzhibu", "xiangzhen"):
        with pytest.raises(PermissionDenied):
            services.account_set_active(user=accounts[name], account=bumen, active=True)


@pytest.mark.parametrize("name", ADMINISTRATOR_ACCOUNTS)
def test_no_administrator_disables_their_own_account(accounts, name):
    with pytest.raises((PermissionDenied, ValidationError)):
        services.account_set_active(user=accounts[name], account=accounts[name], active=False)
    accounts[name].refresh_from_db()
    assert accounts[name].is_active


def test_the_accounts_page_refuses_with_a_clear_403_and_offers_only_allowed_buttons(accounts, client_as):
    shenji = accounts["shenji"]
    response = client_as("xitong").post(f"/org/accounts/{shenji.pk}/toggle/")
    assert response.status_code == 403
    text = response.content.decode()
    assert 'id="refusal-reason"' in text and "三员分立" in text and "安全管理员" in text
    shenji.refresh_from_db()
    assert shenji.is_active

    def toggles(name):
        page = client_as(name).get("/org/accounts/", {"q": ""}).content.decode()
        return {int(pk) for pk in re.findall(r"/org/accounts/(\d+)/toggle/", page)}

    xitong_buttons = toggles("xitong")
    assert shenji.pk not in xitong_buttons and accounts["anquan"].pk not in xitong_buttons
    assert accounts["bumen"].pk in xitong_buttons
    anquan_buttons = toggles("anquan")
    assert {accounts["xitong"].pk, shenji.pk} <= anquan_buttons
    assert accounts["bumen"].pk not in anquan_buttons and accounts["anquan"].pk not in anquan_buttons
    response = client_as("anquan").post(f"/org/accounts/{shenji.pk}/toggle/")
    assert response.status_code == 302
    shenji.refresh_from_db()
    assert not shenji.is_active
    event = AuditEvent.objects.filter(object_type="core.user", object_id=str(shenji.pk), action="update").last()
    assert event.actor_id == accounts["anquan"].pk and event.after == {"is_active": False}
