"""Pure duty-list rules: 责随权转 flag, version diff, checks of an imported file."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.duties import rules

DEPARTMENTS = ["县农业农村局", "县财政局"]


def test_lacks_power():
    assert rules.lacks_power("basic", 0) and rules.lacks_power("cooperation", 0)
    assert not rules.lacks_power("basic", 1) and not rules.lacks_power("taken_back", 0)


def test_diff_items():
    old = {"A": {"name": "x"}, "B": {"name": "y"}, "C": {"name": "z", "kind": "basic"}}
    new = {"A": {"name": "x"}, "C": {"name": "z", "kind": "cooperation"}, "D": {"name": "w"}}
    diff = rules.diff_items(old, new)
    assert diff.added == ["D"] and diff.removed == ["B"] and diff.changed == {"C": ["kind"]}
    assert rules.diff_items(new, new).is_empty


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.dictionaries(st.sampled_from("ABCDEFG"), st.fixed_dictionaries({"name": st.sampled_from("xyz")})),
    st.dictionaries(st.sampled_from("ABCDEFG"), st.fixed_dictionaries({"name": st.sampled_from("xyz")})),
)
def test_diff_partitions_codes(old, new):
    diff = rules.diff_items(old, new)
    assert set(diff.added) == set(new) - set(old)
    assert set(diff.removed) == set(old) - set(new)
    assert set(diff.changed) <= set(old) & set(new)


def row(**values):
    base = {
        "code": "JB-001",
        "name": "领导党建",
        "kind": "基本履职事项",
        "domain": "党的建设",
        "legal_basis": "",
        "lead_department": "",
        "cooperating_departments": "",
        "powers": "党内管理：指导",
        "keywords": "党建",
    }
    base.update(values)
    return base


def test_check_rows_accepts_a_good_file():
    items, errors = rules.check_rows(
        [
            (2, row()),
            (
                3,
                row(
                    code="PH-001",
                    kind="配合履职事项",
                    lead_department="县农业农村局",
                    cooperating_departments="县财政局",
                    powers="",
                ),
            ),
        ],
        DEPARTMENTS,
    )
    assert errors == []
    assert [item.kind for item in items] == ["basic", "cooperation"]
    assert items[0].powers == [("党内管理", "指导")] and items[1].cooperating_departments == ["县财政局"]


def test_check_rows_reports_every_row():
    rows = [
        (2, row()),
        (3, row()),
        (4, row(code="X", kind="别的")),
        (5, row(code="Y", name="")),
        (6, row(code="Z", kind="上级部门收回事项", lead_department="县不存在局")),
    ]
    _items, errors = rules.check_rows(rows, DEPARTMENTS)
    assert {(number, column) for number, column, _msg, _params in errors} == {
        (3, "事项编码"),
        (4, "类别"),
        (5, "事项名称"),
        (6, "牵头部门"),
    }


def test_check_rows_empty_file():
    _items, errors = rules.check_rows([], DEPARTMENTS)
    assert errors


def test_standing_hours_problems():
    assert rules.standing_hours_problem(rules.BASIC, "") is None
    assert rules.standing_hours_problem(rules.BASIC, None) is None
    assert rules.standing_hours_problem(rules.BASIC, "80.5") is None
    assert rules.standing_hours_problem(rules.COOPERATION, 0) is None
    assert rules.standing_hours_problem(rules.TAKEN_BACK, 0) is None
    for bad in ("abc", "-1", "nan", "inf", "1e9"):
        assert rules.standing_hours_problem(rules.BASIC, bad) is not None, bad
    assert "taken back" in rules.standing_hours_problem(rules.TAKEN_BACK, "5")
    assert rules.standing_hours_value(" 12.34 ") == Decimal("12.3")
    assert rules.standing_hours_value("") is None


@given(st.decimals(min_value=0, max_value=5000, places=1))
def test_any_hours_within_the_range_are_accepted(hours):
    assert rules.standing_hours_problem(rules.BASIC, str(hours)) is None
    assert rules.standing_hours_value(str(hours)) == hours


def test_check_rows_reads_the_standing_workload_column():
    row = {"code": "JB-1", "name": "事项", "kind": "基本履职事项", "standing_hours": "42"}
    items, errors = rules.check_rows([(2, row)], [])
    assert errors == [] and items[0].standing_hours == Decimal("42.0")
    items, errors = rules.check_rows([(2, row | {"standing_hours": "很多"})], [])
    assert items == [] and errors[0][:2] == (2, "每月常态工作量（人时）")
    items, errors = rules.check_rows([(2, {key: value for key, value in row.items() if key != "standing_hours"})], [])
    assert errors == [] and items[0].standing_hours is None
