"""Demo of the rectification ledger and coordination meetings: about 200 items (scaled) raised from the demo's
inspections, 直通车 reports and red-line alerts (and a few by hand, from surveys, appraisal and request patterns),
in every state — open, measures set, submitted, sent back, closed, and some overdue; and four coordination meetings
of departments and towns with their issues and decisions (a rectification item, a task sent through admission, a
duty-list change, decisions carried out or still open). Everything goes through the services: 减负办 (jianfuban)
raises and verifies, the responsible units' work is entered by the administrator, the department (bumen) sends
the task of a decision."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qingche.burden.models import BurdenAlert, BurdenReport, Inspection
from qingche.core.audit import audit_context
from qingche.duties.models import DutyItem
from qingche.org.models import Unit
from qingche.tasks import services_meetings, services_rectification
from qingche.tasks.models import CoordinationDecision, RectificationItem

Source = RectificationItem.Source
MEASURES = [
    "制定整改方案，明确责任人和完成时限，建立整改台账逐项销号。",
    "合并同类检查事项，改为年度一次综合考核，减少重复报送材料。",
    "取消不必要的留痕要求，改为系统数据直接提取。",
    "梳理下发文件，对重复发文予以清理，严格控制发文数量。",
    "调整工作安排，将部门主责事项收回部门办理，乡镇做好配合。",
]
EVIDENCE = [
    "整改方案、会议纪要及整改前后对比材料",
    "取消或合并事项的正式文件",
    "整改完成情况报告（加盖公章）",
]
DONE = [
    "已完成整改：相关事项已合并，报送材料减少一半，整改报告已上传。",
    "已印发整改通知，取消重复报表三张，乡镇反映负担明显减轻。",
    "整改措施全部落实，建立长效机制，详见整改报告。",
]
HAND = [
    (Source.SURVEY, "基层干部减负问卷调查", "问卷显示超过六成干部反映周末加班频繁，工作时间过长。"),
    (Source.APPRAISAL, "年度考核结果分析", "考核指标中过程性留痕材料占比过高，基层准备材料耗时较多。"),
    (Source.REQUEST_PATTERN, "群众诉求热点分析", "同一小区供水问题诉求反复出现，责任部门长期未根治。"),
    (Source.MANUAL, "", "部分村（社区）挂牌过多，门口悬挂各类牌子二十余块。"),
]


def _fate(index: int, rng) -> str:
    roll = rng.random()
    if roll < 0.18:
        return "open"
    if roll < 0.38:
        return "measures_set"
    if roll < 0.52:
        return "submitted"
    if roll < 0.60:
        return "sent_back"
    return "closed"


def build(ctx) -> None:
    rng = ctx.random
    admin, office_user = ctx.accounts["admin"], ctx.accounts.get("jianfuban") or ctx.accounts["admin"]
    # 减负办: the county's burden-reduction office (the demo's unit of that name)
    office = Unit.objects.filter(name__contains="减负工作机制办公室").order_by("path").first()
    towns = list(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL, is_active=True).order_by("path"))
    today = ctx.today
    count = max(40, round(200 * ctx.scale))
    sources = []
    inspections = list(Inspection.objects.select_related("issuer", "target").order_by("-date", "id")[: count // 2])
    sources += [(Source.INSPECTION, row.pk, row.issuer, row.target, row.date) for row in inspections]
    alerts = list(BurdenAlert.objects.select_related("unit").order_by("-month", "id")[: count // 5])
    sources += [(Source.BURDEN_ALERT, row.pk, office, row.unit, row.month) for row in alerts]
    reports = list(BurdenReport.objects.select_related("sender_unit").order_by("-received_on", "id")[: count // 5])
    sources += [
        (Source.BURDEN_REPORT, row.pk, office, row.sender_unit or rng.choice(towns), row.received_on) for row in reports
    ]
    while len(sources) < count:
        sources.append((None, None, office, rng.choice(towns), today - dt.timedelta(days=rng.randint(5, 200))))
    with audit_context(actor_name="system:demo"):
        for index, (kind, source_id, raiser, owner, found_on) in enumerate(sources[:count]):
            if raiser is None or owner is None or raiser.pk == owner.pk:
                continue
            raised_on = found_on + dt.timedelta(days=rng.randint(1, 10))
            raised_on = min(max(raised_on, today - dt.timedelta(days=300)), today)
            deadline = raised_on + dt.timedelta(days=rng.choice((15, 30, 45, 60, 90)))
            label = ""
            if kind is None:
                kind, label, problem = HAND[index % len(HAND)]
            else:
                facts = services_rectification.source_facts(office_user, kind, source_id)
                problem = facts["problem"] + (
                    ""
                    if kind == Source.BURDEN_REPORT
                    else rng.choice(
                        [
                            "迎检准备材料过多，重复报送。",
                            "要求提供大量佐证照片和台账。",
                            "检查频次过高，影响正常工作。",
                            "工作负荷长期超出承载能力。",
                        ]
                    )
                )
            item = services_rectification.rectification_raise(
                user=office_user,
                source_kind=kind,
                source_id=source_id,
                source_label=label,
                problem=problem,
                owner_unit=owner,
                raiser_unit=raiser,
                deadline=deadline,
                evidence_required=rng.choice(EVIDENCE),
                today=raised_on,
            )
            RectificationItem.objects.filter(pk=item.pk).update(
                created_at=timezone.make_aware(dt.datetime.combine(raised_on, dt.time(9, 30)))
            )
            fate = _fate(index, rng)
            if deadline < today and fate == "open" and rng.random() < 0.5:
                fate = "closed"  # most old items are done; the rest stay overdue
            if fate == "open":
                continue
            services_rectification.rectification_set_measures(user=admin, item=item, measures=rng.choice(MEASURES))
            if fate == "measures_set":
                continue
            submitted = timezone.make_aware(
                dt.datetime.combine(min(deadline - dt.timedelta(days=rng.randint(0, 10)), today), dt.time(16, 0))
            )
            services_rectification.rectification_submit(user=admin, item=item, text=rng.choice(DONE), now=submitted)
            if fate == "submitted":
                continue
            if fate == "sent_back":
                services_rectification.rectification_send_back(
                    user=office_user, item=item, reason="整改材料不完整，未见整改前后对比，请补充后重新提交。"
                )
                continue
            services_rectification.rectification_verify(
                user=office_user, item=item, note="经核查，整改到位，同意销号。", now=submitted + dt.timedelta(days=2)
            )
        _meetings(ctx, office_user, office, towns)


def _meetings(ctx, office_user, office, towns) -> None:
    """Four monthly joint meetings of 减负办 with departments and towns, each with issues and decisions."""
    rng = ctx.random
    departments = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, is_active=True).order_by("path")[:6])
    if office is None or len(departments) < 2 or len(towns) < 2:
        return
    bumen = ctx.accounts.get("bumen")
    bumen_unit = Unit.objects.filter(name="县农业农村局").first()
    agenda = [
        ("部门考核事项层层转嫁乡镇", "合并部门对乡镇的同类考核，由牵头部门统一组织。", "rectification"),
        ("农村人居环境整治任务需部门派发", "由县农业农村局按准入程序派发整治任务并明确工作量。", "task"),
        ("乡镇职责清单中配合事项主责不清", "对相关配合履职事项提出职责清单调整申请。", "duty_change"),
        ("村级挂牌和上墙制度过多", "各部门一个月内清理要求村级挂牌的文件。", "record"),
    ]
    for number, weeks_ago in enumerate((16, 11, 6, 2), start=1):
        day = ctx.today - dt.timedelta(weeks=weeks_ago)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        participants = [*rng.sample(departments, 3), *rng.sample(towns, min(4, len(towns)))]
        if bumen_unit is not None and bumen_unit not in participants:
            participants.append(bumen_unit)
        meeting = services_meetings.coordination_meeting_create(
            user=office_user,
            convener=office,
            series="乡镇与县直部门联席会议",
            title=f"{day.year}年第{number}次乡镇与县直部门联席会议",
            start=start,
            end=start + dt.timedelta(hours=2),
            participants=participants,
            attendees=2,
            summary="会议通报了基层减负工作进展，研究了乡镇反映的突出问题，明确了责任单位和完成时限。",
        )
        for issue_text, decision_text, form in agenda[: 2 + number % 3]:
            raiser = rng.choice([unit for unit in participants if unit.kind in Unit.TOWN_LEVEL])
            issue = services_meetings.coordination_issue_add(
                user=office_user, meeting=meeting, raised_by_unit=raiser, text=issue_text
            )
            owner = bumen_unit if form == "task" and bumen_unit in participants else rng.choice(departments[:3])
            if owner not in participants:
                owner = next(unit for unit in participants if unit.kind == Unit.Kind.DEPARTMENT)
            deadline = day + dt.timedelta(days=rng.choice((20, 30, 45)))
            decision = (
                services_meetings.coordination_decision_add(
                    user=office_user,
                    meeting=meeting,
                    text=decision_text,
                    owner_unit=owner,
                    deadline=deadline,
                    form=form,
                    issue=issue,
                    duty_code="",
                )
                if form != "duty_change"
                else _duty_decision(office_user, meeting, decision_text, owner, deadline, issue)
            )
            if decision is None:
                continue
            if form in ("record", "duty_change") and deadline < ctx.today and rng.random() < 0.6:
                services_meetings.decision_done(
                    user=ctx.accounts["admin"], decision=decision, note="已按会议决定办结，相关文件已清理。"
                )
            if form == "task" and bumen is not None and owner == bumen_unit and number >= 3:
                _send_task(ctx, bumen, decision, towns)


def _duty_decision(user, meeting, text, owner, deadline, issue):

    code = DutyItem.objects.filter(kind="cooperation").values_list("code", flat=True).first() or ""
    if not code:
        return None
    return services_meetings.coordination_decision_add(
        user=user,
        meeting=meeting,
        text=text,
        owner_unit=owner,
        deadline=deadline,
        form=CoordinationDecision.Form.DUTY_CHANGE,
        issue=issue,
        duty_code=code,
    )


def _send_task(ctx, bumen, decision, towns) -> None:
    deadline = timezone.make_aware(dt.datetime.combine(ctx.today + dt.timedelta(days=21), dt.time(17, 30)))
    services_meetings.decision_send_task(
        user=bumen,
        decision=decision,
        data={
            "title": decision.text[:200],
            "content": decision.text,
            "deadline": deadline,
            "effort_hours": 8,
            "targets": towns[:2],
            "basis_document": str(decision.meeting),
            # a meeting's decision may fall outside a town's list: then it goes with a written application
            "off_list_application": "该项工作由协调会议决定，部分乡镇职责清单内没有对应事项，确需乡镇落实，特此申请。",
        },
    )
