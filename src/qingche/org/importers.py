"""Excel import of units and of people: the whole file is checked first, every bad row reported
with its row number and reason, and nothing is saved unless the file is clean."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from qingche.core import rules as core_rules
from qingche.core.audit import record
from qingche.core.excel import ImportResult, read_xlsx, write_xlsx
from qingche.core.pii import pii_hash
from qingche.core.scope import unit_in_scope
from qingche.org import rules
from qingche.org.models import Assignment, Person, Post, Unit

UNIT_COLUMNS = [
    ("name", "单位名称"),
    ("kind", "单位类型"),
    ("code", "行政区划代码"),
    ("parent", "上级单位"),
    ("short_name", "简称"),
]
PERSON_COLUMNS = [
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("id_number", "身份证号"),
    ("phone", "手机号码"),
    ("hometown", "籍贯"),
    ("education", "学历"),
    ("political_status", "政治面貌"),
    ("category", "人员类别"),
    ("rank", "职级"),
    ("unit", "所在单位"),
    ("post", "岗位"),
    ("start_date", "任职开始日期"),
]
UNIT_EXAMPLE = [["示范县东河镇", "乡镇", "430100101", "示范县", "东河镇"]]
PERSON_EXAMPLE = [
    [
        "张三",
        "男",
        "1985-03-12",
        "110101198503120017",
        "13800138000",
        "湖南长沙",
        "大学本科",
        "中共党员",
        "公务员",
        "一级科员",
        "示范县东河镇",
        "综合办干事",
        "2020-01-01",
    ]
]


def _chinese_choices(choices) -> dict[str, str]:
    """Chinese label -> stored value (the template is always in Chinese, as counties use it)."""
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices}


def template(kind: str) -> bytes:
    columns, example = (UNIT_COLUMNS, UNIT_EXAMPLE) if kind == "units" else (PERSON_COLUMNS, PERSON_EXAMPLE)
    return write_xlsx([title for _key, title in columns], example, sheet_title="导入模板")


AMBIGUOUS = object()  # several units in scope share the name: the row must give the code


def _index_by_name(units) -> dict:
    index: dict = {}
    for unit in units:
        index[unit.name] = AMBIGUOUS if unit.name in index else unit
    return index


def _find_unit(value: str, by_code: dict, by_name: dict):
    value = str(value or "").strip()
    return by_code.get(value) or by_name.get(value)


# -- units ------------------------------------------------------------------------------------------
def check_units(user, upload) -> ImportResult:
    if not user.has_perm("org.import_unit"):
        raise PermissionDenied(_("You do not have permission to do this."))
    result = ImportResult()
    kinds = _chinese_choices(Unit.Kind.choices)
    existing = list(Unit.objects.visible_to(user).only("id", "name", "code", "kind", "path"))
    by_code = {unit.code: unit for unit in existing if unit.code}
    by_name = _index_by_name(existing)
    pending_names: dict[str, str] = {}
    for number, row in read_xlsx(upload, UNIT_COLUMNS):
        name, kind = str(row.get("name", "")).strip(), kinds.get(str(row.get("kind", "")).strip())
        code, parent_ref = str(row.get("code", "")).strip(), str(row.get("parent", "")).strip()
        if not name:
            result.add_error(number, "单位名称", _("Enter a name."))
        if kind is None:
            result.add_error(
                number, "单位类型", _("Unknown kind of unit; use one of: %(kinds)s") % {"kinds": "、".join(kinds)}
            )
        if code and not rules.is_valid_unit_code(kind or "", code):
            result.add_error(number, "行政区划代码", _("The administrative code must be 6, 9 or 12 digits."))
        if code and (code in by_code or code in {r["code"] for _n, r in result.rows if r["code"]}):
            result.add_error(number, "行政区划代码", _("This code is already in use."))
        parent = _find_unit(parent_ref, by_code, by_name)
        if parent is AMBIGUOUS:
            result.add_error(
                number,
                "上级单位",
                _("Several units are named “%(ref)s”: give the administrative code.") % {"ref": parent_ref},
            )
            result.rows.append((number, {}))
            continue
        parent_kind = parent.kind if parent is not None else pending_names.get(parent_ref)
        if parent is None and parent_kind is None:
            result.add_error(
                number,
                "上级单位",
                _("Unknown parent unit “%(ref)s” (give its name or code; it must exist or come earlier in the file).")
                % {"ref": parent_ref},
            )
        elif parent is not None and not unit_in_scope(user, "org.import_unit", parent):
            result.add_error(number, "上级单位", _("This unit is outside your scope."))
        elif kind and not rules.may_hang_under(kind, parent_kind):
            result.add_error(
                number, "单位类型", _("A unit of this kind cannot be placed under %(parent)s.") % {"parent": parent_ref}
            )
        if name and kind:
            pending_names[name] = kind
            if code:
                pending_names[code] = kind
        result.rows.append(
            (
                number,
                {
                    "name": name,
                    "kind": kind,
                    "code": code,
                    "parent": parent_ref,
                    "short_name": str(row.get("short_name", "")).strip(),
                },
            )
        )
    return result


@transaction.atomic
def import_units(user, upload) -> ImportResult:
    result = check_units(user, upload)
    if result.errors:
        return result
    by_code = {unit.code: unit for unit in Unit.objects.exclude(code="")}
    by_name = _index_by_name(Unit.objects.visible_to(user))
    for _number, row in result.rows:
        parent = Unit.objects.get(pk=_find_unit(row["parent"], by_code, by_name).pk)
        unit = Unit.objects.add_child(
            parent,
            create_kwargs=dict(
                name=row["name"][:100], kind=row["kind"], code=row["code"], short_name=row["short_name"][:50]
            ),
        )
        by_name[unit.name] = unit
        if unit.code:
            by_code[unit.code] = unit
    record("import", object_type="org.unit", object_repr=f"{len(result.rows)} units", after={"rows": len(result.rows)})
    return result


# -- people -----------------------------------------------------------------------------------------
def _parse_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return False


def check_people(user, upload) -> ImportResult:
    if not user.has_perm("org.import_person"):
        raise PermissionDenied(_("You do not have permission to do this."))
    result = ImportResult()
    choices = {
        field: _chinese_choices(getattr(Person, enum).choices)
        for field, enum in (
            ("gender", "Gender"),
            ("education", "Education"),
            ("political_status", "Political"),
            ("category", "Category"),
        )
    }
    visible_units = list(Unit.objects.visible_to(user).only("id", "name", "code", "path", "kind"))
    by_code = {unit.code: unit for unit in visible_units if unit.code}
    by_name = _index_by_name(visible_units)
    posts = {(post.unit_id, post.name): post for post in Post.objects.filter(unit__in=visible_units)}
    seen_ids: set[str] = set()
    for number, row in read_xlsx(upload, PERSON_COLUMNS):
        cleaned = _check_person_row(user, number, row, result, choices, by_code, by_name, posts, seen_ids)
        result.rows.append((number, cleaned))
    return result


def _check_person_row(user, number, row, result, choices, by_code, by_name, posts, seen_ids) -> dict:
    cleaned = {"name": str(row.get("name", "")).strip()}
    if not cleaned["name"]:
        result.add_error(number, "姓名", _("Enter a name."))
    elif len(cleaned["name"]) > Person._meta.get_field("name").max_length:
        result.add_error(number, "姓名", _("The name is too long (at most 50 characters)."))
    for field, title in (
        ("gender", "性别"),
        ("education", "学历"),
        ("political_status", "政治面貌"),
        ("category", "人员类别"),
    ):
        label = str(row.get(field, "")).strip()
        cleaned[field] = choices[field].get(label)
        if cleaned[field] is None:
            if label or field in ("gender", "category"):
                result.add_error(
                    number,
                    title,
                    _("Unknown value “%(value)s”; use one of: %(values)s")
                    % {"value": label, "values": "、".join(choices[field])},
                )
            cleaned[field] = ""
    id_number = core_rules.normalize_id_number(str(row.get("id_number", "")))
    cleaned["id_number"] = id_number
    if not core_rules.is_valid_id_number(id_number):
        result.add_error(
            number,
            "身份证号",
            _("Invalid ID number: 18 characters, a real birth date and a matching check digit (GB 11643)."),
        )
    elif id_number in seen_ids:
        result.add_error(number, "身份证号", _("This ID number appears twice in the file."))
    elif Person.objects.filter(id_number_hash=pii_hash(id_number)).exists():
        result.add_error(number, "身份证号", _("A person with this ID number is already on record."))
    seen_ids.add(id_number)
    birth_date = _parse_date(row.get("birth_date"))
    if not birth_date:
        result.add_error(number, "出生日期", _("Enter a valid date (YYYY-MM-DD)."))
    elif core_rules.is_valid_id_number(id_number) and core_rules.birth_date_from_id_number(id_number) != birth_date:
        result.add_error(number, "出生日期", _("The birth date does not match the ID number."))
    cleaned["birth_date"] = birth_date or None
    phone = core_rules.normalize_phone(str(row.get("phone", "")))
    if phone and not core_rules.is_valid_phone(phone):
        result.add_error(
            number,
            "手机号码",
            _("Invalid phone number: an 11-digit mobile number or a landline such as 0731-84123456."),
        )
    cleaned["phone"] = phone
    cleaned["hometown"] = str(row.get("hometown", "")).strip()[:100]
    cleaned["rank"] = str(row.get("rank", "")).strip()[:30]
    unit = _find_unit(row.get("unit"), by_code, by_name)
    if unit is AMBIGUOUS:
        result.add_error(
            number,
            "所在单位",
            _("Several units are named “%(ref)s”: give the administrative code.") % {"ref": row.get("unit")},
        )
        unit = None
    elif unit is None:
        result.add_error(number, "所在单位", _("Unknown unit, or outside your scope."))
    elif not unit_in_scope(user, "org.import_person", unit):
        result.add_error(number, "所在单位", _("This unit is outside your scope."))
    cleaned["unit"] = unit
    post_name = str(row.get("post", "")).strip()
    cleaned["post"] = posts.get((unit.pk, post_name)) if unit is not None and post_name else None
    if post_name and unit is not None and cleaned["post"] is None:
        result.add_error(number, "岗位", _("The unit has no post named “%(post)s”.") % {"post": post_name})
    start_date = _parse_date(row.get("start_date"))
    if start_date is False or (post_name and not start_date):
        result.add_error(number, "任职开始日期", _("Enter a valid date (YYYY-MM-DD)."))
    cleaned["start_date"] = start_date or None
    return cleaned


@transaction.atomic
def import_people(user, upload) -> ImportResult:
    result = check_people(user, upload)
    if result.errors:
        return result
    for _number, row in result.rows:
        post, start_date = row.pop("post"), row.pop("start_date")
        person = Person(**row)
        person.save()
        if post is not None:
            Assignment(person=person, post=post, unit=post.unit, start_date=start_date).save()
    record(
        "import", object_type="org.person", object_repr=f"{len(result.rows)} people", after={"rows": len(result.rows)}
    )
    return result
