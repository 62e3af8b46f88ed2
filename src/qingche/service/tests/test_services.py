"""Services: the workflow with permissions and scope, returns and arbitration, rollups kept equal to the
raw table, bad input, and the clock."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingche.service import rules, selectors, services
from qingche.service.models import ClockNotice, RateRollup, RequestEvent, ServiceRequest


def rollups_match_raw():
    stored = {(r.unit_id, r.month): r.counts().astuple() for r in RateRollup.objects.all()}
    stored = {key: value for key, value in stored.items() if any(value)}
    raw = {key: tuple(counts.values()) for key, counts in selectors.raw_counts().items()}
    raw = {key: value for key, value in raw.items() if any(value)}
    assert stored == raw


def test_demo_rollups_equal_the_raw_table(db):
    assert ServiceRequest.objects.count() > 1000
    rollups_match_raw()


def test_routing_suggestion_reads_the_published_duty_list(submit, duty_list, town):
    request = submit()
    assert request.suggested_unit_id == town.pk
    assert "JB-901" in request.route_reason
    wages = submit(text="在东河镇工地干活，老板拖欠工资三个月不给。")
    assert wages.suggested_unit.name == "县人力资源和社会保障局"
    assert "配合" in wages.route_reason
    nothing = submit(text="建议县里多举办一些篮球比赛活动。")
    assert nothing.suggested_unit.name == "县政府办公室"


def test_full_workflow_updates_rollups(submit, accounts, town):
    rexian, xiangzhen = accounts["rexian"], accounts["xiangzhen"]
    request = submit()
    assert request.status == rules.NEW and len(request.issued_code) == rules.CODE_LENGTH
    assert request.citizen_phone_masked == "138****8000"
    assert ServiceRequest.objects.filter(citizen_phone_hash=request.citizen_phone_hash).exists()
    services.request_dispatch(user=rexian, request=request, unit_id=town.pk)
    request.refresh_from_db()
    assert request.status == rules.DISPATCHED and request.accept_due <= request.due_at
    services.request_accept(user=xiangzhen, request=request)
    services.request_start(user=xiangzhen, request=request)
    services.request_answer(user=xiangzhen, request=request, reply="已安排保洁员清运完毕，并增加清运频次。")
    services.request_callback(user=rexian, request=request, solved=True, satisfaction="basic")
    request.refresh_from_db()
    assert request.status == rules.CLOSED and request.callback_unit_id == town.pk
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds == ["submit", "dispatch", "accept", "start", "answer", "callback"]
    rollups_match_raw()
    with pytest.raises(ValidationError) as error:  # a callback answered twice
        services.request_callback(user=rexian, request=request, solved=False, satisfaction="unsatisfied")
    assert "status" in error.value.message_dict
    request.refresh_from_db()
    assert request.satisfaction == "basic"


def test_town_cannot_handle_another_towns_request(submit, accounts, other_town):
    request = submit(town_id=other_town.pk)
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=other_town.pk)
    with pytest.raises(PermissionDenied):
        services.request_accept(user=accounts["xiangzhen"], request=request)
    assert not selectors.requests(accounts["xiangzhen"]).filter(pk=request.pk).exists()
    with pytest.raises(PermissionDenied):  # a town does not dispatch
        services.request_dispatch(user=accounts["xiangzhen"], request=submit(), unit_id=other_town.pk)


def test_return_reroute_arbitration_binds(submit, accounts, town, duty_list):
    rexian, xiangzhen, bumen = accounts["rexian"], accounts["xiangzhen"], accounts["bumen"]
    from qingche.org.models import Unit

    agriculture = Unit.objects.get(name="县农业农村局")
    request = submit()
    services.request_dispatch(user=rexian, request=request, unit_id=agriculture.pk)
    with pytest.raises(ValidationError) as error:  # a return without a reason
        services.request_return(user=bumen, request=request, reason=" ")
    assert "reason" in error.value.message_dict
    services.request_return(user=bumen, request=request, reason="垃圾清运不属本局职责", duty_item_code="JB-901")
    request.refresh_from_db()
    assert request.status == rules.RETURNED and request.unit is None
    rollups_match_raw()
    services.request_dispatch(user=rexian, request=request, unit_id=town.pk)
    services.request_accept(user=xiangzhen, request=request)
    services.request_return(user=xiangzhen, request=request, reason="认为应由县城市管理局负责")
    request.refresh_from_db()
    assert request.status == rules.ARBITRATION and request.return_count == 2
    with pytest.raises(ValidationError):  # the dispatcher cannot simply re-route it now
        services.request_dispatch(user=rexian, request=request, unit_id=town.pk)
    with pytest.raises(PermissionDenied):
        services.request_arbitrate(user=rexian, request=request, unit_id=town.pk, reason="x")
    services.request_arbitrate(
        user=accounts["jianfuban"],
        request=request,
        unit_id=town.pk,
        reason="东河镇职责清单 JB-901 为基本履职事项",
        duty_item_code="JB-901",
    )
    request.refresh_from_db()
    assert request.binding and request.status == rules.DISPATCHED and request.unit_id == town.pk
    with pytest.raises(ValidationError):  # the decision binds
        services.request_return(user=xiangzhen, request=request, reason="仍然不同意")
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds.count("return") == 2 and "arbitration" in kinds and "arbitrate" in kinds
    rollups_match_raw()


def test_extension_needs_approval(submit, accounts, town):
    request = submit()
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    due = ServiceRequest.objects.get(pk=request.pk).due_at
    with pytest.raises(ValidationError):
        services.request_extension_ask(user=accounts["xiangzhen"], request=request, days=3, reason="")
    services.request_extension_ask(user=accounts["xiangzhen"], request=request, days=3, reason="需协调产权单位")
    assert ServiceRequest.objects.get(pk=request.pk).due_at == due  # not before approval
    with pytest.raises(PermissionDenied):
        services.request_extension_decide(user=accounts["xiangzhen"], request=request, approve=True)
    services.request_extension_decide(user=accounts["rexian"], request=request, approve=True)
    request.refresh_from_db()
    assert request.due_at > due and not request.extension_pending


def test_reopen_moves_the_callback_out_of_the_rollup(submit, accounts, town):
    request = submit()
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    services.request_accept(user=accounts["xiangzhen"], request=request)
    services.request_answer(user=accounts["xiangzhen"], request=request, reply="已处理完毕，请知悉。")
    services.request_callback(user=accounts["rexian"], request=request, solved=False, satisfaction="unsatisfied")
    rollups_match_raw()
    with pytest.raises(ValidationError):
        services.request_reopen(user=accounts["rexian"], request=request, reason="")
    services.request_reopen(user=accounts["rexian"], request=request, reason="群众反映垃圾仍未清运")
    request.refresh_from_db()
    assert request.status == rules.IN_PROGRESS and request.reopen_count == 1 and request.callback_at is None
    rollups_match_raw()
    services.request_answer(user=accounts["xiangzhen"], request=request, reply="已再次清运并安排每日巡查。")
    services.request_callback(user=None, request=request, public=True, solved=True, satisfaction="satisfied")
    rollups_match_raw()


def test_merge_near_duplicates(submit, accounts):
    first = submit()
    second = submit(text="东河镇村口的垃圾堆了一个星期了没人清运，气味很大！")
    found = [other.pk for _score, other in selectors.near_duplicates(accounts["rexian"], second)]
    assert first.pk in found
    services.request_merge(user=accounts["rexian"], request=second, into=first, reason="同一地点同一问题")
    second.refresh_from_db()
    assert second.status == rules.MERGED and second.merged_into_id == first.pk
    with pytest.raises(ValidationError):
        services.request_merge(user=accounts["rexian"], request=first, into=second)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"text": ""}, "text"),
        ({"text": "字" * 100_000}, "text"),
        ({"lat": "39.90", "long": "116.40"}, "lat"),
        ({"lat": "28.1"}, "lat"),
        ({"category_id": 999999}, "category"),
        ({"citizen_phone": "12345"}, "citizen_phone"),
    ],
)
def test_bad_input_saves_nothing(submit, changes, field):
    before = ServiceRequest.objects.count(), RequestEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        submit(**changes)
    assert field in error.value.message_dict
    assert (ServiceRequest.objects.count(), RequestEvent.objects.count()) == before


def test_markup_is_kept_as_text(submit):
    request = submit(text="<script>alert('x')</script> 路灯坏了")
    assert ServiceRequest.objects.get(pk=request.pk).text.startswith("<script>")


def test_double_submit_is_idempotent(submit):
    first = submit(idempotency_key="abc123")
    again = submit(idempotency_key="abc123")
    assert first.pk == again.pk
    assert ServiceRequest.objects.filter(idempotency_key="abc123").count() == 1


def test_public_channel_needs_no_account_but_hotline_does(category, town):
    with pytest.raises(PermissionDenied):
        services.request_submit(user=None, channel="hotline", category_id=category.pk, text="路灯坏了很久了")
    created = services.request_submit(
        user=None, channel="web", category_id=category.pk, text="路灯坏了很久了", address=f"{town.name}村口"
    )
    assert created.town_id == town.pk


def test_walk_in_is_registered_by_the_town(accounts, category, town, other_town):
    created = services.request_submit(
        user=accounts["xiangzhen"],
        channel="walk_in",
        category_id=category.pk,
        text="来访反映村道破损",
        intake_unit=town,
    )
    assert created.intake_unit_id == town.pk
    assert selectors.requests(accounts["xiangzhen"]).filter(pk=created.pk).exists()
    with pytest.raises(PermissionDenied):
        services.request_submit(
            user=accounts["xiangzhen"],
            channel="walk_in",
            category_id=category.pk,
            text="来访反映村道破损",
            intake_unit=other_town,
        )


def test_clock_is_idempotent_and_follows_extensions(submit, accounts, town):
    request = submit()
    long_ago = timezone.now() - dt.timedelta(days=40)
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk, now=long_ago)
    first = services.clock_run()
    assert first["accept_overdue"] >= 1 and first["overdue"] >= 1
    assert ClockNotice.objects.filter(request=request).count() == 2
    assert services.clock_run() == {kind: 0 for kind in ClockNotice.Kind.values}
    services.request_accept(user=accounts["xiangzhen"], request=request)
    services.request_extension_ask(user=accounts["xiangzhen"], request=request, days=2, reason="等待材料")
    services.request_extension_decide(user=accounts["rexian"], request=request, approve=True)
    services.clock_run()
    assert ClockNotice.objects.filter(request=request, kind="overdue").count() == 2  # a new deadline, a new notice
    assert request.events.filter(kind="escalation").count() == 3


def test_category_tree_has_three_levels_and_limits(db):
    from qingche.service.models import Category

    leaf = Category.objects.filter(level=3).select_related("parent__parent").first()
    assert len(leaf.path_names) == 3
    assert selectors.limit_of(leaf).unit in (rules.HOURS, rules.WORKING_HOURS, rules.WORKING_DAYS)
    assert Category.objects.filter(level=1).count() >= 5


def test_open311_keys_issue_and_revoke(accounts):
    entry, key = services.open311_key_issue(user=accounts["xitong"], partner="测试伙伴")
    assert selectors.open311_key_valid(key) == entry
    with pytest.raises(PermissionDenied):
        services.open311_key_issue(user=accounts["rexian"], partner="x")
    services.open311_key_revoke(user=accounts["xitong"], entry=entry)
    assert selectors.open311_key_valid(key) is None


def test_import_validates_the_whole_file_then_loads(tmp_path, accounts, category, town):
    from qingche.service.importers import COLUMNS, import_requests

    good = {key: "" for key in COLUMNS}
    good.update(
        number="H000000000001",
        submitted_at="2026-05-06 09:00",
        category_code=category.code,
        text="历史诉求：村道破损",
        town_code=town.code,
        unit_name=town.name,
        dispatched_at="2026-05-06 09:30",
        accepted_at="2026-05-06 10:00",
        answered_at="2026-05-08 10:00",
        reply="已修复",
        callback_at="2026-05-09 10:00",
        solved="1",
        satisfaction="satisfied",
        citizen_phone="13800000000",
    )
    bad = dict(good, number="H000000000002", category_code="NOPE")
    path = tmp_path / "history.csv"

    def write(rows):
        import csv

        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)

    write([good, bad])
    before = ServiceRequest.objects.count()
    from django.utils import translation

    with pytest.raises(ValidationError) as error, translation.override("en"):  # the message names the row
        import_requests(user=accounts["rexian"], source=str(path))
    assert "row 3" in str(error.value)
    assert ServiceRequest.objects.count() == before
    write([good])
    assert import_requests(user=accounts["rexian"], source=str(path)) == 1
    loaded = ServiceRequest.objects.get(number="H000000000001")
    assert loaded.status == rules.CLOSED and loaded.accepted_in_time and loaded.citizen_phone == "13800000000"
    rollups_match_raw()
    with pytest.raises(PermissionDenied):
        import_requests(user=accounts["xiangzhen"], source=str(path))


def test_numbers_of_a_day_follow_each_other_after_those_already_held(submit):
    from qingche.service.models import RequestCounter

    now = timezone.now()
    day = timezone.localtime(now).date()
    RequestCounter.objects.filter(day=day).delete()
    imported = submit(now=now)  # an imported request of the day holds a high number already
    ServiceRequest.objects.filter(pk=imported.pk).update(number=rules.request_number(day, 4711))
    RequestCounter.objects.filter(day=day).delete()
    numbers = [submit(now=now).number for _ in range(3)]
    assert numbers == [rules.request_number(day, serial) for serial in (4712, 4713, 4714)]
    assert RequestCounter.objects.get(day=day).last == 4714


def test_routing_follows_a_new_published_version(submit, duty_list, town):
    """Routing reads a cache of published items; publishing a new version (a write through the models) clears it."""
    from qingche.duties.models import DutyItem, DutyList

    assert "JB-901" in submit().route_reason
    duty_list.status = "superseded"
    duty_list.save()
    newer = DutyList.objects.create(unit=town, version=duty_list.version + 1, status="published")
    DutyItem.objects.create(
        duty_list=newer, kind="basic", code="JB-902", name="村庄环境卫生整治", keywords="垃圾；清运"
    )
    assert "JB-902" in submit().route_reason


def test_an_oversized_attachment_is_refused_naming_the_limit(submit, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.QINGCHE_MAX_UPLOAD_BYTES = 200 * 1024
    before = ServiceRequest.objects.count()
    with pytest.raises(ValidationError) as refused:
        submit(files=[SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff" + b"0" * (300 * 1024))])
    message = " ".join(refused.value.message_dict["files"])
    assert "200 KB" in message and "0 MB" not in message
    assert ServiceRequest.objects.count() == before
