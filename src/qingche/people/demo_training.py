"""Demo training for the demo's year: a needs survey answered by most people, a published plan of 40 sessions
that cite the needs they answer, enrolments with attendance and assessment for the sessions already held —
with the coverage gaps the seeds complain of (党政主职 trained far more than the others, and some towns well
behind) — nominations for sessions still to come, one session running on the demo's today with the front-line
account confirmed on it (so check-in can be tried), and a little compensatory rest against confirmed overtime."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from qingche.burden.models import OvertimeEntry
from qingche.core.audit import AuditContext, audit_context, record_created
from qingche.org.models import Assignment, Person, Unit
from qingche.people import rules_training, selectors_training
from qingche.people.models import (
    CompensatoryRest,
    Enrolment,
    NeedsAnswer,
    NeedsSurvey,
    TrainingMode,
    TrainingPlan,
    TrainingSession,
)

TOPICS = [
    "乡村振兴政策",
    "基层治理与网格化",
    "安全生产与应急管理",
    "信访与群众工作",
    "依法行政与行政执法",
    "财务与项目资金管理",
    "数字化办公与一表通",
    "党建业务",
    "生态环境保护",
    "心理调适与压力管理",
]
CS, PI = "civil_servant", "public_institution"
SESSIONS = [  # (topic, mode, hours, place, categories, needs)
    ("镇党政主职乡村振兴专题轮训班", "central", 24, "县委党校", ["civil_servant"], ["乡村振兴政策"]),
    ("镇班子成员基层治理能力提升班", "central", 16, "县委党校", ["civil_servant"], ["基层治理与网格化"]),
    ("一般干部依法行政专题培训", "central", 8, "县委党校", [CS, PI], ["依法行政与行政执法"]),
    ("安全生产与应急处置实训", "front_line", 8, "县应急指挥中心", [], ["安全生产与应急管理"]),
    ("信访工作方法网上专题", "online", 6, "干部网络学院", [], ["信访与群众工作"]),
    ("村（社区）干部党建业务培训", "spread", 8, "各镇党校分校", ["village_cadre", "community_worker"], ["党建业务"]),
    ("项目资金管理与财务规范", "central", 8, "县财政局会议室", [CS, PI], ["财务与项目资金管理"]),
    ("数字化办公与一表通操作", "online", 4, "干部网络学院", [], ["数字化办公与一表通"]),
    ("县直部门跟班学习", "shadowing", 40, "县直有关部门", ["civil_servant"], ["基层治理与网格化"]),
    ("外出考察乡村振兴示范村", "study_tour", 16, "邻县示范村", ["civil_servant", "village_cadre"], ["乡村振兴政策"]),
    ("生态环境保护执法培训", "central", 6, "县生态环境局", [], ["生态环境保护"]),
    ("心理调适与压力管理讲座", "spread", 3, "各镇会议室", [], ["心理调适与压力管理"]),
]


def build(ctx) -> None:
    rng, today = ctx.random, ctx.today
    year = today.year
    system = AuditContext(actor_name="system:demo")
    org_unit = Unit.objects.filter(name="县委组织部").first() or ctx.units[0]
    towns = [unit for unit in ctx.units if unit.kind in Unit.TOWN_LEVEL]
    created: list = []

    # -- the needs survey at the start of the year, answered by about two in three -----------------------------
    survey = NeedsSurvey(
        year=year, title=f"{year}年度干部教育培训需求调查", unit=org_unit, topics=TOPICS, closes_on=dt.date(year, 1, 31)
    )
    with audit_context(actor_name="system:demo"):
        survey.save()
    in_post = Assignment.objects.filter(end_date__isnull=True).values("person_id")
    people = list(Person.objects.filter(pk__in=in_post).select_related("unit").order_by("pk"))
    answers = [
        NeedsAnswer(
            survey=survey,
            person=person,
            topics=rng.sample(TOPICS, rng.randint(1, 3)),
            modes=rng.sample(TrainingMode.values, rng.randint(1, 2)),
        )
        for person in people
        if rng.random() < 0.65
    ]
    NeedsAnswer.objects.bulk_create(answers)
    created += answers

    # -- the plan: 40 sessions across the year --------------------------------------------------------------------
    plan = TrainingPlan(
        year=year,
        title=f"{year}年度干部教育培训计划",
        unit=org_unit,
        status=TrainingPlan.Status.PUBLISHED,
        published_at=dt.datetime.combine(dt.date(year, 2, 10), dt.time(9), tzinfo=dt.UTC),
    )
    with audit_context(actor_name="system:demo"):
        plan.save()
    sessions = []
    first, last = dt.date(year, 2, 20), dt.date(year, 12, 15)
    for index in range(40):
        topic, mode, hours, place, categories, needs = SESSIONS[index % len(SESSIONS)]
        start = first + dt.timedelta(days=int((last - first).days * index / 40) + rng.randint(0, 4))
        days = max(1, int(hours // 8)) if mode in ("central", "study_tour") else (5 if mode == "shadowing" else 1)
        round_no = index // len(SESSIONS) + 1
        sessions.append(
            TrainingSession(
                plan=plan,
                topic=f"{topic}（第{round_no}期）",
                mode=mode,
                hours=Decimal(hours),
                start=start,
                end=start + dt.timedelta(days=days - 1),
                place=place,
                target_categories=categories,
                capacity=rng.choice((40, 60, 80, 120)),
                organiser=org_unit,
                needs=needs,
            )
        )
    # one session running on the demo's today, for check-in
    sessions.append(
        TrainingSession(
            plan=plan,
            topic="基层减负与工作方法专题培训（今日）",
            mode="central",
            hours=Decimal(6),
            start=today,
            end=today,
            place="县委党校报告厅",
            capacity=200,
            organiser=org_unit,
            needs=["基层治理与网格化"],
        )
    )
    TrainingSession.objects.bulk_create(sessions)
    created += sessions

    enrolments = _enrolments(ctx, people, towns, sessions[:-1], today)
    running = sessions[-1]
    yixian = ctx.accounts.get("yixian")
    person = getattr(yixian, "person", None) if yixian is not None else None
    taken = {(row.session.pk, row.person.pk) for row in enrolments}
    if person is not None and (running.pk, person.pk) not in taken:
        enrolments.append(Enrolment(session=running, person=person, status=Enrolment.Status.CONFIRMED))
    enrolments += [
        Enrolment(session=running, person=other, status=Enrolment.Status.CONFIRMED)
        for other in people[:30]
        if other != person and (running.pk, other.pk) not in taken
    ]
    Enrolment.objects.bulk_create(enrolments)
    created += enrolments
    created += _rest(ctx)
    record_created([(row, system) for row in created])


def _enrolments(ctx, people, towns, sessions, today) -> list[Enrolment]:
    """Past sessions: heads almost all trained, others far fewer, and some towns further behind; future
    sessions: nominations, some confirmed."""

    rng = ctx.random
    heads = selectors_training.head_ids([person.pk for person in people])
    behind = set(rng.sample([town.path for town in towns], max(1, len(towns) // 3))) if towns else set()
    past = [session for session in sessions if session.end < today]
    future = [session for session in sessions if session.start > today]
    rows, seen = [], set()
    now = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    progress = (today.timetuple().tm_yday / 365) if past else 0
    for person in people:
        town_behind = any(person.unit.path.startswith(path) for path in behind)
        chance = 0.95 if person.pk in heads else (0.25 if town_behind else 0.6)
        fitting = [
            session
            for session in past
            if rules_training.targets(person.unit.path, person.category, [], session.target_categories)
        ]
        if fitting and rng.random() < chance * min(1.0, progress * 1.4):
            for session in rng.sample(fitting, min(len(fitting), rng.randint(1, 2))):
                if (session.pk, person.pk) in seen:
                    continue
                seen.add((session.pk, person.pk))
                present = rng.random() < 0.93
                score = Decimal(rng.randint(52, 98)) if present and rng.random() < 0.8 else None
                rows.append(
                    Enrolment(
                        session=session,
                        person=person,
                        status=Enrolment.Status.CONFIRMED,
                        attended=present,
                        attended_via=rng.choice(Enrolment.Via.values) if present else "",
                        attended_at=now if present else None,
                        score=score,
                        passed=None if score is None else score >= 60,
                    )
                )
        if future and rng.random() < 0.15:
            session = rng.choice(future)
            if (session.pk, person.pk) not in seen and rules_training.targets(
                person.unit.path, person.category, [], session.target_categories
            ):
                seen.add((session.pk, person.pk))
                status = Enrolment.Status.CONFIRMED if rng.random() < 0.5 else Enrolment.Status.NOMINATED
                rows.append(Enrolment(session=session, person=person, status=status))
    return rows


def _rest(ctx) -> list[CompensatoryRest]:
    """About a third of the people with confirmed overtime took some of it back as rest."""
    rng, today = ctx.random, ctx.today
    confirmed = (
        OvertimeEntry.objects.filter(status=OvertimeEntry.Status.CONFIRMED, date__year=today.year)
        .values("person_id")
        .annotate(total=Sum("hours"))
    )
    rows = []
    for row in confirmed:
        if rng.random() < 0.35 and row["total"] >= 4:
            hours = min(Decimal(rng.choice((4, 8))), row["total"])
            day = today - dt.timedelta(days=rng.randint(1, 60))
            if day.year == today.year:
                rows.append(CompensatoryRest(person_id=row["person_id"], date=day, hours=hours, note="调休"))
    CompensatoryRest.objects.bulk_create(rows)
    return rows
