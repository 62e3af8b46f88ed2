"""Pure rules of duty lists (no ORM, no request): the 责随权转 flag, version diffs and the checks of
an imported list. Property-friendly: plain values in, plain values out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation


def _(message: str) -> str:
    """Marks a msgid for makemessages (xgettext's `_` keyword) without importing Django: it returns the English
    msgid unchanged; the caller translates it with gettext."""
    return message


BASIC, COOPERATION, TAKEN_BACK = "basic", "cooperation", "taken_back"
KINDS = (BASIC, COOPERATION, TAKEN_BACK)

# The column headers of the layout counties publish, in template order: (key, header).
EXCEL_COLUMNS = [
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("kind", "类别"),
    ("domain", "领域"),
    ("legal_basis", "法律依据"),
    ("lead_department", "牵头部门"),
    ("cooperating_departments", "配合部门"),
    ("powers", "权力事项"),
    ("keywords", "关键词"),
    ("standing_hours", "每月常态工作量（人时）"),
]
# Columns an older file may lack: a list exported before standing workloads existed still imports.
OPTIONAL_COLUMNS = ("standing_hours",)
# A duty's standing workload at most (person-hours a month): a whole town of 150 people works about 22,000.
MAX_STANDING_HOURS = Decimal("5000")
KIND_LABELS = {BASIC: "基本履职事项", COOPERATION: "配合履职事项", TAKEN_BACK: "上级部门收回事项"}
KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()} | {kind: kind for kind in KINDS}
SEPARATOR = "；"


def split_list(text) -> list[str]:
    """'a；b;c' -> ['a', 'b', 'c'] (full- or half-width semicolons, blanks dropped)."""
    return [part.strip() for part in str(text or "").replace(";", SEPARATOR).split(SEPARATOR) if part.strip()]


def lacks_power(kind: str, power_count: int) -> bool:
    """责随权转: a duty the town carries (basic or cooperation) with no matching power is flagged.
    A duty taken back is the department's, so it is never flagged."""
    return kind in (BASIC, COOPERATION) and power_count <= 0


def standing_hours_problem(kind: str, hours) -> str | None:
    """The msgid of what is wrong with a standing workload (person-hours a month) for a duty of this kind,
    or None. Empty is allowed (not estimated yet); a duty taken back is the department's, so it carries none."""
    if hours is None or hours == "":
        return None
    try:
        value = Decimal(str(hours).strip())
    except InvalidOperation:
        return _("The standing workload must be a number of person-hours a month.")
    if not value.is_finite() or value < 0:
        return _("The standing workload must be a number of person-hours a month.")
    if value > MAX_STANDING_HOURS:
        return _("The standing workload is at most 5000 person-hours a month.")
    if kind == TAKEN_BACK and value > 0:
        return _("A duty taken back by a department carries no standing workload for the town.")
    return None


def standing_hours_value(hours) -> Decimal | None:
    """A valid standing workload (see standing_hours_problem) as Decimal with one decimal, or None if empty."""
    if hours is None or hours == "":
        return None
    return Decimal(str(hours).strip()).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ItemDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # code -> names of the fields that changed

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_items(old: Mapping[str, Mapping], new: Mapping[str, Mapping]) -> ItemDiff:
    """Compare two versions given as {code: {field: value}}: items added, removed and changed."""
    added = sorted(code for code in new if code not in old)
    removed = sorted(code for code in old if code not in new)
    changed = {}
    for code in sorted(set(old) & set(new)):
        fields = sorted(key for key in set(old[code]) | set(new[code]) if old[code].get(key) != new[code].get(key))
        if fields:
            changed[code] = fields
    return ItemDiff(added, removed, changed)


@dataclass
class ParsedItem:
    row: int
    code: str
    name: str
    kind: str
    domain: str
    legal_basis: str
    lead_department: str
    cooperating_departments: list[str]
    powers: list[tuple[str, str]]
    keywords: str
    standing_hours: Decimal | None = None


def parse_power(text: str) -> tuple[str, str]:
    """'行政检查：对…的检查' -> ('行政检查', '对…的检查'); a bare category has no description."""
    for colon in ("：", ":"):
        if colon in text:
            category, description = text.split(colon, 1)
            return category.strip()[:30], description.strip()[:300]
    return text.strip()[:30], ""


def check_rows(rows: Iterable[tuple[int, Mapping]], departments: Iterable[str]) -> tuple[list[ParsedItem], list]:
    """Validate a whole imported list. rows: (excel row, {key: value}); departments: the names a lead
    or cooperating department may have. Returns (items, errors) with errors as (row, column, message
    msgid, params); the caller translates. Nothing is valid unless every row is."""
    known = set(departments)
    headers = dict(EXCEL_COLUMNS)
    items: list[ParsedItem] = []
    errors: list[tuple[int, str, str, dict]] = []
    seen: dict[str, int] = {}
    for number, values in rows:

        def text(key, values=values):
            value = values.get(key, "")
            return "" if value is None else str(value).strip()

        code, name, kind_label = text("code"), text("name"), text("kind")
        row_errors = []
        if not code:
            row_errors.append(("code", _("Enter the item code."), {}))
        elif len(code) > 30:
            row_errors.append(("code", _("The item code is longer than 30 characters."), {}))
        elif code in seen:
            row_errors.append(
                (
                    "code",
                    _("The code %(code)s is used again (first in row %(row)d)."),
                    {"code": code, "row": seen[code]},
                )
            )
        if not name:
            row_errors.append(("name", _("Enter the item name."), {}))
        elif len(name) > 300:
            row_errors.append(("name", _("The item name is longer than 300 characters."), {}))
        kind = KIND_BY_LABEL.get(kind_label)
        if kind is None:
            row_errors.append(("kind", _("The category must be 基本履职事项, 配合履职事项 or 上级部门收回事项."), {}))
        lead = text("lead_department")
        if lead and lead not in known:
            row_errors.append(("lead_department", _("Unknown department: %(name)s."), {"name": lead}))
        if kind in (COOPERATION, TAKEN_BACK) and not lead:
            row_errors.append(
                ("lead_department", _("A cooperation duty or a duty taken back names its department."), {})
            )
        cooperating = split_list(text("cooperating_departments"))
        for department in cooperating:
            if department not in known:
                row_errors.append(("cooperating_departments", _("Unknown department: %(name)s."), {"name": department}))
        if len(text("domain")) > 50:
            row_errors.append(("domain", _("The domain is longer than 50 characters."), {}))
        if len(text("keywords")) > 300:
            row_errors.append(("keywords", _("The keywords are longer than 300 characters."), {}))
        hours_problem = standing_hours_problem(kind, text("standing_hours"))
        if hours_problem:
            row_errors.append(("standing_hours", hours_problem, {}))
        if code:
            seen.setdefault(code, number)
        if row_errors:
            errors.extend((number, headers[column], message, params) for column, message, params in row_errors)
            continue
        items.append(
            ParsedItem(
                row=number,
                code=code,
                name=name,
                kind=kind,
                domain=text("domain"),
                legal_basis=text("legal_basis"),
                lead_department=lead,
                cooperating_departments=cooperating,
                powers=[parse_power(power) for power in split_list(text("powers"))],
                keywords=text("keywords"),
                standing_hours=standing_hours_value(text("standing_hours")),
            )
        )
    if not errors and not items:
        errors.append((1, "", _("The file holds no items."), {}))
    return items, errors
