"""Builds 示范县, the demo county, deterministically (same seed, same county).

Units, posts, people with histories and vacancies, and one account per role. Writes go through
the org module's services; nothing here writes another module's tables directly."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from qingche.core import otp
from qingche.core import rules as core_rules
from qingche.core.audit import audit_context
from qingche.core.models import Parameter, User
from qingche.demo import names
from qingche.org import services as org
from qingche.org.models import Assignment, Person, Post, Unit
from qingche.org.roles import (
    AUDIT_ADMIN,
    BURDEN_OFFICE,
    COUNTY_DEPARTMENT,
    DISCIPLINE,
    FRONTLINE,
    HOTLINE,
    ORG_DEPARTMENT,
    SECURITY_ADMIN,
    SYSTEM_ADMIN,
    TOWN,
    VILLAGE,
)

DEMO_MARKER = "demo.county"

DEMO_ACCOUNTS = [
    # username, role, where (see _account_units), person wanted
    ("admin", None, None),
    ("xitong", SYSTEM_ADMIN, "county"),
    ("anquan", SECURITY_ADMIN, "county"),
    ("shenji", AUDIT_ADMIN, "county"),
    ("jianfuban", BURDEN_OFFICE, "burden_office"),
    ("zuzhibu", ORG_DEPARTMENT, "org_department"),
    ("bumen", COUNTY_DEPARTMENT, "department"),
    ("xiangzhen", TOWN, "town"),
    ("cungan", VILLAGE, "village"),
    ("yixian", FRONTLINE, "town_staff"),
    ("rexian", HOTLINE, "hotline"),
    ("jijian", DISCIPLINE, "discipline"),
]


@dataclass
class DemoContext:
    """What a module's demo.build(ctx) gets: the county built so far and a seeded random source."""

    random: random.Random
    faker: Faker
    scale: float
    today: dt.date
    units: list[Unit]
    accounts: dict[str, object]
    progress: object
    # Steps a module runs once every module has built its part (e.g. what reads the whole county's load).
    afterwards: list = field(default_factory=list)


# Accounts that need a second factor (core.otp): the superuser and the three administrators.
SECOND_FACTOR_ACCOUNTS = [
    username for username, role, _where in DEMO_ACCOUNTS if role in (None, SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)
]


@dataclass
class DemoResult:
    password: str
    accounts: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def demo_today() -> dt.date | None:
    """The day the demo county was built on (its "today"), or None outside a demo database."""
    marker = Parameter.objects.filter(key=DEMO_MARKER).first()
    return dt.date.fromisoformat(marker.value["built"]) if marker else None


def is_demo_database() -> bool:
    return Parameter.objects.filter(key=DEMO_MARKER).exists()


def has_other_data() -> bool:
    return Unit.objects.exists() and not is_demo_database()


class DemoBuilder:
    """The county lives in `today` (the local date at build time unless given): a year of history up to it
    and open work around it. The seed is fixed, so two builds on the same day are the same county."""

    def __init__(self, *, scale: float = 1.0, seed: int = 20261101, progress=None, today: dt.date | None = None):
        self.scale = scale
        self.today = today or timezone.localdate()
        self.random = random.Random(seed)
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self.progress = progress or (lambda step: None)
        self.id_serial = 0
        self.phone_serial = 0

    # -- units ------------------------------------------------------------------------------------
    def _scaled(self, items: list[str], suffix_kind: str) -> list[str]:
        count = max(1, round(len(items) * self.scale))
        result = []
        for index in range(count):
            base = items[index % len(items)]
            round_no = index // len(items)
            result.append(base if round_no == 0 else base.replace(suffix_kind, f"{round_no + 1}{suffix_kind}", 1))
        return result

    def _unit_nodes(self) -> list[dict]:
        nodes = [{"name": names.COUNTY_NAME, "kind": "county", "code": names.COUNTY_CODE, "parent": None}]
        for department in names.DEPARTMENTS:
            nodes.append({"name": department, "kind": "department", "parent": 0, "short_name": department[1:]})
        nodes.append({"name": names.BURDEN_OFFICE, "kind": "office", "parent": 0, "short_name": "县减负办"})
        towns = [(name, "town") for name in self._scaled(names.TOWNS, "镇")]
        towns += [(name, "street") for name in self._scaled(names.STREETS, "街道")]
        for town_index, (town, kind) in enumerate(towns, start=1):
            town_code = f"{names.COUNTY_CODE}{town_index:03d}"
            nodes.append({"name": town, "kind": kind, "parent": 0, "code": town_code, "short_name": town})
            town_node = len(nodes) - 1
            count = self.random.randint(14, 19) if kind == "town" else self.random.randint(7, 10)
            used: set[str] = set()
            for village_index in range(1, count + 1):
                child_kind = "village" if kind == "town" and self.random.random() < 0.9 else "community"
                name = self._village_name(child_kind, used)
                nodes.append(
                    {
                        "name": f"{town}{name}",
                        "short_name": name,
                        "kind": child_kind,
                        "parent": town_node,
                        "code": f"{town_code}{200 + village_index:03d}",
                    }
                )
        return nodes

    def _village_name(self, kind: str, used: set[str]) -> str:
        while True:
            if kind == "village":
                name = self.random.choice(names.VILLAGE_PREFIXES) + self.random.choice(names.VILLAGE_STEMS) + "村"
            else:
                name = self.random.choice(names.COMMUNITY_STEMS) + "社区"
            if name not in used:
                used.add(name)
                return name

    # -- posts ------------------------------------------------------------------------------------
    def _posts_for(self, unit: Unit) -> list[tuple[str, str, int]]:
        if unit.kind == "department":
            return names.DEPARTMENT_POSTS
        if unit.kind in ("town", "street"):
            return [
                (name.replace("镇长", "主任") if unit.kind == "street" else name, kind, quota)
                for name, kind, quota in names.TOWN_POSTS
            ]
        if unit.kind == "village":
            return names.VILLAGE_POSTS
        if unit.kind == "community":
            return names.COMMUNITY_POSTS
        if unit.kind == "office":
            return names.OFFICE_POSTS
        return []

    # -- people -----------------------------------------------------------------------------------
    def _birth_date(self, low: int, high: int) -> dt.date:
        age = self.random.randint(low, high)
        return dt.date(self.today.year - age, self.random.randint(1, 12), self.random.randint(1, 28))

    def _id_number(self, birth: dt.date, gender: str) -> str:
        """Unique for the first 50,000 people: the serial picks the region code's last two digits and
        the three-digit sequence, whose parity says the gender as GB 11643 wants."""
        self.id_serial += 1
        region = f"4399{(self.id_serial // 500) % 100:02d}"
        sequence = (self.id_serial % 500) * 2 + (1 if gender == "male" else 0)
        first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
        return first17 + core_rules.id_number_check_char(first17)

    def _phone(self) -> str:
        self.phone_serial += 1
        prefix = self.random.choice(["138", "139", "150", "151", "158", "177", "180", "186", "189", "199"])
        return f"{prefix}{(self.phone_serial * 7919) % 100_000_000:08d}"

    def _category(self, post_kind: str, unit_kind: str) -> str:
        if post_kind == "village_cadre":
            return Person.Category.VILLAGE_CADRE
        if post_kind == "community_worker":
            return Person.Category.COMMUNITY_WORKER
        if post_kind == "contract":
            return Person.Category.CONTRACT
        if unit_kind in ("town", "street") and self.random.random() < 0.3:
            return Person.Category.PUBLIC_INSTITUTION
        return Person.Category.CIVIL_SERVANT

    def _education(self, category: str) -> str:
        weights = {
            Person.Category.VILLAGE_CADRE: (0.01, 0.15, 0.35, 0.44, 0.05),
            Person.Category.CONTRACT: (0.0, 0.3, 0.45, 0.25, 0.0),
        }.get(category, (0.12, 0.68, 0.17, 0.03, 0.0))
        return self.random.choices(list(Person.Education.values), weights=weights)[0]

    def _political(self, category: str) -> str:
        share = 0.8 if category in (Person.Category.CIVIL_SERVANT, Person.Category.VILLAGE_CADRE) else 0.45
        if self.random.random() < share:
            return Person.Political.CPC
        return self.random.choice([Person.Political.LEAGUE, Person.Political.MASSES, Person.Political.DEMOCRATIC])

    def _person(self, unit: Unit, post_kind: str, town_of: dict, all_towns: list[Unit]) -> Person:
        gender = "male" if self.random.random() < 0.62 else "female"
        name = self.faker.name_male() if gender == "male" else self.faker.name_female()
        low, high = (30, 58) if post_kind == "leader" else (23, 59)
        birth = self._birth_date(low, high)
        category = self._category(post_kind, unit.kind)
        home = town_of.get(unit.pk)
        # Village cadres are nearly all local; some town staff serve in their home town too.
        local_share = 0.92 if unit.kind in ("village", "community") else 0.25
        if home is None or self.random.random() > local_share:
            home = self.random.choice(all_towns)
        return Person(
            name=name,
            gender=gender,
            birth_date=birth,
            id_number=self._id_number(birth, gender),
            phone=self._phone(),
            hometown=f"湖南省{names.COUNTY_NAME}{home.name}",
            hometown_unit=home,
            education=self._education(category),
            political_status=self._political(category),
            category=category,
            rank=self.random.choice(names.RANKS_CIVIL) if category == Person.Category.CIVIL_SERVANT else "",
            unit=unit,
        )

    def _history(self, person: Person, post: Post, other_posts: list[Post]) -> list[Assignment]:
        """The current post, often preceded by one or two earlier posts elsewhere. About one in
        twelve has held the current post for more than ten years."""
        years_working = max(1, (self.today.year - person.birth_date.year) - 22)
        if self.random.random() < 0.08 and years_working > 11:
            in_post_years = self.random.randint(10, min(years_working, 22))
        else:
            in_post_years = self.random.randint(0, min(years_working, 9))
        start = self.today - dt.timedelta(days=int(in_post_years * 365.25) + self.random.randint(0, 300))
        history = [Assignment(person=person, post=post, start_date=start)]
        earlier_end = start - dt.timedelta(days=1)
        for _ in range(self.random.choice([0, 1, 1, 2])):
            if not other_posts:
                break
            length = self.random.randint(2, 6)
            earlier_start = earlier_end - dt.timedelta(days=length * 365)
            if earlier_start.year < person.birth_date.year + 21:
                break
            history.append(
                Assignment(
                    person=person, post=self.random.choice(other_posts), start_date=earlier_start, end_date=earlier_end
                )
            )
            earlier_end = earlier_start - dt.timedelta(days=1)
        return history

    # -- the whole county -------------------------------------------------------------------------
    @transaction.atomic
    def build(self, password: str, totp_secrets: dict[str, str] | None = None) -> DemoResult:
        """totp_secrets: account -> base32 secret of the second factor it is enrolled with (see
        demo_totp_secrets); an account needing one but given none enrols at its first log-in."""
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # a bigger page cache for this connection: the bulk loads
                cursor.execute("PRAGMA cache_size = -262144")  # touch indexes far apart (256 MB at most)
        with audit_context(actor_name="system:demo"):
            units = org.unit_tree_load(self._unit_nodes())
            self.progress("units")
            posts = [
                Post(unit=unit, name=name, kind=kind, quota=quota)
                for unit in units
                for name, kind, quota in self._posts_for(unit)
            ]
            org.posts_bulk_load(posts)
            posts = list(Post.objects.select_related("unit").order_by("id"))
            self.progress("posts")
            people, assignments = self._staff(units, posts)
            self.progress("people")
            result = DemoResult(password=password)
            result.accounts = self._accounts(units, password)
            for username, secret in (totp_secrets or {}).items():
                otp.enrol_with_secret(User.objects.get(username=username), secret)
            self.progress("accounts")
            self._build_modules(units)
            Parameter.objects.create(key=DEMO_MARKER, value={"built": self.today.isoformat(), "scale": self.scale})
        result.counts = {
            "units": len(units),
            "posts": len(posts),
            "people": len(people),
            "assignments": len(assignments),
        }
        return result

    def _build_modules(self, units: list[Unit]) -> None:
        """Each module after org adds its own demo data through its own services."""
        ctx = DemoContext(
            random=self.random,
            faker=self.faker,
            scale=self.scale,
            today=self.today,
            units=units,
            accounts={user.username: user for user in User.objects.filter(is_demo=True)},
            progress=self.progress,
        )
        for module in demo_modules():
            import_module(f"{module}.demo").build(ctx)
            self.progress(module.rsplit(".", 1)[-1])
        for step in ctx.afterwards:
            step()

    def _staff(self, units: list[Unit], posts: list[Post]):
        towns = [unit for unit in units if unit.kind in Unit.TOWN_LEVEL]
        town_of = {}
        for town in towns:
            for unit in units:
                if unit.path.startswith(town.path):
                    town_of[unit.pk] = town
        posts_by_kind_level: dict[str, list[Post]] = {}
        for post in posts:
            level = "village" if post.unit.kind in Unit.GRASSROOTS else "county"
            posts_by_kind_level.setdefault(level, []).append(post)
        people: list[Person] = []
        planned: list[tuple[Person, Post]] = []
        for post in posts:
            # Leaders' posts are nearly always filled; other posts leave vacancies (缺编).
            fill_rate = 0.97 if post.kind == "leader" else 0.86
            for _seat in range(post.quota):
                if self.random.random() > fill_rate:
                    continue
                person = self._person(post.unit, post.kind, town_of, towns)
                people.append(person)
                planned.append((person, post))
        org.people_bulk_load(people)
        saved = list(Person.objects.order_by("id"))
        assignments: list[Assignment] = []
        for (planned_person, post), person in zip(planned, saved, strict=True):
            assert planned_person.name == person.name
            level = "village" if post.unit.kind in Unit.GRASSROOTS else "county"
            assignments.extend(self._history(person, post, posts_by_kind_level[level]))
        org.assignments_bulk_load(assignments)
        return saved, assignments

    def _account_units(self, units: list[Unit]) -> dict[str, tuple[Unit, Person | None]]:
        by_name = {unit.name: unit for unit in units}
        county = units[0]
        first_town = next(unit for unit in units if unit.kind == "town")
        village = next(unit for unit in units if unit.kind == "village" and unit.path.startswith(first_town.path))

        def person_in(unit: Unit, post_prefix: str = "", skip: set[int] = frozenset()) -> Person | None:
            people = Person.objects.filter(unit=unit, account=None).exclude(pk__in=skip).order_by("id")
            if post_prefix:
                people = people.filter(assignments__post__name__startswith=post_prefix, assignments__end_date=None)
            return people.first()

        town_leader = person_in(first_town, "党委书记")
        office, org_department, hotline = (
            by_name[names.BURDEN_OFFICE],
            by_name["县委组织部"],
            by_name["县政务服务中心"],
        )
        # County-wide offices hold their grant at the county (their work reaches every unit); their
        # people's records stay in their own office.
        return {
            "county": (county, None),
            "burden_office": (county, person_in(office)),
            "org_department": (county, person_in(org_department)),
            "department": (by_name["县农业农村局"], person_in(by_name["县农业农村局"])),
            "town": (first_town, town_leader),
            "village": (village, person_in(village, "党组织书记")),
            "town_staff": (
                first_town,
                person_in(first_town, "党政综合办公室", {town_leader.pk} if town_leader else set()),
            ),
            "hotline": (county, person_in(hotline)),
            "discipline": (county, person_in(by_name["县纪委监委"])),
        }

    def _accounts(self, units: list[Unit], password: str) -> list[tuple[str, str]]:
        places = self._account_units(units)
        created = []
        for username, role, where in DEMO_ACCOUNTS:
            if role is None:
                org.account_bootstrap(username=username, password=password, is_superuser=True, is_demo=True)
                created.append((username, "superuser"))
                continue
            unit, person = places[where]
            account = org.account_bootstrap(username=username, password=password, person=person, is_demo=True)
            org.role_grant_bootstrap(account=account, role_code=role, unit=unit)
            created.append((username, f"{role} @ {unit.name}"))
        return created


def demo_modules() -> list[str]:
    return [
        module
        for module in settings.QINGCHE_MODULES
        if module != "qingche.org" and find_spec(f"{module}.demo") is not None
    ]


def demo_totp_secrets(given: str | None = None) -> dict[str, str]:
    """The second-factor secret of each demo account that needs one: `given` (QINGCHE_DEMO_TOTP_SECRET)
    for all, or a new one for each."""
    if given:
        otp.decode_secret(given)
    return {username: given or otp.random_base32() for username in SECOND_FACTOR_ACCOUNTS}


def generate_password() -> str:
    return "Qc-" + secrets.token_urlsafe(9)
