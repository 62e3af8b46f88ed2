"""A dozen demo accountability cases in the towns, opened by 纪检监察 through the services: most involve duty
items a county department leads (the red flag), some the town's own; outcomes of every kind — exempted under
the three distinctions (容错免责), lighter (从轻减轻), held accountable with a sanction in force (a bottom-grade
trigger for appraisal) — and two still under examination. Two cases concern the demo town leader and the
demo front-line account, so that "the person concerned" reads them."""

from __future__ import annotations

import datetime as dt

from qingche.accountability import selectors, services
from qingche.accountability.models import Outcome, Source
from qingche.core.audit import audit_context
from qingche.org.models import Person, Unit

# title, facts, source, item kind matched, outcome (None: still open), sanction kind, concerned as
CASES = [
    (
        "秸秆焚烧火点未及时处置",
        "卫星监测发现辖区火点2处，镇村巡查未及时发现。",
        Source.INSPECTION,
        "cooperation",
        Outcome.EXEMPT,
        "",
        "直接责任",
    ),
    (
        "食品安全抽检任务未完成",
        "市场监管部门下达的抽检任务，镇级仅完成六成。",
        Source.REFERRAL,
        "taken_back",
        Outcome.EXEMPT,
        "",
        "直接责任",
    ),
    (
        "防汛物资台账不实",
        "防汛物资台账与实物不符，部分物资过期未更新。",
        Source.INSPECTION,
        "basic",
        Outcome.ACCOUNTABLE,
        "demerit",
        "直接责任",
    ),
    (
        "低保资格复核超期",
        "低保对象年度复核超出规定期限两个月。",
        Source.CITIZEN,
        "basic",
        Outcome.LENIENT,
        "admonishment",
        "直接责任",
    ),
    (
        "违建拆除进度滞后",
        "住建部门牵头的违建整治，镇级配合拆除进度滞后。",
        Source.REFERRAL,
        "cooperation",
        Outcome.LENIENT,
        "criticism",
        "领导责任",
    ),
    (
        "环保督察反馈问题整改不到位",
        "生态环境部门交办问题，整改资料不全。",
        Source.INSPECTION,
        "taken_back",
        Outcome.EXEMPT,
        "",
        "直接责任",
    ),
    (
        "惠农补贴发放延误",
        "补贴资金到户晚于通知时间，群众反映强烈。",
        Source.CITIZEN,
        "basic",
        Outcome.ACCOUNTABLE,
        "organisational",
        "领导责任",
    ),
    (
        "安全生产检查走过场",
        "企业安全检查记录雷同，存在应付检查情况。",
        Source.BURDEN_REPORT,
        "cooperation",
        Outcome.ACCOUNTABLE,
        "reminder",
        "直接责任",
    ),
    (
        "新型农业试点亏损",
        "镇里试点推广新品种，因天气原因减产亏损。",
        Source.APPRAISAL,
        "basic",
        Outcome.EXEMPT,
        "",
        "领导责任",
    ),
    (
        "人口普查数据差错",
        "统计部门组织的数据采集出现重复登记。",
        Source.HAND,
        "cooperation",
        Outcome.LENIENT,
        "self_criticism",
        "直接责任",
    ),
    ("河道保洁不到位", "河长制巡查发现河道垃圾堆积。", Source.INSPECTION, "cooperation", None, "", "直接责任"),
    ("信访事项办理超期", "一件信访事项办理超出法定期限。", Source.CITIZEN, "basic", None, "", "直接责任"),
]

FAVOUR = {
    "inexperience": "属于改革探索中因缺乏经验出现的失误，并非明知故犯。",
    "trial": "属于上级尚无明确限制的探索性试验，并非上级明令禁止后依然我行我素。",
    "public_interest": "出于推动发展的公心，未谋取私利。",
}
AGAINST = {
    "inexperience": "相关制度规定明确，属于未按规定履职。",
    "trial": "属于常规工作，不存在探索试验。",
    "public_interest": "未发现谋取私利，但工作作风不实。",
}


def build(ctx) -> None:
    user = ctx.accounts.get("jijian")
    if user is None:
        return
    today = ctx.today
    towns = list(Unit.objects.filter(kind="town").order_by("path"))
    concerned = [ctx.accounts.get("xiangzhen"), ctx.accounts.get("yixian")]
    with audit_context(actor_name="system:demo"):
        for index, (title, facts, source, kind, outcome, sanction, concerned_as) in enumerate(CASES):
            town = towns[index % len(towns)] if index >= len(concerned) else concerned[index].person.unit
            items = list(selectors.items_for_unit(town).filter(kind=kind)[:2])
            if index < len(concerned):
                person = concerned[index].person
            else:
                person = Person.objects.filter(unit=town, account=None).order_by("id")[index % 5]
            opened = today - dt.timedelta(days=20 + 25 * index)
            case = services.case_open(
                user=user,
                unit=town,
                title=title,
                facts=facts,
                source=source,
                source_ref=f"演示-{index + 1:02d}",
                opened_on=opened,
                duty_items=items,
                people=[(person, concerned_as)],
            )
            if index == 10:  # still open: the red flag shown, the responsible unit not yet named
                continue
            where = selectors.where_duty_lies(case)
            if where.flag and index % 3 == 0:
                services.case_assign_responsibility(
                    user=user,
                    case=case,
                    responsible_unit=town,
                    reason="镇级在属地巡查环节确有疏漏，经与牵头部门共同研究，由镇承担属地管理责任。",
                )
            else:
                lead = where.lead_units[0][0] if where.flag else town.pk
                services.case_assign_responsibility(user=user, case=case, responsible_unit=Unit.objects.get(pk=lead))
            if outcome is None:
                continue
            favourable = {
                Outcome.EXEMPT: set(FAVOUR),
                Outcome.LENIENT: {"inexperience", "public_interest"},
                Outcome.ACCOUNTABLE: set(),
            }[outcome]
            decided = opened + dt.timedelta(days=15)
            in_force = outcome != Outcome.EXEMPT
            services.determination_record(
                user=user,
                case_person=case.people.get(),
                objective_causes="任务下达时限紧、人手不足，且牵头部门未同步提供技术支持。",
                subjective_causes="对工作要求研究不深，过程跟踪不够。",
                distinctions={
                    key: (key in favourable, FAVOUR[key] if key in favourable else AGAINST[key]) for key in FAVOUR
                },
                outcome=outcome,
                sanction_kind=sanction,
                sanction_from=decided if in_force else None,
                sanction_until=decided + dt.timedelta(days=365) if in_force else None,
                decided_on=decided,
            )
