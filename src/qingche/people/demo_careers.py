"""Demo careers: a rank history for every civil servant ending at the rank of their record (migrated from the
demo's free text) and consistent with their annual grades (steps at least the ladder's years apart; a
basically-competent year delays the next step; an incompetent grade puts the person down one step early this
year), hardship flags on the posts of two remote towns and on front-line posts, a performance-pay pool for every
town for the appraised year, and two transfer requests (one before the minimum service ends). Rotation alerts
follow from the demo's assignment dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from qingche.core import parameters
from qingche.core.audit import AuditContext, audit_context, record_created
from qingche.org.models import Person, Post, Unit
from qingche.people import selectors_careers as selectors
from qingche.people import services_careers as services
from qingche.people.models import WorkStart
from qingche.people.models_careers import PostHardship, RankChange

CONVERSION = dt.date(2019, 6, 1)  # 职务与职级并行: the old ranks were converted then
FRONTLINE_POSTS = ("综合行政执法队员", "平安建设办公室干事", "便民服务中心工作人员", "执法队员")


def _years(value: float) -> dt.timedelta:
    return dt.timedelta(days=round(value * 365.25))


def build(ctx) -> None:
    _rank_histories(ctx)
    _hardship(ctx)
    _pay_pools(ctx)
    _transfers(ctx)


def _rank_histories(ctx) -> None:
    rng, today = ctx.random, ctx.today
    ladders = selectors.ladders()
    towns = set(Unit.objects.filter(kind__in=Unit.TOWN_LEVEL).values_list("path", flat=True))
    people = list(
        Person.objects.filter(category="civil_servant").exclude(rank="").select_related("unit").order_by("pk")
    )
    starts = dict(WorkStart.objects.filter(person__in=people).values_list("person_id", "started_on"))
    grades, _public = selectors.grades_of(p.pk for p in people)
    appraised = today.year - 1
    changes = []
    for person in people:
        code = selectors.ladder_of(person, towns)
        names = [name for name, _y in ladders[code]]
        if person.rank not in names:
            continue
        index = names.index(person.rank)
        cutoff = max(starts.get(person.pk, CONVERSION), CONVERSION)
        since = max(today - _years(rng.uniform(0.3, 4.5)), cutoff)
        grade = grades.get(person.pk, {}).get(appraised)
        if grade in ("basically_competent", "incompetent") and since.year > appraised:
            since = since.replace(year=appraised)  # no promotion after a year that does not count
        steps = [(index, since)]
        while steps[-1][0] > 0:
            step, date = steps[-1]
            earlier = date - _years(ladders[code][step][1] + rng.uniform(0.2, 2.0))
            if earlier < cutoff:
                break
            steps.append((step - 1, earlier))
        steps.reverse()
        previous = ""
        for number, (step, date) in enumerate(steps):
            first = number == 0
            basis = RankChange.Basis.PROMOTED
            if first:
                basis = RankChange.Basis.APPOINTED if step == 0 else RankChange.Basis.CONVERTED
            changes.append(
                RankChange(
                    person=person,
                    ladder=code,
                    from_rank=previous,
                    to_rank=names[step],
                    date=date,
                    basis=basis,
                    document_number="" if first else f"县委组〔{date.year}〕{rng.randint(3, 60)}号",
                )
            )
            previous = names[step]
        demoted_on = dt.date(today.year, 2, 20)
        if grade == "incompetent" and index > 0 and demoted_on <= today:
            changes.append(
                RankChange(
                    person=person,
                    ladder=code,
                    from_rank=names[index],
                    to_rank=names[index - 1],
                    date=demoted_on,
                    basis=RankChange.Basis.DEMOTED,
                    document_number=f"县委组〔{today.year}〕{rng.randint(3, 20)}号",
                    note=f"{appraised}年度考核不称职，降低一个职级",
                )
            )
    RankChange.objects.bulk_create(changes, batch_size=2000)
    system = AuditContext(actor_name="system:demo")
    record_created([(change, system) for change in changes])


def _hardship(ctx) -> None:
    towns = [unit for unit in ctx.units if unit.kind == Unit.Kind.TOWN]
    remote_towns = towns[-2:]  # the last two towns of the demo are the remote ones
    flags = {}
    for post in Post.objects.filter(unit__depth=2).filter(kind__in=["leader", "staff", "contract"]):
        remote = any(post.unit_id == town.pk for town in remote_towns)
        frontline = post.name in FRONTLINE_POSTS
        if remote or frontline:
            flags[post.pk] = PostHardship(post=post, remote=remote, frontline=frontline)
    rows = list(flags.values())
    PostHardship.objects.bulk_create(rows)
    record_created([(row, AuditContext(actor_name="system:demo")) for row in rows])


def _pay_pools(ctx) -> None:
    org = ctx.accounts.get("zuzhibu")
    if org is None:
        return
    year = ctx.today.year - 1
    categories = parameters.get("people.pay_categories")
    with audit_context(actor_name="system:demo"):
        for town in (unit for unit in ctx.units if unit.kind in Unit.TOWN_LEVEL):
            members = Person.objects.filter(unit__path__startswith=town.path, category__in=categories).count()
            if not members:
                continue
            amount = Decimal(members * ctx.random.randint(26, 34) * 1000) + Decimal("0.37") * ctx.random.randint(0, 99)
            services.pay_pool_set(
                user=org,
                unit=town,
                year=year,
                amount=amount.quantize(Decimal("0.01")),
                note=f"{year}年度奖励性绩效工资",
            )


def _transfers(ctx) -> None:
    org, town = ctx.accounts.get("zuzhibu"), ctx.accounts.get("xiangzhen")
    if org is None or town is None:
        return
    recruits = selectors.recruits_in_service(town, ctx.today)
    with audit_context(actor_name="system:demo"):
        if recruits:
            try:
                services.transfer_request_submit(
                    user=town,
                    person=recruits[0]["person"],
                    destination="县财政局",
                    reason="本人申请调往县城工作，照顾家庭",
                )
            except ValidationError:
                pass
        other = Person.objects.filter(category="civil_servant", unit__kind=Unit.Kind.DEPARTMENT).order_by("pk").first()
        if other is not None:
            done = services.transfer_request_submit(
                user=org, person=other, destination="县委办公室", reason="工作需要，拟交流任职"
            )
            services.transfer_request_decide(user=org, transfer=done, approve=True, reason="经部务会研究同意")
