"""Excel import of units and people (whole file checked first; every bad row reported with its Excel
row number and column; nothing saved unless the file is clean), the templates, and the export."""

import datetime as dt
import io
import re
import zipfile
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from qingche.core import rules as core_rules
from qingche.core.models import AuditEvent
from qingche.org import importers
from qingche.org.models import Assignment, Person, Post, Unit

UNIT_HEADERS = ["单位名称", "单位类型", "行政区划代码", "上级单位", "简称"]
PERSON_HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号码",
    "籍贯",
    "学历",
    "政治面貌",
    "人员类别",
    "职级",
    "所在单位",
    "岗位",
    "任职开始日期",
]


def labels(choices) -> dict[str, str]:
    """Stored value -> the Chinese label the import file uses."""
    return {value: label for label, value in importers._chinese_choices(choices).items()}


KIND = labels(Unit.Kind.choices)
GENDER = labels(Person.Gender.choices)
CATEGORY = labels(Person.Category.choices)
EDUCATION = labels(Person.Education.choices)
POLITICAL = labels(Person.Political.choices)


def make_id(born: dt.date, serial: int, region: str = "110106") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + core_rules.id_number_check_char(first17)


def parent_of(unit: Unit) -> Unit:
    unit.refresh_from_db()
    return Unit.objects.get(path=unit.path[: -Unit.steplen])


def xlsx(path, headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path.read_bytes()


def upload(name: str, content: bytes):
    return SimpleUploadedFile(
        name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def person_row(
    name, born: dt.date, serial: int, unit: str, post: str = "", start="", phone="13700001111", **changes
) -> list:
    row = {
        "姓名": name,
        "性别": GENDER["male" if serial % 2 else "female"],
        "出生日期": born.isoformat(),
        "身份证号": make_id(born, serial),
        "手机号码": phone,
        "籍贯": "湖南长沙",
        "学历": EDUCATION["bachelor"],
        "政治面貌": POLITICAL["cpc"],
        "人员类别": CATEGORY["civil_servant"],
        "职级": "一级科员",
        "所在单位": unit,
        "岗位": post,
        "任职开始日期": start,
    }
    row.update(changes)
    return [row[header] for header in PERSON_HEADERS]


def error_rows(response) -> list[tuple[int, str]]:
    text = response.content.decode()
    assert 'id="import-errors"' in text, text[:3000]
    body = text.split('id="import-errors"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [(int(row), column) for row, column in re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", body)]


def counts():
    return (
        Unit.objects.count(),
        Person.objects.count(),
        Assignment.objects.count(),
        Post.objects.count(),
        AuditEvent.objects.filter(action="import").count(),
    )


# -- clean files ----------------------------------------------------------------------------------------
def test_a_clean_units_file_imports_everything(client_as, accounts, town, tmp_path):
    county = Unit.objects.get(depth=1)
    content = xlsx(
        tmp_path / "units.xlsx",
        UNIT_HEADERS,
        [
            ["测试新镇", KIND["town"], "439901099", county.name, "新镇"],
            ["测试新镇新村", KIND["village"], "439901099201", "测试新镇", "新村"],  # parent from an earlier row
            ["东河新社区", KIND["community"], "", town.code, ""],  # parent by code
            ["新镇办公室", KIND["office"], None, "439901099", None],  # the new town by its code
        ],
    )
    before = counts()
    response = client_as("xitong").post("/org/import/", {"kind": "units", "file": upload("units.xlsx", content)})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert counts()[0] == before[0] + 4
    new_town = Unit.objects.get(name="测试新镇")
    assert parent_of(new_town) == county and new_town.kind == "town" and new_town.code == "439901099"
    assert parent_of(Unit.objects.get(name="测试新镇新村")) == new_town
    assert parent_of(Unit.objects.get(name="东河新社区")) == town
    assert parent_of(Unit.objects.get(name="新镇办公室")) == new_town
    event = AuditEvent.objects.filter(action="import", object_type="org.unit").latest("id")
    assert event.actor_name == "xitong" and event.after == {"rows": 4}


def test_a_clean_people_file_imports_everything(client_as, accounts, town, tmp_path):
    post = Post.objects.filter(unit=town).order_by("id").first()
    born = dt.date(1991, 4, 5)
    content = xlsx(
        tmp_path / "people.xlsx",
        PERSON_HEADERS,
        [
            person_row("导入甲", born, 101, town.name, post.name, "2024-03-01"),
            person_row("导入乙", born, 102, town.code, phone=""),
            person_row(
                "导入丙",
                dt.date(1985, 12, 31),
                103,
                town.name,
                post.name,
                dt.date(2025, 1, 2),
                出生日期=dt.datetime(1985, 12, 31),
                身份证号=make_id(dt.date(1985, 12, 31), 103).lower(),
            ),
        ],
    )
    before = counts()
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("people.xlsx", content)})
    assert response.status_code == 302, response.content.decode()[:3000]
    after = counts()
    assert after[1] == before[1] + 3 and after[2] == before[2] + 2 and after[4] == before[4] + 1
    first = Person.objects.get(name="导入甲")
    assert (first.unit_id, first.gender, first.birth_date, first.category) == (town.pk, "male", born, "civil_servant")
    assert first.id_number == make_id(born, 101) and first.phone == "13700001111"
    assert Assignment.objects.get(person=first).post_id == post.pk
    third = Person.objects.get(name="导入丙")
    assert third.id_number == make_id(dt.date(1985, 12, 31), 103).upper()
    assert Assignment.objects.get(person=third).start_date == dt.date(2025, 1, 2)
    event = AuditEvent.objects.filter(action="import", object_type="org.person").latest("id")
    assert event.actor_name == "zuzhibu" and event.after == {"rows": 3}
    # Each person's creation is in the trail too, masked.
    created = AuditEvent.objects.get(action="create", object_type="org.person", object_id=str(first.pk))
    assert created.after["id_number"] == first.id_number_masked


# -- bad rows: every one reported, nothing saved ---------------------------------------------------------
def test_a_people_file_with_bad_rows_reports_each_and_saves_nothing(client_as, town, tmp_path):
    post = Post.objects.filter(unit=town).order_by("id").first()
    existing = Person.objects.filter(unit=town).first()
    born = dt.date(1990, 1, 2)
    good = person_row("好人", born, 201, town.name, post.name, "2024-01-01")
    bad_id = make_id(born, 202)
    bad_id = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")
    rows = [
        good,  # 2: fine
        person_row("坏身份证", born, 202, town.name, 身份证号=bad_id),  # 3
        person_row("无单位", born, 203, "不存在的单位"),  # 4
        person_row("坏手机", born, 204, town.name, phone="12345"),  # 5
        person_row("生日不符", born, 205, town.name, 出生日期="1990-01-03"),  # 6
        person_row("性别不明", born, 206, town.name, 性别="未知"),  # 7
        person_row("重复证号", born, 201, town.name),  # 8: same ID as row 2
        person_row("已在册", existing.birth_date, 207, town.name, 身份证号=existing.id_number),  # 9
        person_row("无此岗位", born, 208, town.name, "不存在的岗位", "2024-01-01"),  # 10
        person_row("坏日期", born, 209, town.name, post.name, "2020-13-01"),  # 11
        [None] * len(PERSON_HEADERS),  # 12: empty, skipped
        person_row("", born, 210, town.name),  # 13: no name
        person_row("类别不明", born, 211, town.name, 人员类别="临时工"),  # 14
    ]
    content = xlsx(tmp_path / "bad.xlsx", PERSON_HEADERS, rows)
    before = counts()
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("bad.xlsx", content)})
    assert response.status_code == 400
    assert sorted(set(error_rows(response))) == [
        (3, "身份证号"),
        (4, "所在单位"),
        (5, "手机号码"),
        (6, "出生日期"),
        (7, "性别"),
        (8, "身份证号"),
        (9, "身份证号"),
        (10, "岗位"),
        (11, "任职开始日期"),
        (13, "姓名"),
        (14, "人员类别"),
    ]
    assert counts() == before
    assert not Person.objects.filter(name="好人").exists()


def test_a_units_file_with_bad_rows_reports_each_and_saves_nothing(client_as, town, tmp_path):
    county = Unit.objects.get(depth=1)
    rows = [
        ["好单位", KIND["office"], "", town.name, ""],  # 2: fine
        ["坏类型", "星球", "", town.name, ""],  # 3
        ["坏代码", KIND["village"], "12ab", town.name, ""],  # 4
        ["无上级", KIND["village"], "", "不存在的镇", ""],  # 5
        ["挂错层级", KIND["village"], "", county.name, ""],  # 6: a village directly under the county
        ["重复代码", KIND["village"], town.code, town.name, ""],  # 7: the town's own code
        ["", KIND["village"], "", town.name, ""],  # 8: no name
    ]
    content = xlsx(tmp_path / "bad-units.xlsx", UNIT_HEADERS, rows)
    before = counts()
    response = client_as("xitong").post("/org/import/", {"kind": "units", "file": upload("u.xlsx", content)})
    assert response.status_code == 400
    reported = set(error_rows(response))
    for expected in [
        (3, "单位类型"),
        (4, "行政区划代码"),
        (5, "上级单位"),
        (6, "单位类型"),
        (7, "行政区划代码"),
        (8, "单位名称"),
    ]:
        assert expected in reported
    assert not {row for row, _column in reported} & {2}
    assert counts() == before


def test_a_parent_outside_the_importers_scope_is_refused(client_as, accounts, tmp_path):
    from qingche.org import services

    towns = list(Unit.objects.filter(kind="town").order_by("path"))
    local = services.account_bootstrap(username="xitong_town", password="Unused-Pass-2026!")
    services.role_grant_bootstrap(account=local, role_code="system_admin", unit=towns[0])
    content = xlsx(
        tmp_path / "scope.xlsx",
        UNIT_HEADERS,
        [["越界科室", KIND["office"], "", towns[1].name, ""], ["本镇科室", KIND["office"], "", towns[0].name, ""]],
    )
    before = counts()
    from django.test import Client

    from conftest import mark_otp_verified

    client = Client()
    client.force_login(local)
    mark_otp_verified(client, local)  # a system administrator works with a second factor
    response = client.post("/org/import/", {"kind": "units", "file": upload("scope.xlsx", content)})
    assert response.status_code == 400
    assert set(error_rows(response)) == {(2, "上级单位")}
    assert counts() == before


def test_an_over_long_name_is_a_row_error_not_a_crash(client_as, town, tmp_path):
    content = xlsx(tmp_path / "long.xlsx", PERSON_HEADERS, [person_row("长" * 60, dt.date(1990, 1, 2), 301, town.name)])
    before = counts()
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("long.xlsx", content)})
    assert response.status_code == 400
    assert (2, "姓名") in set(error_rows(response))
    assert counts() == before


def test_an_ambiguous_unit_name_is_a_row_error(client_as, accounts, tmp_path):
    from qingche.org import services

    towns = list(Unit.objects.filter(kind="town").order_by("path"))
    for town_unit in towns[:2]:
        services.unit_create(user=accounts["xitong"], parent=town_unit, name="新华村", kind="village")
    content = xlsx(tmp_path / "dup.xlsx", PERSON_HEADERS, [person_row("重名村民", dt.date(1990, 1, 2), 501, "新华村")])
    before = counts()
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("dup.xlsx", content)})
    assert response.status_code == 400
    assert (2, "所在单位") in set(error_rows(response))
    assert counts() == before


# -- bad files ------------------------------------------------------------------------------------------
def not_xlsx_files(tmp_path) -> dict[str, bytes]:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("hello.txt", "not a workbook")
    return {
        "text": "姓名,性别\n张三,男\n".encode(),
        "zip": archive.getvalue(),
        "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "empty": b"",
        "truncated": xlsx(tmp_path / "t.xlsx", PERSON_HEADERS, [])[:700],
    }


@pytest.mark.parametrize("kind", ["text", "zip", "xls", "empty", "truncated"])
def test_a_file_that_is_not_xlsx_gets_a_clear_message(client_as, tmp_path, kind):
    before = counts()
    content = not_xlsx_files(tmp_path)[kind]
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("people.xlsx", content)})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="import-error"' in text or "invalid-feedback" in text
    if kind != "empty":  # an empty upload is refused by the form itself
        assert ".xlsx" in text
    assert counts() == before


def test_wrong_columns_get_a_clear_message(client_as, tmp_path):
    content = xlsx(tmp_path / "cols.xlsx", ["姓名", "性别", "Foo列"], [["张三", "男", "x"]])
    before = counts()
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("cols.xlsx", content)})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="import-error"' in text and "Foo列" in text and "身份证号" in text
    # A units template uploaded as people is refused the same way.
    units = xlsx(tmp_path / "u.xlsx", UNIT_HEADERS, [["某村", KIND["village"], "", "东河镇", ""]])
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("u.xlsx", units)})
    assert response.status_code == 400 and 'id="import-error"' in response.content.decode()
    assert counts() == before


def test_an_oversized_upload_is_refused(client_as, town, tmp_path):
    content = xlsx(
        tmp_path / "big.xlsx",
        PERSON_HEADERS,
        [person_row(f"大文件{n}", dt.date(1990, 1, 2), 400 + n, town.name) for n in range(30)],
    )
    assert len(content) > 2048
    before = counts()
    with override_settings(QINGCHE_MAX_UPLOAD_BYTES=2048):
        response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("big.xlsx", content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="import-error"' in page
    assert "2 KB" in page and "0 MB" not in page  # the limit is told in a unit that fits it
    assert counts() == before
    # The same file under the normal limit imports.
    response = client_as("zuzhibu").post("/org/import/", {"kind": "people", "file": upload("big.xlsx", content)})
    assert response.status_code == 302
    assert counts()[1] == before[1] + 30


def test_import_needs_the_permission(client_as, tmp_path):
    content = xlsx(tmp_path / "u.xlsx", UNIT_HEADERS, [["某科室", KIND["office"], "", "东河镇", ""]])
    before = counts()
    for name in ("bumen", "xiangzhen", "shenji", "anquan", "yixian"):
        assert client_as(name).get("/org/import/").status_code == 403
        response = client_as(name).post("/org/import/", {"kind": "units", "file": upload("u.xlsx", content)})
        assert response.status_code == 403, name
    # The organization department imports people, not units.
    response = client_as("zuzhibu").post("/org/import/", {"kind": "units", "file": upload("u.xlsx", content)})
    assert response.status_code == 403
    response = client_as("zuzhibu").post("/org/import/", {"kind": "planets", "file": upload("u.xlsx", content)})
    assert response.status_code == 400
    assert counts() == before


# -- templates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, headers", [("units", UNIT_HEADERS), ("people", PERSON_HEADERS)])
def test_template_download_opens_with_the_expected_headers(client_as, kind, headers):
    response = client_as("zuzhibu").get(f"/org/import/template/{kind}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == headers
    assert len(rows) >= 2  # an example row
    assert client_as("zuzhibu").get("/org/import/template/planets.xlsx").status_code in (403, 404)


def test_the_people_template_example_has_a_valid_id_number(client_as):
    response = client_as("zuzhibu").get("/org/import/template/people.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    example = dict(zip(rows[0], rows[1], strict=True))
    assert core_rules.is_valid_id_number(str(example["身份证号"]))
    assert core_rules.birth_date_from_id_number(str(example["身份证号"])).isoformat() == str(example["出生日期"])


# -- export ---------------------------------------------------------------------------------------------
def export_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    return rows[1:]


@pytest.mark.parametrize("name", ["xiangzhen", "cungan", "yixian", "bumen"])
def test_people_export_holds_only_the_scope_and_only_masked_data(client_as, accounts, name):
    user = accounts[name]
    grant = user.role_grants.get()
    paths = dict(Unit.objects.values_list("id", "path"))
    names = dict(Unit.objects.values_list("id", "name"))
    if grant.scope == "subtree":
        expected = [p for p in Person.objects.all() if paths[p.unit_id].startswith(grant.unit.path)]
    elif grant.scope == "unit":
        expected = [p for p in Person.objects.all() if p.unit_id == grant.unit_id]
    else:
        expected = [p for p in Person.objects.all() if p.account_id == user.pk]
    assert expected
    rows = export_rows(client_as(name).get("/org/people/", {"export": "xlsx"}))
    assert Counter((row[0], row[3], row[9]) for row in rows) == Counter(
        (p.name, p.id_number_masked, names[p.unit_id]) for p in expected
    )
    clear = {value for p in Person.objects.all() for value in (p.phone, p.id_number)}
    for row in rows:
        assert not clear & {str(cell) for cell in row}
        assert row[4] in ("", None) or re.fullmatch(r"\d{3}\*{4}\d{4}", row[4]), row[4]
        assert re.fullmatch(r"\d{4}\*{13}[\dX]", row[3]), row[3]
    assert AuditEvent.objects.filter(action="export", object_type="org.person", actor_name=name).exists()


def test_export_cells_never_become_formulas(client_as, accounts, town):
    from qingche.org import services

    born = dt.date(1990, 1, 2)
    services.person_create(
        user=accounts["zuzhibu"],
        unit=town,
        name='=HYPERLINK("x")',
        gender="male",
        birth_date=born,
        id_number=make_id(born, 601),
        category="civil_servant",
    )
    response = client_as("xiangzhen").get("/org/people/", {"export": "xlsx", "q": "HYPERLINK"})
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2)]
    assert len(cells) == 1
    assert cells[0].data_type != "f" and not str(cells[0].value).startswith("=")
