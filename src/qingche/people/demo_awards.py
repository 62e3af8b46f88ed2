"""Demo awards, reserve pool and secondments, all through the services as 组织部 and the towns would do it:
three award types; last year's 最美基层工作者 round nominated by the towns, publicised a month ago and
conferred; this year's round of 优秀公务员 taken from last year's appraisal top grades and in publicity now, with
one objection answered (not upheld) and one still being checked; a reserve pool across the towns with plans,
mentors, assignments and last year's reviews (one person left the pool on promotion); three secondments
(one running, one ended in appointment, one back at the home unit)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from qingche.core.audit import audit_context
from qingche.org.models import Person, Unit
from qingche.people import services_awards as services
from qingche.people.models_awards import AwardType, Nomination

DEEDS = [
    "扎根村居十余年，牵头调处矛盾纠纷120余起，群众满意度高。",
    "防汛期间连续坚守一线，组织转移群众300余人，无一伤亡。",
    "推动产业项目落地，带动村集体经济年增收20万元。",
    "主动承担急难险重任务，全年无差错完成各类报表与台账。",
]
PLANS = [
    "两年内轮岗综治、经济发展两个岗位，参加县委党校中青班，承担一项重点项目推进。",
    "一年内熟悉党建、乡村振兴业务，跟班学习镇班子会议事规则，牵头一次信访化解。",
]
TASKS = ["牵头片区防汛值守", "负责重点项目征地协调", "带队开展入户走访", "主持村级换届筹备工作"]


def build(ctx) -> None:
    org = ctx.accounts.get("zuzhibu")
    town_account = ctx.accounts.get("xiangzhen")
    if org is None or town_account is None:
        return
    with audit_context(actor_name="system:demo"):
        types = _types(org)
        pool = _town_people(ctx)
        _conferred_round(ctx, org, town_account, types["最美基层工作者"], pool[:4])
        _round_in_publicity(ctx, org, types["优秀公务员"])
        _reserve_pool(ctx, org, town_account, pool[4:13])
        _secondments(ctx, org, pool[13:16])


def _types(org) -> dict[str, AwardType]:
    rows = [
        ("最美基层工作者", 5, AwardType.Source.UNITS, "每年评选，表彰扎根基层、群众认可的干部。"),
        ("优秀公务员", 6, AwardType.Source.EXCELLENT, "从年度考核优秀等次人员中择优推荐。"),
        ("三等功", 3, AwardType.Source.MERIT, "连续三年年度考核优秀者记三等功。"),
    ]
    return {
        name: services.award_type_create(user=org, name=name, quota=quota, candidates_from=source, description=text)
        for name, quota, source, text in rows
    }


def _town_people(ctx) -> list[Person]:
    """The people working in the towns' own offices, in a fixed shuffled order: the nominees, the reserve pool
    and the secondments take their share of it in turn."""
    people = list(Person.objects.filter(unit__kind__in=Unit.TOWN_LEVEL).order_by("pk"))
    ctx.random.shuffle(people)
    return people


def _conferred_round(ctx, org, town_account, award_type, others) -> None:
    award_round = services.award_round_open(user=org, award_type=award_type, year=ctx.today.year - 1)
    in_town = list(Person.objects.visible_to(town_account).order_by("pk")[:3])
    for index, person in enumerate(in_town + others):
        try:
            services.nomination_submit(
                user=org if index >= len(in_town) else town_account,
                award_round=award_round,
                person=person,
                reason=DEEDS[index % len(DEEDS)],
                evidence="事迹材料、群众评议表",
            )
        except ValidationError:  # the same person drawn twice
            continue
    for index, nomination in enumerate(Nomination.objects.filter(round=award_round).order_by("pk")):
        services.nomination_review(
            user=org,
            nomination=nomination,
            approve=index < award_type.quota,
            note="" if index < award_type.quota else "名额已满，事迹相对不够突出。",
        )
    services.publicity_start(user=org, award_round=award_round, start=ctx.today - dt.timedelta(days=40))
    try:
        services.award_round_confer(
            user=org, award_round=award_round, document_number=f"县委发〔{ctx.today.year - 1}〕12号"
        )
    except ValidationError:  # a demo built with a today far from the clock: the round stays in publicity
        pass


def _round_in_publicity(ctx, org, award_type) -> None:
    award_round = services.award_round_open(user=org, award_type=award_type, year=ctx.today.year - 1)
    services.nominations_from_appraisal(user=org, award_round=award_round)
    for index, nomination in enumerate(Nomination.objects.filter(round=award_round).order_by("pk")):
        approve = index < award_type.quota
        services.nomination_review(
            user=org, nomination=nomination, approve=approve, note="" if approve else "超出名额，按考核得分排序未入选。"
        )
    if not Nomination.objects.filter(round=award_round, status="approved").exists():
        return
    services.publicity_start(user=org, award_round=award_round, start=ctx.today)
    approved = list(Nomination.objects.filter(round=award_round, status="approved").order_by("pk")[:2])
    objector = ctx.accounts.get("yixian") or org
    try:
        first = services.objection_raise(
            user=objector, nomination=approved[0], text="反映该同志今年有一次值班脱岗，请核实。"
        )
        services.objection_answer(
            user=org,
            objection=first,
            upheld=False,
            answer="经查值班记录和监控，当日系按调度赴村处置险情，不属脱岗，异议不成立。",
        )
        services.objection_raise(user=org, nomination=approved[-1], text="有群众来电反映其办事态度生硬，请核实。")
    except ValidationError:  # the clock is not the demo's today: the publicity is not open
        pass


def _reserve_pool(ctx, org, town_account, people) -> None:
    rng = ctx.random
    leaders = list(Person.objects.visible_to(town_account).order_by("pk")[:1])
    last_year = ctx.today.year - 1
    categories = ["town_leader", "middle", "young", "young", "village"]
    entries = []
    for index, person in enumerate(people):
        mentor = leaders[0] if leaders and leaders[0].pk != person.pk else None
        entry = services.reserve_enter(
            user=org,
            person=person,
            category=categories[index % len(categories)],
            plan=PLANS[index % len(PLANS)],
            mentor=mentor,
            entered_on=dt.date(last_year - rng.randint(0, 2), rng.randint(1, 12), 1),
        )
        entries.append(entry)
        services.reserve_task_add(
            user=org,
            entry=entry,
            title=TASKS[index % len(TASKS)],
            start=ctx.today - dt.timedelta(days=rng.randint(60, 300)),
            end=ctx.today - dt.timedelta(days=rng.randint(1, 50)),
            result="按期完成，表现突出。" if index % 2 == 0 else "",
        )
        if index % 3 != 2:  # some reviews of last year are missing: they show as due
            services.reserve_review(
                user=org, entry=entry, year=last_year, conclusion="ready" if index % 4 == 0 else "keep", note=""
            )
    if entries:
        services.reserve_leave(user=org, entry=entries[-1], reason="已提拔任用为镇党委委员，出库。")


def _secondments(ctx, org, people) -> None:
    hosts = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).order_by("path")[:3])
    if len(people) < 3 or len(hosts) < 3:
        return
    today = ctx.today
    services.secondment_start(
        user=org,
        person=people[0],
        host_unit=hosts[0],
        start=today - dt.timedelta(days=120),
        end=today + dt.timedelta(days=245),
        goals="熟悉县级部门业务流程，牵头一项基层减负专项工作。",
    )
    for person, host, assessment, wish, outcome in (
        (people[1], hosts[1], "excellent", "stay", "appointed"),
        (people[2], hosts[2], "competent", "return", "returned"),
    ):
        secondment = services.secondment_start(
            user=org,
            person=person,
            host_unit=host,
            start=today - dt.timedelta(days=400),
            end=today - dt.timedelta(days=35),
            goals="挂职锻炼一年，参与部门重点工作，提升统筹协调能力。",
        )
        services.secondment_assess(user=org, secondment=secondment, assessment=assessment, wish=wish, note="")
        services.secondment_decide(user=org, secondment=secondment, outcome=outcome)
