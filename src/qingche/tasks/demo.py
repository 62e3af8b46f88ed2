"""Demo task requests: the year up to the demo's today (ctx.today), and fewer back to the start of the latest
complete year, of requests from county departments to the demo towns, sent through the admission service so the
verdicts are real: mostly admitted on basic duties, some returned (taken-back items, cooperation duties sent by a
department that does not lead them, short lead time, responsibility letters not on the registry), some waiting
for 减负办 and decided by it. Past tasks are split, progressed, done and accepted; a few are late (done late, or
recent ones still open), and what is due after today is still being worked on."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qingche.burden import services as burden_services
from qingche.core.audit import audit_context
from qingche.duties.demo import catalogue_rows
from qingche.org.models import Person, Unit
from qingche.tasks import demo_rectification, services
from qingche.tasks.models import Admission, Task, TaskAssignment

OPENINGS = ["关于做好", "关于开展", "关于进一步加强", "关于切实做好", "关于组织开展"]
ENDINGS = ["工作的通知", "专项行动的通知", "工作的紧急通知", "有关工作的函"]
OFF_LIST = [
    ("关于报送辖区企业用工情况统计表的通知", "请各乡镇（街道）逐户摸排辖区企业用工情况，填报统计表并加盖公章报送。"),
    ("关于协助开展全县文明城市创建入户宣传的通知", "请各乡镇（街道）组织人员逐户发放创建宣传资料，留存入户照片。"),
    ("关于组织干部参加线上知识竞赛的通知", "请各乡镇（街道）组织全体干部参加线上知识竞赛，截图报送参赛情况。"),
    ("关于协助核查辖区商户营业执照信息的通知", "请各乡镇（街道）协助核对辖区商户营业执照登记信息并反馈。"),
]
# Late work still open on the demo's today is recent: older late tasks were done a few days after their
# deadline, older ones sent back were done again and accepted. So the open work is at most about a fifth overdue.
LATE_STILL_OPEN = dt.timedelta(days=14)
SENT_BACK_STILL_OPEN = dt.timedelta(days=7)


def _local(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def build(ctx) -> None:
    # the rectification ledger and coordination meetings, once every module has put its problems in the county

    ctx.afterwards.append(lambda: demo_rectification.build(ctx))
    rng = ctx.random
    admin = ctx.accounts["admin"]
    bumen = ctx.accounts.get("bumen")
    towns = [unit for unit in ctx.units if unit.kind in services.TARGET_KINDS]
    departments = {unit.name: unit for unit in Unit.objects.filter(kind="department")}
    agriculture = departments.get("县农业农村局")
    rows = catalogue_rows()
    basic = [row for row in rows if row["kind"] == "basic"]
    cooperation = [row for row in rows if row["kind"] == "cooperation" and row["lead_department"] in departments]
    taken_back = [row for row in rows if row["kind"] == "taken_back" and row["lead_department"] in departments]
    start = ctx.today - dt.timedelta(days=365)
    count = max(48, round(240 * ctx.scale))  # at small scales still about one a week
    # a quarter as many before that, back to the start of the latest complete year (its annual appraisal
    # asks the departments that sent tasks)
    earliest = min(start, dt.date(ctx.today.year - 1, 1, 1))
    older = round(count * (start - earliest).days / 365 / 4)
    days = [earliest + dt.timedelta(days=index * (start - earliest).days // older) for index in range(older)]
    days += [start + dt.timedelta(days=int(index * 365 / count)) for index in range(count)]
    # red lines checked once per town and month at the end, not after each of hundreds of tasks
    with audit_context(actor_name="system:demo"), burden_services.red_line_checks_deferred():
        # on the registry of every year a deadline of the demo falls in
        for year in range(earliest.year, (ctx.today + dt.timedelta(days=60)).year + 1):
            services.registry_entry_add(
                user=admin,
                year=year,
                kind="letter",
                duty_code="JB-100",
                title="安全生产和应急管理目标责任书",
                approval_document=f"县减负办〔{year}〕1号",
            )
            services.registry_entry_add(
                user=admin,
                year=year,
                kind="veto",
                duty_code="JB-100",
                title="安全生产一票否决",
                approval_document=f"县减负办〔{year}〕1号",
            )
        made = []
        for index, first_day in enumerate(days):
            sent_on = first_day + dt.timedelta(days=rng.randint(0, 2))
            now = _local(sent_on, rng.randint(9, 16))
            roll = rng.random()
            data = {
                "effort_hours": rng.choice([2, 4, 6, 8, 12, 16, 24]),
                "trace_materials": ["ledgers"],
                # kept only for the targets whose lists lack the task (services.task_request_submit)
                "off_list_application": "该项工作为上级临时部署，不在部分乡镇职责清单内，确需乡镇配合落实，特此申请。",
                "basis_document": f"县{rng.choice(['政府办', '委办'])}〔{sent_on.year}〕{rng.randint(3, 120)}号",
            }
            lead_days = rng.randint(7, 25)
            department = rng.choice(list(departments.values()))
            if roll < 0.55:
                row = rng.choice(basic)
            elif roll < 0.65:
                row = rng.choice(cooperation)
                department = departments[row["lead_department"]]
            elif roll < 0.70:
                row = rng.choice(cooperation)
                others = [unit for name, unit in departments.items() if name != row["lead_department"]]
                department = rng.choice(others)
            elif roll < 0.77:
                row = rng.choice(taken_back)
                department = departments[row["lead_department"]]
            elif roll < 0.87:
                row = None
            elif roll < 0.93:
                row = rng.choice(basic)
                lead_days = rng.randint(1, 3)
                if rng.random() < 0.5:
                    data.update(urgent=True, urgent_reason="上级督办事项，须在规定时限内报送")
            else:
                row = rng.choice(basic)
                data.update(needs_letter=True)
            if rng.random() < 0.15:
                data["trace_materials"] = ["photos", "sign_in", "ledgers"]
            if row is None:
                title, content = rng.choice(OFF_LIST)
                data.update(title=title, content=content, duty_code="")
            else:
                name = row["name"].split("，")[0][:40]
                data.update(
                    title=f"{rng.choice(OPENINGS)}{name}{rng.choice(ENDINGS)}",
                    content=f"请各乡镇（街道）按照职责{row['name']}，并于截止日期前报送工作情况。",
                    duty_code=row["code"],
                )
            if rng.random() < 0.1:
                data["all_towns"] = True
            else:
                data["targets"] = [unit.pk for unit in rng.sample(towns, k=rng.randint(1, min(4, len(towns))))]
            deadline_day = sent_on + dt.timedelta(days=round(lead_days * 7 / 5) + 1)
            data["deadline"] = _local(deadline_day, 17)
            user = bumen if department == agriculture and bumen is not None else admin
            data["requester_unit"] = department
            request = services.task_request_submit(user=user, data=data, client_token=f"demo-{index}", now=now)
            made.append((request, now))
        _decide_and_work(ctx, admin, made)


def _decide_and_work(ctx, admin, made) -> None:
    rng = ctx.random
    people_of: dict[int, list[Person]] = {}
    yixian = ctx.accounts.get("yixian")
    yixian_person = Person.objects.filter(account=yixian).first() if yixian else None
    for request, now in made:
        later = now + dt.timedelta(days=1)
        recent = now.date() > ctx.today - dt.timedelta(days=30)
        for admission in request.admissions.filter(verdict=Admission.Verdict.PENDING):
            if recent:
                continue  # the latest wait in 减负办's queue
            choice = rng.random()
            if choice < 0.5:
                services.admission_decide(
                    user=admin,
                    admission=admission,
                    decision="approve",
                    now=later,
                    reason="经审核，属临时性重点工作，同意下达",
                )
            elif choice < 0.85:
                services.admission_decide(
                    user=admin,
                    admission=admission,
                    decision="return",
                    now=later,
                    reason="不属于乡镇职责清单事项，请部门自行承担",
                )
        for admission in request.admissions.filter(verdict=Admission.Verdict.RETURNED)[:1]:
            if rng.random() < 0.2:
                services.admission_appeal(
                    user=admin, admission=admission, now=later, reason="该事项确需乡镇配合，已与乡镇沟通"
                )
        for task in Task.objects.filter(request=request, parent=None).select_related("unit"):
            if task.unit_id not in people_of:
                people_of[task.unit_id] = list(Person.objects.filter(unit=task.unit)[:6])
            people = people_of[task.unit_id]
            if yixian_person is not None and yixian_person.unit_id == task.unit_id:
                people = [yixian_person] + people
            if not people:
                continue
            assign_at = later
            if task.deadline <= assign_at:
                continue
            person = people[0] if rng.random() < 0.5 else rng.choice(people)
            if people[0] == yixian_person and task.deadline.date() >= ctx.today - dt.timedelta(days=62):
                person = yixian_person  # the demo's front-line account has parts of its town's recent tasks
            deadline = task.deadline - dt.timedelta(hours=rng.choice([0, 24]))
            services.task_split(
                user=admin, task=task, person=person, part="牵头落实，按时报送", now=assign_at, deadline=deadline
            )
            colleague = next((other for other in people if yixian_person and other.pk != yixian_person.pk), None)
            if person == yixian_person and request.effort_hours >= 12 and colleague is not None:
                # yixian shares the bigger tasks with a colleague: each counts half the effort in the index of a
                # person (no random draw here, so the rest of the demo stays the same)
                services.task_split(
                    user=admin, task=task, person=colleague, part="配合落实", now=assign_at, deadline=deadline
                )
            if task.deadline.date() >= ctx.today:
                continue  # still running on the demo's today
            fate = rng.random()
            done_at = task.deadline - dt.timedelta(days=1)
            if fate < 0.08:
                if task.deadline.date() >= ctx.today - LATE_STILL_OPEN:
                    continue  # late and still not done: overdue on the demo's today (escalated by tasks_remind)
                done_at = task.deadline + dt.timedelta(days=3)  # an older late one was done late
            _parts_done(task, done_at)
            services.progress_post(
                user=admin, task=task, text="已按要求完成，情况已报送。", mark_done=True, now=done_at
            )
            task.refresh_from_db()
            if task.status == Task.Status.DONE:
                if fate < 0.93:
                    services.task_review(user=admin, task=task, accept=True, now=done_at + dt.timedelta(days=1))
                else:
                    services.task_review(
                        user=admin,
                        task=task,
                        accept=False,
                        now=done_at + dt.timedelta(days=1),
                        reason="报送材料不完整，请补充后重新提交",
                    )
                    if task.deadline.date() < ctx.today - SENT_BACK_STILL_OPEN:
                        _redo_and_accept(admin, task, done_at + dt.timedelta(days=3))


def _redo_and_accept(admin, task: Task, done_at: dt.datetime) -> None:
    """An older task sent back was completed and accepted the second time (only recent ones still wait)."""
    _parts_done(task, done_at)
    services.progress_post(user=admin, task=task, text="已补充材料，重新报送。", mark_done=True, now=done_at)
    services.task_review(user=admin, task=task, accept=True, now=done_at + dt.timedelta(days=1))


def _parts_done(task: Task, done_at: dt.datetime) -> None:
    """Each person marks their part done before the unit reports the whole task done, so that no part of an
    accepted task still reads 待办理. (The demo's people have no accounts to do it through the service.)"""
    for assignment in task.assignments.filter(status=TaskAssignment.Status.OPEN):
        assignment.status, assignment.done_at = TaskAssignment.Status.DONE, done_at
        assignment.save()
