"""Demo surveys: seed 004's town-cadre survey, anonymous and closed a month ago, answered by most civil
servants and institution staff of the towns (about 44% wanting to go back to the county organs, as in the
seed; one town answered little, so its cells are hidden in the results); and the grassroots burden survey,
named and open now, half answered (the front-line demo account has not answered yet).

Answers are written directly, as a bulk load: an anonymous survey's responses in a random order with no
person, and apart from them the one-way marks."""

from __future__ import annotations

import datetime as dt
import random

from qingche.core.audit import audit_context, record
from qingche.org.models import Person, Unit
from qingche.surveys import rules, selectors, services
from qingche.surveys.models import AnsweredMark, Response, Survey

TEXTS = [
    "希望减少重复填报，一个数据只报一次。",
    "责任书太多，很多是部门的工作却要镇里负责。",
    "加班多，希望落实年休假。",
    "希望多组织到上级部门跟班学习。",
    "问责前应先分析主客观原因。",
    "工作群打卡太多，希望清理。",
    "基层人手不足，编制空缺长期未补。",
]


def _pick(rng, weights: list[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]


def _answers(rng, survey: Survey) -> dict:
    out = {}
    for spec in selectors.specs(survey):
        key = str(spec.id)
        if spec.kind == rules.TEXT:
            if rng.random() < 0.3:
                out[key] = rng.choice(TEXTS)
        elif spec.kind == rules.SCALE:
            out[key] = 1 + _pick(rng, [0.05, 0.1, 0.25, 0.35, 0.25][: spec.scale_max])
        elif spec.kind == rules.MULTIPLE:
            out[key] = sorted(rng.sample(range(len(spec.choices)), rng.randint(1, min(3, len(spec.choices)))))
        elif spec.text.startswith("您是否希望调回"):
            out[key] = _pick(rng, [0.44, 0.38, 0.18])
        else:
            out[key] = _pick(rng, [1.0 / (index + 1) for index in range(len(spec.choices))])
    return out


def build(ctx) -> None:
    rng = random.Random(ctx.today.toordinal() * 20 + 4)  # its own source: the other modules' demos stay as they were
    today = ctx.today
    org, office = ctx.accounts.get("zuzhibu"), ctx.accounts.get("jianfuban")
    if org is None or office is None:
        return
    towns = list(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL, depth=2).order_by("path"))
    with audit_context(actor_name="system:demo"):
        cadre = services.survey_from_preset(
            user=org,
            unit=selectors.units_for_builder(org).first(),
            preset="town_cadre",
            opens_on=today - dt.timedelta(days=60),
            closes_on=today - dt.timedelta(days=30),
            target_units=towns,
            target_categories=[Person.Category.CIVIL_SERVANT, Person.Category.PUBLIC_INSTITUTION],
        )
        cadre.status = Survey.Status.PUBLISHED  # published when it opened; its closing date has passed
        cadre.save()
        burden = services.survey_from_preset(
            user=office,
            unit=selectors.units_for_builder(office).first(),
            preset="burden",
            opens_on=today - dt.timedelta(days=5),
            closes_on=today + dt.timedelta(days=10),
        )
        services.survey_publish(user=office, survey=burden)

    group_of = {}

    def where(unit: Unit) -> Unit:
        if unit.pk not in group_of:
            group_of[unit.pk] = services.group_unit(unit)
        return group_of[unit.pk]

    # The anonymous one: most answered, one town hardly at all.
    shy_town = towns[-1].path if towns else None
    marks, anonymous = [], []
    for person in selectors.targeted_people(cadre).order_by("pk"):
        rate = 0.15 if shy_town and person.unit.path.startswith(shy_town) else 0.8
        if rng.random() >= rate:
            continue
        marks.append(AnsweredMark(key=rules.answered_key(selectors.secret(), cadre.pk, person.pk), survey=cadre))
        anonymous.append(
            Response(survey=cadre, unit=where(person.unit), category=person.category, answers=_answers(rng, cadre))
        )
    rng.shuffle(anonymous)
    rng.shuffle(marks)
    AnsweredMark.objects.bulk_create(marks)
    Response.objects.bulk_create(anonymous)

    # The named one: about half of the people, not the front-line demo account (it answers on its phone).
    frontline = getattr(ctx.accounts.get("yixian"), "person", None)
    named = [
        Response(
            survey=burden,
            person=person,
            unit=where(person.unit),
            category=person.category,
            answers=_answers(rng, burden),
        )
        for person in selectors.targeted_people(burden).order_by("pk")
        if rng.random() < 0.5 and (frontline is None or person.pk != frontline.pk)
    ]
    Response.objects.bulk_create(named)
    with audit_context(actor_name="system:demo"):
        for survey, count in ((cadre, len(anonymous)), (burden, len(named))):
            record("answer", obj=survey, after={"demo_answers": count})
        services.survey_seal(survey=cadre)
