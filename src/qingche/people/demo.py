"""Demo care for the year up to the demo's today: a start of work for every person (so leave entitlements
follow), leave taken in one or two blocks (less of it in the busiest towns), a few requests awaiting the
unit and one refused for want of cover, health checks done or booked for most people, a handful of talks,
and the overload flags that the demo's burden indexes raise (one of them closed by a talk)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from qingche.core.audit import AuditContext, audit_context, record_created
from qingche.core.calendar import work_calendar
from qingche.org.models import Person
from qingche.people import demo_awards, demo_careers, demo_consequences, demo_training, rules, selectors, services
from qingche.people.models import HealthCheck, LeaveRequest, Talk, WorkStart

NOTES = [
    "近期加班较多，了解家庭情况，提醒注意休息。",
    "交流工作思路，对方反映报表任务重，已记录。",
    "关心身体状况，建议尽快安排年休假。",
    "提醒注意工作方法，按时完成分工任务。",
]


def _days_between(rng, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange(max((last - first).days, 1)))


def build(ctx) -> None:
    rng, today = ctx.random, ctx.today
    calendar = work_calendar()
    people = list(Person.objects.select_related("unit").order_by("pk"))
    system = AuditContext(actor_name="system:demo")
    starts = [
        WorkStart(
            person=person,
            started_on=min(person.birth_date.replace(day=1) + dt.timedelta(days=365 * rng.randint(21, 25)), today),
        )
        for person in people
    ]
    WorkStart.objects.bulk_create(starts)
    record_created([(start, system) for start in starts])

    year_start = dt.date(today.year, 1, 1)
    leaves, checks = [], []
    for person, start in zip(people, starts, strict=True):
        entitled = rules.entitlement(rules.years_of_work(start.started_on, dt.date(today.year, 12, 31)))
        wanted = int(entitled * rng.choice((0, 0.4, 0.6, 1.0)))
        begin = _days_between(rng, year_start, today - dt.timedelta(days=20))
        while wanted > 0 and begin < today - dt.timedelta(days=7):
            block = min(wanted, rng.choice((3, 5)))
            end, days = begin, 0
            while days < block:
                days += calendar.is_workday(end)
                end += dt.timedelta(days=1)
            end -= dt.timedelta(days=1)
            leaves.append(
                LeaveRequest(
                    person=person, year=today.year, start=begin, end=end, days=days, status=LeaveRequest.Status.APPROVED
                )
            )
            wanted -= days
            begin = end + dt.timedelta(days=rng.randint(40, 120))
        draw = rng.random()
        if draw < 0.68:
            checks.append(
                HealthCheck(person=person, year=today.year, date=_days_between(rng, year_start, today), status="done")
            )
        elif draw < 0.8:
            booked = today + dt.timedelta(days=rng.randint(3, 40))
            if booked.year == today.year:
                checks.append(HealthCheck(person=person, year=today.year, date=booked, status="booked"))
    LeaveRequest.objects.bulk_create(leaves)
    HealthCheck.objects.bulk_create(checks)
    record_created([(row, system) for row in leaves + checks])

    _requests_and_talks(ctx)
    services.overload_flags_refresh(today=today)
    _close_one_flag(ctx)
    demo_careers.build(ctx)
    demo_training.build(ctx)  # training and compensatory rest (demo_training.py)
    demo_awards.build(ctx)  # awards, reserve pool, secondments
    demo_consequences.build(ctx)  # 组织处理 proposals from the appraisal results


def _requests_and_talks(ctx) -> None:
    """Through the services, as the people and their town would: requests, a refusal, talks."""
    rng, today = ctx.random, ctx.today
    town = ctx.accounts.get("xiangzhen")
    org = ctx.accounts.get("zuzhibu")
    yixian = ctx.accounts.get("yixian")
    with audit_context(actor_name="system:demo"):
        in_town = list(selectors.people(town).exclude(pk=getattr(getattr(town, "person", None), "pk", None)))[:12]
        for index, person in enumerate(in_town[:4]):
            start = today + dt.timedelta(days=7 + 7 * index)
            try:
                leave = services.leave_request_submit(
                    user=town, person=person, start=start, end=start + dt.timedelta(days=2)
                )
            except ValidationError:  # a person with no leave left simply asks for none
                continue
            if index == 0:
                services.leave_request_decide(
                    user=town, leave=leave, approve=False, reason="当周防汛值班，无人顶岗，请改到下月。"
                )
        if yixian is not None and hasattr(yixian, "person"):
            start = today + dt.timedelta(days=30)
            try:
                services.leave_request_submit(
                    user=yixian, person=yixian.person, start=start, end=start + dt.timedelta(days=1), note="回老家探亲"
                )
            except ValidationError:  # not entitled yet
                pass
        for index, person in enumerate(in_town[4:10]):
            when = today - dt.timedelta(days=rng.randint(5, 200))
            services.talk_record(
                user=town, person=person, date=when, kind=Talk.Kind.values[index % 3], note=NOTES[index % 4]
            )
        county = list(selectors.people(org).order_by("pk"))
        for person in ctx.random.sample(county, min(4, len(county))):
            if person.pk == getattr(getattr(org, "person", None), "pk", None):
                continue
            services.talk_record(
                user=org, person=person, date=today - dt.timedelta(days=rng.randint(5, 120)), kind="care", note=NOTES[2]
            )


def _close_one_flag(ctx) -> None:
    town = ctx.accounts.get("xiangzhen")
    flag = selectors.open_flags_for_home(town).first()
    if flag is not None:
        with audit_context(actor_name="system:demo"):
            services.talk_record(user=town, person=flag.person, date=ctx.today, kind="care", note=NOTES[0])
