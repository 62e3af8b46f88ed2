"""A year of burden in 示范县: the inspection plan and inspections, meetings, documents, required
apps, the field catalog with forms and fills, overtime and 直通车 reports with answers. Everything
goes through burden's services (so rollups and alerts are kept as in real use). Scaled by ctx.scale."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from qingche.burden import services
from qingche.burden.models import BurdenReport, Meeting, RequiredApp, StaffingRequest
from qingche.burden.selectors import known_values
from qingche.core.audit import audit_context
from qingche.org.models import Assignment, Person, Unit

TOPICS = [
    ("安全生产大检查", "安全生产"),
    ("耕地保护督查", "耕地保护"),
    ("河长制考核", "河湖长制"),
    ("乡村振兴实绩考核", "乡村振兴"),
    ("森林防火检查", "森林防火"),
    ("信访维稳督导", "信访维稳"),
    ("农村人居环境整治检查", "人居环境"),
    ("食品安全检查", "食品安全"),
    ("防汛备汛检查", "防汛"),
    ("党建工作考核", "基层党建"),
    ("网格化管理督查", "网格化"),
    ("营商环境评估", "营商环境"),
]
MEETINGS = [
    "全县安全生产工作会议",
    "乡村振兴推进会",
    "防汛工作部署会",
    "森林防火视频调度会",
    "经济运行分析会",
    "基层党建工作推进会",
    "信访工作联席会议",
    "人居环境整治现场会",
    "招商引资工作会",
    "民生实事推进会",
]
DOC_KINDS = ["关于做好{}工作的通知", "关于进一步加强{}的实施意见", "{}工作方案", "关于开展{}专项行动的通知"]
APPS = [
    ("基层治理通", "app", False, False, False, 10),
    ("防返贫监测APP", "app", True, False, False, 15),
    ("学习打卡群", "work_group", True, True, False, 20),
    ("网格员巡查APP", "app", False, False, True, 30),
    ("安全生产工作群", "work_group", False, False, False, 5),
    ("政务服务平台", "app", False, False, False, 10),
    ("民兵整组群", "work_group", False, True, False, 5),
    ("卫生健康数据填报系统", "app", False, False, False, 20),
]
CATALOG = [
    ("in-post", "在岗人数", "本单位实际在岗工作人员人数", "人", "org.in_post", "县委组织部", "干部管理系统（轻车）"),
    ("staff-quota", "核定编制数", "本单位核定编制", "人", "org.quota", "县委组织部", "机构编制实名制系统"),
    ("vacancy", "缺编人数", "编制数减在岗人数", "人", "org.vacancy", "县委组织部", "干部管理系统（轻车）"),
    (
        "grassroots-units",
        "村（社区）数",
        "所辖行政村和社区个数",
        "个",
        "org.grassroots_units",
        "县民政局",
        "区划地名库",
    ),
    ("population", "户籍人口", "年末户籍总人口", "人", "", "县公安局", "人口信息系统"),
    ("households", "户籍户数", "年末户籍户数", "户", "", "县公安局", "人口信息系统"),
    ("farmland", "耕地面积", "第三次国土调查耕地面积", "亩", "", "县自然资源局", "国土调查数据库"),
    ("grain-area", "粮食播种面积", "当年粮食作物播种面积", "亩", "", "县农业农村局", "农业统计年报"),
    ("low-income", "低保户数", "享受城乡低保的家庭户数", "户", "", "县民政局", "社会救助系统"),
    ("elderly", "60岁以上老年人数", "户籍人口中60周岁以上人数", "人", "", "县卫生健康局", "人口信息系统"),
    ("enterprises", "规上企业数", "规模以上工业企业个数", "个", "", "县工业和信息化局", "统计联网直报"),
    ("schools", "中小学校数", "辖区中小学校数", "所", "", "县教育局", "教育事业统计"),
    ("clinics", "村卫生室数", "辖区村卫生室个数", "个", "", "县卫生健康局", "卫生统计"),
    ("road-km", "农村公路里程", "辖区农村公路总里程", "公里", "", "县交通运输局", "公路统计"),
    ("forest", "森林面积", "林地中森林面积", "亩", "", "县林业局", "森林资源一张图"),
    ("reservoirs", "小型水库数", "辖区小型水库座数", "座", "", "县水利局", "水利普查"),
    ("grid-count", "网格数", "划分的治理网格个数", "个", "", "县委政法委", "网格化管理平台"),
    ("petitions", "信访件数", "当年受理信访件数", "件", "", "县信访局", "信访信息系统"),
]
# The kind of each catalog value and its largest plausible value for a town or village (a count unless
# listed as a number): a fill above it is refused as a typing error.
CATALOG_LIMITS = {
    "in-post": 1_000,
    "staff-quota": 1_000,
    "vacancy": 1_000,
    "grassroots-units": 300,
    "population": 2_000_000,
    "households": 1_000_000,
    "farmland": ("number", 5_000_000),
    "grain-area": ("number", 5_000_000),
    "low-income": 100_000,
    "elderly": 1_000_000,
    "enterprises": 10_000,
    "schools": 10_000,
    "clinics": 10_000,
    "road-km": ("number", 50_000),
    "forest": ("number", 10_000_000),
    "reservoirs": 10_000,
    "grid-count": 10_000,
    "petitions": 100_000,
}
NEW_FIELDS = [
    "防溺水宣传次数",
    "宣传横幅条数",
    "发放资料份数",
    "开展活动次数",
    "签订责任书份数",
    "工作台账本数",
    "入户走访户次",
    "培训人次",
    "排查隐患处数",
]
REPORT_TEXTS = [
    ("forms", "同一个低保户数据，民政、乡村振兴、统计三个部门这个月各要一次，格式还不一样。"),
    ("apps", "要求每天在学习群里打卡并截图，排名后三位要通报，晚上十点还在催。"),
    ("inspections", "一个月里安全生产检查来了三拨，看的都是同一批台账，能不能合并一次？"),
    ("traces", "每项工作都要求拍照留痕、做成展板，村里一个干部一周有两天在整理材料。"),
    ("meetings", "视频会议一开就是半天，村干部都要在会场坐着，地里的活没人管。"),
    ("responsibility", "年初签了二十多份责任书，很多事项根本不是村里能办的。"),
    ("documents", "一份通知四千多字，真正要我们做的就两条。"),
    ("other", "<b>驻村</b>工作队的考勤要求和乡镇的考勤重复，一天要签到三次。"),
]
UNPLANNED_REASONS = ["上级督办事项临时部署", "发生安全事故后专项检查", "群众反映集中需实地核查"]
ANSWER = "已收到。减负办已与相关部门沟通，{}，后续执行情况将在此公布。"


def build(ctx) -> None:
    admin = ctx.accounts["admin"]
    # rollups summed in memory and written once at the end, then red lines checked once per town and month
    with (
        audit_context(actor_name="system:demo", actor=admin),
        services.red_line_checks_deferred(),
        services.rollups_deferred(),
    ):
        _build(ctx, admin)
        _funds(ctx, admin)
    ctx.afterwards.append(lambda: _staffing_requests(ctx))


def _frontline_overtime(ctx, admin, first: dt.date, last: dt.date) -> None:
    """The demo front-line account (yixian) logs overtime twice a month and the town confirms it, so that
    their own index has own work besides their task parts; the latest entry still waits. No random draws:
    the rest of the demo stays the same."""

    account = ctx.accounts.get("yixian")
    person = Person.objects.filter(account=account).first() if account is not None else None
    if person is None:
        return
    notes = ["防汛值守", "迎检材料准备", "夜间巡查", "信访接待"]
    months = [dt.date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1) for n in range(13)]
    days = [month.replace(day=day) for month in months for day in (9, 23)]
    days = [day for day in days if first <= day <= last]
    for index, day in enumerate(days):
        entry = services._overtime_create(person, day, Decimal(["2", "3", "1.5", "4"][index % 4]), notes[index % 4])
        if index < len(days) - 1:
            services.overtime_decide(user=admin, entry=entry, confirm=True)


def _day(ctx, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=ctx.random.randrange((end - start).days + 1))


def _build(ctx, admin) -> None:
    rnd = ctx.random
    units = ctx.units
    county = units[0]
    departments = [unit for unit in units if unit.kind == Unit.Kind.DEPARTMENT]
    departments.sort(key=lambda unit: unit.name != "县农业农村局")  # the demo department account's own comes first
    by_name = {unit.name: unit for unit in units}
    towns = [unit for unit in units if unit.kind in Unit.TOWN_LEVEL]
    grassroots = [unit for unit in units if unit.kind in Unit.GRASSROOTS]
    if not departments or not towns:
        return
    last_day = ctx.today - dt.timedelta(days=1)
    year = last_day.year
    year_start = dt.date(year - 1, 1, 1)
    this_year_start = dt.date(year, 1, 1)
    history_start = ctx.today - dt.timedelta(days=365)  # a year up to the demo's today
    n = lambda base, low=3: max(low, int(base * ctx.scale))  # noqa: E731 - a local scaler reads best here

    # -- catalog --------------------------------------------------------------------------------------
    catalog = []
    for code, name, definition, measure, filler, owner, source in CATALOG:
        limit = CATALOG_LIMITS[code]
        kind, maximum = limit if isinstance(limit, tuple) else ("count", limit)
        catalog.append(
            services.catalog_field_create(
                user=admin,
                code=code,
                name=name,
                definition=definition,
                unit_of_measure=measure,
                owner=by_name.get(owner) or departments[0],
                source=source,
                filler=filler,
                kind=kind,
                maximum=Decimal(maximum),
            )
        )
    ctx.progress("burden catalog")

    # -- inspection plan and inspections ----------------------------------------------------------------
    plan = []
    for index, (title, topic) in enumerate(TOPICS):
        issuer = departments[index % len(departments)]
        targets = rnd.sample(towns, k=max(1, min(len(towns), rnd.randint(len(towns) // 2 or 1, len(towns)))))
        months = sorted(rnd.sample(range(1, 13), k=rnd.randint(1, 3)))
        plan.append(
            services.plan_item_create(
                user=admin,
                year=year,
                issuer=issuer,
                title=f"{year}年{title}",
                topic=topic,
                targets=targets,
                months=months,
            )
        )
    for _i in range(n(400, 20)):
        if rnd.random() < 0.75:
            item = rnd.choice(plan)
            target = rnd.choice(list(item.targets.all()))
            month = rnd.choice(item.months)
            day = dt.date(year, month, rnd.randint(1, 28))
            if day > last_day:
                day = _day(ctx, this_year_start, last_day)
            inspection = services.inspection_create(
                user=admin,
                issuer=item.issuer,
                target=target,
                topic=item.topic,
                title=item.title,
                date=day,
                plan_item=item,
                preparation_hours=rnd.choice([4, 8, 12, 16, 24]),
                reception_hours=rnd.choice([2, 4, 6, 8]),
            )
        else:
            title, topic = rnd.choice(TOPICS)
            issuer = rnd.choice(departments)
            inspection = services.inspection_create(
                user=admin,
                issuer=issuer,
                target=rnd.choice(towns + grassroots[:20]),
                topic=topic,
                title=f"{title}（临时）",
                date=_day(ctx, history_start, last_day),
                unplanned_reason=rnd.choice(UNPLANNED_REASONS),
                preparation_hours=rnd.choice([4, 8, 16]),
                reception_hours=rnd.choice([2, 4, 6]),
            )
            if rnd.random() < 0.7:
                approve = rnd.random() < 0.7
                services.inspection_decide(
                    user=admin,
                    inspection=inspection,
                    approve=approve,
                    note="" if approve else "与年度计划内检查重复，请合并进行",
                )
    ctx.progress("burden inspections")

    # -- meetings and documents (last year too, for the comparison) -------------------------------------------
    office = by_name.get("县整治形式主义为基层减负工作机制办公室") or county
    issuers = departments + [county]
    for _i in range(n(500, 20)):
        start_day = _day(ctx, year_start, last_day)
        clock = dt.time(rnd.choice([9, 9, 10, 14, 15]))
        start = dt.datetime.combine(start_day, clock, tzinfo=dt.UTC) - dt.timedelta(hours=8)
        hours = rnd.choice([1, 1.5, 2, 2, 3, 4, 5])
        organiser = rnd.choice(issuers + towns[:3])
        if organiser.kind in Unit.TOWN_LEVEL:
            attend_pool = [unit for unit in grassroots if unit.path.startswith(organiser.path)] or [organiser]
            level = Meeting.Level.TOWN
        else:
            attend_pool = towns
            level = Meeting.Level.COUNTY if organiser == county else Meeting.Level.DEPARTMENT
        attendees = rnd.sample(attend_pool, k=min(len(attend_pool), rnd.randint(1, 6)))
        services.meeting_create(
            user=admin,
            organiser=organiser,
            title=rnd.choice(MEETINGS),
            level=level,
            start=start,
            end=start + dt.timedelta(hours=hours),
            speech_minutes=rnd.choice([30, 40, 50, 60, 70, 90]),
            reaches_grassroots=organiser.kind not in Unit.TOWN_LEVEL and rnd.random() < 0.1,
            attendances=[(unit, rnd.randint(1, 4)) for unit in attendees],
        )
    for _i in range(n(600, 20)):
        issuer = rnd.choice(issuers)
        special = rnd.random() < 0.3
        _title, topic = rnd.choice(TOPICS)
        services.document_create(
            user=admin,
            issuer=issuer,
            title=rnd.choice(DOC_KINDS).format(topic),
            issued_on=_day(ctx, year_start, last_day),
            length_chars=max(400, int(rnd.gauss(3500, 1200))) if rnd.random() < 0.9 else rnd.randint(5000, 9000),
            special_task=special,
            number=f"示政办发〔{year}〕{rnd.randint(1, 120)}号",
            targets=rnd.sample(towns, k=rnd.randint(1, len(towns))),
        )
    ctx.progress("burden meetings and documents")

    # -- apps ---------------------------------------------------------------------------------------------
    for name, kind, checkin, ranking, online, minutes in APPS:
        services.app_create(
            user=admin,
            issuer=rnd.choice(departments),
            name=name,
            kind=kind,
            targets=rnd.sample(towns, k=rnd.randint(1, len(towns))),
            compulsory_checkin=checkin,
            points_ranking=ranking,
            online_time=online,
            minutes_per_day=minutes,
            purpose=RequiredApp.Kind(kind).label,
        )

    # -- forms and fills ----------------------------------------------------------------------------------------
    for _i in range(n(150, 6)):
        issuer = rnd.choice(departments)
        chosen = rnd.sample(catalog, k=rnd.randint(2, 6))
        new = rnd.sample(NEW_FIELDS, k=rnd.randint(0, 3))
        sent_on = _day(ctx, history_start, last_day - dt.timedelta(days=3))
        targets = rnd.sample(towns, k=rnd.randint(1, len(towns)))
        form = services.report_form_create(
            user=admin,
            issuer=issuer,
            title=f"{issuer.name}{sent_on.month}月{rnd.choice(TOPICS)[1]}情况统计表",
            sent_on=sent_on,
            due_on=sent_on + dt.timedelta(days=7),
            targets=targets,
            fields=[{"catalog_field": item.pk} for item in chosen] + [{"label": label} for label in new],
        )

        fields = list(form.fields.select_related("catalog_field"))
        for unit in targets:
            if rnd.random() < 0.2:
                continue  # not filled yet
            known = known_values(unit, [f.catalog_field for f in fields if f.catalog_field_id])
            values = {
                f.pk: (known.get(f.catalog_field_id) or {}).get("value") or str(rnd.randint(1, 5000)) for f in fields
            }
            services.form_fill_submit(
                user=admin,
                form=form,
                unit=unit,
                values=values,
                submitted_on=min(last_day, sent_on + dt.timedelta(days=rnd.randint(1, 6))),
            )
    ctx.progress("burden forms")

    # -- overtime: front-line staff of the towns log it, the town confirms most --------------------------------
    town_paths = tuple(town.path for town in towns)
    people = list(
        Assignment.objects.filter(end_date__isnull=True, unit__path__startswith=towns[0].path[:4])
        .select_related("person", "unit")
        .order_by("id")
    )
    people = [a.person for a in people if a.unit.path.startswith(town_paths)]
    for _i in range(n(400, 10) if people else 0):
        entry = services._overtime_create(
            rnd.choice(people),
            _day(ctx, history_start, last_day),
            Decimal(rnd.choice(["1.5", "2", "3", "4", "6", "8"])),
            rnd.choice(["防汛值守", "迎检材料准备", "夜间巡查", "信访接待", "数据填报", "森林防火值班"]),
        )
        if rnd.random() < 0.8:
            services.overtime_decide(user=admin, entry=entry, confirm=rnd.random() < 0.95)
    _frontline_overtime(ctx, admin, history_start, last_day)
    ctx.progress("burden overtime")

    # -- 直通车 ---------------------------------------------------------------------------------------------------
    for index in range(n(60, 8)):
        category, text = REPORT_TEXTS[index % len(REPORT_TEXTS)]
        report, _code = services.burden_report_submit(
            category=category,
            text=text,
            sender_unit=rnd.choice(towns + [None, None]),
            publication_allowed=index % 3 != 0,
        )
        # The demo spreads the days over the year (a real report keeps the day it arrived).
        BurdenReport.objects.filter(pk=report.pk).update(received_on=_day(ctx, history_start, last_day))
        if rnd.random() < 0.6:
            services.burden_report_answer(
                user=admin,
                report=report,
                publish=rnd.random() < 0.9 and report.publication_allowed,
                answer=ANSWER.format(
                    rnd.choice(
                        [
                            "已要求合并同类检查",
                            "已取消打卡排名",
                            "已统一报表口径，数据从目录直接调取",
                            "已压减会议时长和参会范围",
                        ]
                    )
                ),
            )
    _ = office


# -- resources against load: funds of the year and staffing requests ----------------------------------------------
FUND_PURPOSES = ["村级组织运转经费", "基层公共服务运行经费", "乡镇干部工作补贴", "防汛救灾专项资金"]
STAFFING_REQUESTS = [
    # posts asked, reason, decision, posts granted, decision reason, decided by
    (
        4,
        "网格化管理和防汛任务增加，综合办现有人员长期加班，申请增加综合治理岗位。",
        StaffingRequest.Status.PARTLY,
        2,
        "负担指数高于红线，先增加2名，其余待下半年编制调整时统筹。",
        "zuzhibu",
    ),
    (
        2,
        "乡村振兴专项工作量大，农业服务中心在岗人员少于编制，申请补充人员。",
        StaffingRequest.Status.REFUSED,
        None,
        "该镇仍有空编未补，请先按现有编制补齐在岗人员。",
        "jianfuban",
    ),
    (3, "连续三个月负担指数高于红线，社会事务办人手不足，申请增加编制。", None, None, "", ""),
]


def _funds(ctx, admin) -> None:
    """Funds for every town for the demo year: some in full and on time, some late, some short, some not yet
    due. No random draws: the rest of the demo stays the same whatever is added here."""
    towns = [unit for unit in ctx.units if unit.kind in Unit.TOWN_LEVEL]
    year = ctx.today.year
    first = dt.date(year, 1, 1)
    span = (ctx.today + dt.timedelta(days=60) - first).days
    yesterday = ctx.today - dt.timedelta(days=1)
    for town_index, town in enumerate(towns):
        for k, purpose in enumerate(FUND_PURPOSES):
            due_on = first + dt.timedelta(days=span * (k + 1) // len(FUND_PURPOSES))
            amount = Decimal(30 + 10 * ((town_index * 3 + k) % 7))
            allocation = services.fund_allocation_create(
                user=admin, unit=town, year=year, purpose=purpose, amount=amount, due_on=due_on
            )
            if due_on > yesterday:
                continue  # not yet due: nothing has arrived
            case = (town_index + k) % 5
            if case == 4:
                continue  # due and nothing arrived
            arrived, day = amount, due_on - dt.timedelta(days=5)  # in full, on time
            if case == 2:
                day = min(due_on + dt.timedelta(days=25), yesterday)  # in full, late
            elif case == 3:
                arrived = (amount * Decimal("0.6")).quantize(Decimal("0.01"))  # short
            services.fund_allocation_record_arrival(
                user=admin, allocation=allocation, amount_arrived=arrived, arrived_on=max(day, first)
            )
    ctx.progress("burden funds")


def _staffing_requests(ctx) -> None:
    """The first town's staffing requests of the last days (one partly approved, one refused, one waiting),
    filed once every module has built its load, so that the index they cite is the one the pages show."""
    towns = [unit for unit in ctx.units if unit.kind in Unit.TOWN_LEVEL]
    town_account = ctx.accounts.get("xiangzhen")
    if not towns or town_account is None:
        return
    for index, (posts, reason, decision, granted, why, decider) in enumerate(STAFFING_REQUESTS):
        with audit_context(actor=town_account):
            staffing_request = services.staffing_request_file(
                user=town_account, unit=towns[0], posts_asked=posts, reason=reason
            )
        filed_on = ctx.today - dt.timedelta(days=6 - 2 * index)
        filed_at = timezone.make_aware(dt.datetime.combine(filed_on, dt.time(9, 30)))
        StaffingRequest.objects.filter(pk=staffing_request.pk).update(filed_at=filed_at)
        if decision is None:
            continue
        with audit_context(actor=ctx.accounts[decider]):
            services.staffing_request_decide(
                user=ctx.accounts[decider],
                staffing_request=staffing_request,
                decision=decision,
                posts_granted=granted,
                reason=why,
            )
        StaffingRequest.objects.filter(pk=staffing_request.pk).update(decided_at=filed_at + dt.timedelta(days=1))
