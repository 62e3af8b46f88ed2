"""Demo data of citizen requests: a year (about 100,000 requests at scale 1) in the demo county, with
Chinese text sampled and varied from the real messages in ../shared/data/taidi2020/ when present
(built-in templates otherwise), a realistic mix of outcomes and a county that improves over the year.

Bulk inserts; the rollups are computed from the inserted rows at the end, and the answered requests' load
is added to burden's index through burden's service (one call per unit and month)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
import os
import random
import re
import secrets
import sys

from django.conf import settings

from qingche.core import bulk, workcal
from qingche.core.calendar import work_calendar
from qingche.core.pii import encrypt, pii_hash
from qingche.core.workcal import SHANGHAI
from qingche.org.models import Unit
from qingche.service import rules, selectors, services
from qingche.service.classify.data import taidi_dir
from qingche.service.models import Category, KnowledgeEntry, Place, RateRollup, RequestEvent, ServiceRequest

DATA_DIR = taidi_dir()
PER_YEAR = 100_000
BBOX = (27.90, 111.90, 28.50, 112.60)

# first-level category → the county department that usually handles it when a town does not
DEPARTMENT_OF = {
    "城乡建设": "县住房和城乡建设局",
    "环境保护": "县生态环境局",
    "交通运输": "县交通运输局",
    "劳动和社会保障": "县人力资源和社会保障局",
    "教育文体": "县教育局",
    "卫生计生": "县卫生健康委员会",
    "商贸旅游": "县市场监督管理局",
    "农村农业": "县农业农村局",
    "国土资源": "县自然资源局",
    "民政": "县民政局",
    "政法": "县公安局",
    "经济管理": "县发展和改革局",
    "科技与信息产业": "县科技和工业信息化局",
    "党务政务": "县政府办公室",
    "纪检监察": "县纪委监委",
    "安全生产": "县应急管理局",
}

BUILTIN_TEXTS = {
    "城乡建设": [
        (
            "{v}路灯坏了很久没人修",
            "{v}村口到小学的一段路灯已经坏了两个多月，晚上学生放学路上一片漆黑，老人走路也摔过跤，希望尽快维修。",
        ),  # noqa: E501
        ("{v}道路破损严重", "{v}通往{t}的村道有多处大坑，下雨天积水，电动车经常摔倒，请相关部门尽快修补。"),
        ("小区楼道漏水无人管", "{t}{v}安置小区3栋楼顶漏水，物业一直推脱，住户多次反映无果，请协调处理。"),
    ],
    "环境保护": [
        ("{v}垃圾长期未清运", "{v}垃圾收集点的垃圾已经堆了一个星期没人清运，气味很大，蚊蝇很多，请尽快处理。"),
        ("养殖场污水直排", "{t}{v}附近一家养猪场把污水直接排进小河，河水发黑发臭，村民意见很大。"),
        ("夜间施工噪音扰民", "{t}集镇一处工地每天晚上十一点以后还在施工，噪音很大影响休息，请依法查处。"),
    ],
    "劳动和社会保障": [
        (
            "工地拖欠农民工工资",
            "本人在{t}一处工地务工，工程结束已三个月，老板拖欠工资两万余元，多次讨要无果，请帮忙协调。",
        ),  # noqa: E501
        ("社保缴费年限查询有误", "我在{t}参加城乡居民养老保险多年，查询时发现有两年缴费记录缺失，请核实更正。"),
    ],  # noqa: E501
    "教育文体": [
        ("孩子入学问题咨询", "我家住{t}{v}，孩子今年满六岁，想咨询在集镇小学就读需要哪些材料，学位是否紧张。"),
        ("校车接送不安全", "{v}到{t}中心小学的校车经常超载，孩子挤在过道里，存在安全隐患，请教育部门检查。"),
    ],
    "卫生计生": [("村卫生室经常没人", "{v}卫生室白天经常关门，老人拿药要跑到{t}卫生院，希望保证村卫生室正常开诊。")],
    "商贸旅游": [
        ("超市销售过期食品", "在{t}集镇一家超市买到的牛奶已经过期一周，要求商家退换被拒，请市场监管部门处理。")
    ],  # noqa: E501
    "交通运输": [("农村客运班次太少", "{v}到县城的客运班车每天只有一班，群众出行很不方便，建议增加班次。")],
    "农村农业": [("农田灌溉渠道堵塞", "{v}的灌溉渠道被泥沙堵塞，眼看就要插秧，田里放不进水，请尽快组织清淤。")],
}
BUILTIN_REPLIES = [
    "您好！您反映的问题已收悉。经现场核实，情况属实，我单位已安排人员处理完毕，感谢您对我们工作的监督和支持。",
    "您好！接到您的诉求后，我单位高度重视，立即组织人员现场查看，目前已协调相关方面解决，后续将加强日常巡查。",
    "您好！经调查核实，您反映的问题涉及历史遗留原因，已列入整改计划，预计近期完成，届时将及时告知您处理结果。",
    "您好！针对您咨询的问题，现答复如下：相关政策规定详见县政务服务网，如仍有疑问可拨打12345热线或到便民服务中心咨询。",
]
HOURS = range(24)
HOUR_WEIGHTS = list(
    itertools.accumulate([1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 10, 12, 13, 13, 12, 11, 9, 8, 7, 5, 3, 2])
)
PLACE_RE = re.compile(r"[A-Z]\d*(?:市|区|县)")
NOISE_RE = re.compile(r"[\t\r\n ]+|\d{3,4}-\d{7,8}|0000-00000000|1[3-9]\d{9}")
ROBOTIC = ("您好！", "你好，", "领导您好，", "", "", "尊敬的领导：")


def _clip(text: str, limit: int) -> str:
    text = NOISE_RE.sub("", text or "").strip()
    if len(text) <= limit:
        return text
    cut = max(text.rfind(mark, 0, limit) for mark in "。！？；")
    return text[: cut + 1] if cut > limit // 3 else text[:limit] + "。"


def _load_texts(limit_rows: int) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(first-level name, subject, text) samples and replies from the shared data, or built-in ones."""
    samples: list[tuple[str, str, str]] = []
    replies: list[str] = []
    train = DATA_DIR / "train.csv"
    if train.exists():
        with train.open(encoding="utf-8") as handle:
            for index, row in enumerate(csv.DictReader(handle)):
                if index >= limit_rows:
                    break
                text = _clip(row.get("text", ""), 320)
                title = re.split(r"[。！？，,尊您]", text, maxsplit=1)[0][:26] or text[:20]
                if len(text) >= 10:
                    samples.append((row.get("label", ""), title, text))
    answers = DATA_DIR / "附件4.xlsx"
    if answers.exists():
        import openpyxl  # lazy: openpyxl is slow to import and only Excel files need it

        workbook = openpyxl.load_workbook(answers, read_only=True)
        for index, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
            if index == 0:
                continue
            if index > min(limit_rows, 600):
                break
            reply = _clip(str(row[5] or ""), 300)
            if len(reply) > 20:
                replies.append(reply)
        workbook.close()
    if not samples:
        for top, items in BUILTIN_TEXTS.items():
            samples.extend((top, title, text) for title, text in items)
    if not replies:
        replies = list(BUILTIN_REPLIES)
    return samples, replies


def _vary(rnd, text: str, town: str, village: str) -> str:
    names = iter([town, village, town])
    text = PLACE_RE.sub(lambda _m: next(names, town), text)
    return text.replace("{t}", town).replace("{v}", village)


def _demo_key() -> str:
    given = os.environ.get("QINGCHE_DEMO_OPEN311_KEY")
    if given:
        return given
    return secrets.token_urlsafe(24)


def build(ctx) -> None:
    rnd = ctx.random
    services.category_seed()
    units = ctx.units
    office = next((u for u in units if u.name == "县政府办公室"), None)
    towns = [u for u in units if u.kind in Unit.TOWN_LEVEL]
    if not towns:
        return
    villages = {t.pk: [u for u in units if u.kind in Unit.GRASSROOTS and u.path.startswith(t.path)] for t in towns}
    by_name = {u.name: u for u in units}

    # centres of towns and villages, to resolve coordinates
    places = []
    for town in towns:
        lat, long = rnd.uniform(BBOX[0] + 0.05, BBOX[2] - 0.05), rnd.uniform(BBOX[1] + 0.05, BBOX[3] - 0.05)
        places.append(Place(unit=town, latitude=lat, longitude=long))
        for village in villages[town.pk]:
            places.append(
                Place(unit=village, latitude=lat + rnd.uniform(-0.04, 0.04), longitude=long + rnd.uniform(-0.04, 0.04))
            )
    Place.objects.bulk_create(places, batch_size=2000)
    centre = {p.unit_id: (p.latitude, p.longitude) for p in places}

    entry, key = services.open311_key_issue(user=None, partner="示范县政务服务App", key=_demo_key())
    del entry
    if not os.environ.get("QINGCHE_DEMO_OPEN311_KEY"):
        path = settings.VAR_DIR / "open311_demo_key"
        path.write_text(key)
        path.chmod(0o600)
        sys.stdout.write(f"Open311 demo partner key (also in {path}): {key}\n")

    leaves = list(Category.objects.filter(children__isnull=True).select_related("parent__parent"))
    by_top: dict[str, list[Category]] = {}
    for leaf in leaves:
        by_top.setdefault(leaf.path_names[0], []).append(leaf)
    limits = {leaf.pk: selectors.limit_of(leaf) for leaf in leaves}
    accept = selectors.accept_limit()
    samples, replies = _load_texts(limit_rows=2500 if ctx.scale >= 0.5 else 600)

    count = max(50, round(PER_YEAR * ctx.scale))
    end = dt.datetime.combine(ctx.today, dt.time(), tzinfo=SHANGHAI)
    start = end - dt.timedelta(days=365)
    calendar = workcal.fast_calendar(
        work_calendar(), start.date() - dt.timedelta(days=5), ctx.today + dt.timedelta(days=60)
    )
    quality = {u.pk: rnd.uniform(-0.10, 0.05) for u in units}
    citizens, names = [], {}
    for _ in range(400):  # encrypted once: a ciphertext decrypts the same wherever it is stored
        phone = f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}"
        name = ctx.faker.name()
        citizens.append((encrypt(name), encrypt(phone), pii_hash(phone)))
        names[citizens[-1][0]] = name

    # volume grows a little over the year, with a summer peak
    days = 365
    weights = [1 + 0.25 * day / days + 0.2 * math.sin(2 * math.pi * (day - 120) / 365) for day in range(days)]
    total = sum(weights)
    per_day = [round(count * weight / total) for weight in weights]
    requests: list[_Row] = []
    events: list[dict] = []
    for day, amount in enumerate(per_day):
        date = (start + dt.timedelta(days=day)).date()
        for serial in range(1, amount + 1):
            plan = _plan(
                rnd,
                date,
                serial,
                day / days,
                towns,
                villages,
                by_top,
                samples,
                replies,
                by_name,
                office,
                limits,
                accept,
                calendar,
                quality,
                citizens,
                centre,
                end,
            )
            requests.append(plan["request"])
            for kind, at, unit, note, public in plan["events"]:
                actor = plan["actor_units"].get(kind)
                events.append(
                    {
                        "request_id": len(requests) - 1,
                        "kind": kind,
                        "at": at,
                        "to_unit_id": unit.pk if unit else None,
                        "note": note,
                        "public_note": public,
                        "actor_unit_id": actor.pk if actor else None,
                        "data": "{}",
                        "duty_item_code": "",
                    }
                )
    _board_issues(rnd, requests, towns, villages, end)
    county = next((u.name for u in units if u.kind == Unit.Kind.COUNTY), towns[0].name)
    events = _direct_answers(requests, events, _knowledge_seed(county, towns), towns, villages, ctx.scale)
    _publication(requests, names, end)
    request_ids = bulk.reserve_ids(ServiceRequest, len(requests))
    for row, pk in zip(requests, request_ids, strict=True):
        row["id"] = pk
    for event, pk in zip(events, bulk.reserve_ids(RequestEvent, len(events)), strict=True):
        event["id"], event["request_id"] = pk, request_ids[event["request_id"]]
    bulk.insert(ServiceRequest, requests)
    bulk.insert(RequestEvent, events)
    _suggest_open()
    _rollups(requests)
    services.burden_load_bulk(requests)  # the answered requests' load in burden's index


BOARD_ISSUES = 8  # how many of the message board's hottest issues the demo's last month shows
BOARD_DAYS = 30
DISTRICT_RE = re.compile(r"A\d+[区县]")


def _board_clusters(limit: int) -> list[rules.HotIssue]:
    """The hottest issues of the real message board (附件3: subjects, texts, likes and againsts), found by
    the same clustering the hot-issue page uses, with each district of the anonymised city as a place."""
    board = DATA_DIR / "附件3.xlsx"
    if not board.exists():
        return []
    import openpyxl  # lazy: openpyxl is slow to import and only Excel files need it

    workbook = openpyxl.load_workbook(board, read_only=True)
    messages = []
    for index, row in enumerate(workbook.worksheets[0].iter_rows(min_row=2, values_only=True)):
        _number, user, subject, at, text, against, likes = (list(row) + [None] * 7)[:7]
        subject, text = str(subject or "").strip(), _clip(str(text or ""), 320)
        district = DISTRICT_RE.search(subject + text)
        try:
            when = dt.datetime.strptime(str(at)[:19].replace("/", "-"), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
        messages.append(
            rules.HotMessage(
                index,
                district.group(0) if district else None,
                when,
                f"{subject}\n{text}",
                str(user or ""),
                int(likes or 0),
                int(against or 0),
            )
        )
    workbook.close()
    if not messages:
        return []
    first, last = min(m.at for m in messages), max(m.at for m in messages)
    return rules.hot_issues(messages, period_first=first, period_last=last, minimum=3)[:limit]


def _board_issues(rnd, requests, towns, villages, end: dt.datetime) -> None:
    """The demo's last month carries real hot issues: each of the board's hottest clusters is told again by
    requests already made in one town in the last BOARD_DAYS days (their subject, text, likes and againsts
    replaced; dates, citizens and handling kept), so the hot-issue page shows what a county would see."""
    since = end - dt.timedelta(days=BOARD_DAYS)
    recent: dict[int, list] = {}
    for row in requests:
        if row["submitted_at"] >= since and row["status"] != rules.MERGED:
            recent.setdefault(row["town_id"], []).append(row)
    chosen = rnd.sample(towns, k=min(len(towns), BOARD_ISSUES))
    for issue, town in zip(_board_clusters(BOARD_ISSUES), chosen, strict=False):
        rows = recent.get(town.pk, [])
        rnd.shuffle(rows)
        rows.sort(key=lambda row: row["channel"] != "web")  # the board's messages came in on the web first
        village = rnd.choice(villages[town.pk]) if villages[town.pk] else None
        place = (village.short_name or village.name) if village else town.name
        for row, message in zip(rows, issue.members, strict=False):
            subject, _sep, text = message.text.partition("\n")
            row["title"] = _vary(rnd, subject, town.name, place)[:200]
            row["text"] = _vary(rnd, text or subject, town.name, place)[:5000]
            row["likes"], row["opposes"] = message.likes, message.opposes


KNOWLEDGE_ENTRIES = 60
DIRECT_PER_YEAR = 3000  # consultations the hotline answered directly from the knowledge base, at scale 1
CONSULTATION_RE = re.compile(r"^(?:咨询|请问|关于.{1,40}咨询)")
REPLY_HEAD_RE = re.compile(r"^.{0,40}?(?:您好|你好)[！!，,]?(?:您的留言已收悉。?)?(?:现将有关情况回复如下[：:])?")
REPLY_TAIL_RE = re.compile(r"(?:感谢您.{0,30}[！!。])?\s*\d{4}年\d{1,2}月\d{1,2}日\s*$")
BUILTIN_KNOWLEDGE = [
    (
        "咨询社保卡丢失如何补办",
        "社保卡 挂失 补办",
        "社保卡丢失后，请先拨打12333或到任一合作银行网点办理临时挂失，再携带本人身份证到{c}人力资源和社会保障局"
        "服务大厅或{t}便民服务中心申请补办，新卡一般15个工作日内可领取。",
    ),
    (
        "请问城乡居民养老保险怎么缴费",
        "养老保险 社保 缴费档次",
        "城乡居民基本养老保险按年缴费，可在每年1月至12月通过{t}便民服务中心、合作银行或“湘税社保”App缴纳，"
        "缴费档次自200元至3000元，多缴多得。",
    ),
    (
        "咨询县政务服务中心的办公时间",
        "政务服务中心 上班时间 办公时间",
        "{c}政务服务中心工作日上午8:30至12:00、下午2:30至5:30办公，周六上午提供不动产登记、社保等延时服务，"
        "法定节假日休息。",
    ),
]


def _knowledge_rows(limit: int) -> list[tuple[str, str, str, str]]:
    """(subject, details, reply, reply date) of the consultations among 附件4's answered messages."""
    answers = DATA_DIR / "附件4.xlsx"
    if not answers.exists():
        return []
    import openpyxl  # lazy: openpyxl is slow to import and only Excel files need it

    rows, seen = [], set()
    workbook = openpyxl.load_workbook(answers, read_only=True)
    for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True):
        _number, _user, subject, _at, details, reply, replied = (list(row) + [None] * 7)[:7]
        subject = NOISE_RE.sub("", str(subject or ""))
        reply = REPLY_TAIL_RE.sub("", REPLY_HEAD_RE.sub("", NOISE_RE.sub("", str(reply or ""))))
        if not CONSULTATION_RE.match(subject) or len(reply) < 30 or subject in seen:
            continue
        seen.add(subject)
        day = str(replied or "").split(" ")[0].replace("/", "-")
        rows.append((subject, _clip(str(details or ""), 320), _clip(reply, 600), day))
        if len(rows) >= limit:
            break
    workbook.close()
    return rows


def _knowledge_seed(county: str, towns) -> list[tuple[KnowledgeEntry, str]]:
    """The demo's knowledge base: the hotline's answers to ~60 real consultations of 附件4, the anonymised
    city's place codes replaced by the demo county's names (built-in entries without the shared data).
    Returns (entry, a caller's text for it)."""
    rnd = random.Random(5)
    entries = []
    for subject, details, reply, replied in _knowledge_rows(KNOWLEDGE_ENTRIES):
        town = rnd.choice(towns).name
        entries.append(
            (
                KnowledgeEntry(
                    title=_vary(rnd, subject, county, town)[:200],
                    answer=_vary(rnd, reply, county, town),
                    source=f"{county}12345热线 {replied} 的答复" if replied else "",
                ),
                _vary(rnd, details or subject, county, town),
            )
        )
    if not entries:
        for subject, keywords, answer in BUILTIN_KNOWLEDGE:
            town = rnd.choice(towns).name
            text = answer.replace("{c}", county).replace("{t}", town)
            entries.append((KnowledgeEntry(title=subject, keywords=keywords, answer=text), subject))
    KnowledgeEntry.objects.bulk_create([entry for entry, _text in entries])
    return entries


def _direct_answers(requests, events, entries, towns, villages, scale: float) -> list[dict]:
    """Some hotline requests were consultations the operator answered at once from the knowledge base
    (直接答复): their text becomes a caller's question of an entry, they are closed minutes after the call
    with the entry's answer, never dispatched (no unit, so in no 三率 and no load). Returns the events with
    theirs replaced by the submission and the direct answer."""
    if not entries:
        return events
    rnd = random.Random(12345)
    hotline = [index for index, row in enumerate(requests) if row["channel"] == "hotline" and not row.get("likes")]
    chosen = set(rnd.sample(hotline, k=min(len(hotline), max(20, round(DIRECT_PER_YEAR * scale)))))
    kept = [event for event in events if event["request_id"] not in chosen or event["kind"] == "submit"]
    for index in sorted(chosen):
        row = requests[index]
        entry, text = rnd.choice(entries)
        answered = row["submitted_at"] + dt.timedelta(minutes=rnd.uniform(3, 12))
        for name in ("dispatched_at", "accept_due", "due_at", "accepted_at", "callback_at", "solved"):
            row[name] = None
        for name in ("unit_id", "suggested_unit_id", "callback_unit_id"):
            row[name] = None
        row.update(
            title=entry.title,
            text=text[:5000],
            status=rules.CLOSED,
            answered_at=answered,
            closed_at=answered,
            reply=entry.answer,
            knowledge_entry_id=entry.pk,
            satisfaction="",
            accepted_in_time=False,
            return_count=0,
            route_reason="",
        )
        kept.append(
            {
                "request_id": index,
                "kind": "direct_answer",
                "at": answered,
                "to_unit_id": None,
                "note": "",
                "public_note": entry.answer,
                "actor_unit_id": None,
                "data": json.dumps({"entry": entry.pk, "entry_title": entry.title}, ensure_ascii=False),
                "duty_item_code": "",
            }
        )
    return kept


CONSENT_SHARE, RELEASED_SHARE = 0.15, 0.6


def _publication(requests, names: dict[str, str], end: dt.datetime) -> None:
    """Some citizens agreed to publication (CONSENT_SHARE); the hotline released most of those answered
    (RELEASED_SHARE), a few hours after the answer, with the text redacted as services.request_publish does.
    Drawn from a random sequence of its own, so the rest of the demo does not change."""
    rnd = random.Random(311)
    for row in requests:
        if rnd.random() >= CONSENT_SHARE:
            continue
        row["publication_consent"] = True
        answered = row.get("answered_at")
        if answered is None or rnd.random() >= RELEASED_SHARE:
            continue
        row["published_at"] = min(end, answered + dt.timedelta(hours=rnd.uniform(2, 48)))
        row["public_text"] = rules.redact(
            row["text"], names=[names.get(row["citizen_name"], "")], address=row["address"]
        )


def _rollups(requests) -> None:
    """The 三率 rollups of the generated rows, counted here as selectors.raw_counts would (tests check)."""
    counts: dict[tuple[int, dt.date], list[int]] = {}
    for row in requests:
        if row.get("unit_id") and row.get("dispatched_at"):
            entry = counts.setdefault((row["unit_id"], row["dispatched_at"].date().replace(day=1)), [0] * 6)
            entry[0] += 1
            entry[1] += bool(row.get("accepted_in_time"))
        if row.get("callback_unit_id") and row.get("callback_at"):
            entry = counts.setdefault((row["callback_unit_id"], row["callback_at"].date().replace(day=1)), [0] * 6)
            entry[2] += 1
            entry[3] += bool(row["solved"])
            entry[4] += row["satisfaction"] == rules.SATISFIED
            entry[5] += row["satisfaction"] == rules.BASIC
    RateRollup.objects.bulk_create(
        [
            RateRollup(
                unit_id=unit_id,
                month=month,
                dispatched=c[0],
                accepted_in_time=c[1],
                called_back=c[2],
                solved=c[3],
                satisfied=c[4],
                basic_satisfied=c[5],
            )
            for (unit_id, month), c in counts.items()
        ],
        batch_size=2000,
    )


class _Row(dict):
    """A request as column values; `row.unit = unit` stores unit_id."""

    FOREIGN = {"category", "town", "village", "intake_unit", "unit", "suggested_unit", "callback_unit"}

    def __setattr__(self, name, value):
        if name in self.FOREIGN:
            self[name + "_id"] = value.pk if value is not None else None
        else:
            self[name] = value

    def __getattr__(self, name):
        return self[name]


def _suggest_open() -> None:
    """Real routing suggestions for the requests still waiting for a dispatcher."""
    waiting = ServiceRequest.objects.filter(status__in=(rules.NEW, rules.RETURNED, rules.ARBITRATION)).select_related(
        "category__parent__parent", "town"
    )
    for request in waiting:
        route = selectors.suggest(request)
        ServiceRequest.objects.filter(pk=request.pk).update(
            suggested_unit_id=route.unit_id, route_reason=selectors.route_reason_text(route), route_basis=route.stored()
        )


def _plan(
    rnd,
    date,
    serial,
    progress,
    towns,
    villages,
    by_top,
    samples,
    replies,
    by_name,
    office,
    limits,
    accept,
    calendar,
    quality,
    citizens,
    centre,
    end,
) -> dict:
    hour = rnd.choices(HOURS, cum_weights=HOUR_WEIGHTS)[0]
    submitted = dt.datetime.combine(date, dt.time(hour, rnd.randrange(60), rnd.randrange(60)), tzinfo=SHANGHAI)
    top, title, text = rnd.choice(samples)
    leaf = rnd.choice(by_top.get(top) or by_top[rnd.choice(list(by_top))])
    town = rnd.choice(towns)
    village = rnd.choice(villages[town.pk]) if villages[town.pk] and rnd.random() < 0.85 else None
    place_name = (village.short_name or village.name) if village else town.name
    prefix = rnd.choice(ROBOTIC)
    text = prefix + _vary(rnd, text, town.name, place_name)
    title = _vary(rnd, title, town.name, place_name)[:200]
    channel = rnd.choices(["hotline", "web", "walk_in", "open311"], weights=[65, 20, 10, 5])[0]
    name, phone, phone_hash = rnd.choice(citizens)
    anonymous = rnd.random() < 0.1
    point = centre.get((village or town).pk)
    lat = long = None
    if point and channel in ("web", "open311") and rnd.random() < 0.7:
        lat, long = round(point[0] + rnd.uniform(-0.01, 0.01), 6), round(point[1] + rnd.uniform(-0.01, 0.01), 6)
    department = by_name.get(DEPARTMENT_OF.get(leaf.path_names[0], ""))
    roll = rnd.random()
    unit = office if roll < 0.04 else (department if roll < 0.32 and department else town)
    rnd.randrange(10**6)  # was the clear code; drawn still so that the rest of the demo stays the same
    request = _Row(  # no verification code: like imported history, demo requests cannot be followed on /track/
        number=rules.request_number(date, serial),
        tracking_code_hash="",
        channel=channel,
        category_id=leaf.pk,
        title=title or text[:20],
        text=text[:5000],
        address=f"{town.name}{place_name}",
        latitude=lat,
        longitude=long,
        town_id=town.pk,
        village_id=village.pk if village else None,
        citizen_name="" if channel == "open311" and rnd.random() < 0.5 else name,
        citizen_phone=phone,
        citizen_phone_hash=phone_hash,
        anonymous=anonymous,
        intake_unit_id=town.pk if channel == "walk_in" else None,
        submitted_at=submitted,
        token=f"{rnd.getrandbits(96):024x}" if channel == "open311" else None,
        status=rules.NEW,
    )
    events = [("submit", submitted, None, "", "您的诉求已登记。")]
    actor_units: dict[str, Unit] = {}
    age = (end - submitted).total_seconds() / 86400
    if age < 0.4 and rnd.random() < 0.5:
        request.status = rules.NEW
        return {"request": request, "events": events, "actor_units": actor_units}
    dispatched = submitted + dt.timedelta(minutes=rnd.randint(3, 90))
    if rnd.random() < 0.006 and age > 3:  # a return, then re-routing by the dispatcher
        wrong = department if unit == town and department else town
        events.append(("dispatch", dispatched, wrong, "", f"已转{wrong.name}办理。"))
        returned = dispatched + dt.timedelta(hours=rnd.uniform(0.5, 5))
        events.append(
            (
                "return",
                returned,
                None,
                "经核对职责清单，该事项不属于本单位职责，申请退回重新派单。",
                "正在转交责任单位。",
            )
        )
        actor_units["return"] = wrong
        request.return_count = 1
        dispatched = returned + dt.timedelta(minutes=rnd.randint(10, 120))
        if age < 10 and rnd.random() < 0.6:
            request.status = rules.RETURNED
            request.route_reason = ""
            if rnd.random() < 0.5:  # returned a second time: waiting for 减负办's binding decision
                second = department if wrong == town and department else town
                again = dispatched + dt.timedelta(hours=rnd.uniform(0.5, 5))
                events.append(("dispatch", dispatched, second, "", f"已转{second.name}办理。"))
                events.append(("return", again, None, "本单位职责清单中无此事项，再次申请退回。", "正在转交责任单位。"))
                events.append(("arbitration", again, None, "两次退单，提交仲裁。", ""))
                request.status, request.return_count = rules.ARBITRATION, 2
            return {"request": request, "events": events, "actor_units": actor_units}
    accept_due, due = rules.deadlines(dispatched, limits[leaf.pk], accept, calendar)
    request.unit, request.dispatched_at, request.accept_due, request.due_at = unit, dispatched, accept_due, due
    request.suggested_unit = unit
    request.status = rules.DISPATCHED
    events.append(("dispatch", dispatched, unit, "", f"已转{unit.name}办理。"))
    q = quality[unit.pk]
    if dispatched > end - dt.timedelta(hours=3) and rnd.random() < 0.6:
        return {"request": request, "events": events, "actor_units": actor_units}
    in_time = rnd.random() < min(0.995, 0.80 + 0.17 * progress + q)
    window = max(60.0, (accept_due - dispatched).total_seconds())
    accepted = (
        dispatched + dt.timedelta(seconds=rnd.uniform(0.05, 0.95) * window)
        if in_time
        else accept_due + dt.timedelta(hours=rnd.uniform(0.3, 20))
    )
    if accepted > end:
        return {"request": request, "events": events, "actor_units": actor_units}
    request.status, request.accepted_at, request.accepted_in_time = rules.ACCEPTED, accepted, in_time
    events.append(("accept", accepted, None, "", "承办单位已签收。"))
    actor_units["accept"] = unit
    on_time = rnd.random() < min(0.99, 0.80 + 0.15 * progress + q)
    span = max(3600.0, (due - accepted).total_seconds())
    answered = (
        accepted + dt.timedelta(seconds=rnd.uniform(0.1, 0.9) * span)
        if on_time
        else due + dt.timedelta(days=rnd.uniform(0.2, 4))
    )
    if answered > end:
        if rnd.random() < 0.6:
            request.status = rules.IN_PROGRESS
            events.append(("start", accepted + dt.timedelta(minutes=20), None, "", "已开始办理。"))
        return {"request": request, "events": events, "actor_units": actor_units}
    reply = rnd.choice(replies)
    reply = PLACE_RE.sub(town.name, reply)
    request.status, request.answered_at, request.reply = rules.ANSWERED, answered, reply
    events.append(("answer", answered, None, "", reply))
    actor_units["answer"] = unit
    called = answered + dt.timedelta(hours=rnd.uniform(4, 60))
    if called > end:
        return {"request": request, "events": events, "actor_units": actor_units}
    solved = rnd.random() < min(0.98, 0.55 + 0.38 * progress + q)
    if solved:
        satisfaction = rnd.choices(
            [rules.SATISFIED, rules.BASIC, rules.UNSATISFIED],
            weights=[0.55 + 0.35 * progress + q, 0.3, 0.15 - 0.1 * progress],
        )[0]
    else:
        satisfaction = rnd.choices([rules.SATISFIED, rules.BASIC, rules.UNSATISFIED], weights=[0.05, 0.25, 0.7])[0]
    request.status, request.callback_at, request.closed_at = rules.CLOSED, called, called
    request.solved, request.satisfaction, request.callback_unit = solved, satisfaction, unit
    label = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}[satisfaction]
    events.append(("callback", called, None, "", f"回访：{'已解决' if solved else '未解决'}，{label}。"))
    return {"request": request, "events": events, "actor_units": actor_units}
