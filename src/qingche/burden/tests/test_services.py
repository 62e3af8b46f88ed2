"""Registries and 一表通 through services, pages and API; the bad-input list of the issue: a clear
message, the right 4xx naming the field, nothing half-saved."""

import datetime as dt

import pytest

from qingche.burden import selectors, services
from qingche.burden.models import (
    Approval,
    CatalogField,
    Document,
    FormFill,
    Inspection,
    Meeting,
    OvertimeEntry,
    ReportForm,
)
from qingche.org.models import Unit

pytestmark = pytest.mark.django_db


def _towns():
    return list(Unit.objects.filter(kind="town").order_by("path"))


def _first_town():
    return Unit.objects.get(name="东河镇")


def _other_village():
    first = _first_town()
    return Unit.objects.filter(kind="village").exclude(path__startswith=first.path).first()


# -- bad input -------------------------------------------------------------------------------------------
def test_meeting_ending_before_it_starts_is_refused_and_nothing_saved(api_as, department):
    before = Meeting.objects.count()
    town = _first_town()
    response = api_as("bumen").post(
        "/api/v1/burden/meetings/",
        {
            "organiser": department.pk,
            "title": "会",
            "level": "department",
            "start": "2026-10-10T10:00:00+08:00",
            "end": "2026-10-10T09:00:00+08:00",
            "attendances": [{"unit": town.pk, "attendees": 2}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "end" in response.json()
    assert Meeting.objects.count() == before


def test_meeting_service_refuses_end_before_start(admin, department):
    start = dt.datetime(2026, 10, 10, 10, tzinfo=dt.UTC)
    with pytest.raises(services.ValidationError) as error:
        services.meeting_create(
            user=admin,
            organiser=department,
            title="会",
            level="department",
            start=start,
            end=start - dt.timedelta(minutes=1),
            attendances=[(_first_town(), 1)],
        )
    assert "end" in error.value.message_dict


def test_negative_hours_are_refused(api_as, department):
    before = Inspection.objects.count()
    response = api_as("bumen").post(
        "/api/v1/burden/inspections/",
        {
            "issuer": department.pk,
            "target": _first_town().pk,
            "topic": "安全",
            "title": "检查",
            "date": "2026-10-10",
            "unplanned_reason": "临时部署",
            "preparation_hours": "-3",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "preparation_hours" in response.json()
    assert Inspection.objects.count() == before


def test_negative_overtime_is_refused(api_as):
    response = api_as("yixian").post(
        "/api/v1/burden/overtime/", {"date": "2026-10-10", "hours": "-1", "note": "值班"}, format="json"
    )
    assert response.status_code == 400 and "hours" in response.json()
    too_many = api_as("yixian").post(
        "/api/v1/burden/overtime/", {"date": "2026-10-10", "hours": "25", "note": "值班"}, format="json"
    )
    assert too_many.status_code == 400 and "hours" in too_many.json()


def test_inspection_on_a_unit_out_of_scope(api_as, client_as):
    """A town inspecting a village of another town: refused; a department recording for an issuer it is
    not: 403."""
    town, village = _first_town(), _other_village()
    before = Inspection.objects.count()
    response = api_as("xiangzhen").post(
        "/api/v1/burden/inspections/",
        {
            "issuer": town.pk,
            "target": village.pk,
            "topic": "安全",
            "title": "检查",
            "date": "2026-10-10",
            "unplanned_reason": "临时部署",
        },
        format="json",
    )
    assert response.status_code == 400 and "target" in response.json()
    other_department = Unit.objects.filter(kind="department").exclude(name="县农业农村局").first()
    forbidden = api_as("bumen").post(
        "/api/v1/burden/inspections/",
        {
            "issuer": other_department.pk,
            "target": town.pk,
            "topic": "安全",
            "title": "检查",
            "date": "2026-10-10",
            "unplanned_reason": "临时部署",
        },
        format="json",
    )
    assert forbidden.status_code == 403
    assert Inspection.objects.count() == before
    page = client_as("xiangzhen").post(
        "/burden/inspections/new/",
        {
            "issuer": town.pk,
            "target": village.pk,
            "topic": "安全",
            "title": "检查",
            "date": "2026-10-10",
            "unplanned_reason": "临时部署",
            "preparation_hours": 1,
            "reception_hours": 1,
        },
    )
    assert page.status_code == 400
    assert Inspection.objects.count() == before


def test_form_field_mapped_to_a_missing_catalog_item(api_as, department):
    before = ReportForm.objects.count()
    missing = (CatalogField.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 999
    response = api_as("bumen").post(
        "/api/v1/burden/forms/",
        {
            "issuer": department.pk,
            "title": "统计表",
            "sent_on": "2026-10-10",
            "targets": [_first_town().pk],
            "fields": [{"catalog_field": CatalogField.objects.first().pk}, {"catalog_field": missing}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "fields" in response.json() and str(missing) in str(response.json())
    assert ReportForm.objects.count() == before


def test_unknown_unit_in_the_api_names_the_field(api_as, department):
    response = api_as("bumen").post(
        "/api/v1/burden/documents/",
        {
            "issuer": department.pk,
            "title": "通知",
            "issued_on": "2026-10-10",
            "length_chars": 100,
            "targets": [99999999],
        },
        format="json",
    )
    assert response.status_code == 400 and "targets" in response.json()


def test_garbage_in_pages_is_a_4xx_not_a_500(client_as):
    client = client_as("bumen")
    assert client.post("/burden/meetings/new/", {"start": "x", "end": "y", "attendees": "-3"}).status_code == 400
    assert client.post("/burden/documents/new/", {"length_chars": "abc"}).status_code == 400
    assert client.get("/burden/forms/999999/").status_code == 404
    assert client.get("/burden/units/999999/").status_code == 404
    assert client.get("/burden/ranking/?month=2026-13").status_code == 200
    assert client.post("/burden/forms/new/", {"catalog": ["abc"], "title": ""}).status_code == 400


# -- registries ------------------------------------------------------------------------------------------
def test_unplanned_inspection_needs_a_reason_and_approval(admin, department, accounts):
    town = _first_town()
    with pytest.raises(services.ValidationError) as error:
        services.inspection_create(
            user=admin, issuer=department, target=town, topic="安全", title="检查", date=dt.date(2026, 10, 10)
        )
    assert "unplanned_reason" in error.value.message_dict
    inspection = services.inspection_create(
        user=admin,
        issuer=department,
        target=town,
        topic="安全",
        title="检查",
        date=dt.date(2026, 10, 10),
        unplanned_reason="事故后专项检查",
    )
    assert inspection.approval == Approval.PENDING
    with pytest.raises(services.PermissionDenied):
        services.inspection_decide(user=accounts["bumen"], inspection=inspection, approve=True)
    with pytest.raises(services.ValidationError):
        services.inspection_decide(user=accounts["jianfuban"], inspection=inspection, approve=False, note="")
    services.inspection_decide(user=accounts["jianfuban"], inspection=inspection, approve=False, note="与计划重复")
    inspection.refresh_from_db()
    assert inspection.approval == Approval.REFUSED and inspection.unplanned_reason == "事故后专项检查"


def test_planned_inspection_must_match_its_plan_item(admin, department):
    towns = _towns()
    item = services.plan_item_create(
        user=admin, year=2026, issuer=department, title="耕地保护督查", topic="耕地", targets=towns[:1], months=[5]
    )
    with pytest.raises(services.ValidationError):
        services.inspection_create(
            user=admin,
            issuer=department,
            target=towns[1],
            topic="耕地",
            title="督查",
            date=dt.date(2026, 5, 6),
            plan_item=item,
        )
    done = services.inspection_create(
        user=admin,
        issuer=department,
        target=towns[0],
        topic="耕地",
        title="督查",
        date=dt.date(2026, 5, 6),
        plan_item=item,
    )
    assert done.approval == Approval.NOT_NEEDED


def test_same_topic_on_the_same_unit_within_the_window_is_flagged(admin, department):
    town = _first_town()
    first = services.inspection_create(
        user=admin,
        issuer=department,
        target=town,
        topic="食品 安全检查X",
        title="一",
        date=dt.date(2026, 3, 1),
        unplanned_reason="临时部署",
    )
    second = services.inspection_create(
        user=admin,
        issuer=department,
        target=town,
        topic="食品安全 检查x",
        title="二",
        date=dt.date(2026, 3, 20),
        unplanned_reason="临时部署",
    )
    later = services.inspection_create(
        user=admin,
        issuer=department,
        target=town,
        topic="食品 安全检查X",
        title="三",
        date=dt.date(2026, 6, 20),
        unplanned_reason="临时部署",
    )
    assert first.merge_with is None and second.merge_with == first and later.merge_with is None


def test_meeting_straight_to_the_grassroots_needs_approval_and_speech_cap_is_counted(admin, department, accounts):
    start = dt.datetime(2026, 10, 12, 1, tzinfo=dt.UTC)
    village = Unit.objects.filter(kind="village").first()
    meeting = services.meeting_create(
        user=admin,
        organiser=department,
        title="直通会",
        level="department",
        start=start,
        end=start + dt.timedelta(hours=2),
        speech_minutes=75,
        reaches_grassroots=True,
        attendances=[(village, 2)],
    )
    assert meeting.approval == Approval.PENDING
    services.meeting_decide(user=accounts["jianfuban"], meeting=meeting, approve=True)
    rows = {row["organiser"]: row for row in selectors.meeting_counts_by_organiser(admin, 2026)}
    assert rows[department.name]["speech_too_long"] >= 1


def test_document_length_caps_and_yearly_counts(admin, department):
    before = {row["issuer"]: row for row in selectors.document_counts_by_issuer(admin, 2026)}.get(department.name)
    long = services.document_create(
        user=admin,
        issuer=department,
        title="实施意见",
        issued_on=dt.date(2026, 4, 1),
        length_chars=5001,
        targets=[_first_town()],
    )
    special = services.document_create(
        user=admin,
        issuer=department,
        title="专项方案",
        issued_on=dt.date(2026, 4, 2),
        length_chars=4500,
        special_task=True,
        targets=[_first_town()],
    )
    short = services.document_create(
        user=admin,
        issuer=department,
        title="通知",
        issued_on=dt.date(2026, 4, 3),
        length_chars=4500,
        targets=[_first_town()],
    )
    assert long.over_cap and special.over_cap and not short.over_cap
    after = {row["issuer"]: row for row in selectors.document_counts_by_issuer(admin, 2026)}[department.name]
    assert after["this_year"] == (before["this_year"] if before else 0) + 3
    assert after["over_cap"] == (before["over_cap"] if before else 0) + 2
    assert Document.objects.filter(pk=long.pk, targets=_first_town()).exists()


def test_apps_with_forbidden_functions_are_flagged(admin, department, client_as):
    app = services.app_create(
        user=admin,
        issuer=department,
        name="打卡群",
        kind="work_group",
        targets=[_first_town()],
        compulsory_checkin=True,
        points_ranking=True,
    )
    assert app.violations == ["compulsory_checkin", "points_ranking"]
    assert "打卡群" in client_as("xiangzhen").get("/burden/apps/").content.decode()


def test_overtime_is_self_reported_and_confirmed_by_the_unit(api_as, accounts, client_as):
    response = api_as("yixian").post(
        "/api/v1/burden/overtime/", {"date": "2026-10-10", "hours": "3.5", "note": "防汛值守"}, format="json"
    )
    assert response.status_code == 201, response.content
    entry = OvertimeEntry.objects.get(pk=response.json()["id"])
    assert entry.person.account == accounts["yixian"] and entry.status == "reported"
    with pytest.raises(services.PermissionDenied):
        services.overtime_decide(user=accounts["yixian"], entry=entry, confirm=True)
    client_as("xiangzhen").post("/burden/overtime/", {"entry": entry.pk, "action": "confirm"})
    entry.refresh_from_db()
    assert entry.status == "confirmed" and entry.confirmed_by == accounts["xiangzhen"]
    future = api_as("yixian").post(
        "/api/v1/burden/overtime/", {"date": "2999-01-01", "hours": "1", "note": "x"}, format="json"
    )
    assert future.status_code == 400 and "date" in future.json()


# -- 一表通 ------------------------------------------------------------------------------------------------
def test_form_reuse_share_prefill_and_the_county_report(accounts, department, demo_today):
    """Filled on the demo's today, so this answer is the town's latest (the demo's own fills are earlier)."""
    bumen, xiangzhen = accounts["bumen"], accounts["xiangzhen"]
    town = _first_town()
    in_post = CatalogField.objects.get(code="in-post")
    farmland = CatalogField.objects.get(code="farmland")
    form = services.report_form_create(
        user=bumen,
        issuer=department,
        title="秋收统计表",
        sent_on=demo_today,
        targets=[town],
        fields=[
            {"catalog_field": in_post.pk},
            {"catalog_field": farmland.pk},
            {"label": "秋收进度"},
            {"label": "烘干机台数"},
        ],
    )
    assert selectors.form_reuse_share(form.pk) == 0.5
    assert selectors.form_reuse_share(987654321) is None
    known = selectors.known_values(town, [in_post])
    assert known[in_post.pk]["value"] == str(selectors.people_in_post([town.pk])[town.pk])
    fields = {f.label: f for f in form.fields.all()}
    values = {
        fields["在岗人数"].pk: known[in_post.pk]["value"],
        fields["耕地面积"].pk: "31000",
        fields["秋收进度"].pk: "85%",
        fields["烘干机台数"].pk: "12",
    }
    fill = services.form_fill_submit(user=xiangzhen, form=form, unit=town, values=values, submitted_on=demo_today)
    assert fill.prefilled_count == 1 and fill.typed_count == 3
    with pytest.raises(services.ValidationError):
        services.form_fill_submit(user=xiangzhen, form=form, unit=town, values=values)
    # The next form asking for farmland gets the town's earlier answer pre-filled.
    again = selectors.known_values(town, [farmland])
    assert again[farmland.pk]["value"] == "31000"
    rows = [
        row
        for row in selectors.form_report(accounts["jianfuban"], demo_today.year)
        if row["issuer"] == department.name and row["month"] == f"{demo_today:%Y-%m}"
    ]
    assert rows and rows[0]["reused"] >= 2 and rows[0]["prefilled"] >= 1 and rows[0]["hours_saved"] > 0


def test_form_fill_refuses_units_not_targeted_and_empty_values(accounts, department):
    town = _first_town()
    form = services.report_form_create(
        user=accounts["bumen"],
        issuer=department,
        title="表",
        sent_on=dt.date(2026, 10, 5),
        targets=[town],
        fields=[{"label": "数"}],
    )
    village = Unit.objects.filter(kind="village", path__startswith=town.path).first()
    with pytest.raises(services.ValidationError):
        services.form_fill_submit(user=accounts["xiangzhen"], form=form, unit=village, values={})
    with pytest.raises(services.ValidationError) as error:
        services.form_fill_submit(user=accounts["xiangzhen"], form=form, unit=town, values={})
    assert any(key.startswith("field_") for key in error.value.message_dict)


def test_form_editor_preview_shows_held_fields_and_share(client_as):
    client = client_as("bumen")
    in_post, farmland = CatalogField.objects.get(code="in-post"), CatalogField.objects.get(code="farmland")
    html = client.post(
        "/burden/forms/preview/", {"catalog": [in_post.pk, farmland.pk], "new_fields": "户籍人口\n宣传次数"}
    ).content.decode()
    assert 'data-held="in-post"' in html and 'data-held="farmland"' in html
    assert 'id="reuse-share">50%<' in html
    # the proposed 户籍人口 is already in the catalog: named in words, its code only in an attribute
    assert 'data-match="population"' in html and "（户籍人口）" in html and ">population" not in html
    assert 'id="mostly-held"' in html


def test_form_fill_refuses_words_negatives_and_absurd_magnitudes_in_numeric_fields(accounts, department):
    town = _first_town()
    households = CatalogField.objects.get(code="households")  # a count, at most 1,000,000 in the demo catalog
    road = CatalogField.objects.get(code="road-km")  # a number
    assert households.kind == "count" and households.maximum == 1_000_000 and road.kind == "number"
    form = services.report_form_create(
        user=accounts["bumen"],
        issuer=department,
        title="基础数据表",
        sent_on=dt.date(2026, 10, 5),
        targets=[town],
        fields=[{"catalog_field": households.pk}, {"catalog_field": road.pk}, {"label": "备注"}],
    )
    fields = {f.catalog_field_id: f.pk for f in form.fields.all()}
    note = form.fields.get(catalog_field__isnull=True).pk

    def refused(household_value, road_value):
        values = {fields[households.pk]: household_value, fields[road.pk]: road_value, note: "无"}
        with pytest.raises(services.ValidationError) as error:
            services.form_fill_submit(user=accounts["xiangzhen"], form=form, unit=town, values=values)
        return error.value.message_dict

    key = f"field_{fields[households.pk]}"
    errors = refused("三千户", "12.5")
    assert list(errors) == [key] and "请填写数字" in errors[key][0]
    assert "不能为负数" in refused("-40", "12.5")[key][0]
    assert "请填写整数" in refused("40.5", "12.5")[key][0]
    assert "1,000,000" in refused("12000000", "12.5")[key][0]
    assert f"field_{fields[road.pk]}" in refused("3200", "公路")
    assert not FormFill.objects.filter(form=form).exists()  # nothing half-written
    fill = services.form_fill_submit(
        user=accounts["xiangzhen"],
        form=form,
        unit=town,
        values={fields[households.pk]: "3,200", fields[road.pk]: "86.4", note: "无"},
    )
    assert fill.typed_count == 3


def test_forms_still_to_fill_come_first_and_are_marked(accounts, department, client_as):
    town = _first_town()
    filled, open_form = (
        services.report_form_create(
            user=accounts["bumen"],
            issuer=department,
            title=title,
            sent_on=dt.date(2026, 11, 20),
            due_on=dt.date(2026, 12, 30),
            targets=[town],
            fields=[{"label": "数"}],
        )
        for title in ("已填的表", "未填的表")
    )
    field = filled.fields.get()
    services.form_fill_submit(user=accounts["xiangzhen"], form=filled, unit=town, values={field.pk: "1"})
    rows = list(selectors.forms_to_fill(accounts["xiangzhen"]))
    pending = [row.pending for row in rows]
    assert pending == sorted(pending, reverse=True)  # every form still to fill before every filled one
    by_pk = {row.pk: row for row in rows}
    assert by_pk[open_form.pk].pending and not by_pk[filled.pk].pending
    html = client_as("xiangzhen").get("/burden/forms/").content.decode()
    to_fill = html[html.index('id="to-fill"') :]
    assert to_fill.index("未填的表") < to_fill.index("已填的表")
    assert "待填报" in to_fill and "已填报" in to_fill


def test_more_documents_than_last_year_are_explained_by_the_issuer_and_shown(accounts, client_as, demo_today):
    from django.urls import reverse

    from qingche.burden.models import DocumentExplanation

    department = accounts["bumen"].person.unit
    year = demo_today.year
    services.document_create(
        user=accounts["bumen"],
        issuer=department,
        title="通知",
        issued_on=demo_today,
        length_chars=800,
        targets=[_first_town()],
    )
    url = f"{reverse('burden:document_list')}?year={year}"
    client = client_as("bumen")
    client.post(url, {"issuer": department.pk, "text": "太多"})
    assert not DocumentExplanation.objects.filter(issuer=department, year=year).exists()  # too short: refused
    client_as("xiangzhen").post(url, {"issuer": department.pk, "text": "乡镇替部门解释文件增多的原因"})
    assert not DocumentExplanation.objects.filter(issuer=department, year=year).exists()  # not the issuer
    text = "今年承接省级试点任务，新增专项文件。"
    client = client_as("bumen")  # the test client is one: log the issuer in again
    assert client.post(url, {"issuer": department.pk, "text": text}).status_code == 302
    rows = {row["issuer_id"]: row for row in selectors.document_counts_by_issuer(accounts["bumen"], year)}
    assert rows[department.pk]["explanation"] == text
    assert "今年承接省级试点任务" in client.get(url).content.decode()


def test_a_refused_inspection_held_anyway_is_flagged_to_the_office(admin, department, accounts, client_as):
    """减负办 refused it; the town then records hours of reception: the inspection happened anyway and shows on
    减负办's home card, under the list's filter and with a badge."""
    town = _first_town()
    inspection = services.inspection_create(
        user=admin,
        issuer=department,
        target=town,
        topic="拒后仍检",
        title="拒后仍来的专项检查",
        date=dt.date(2026, 10, 12),
        unplanned_reason="临时专项检查",
    )
    services.inspection_decide(user=accounts["jianfuban"], inspection=inspection, approve=False, note="与计划重复")
    flagged = selectors.held_despite_refusal(accounts["jianfuban"])
    assert not flagged.filter(pk=inspection.pk).exists()  # refused and not held: nothing to flag
    before = flagged.count()
    services.inspection_set_hours(user=admin, inspection=inspection, preparation_hours=3, reception_hours=2)
    assert flagged.filter(pk=inspection.pk).exists() and flagged.count() == before + 1
    home = client_as("jianfuban").get("/").content.decode()
    assert "拒后仍开展的检查" in home
    page = client_as("jianfuban").get("/burden/inspections/", {"year": 2026, "filter": "refused_held"}).content
    page = page.decode()
    assert "拒后仍来的专项检查" in page and 'data-flag="refused-held"' in page
