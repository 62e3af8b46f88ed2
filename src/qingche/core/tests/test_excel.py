"""The workbook writer (core.excel.write_xlsx) writes the format's XML itself: what it writes must read
back in openpyxl as the values given, with formulas and illegal characters kept out."""

import datetime as dt
import io

from openpyxl import load_workbook

from qingche.core.excel import read_xlsx, write_xlsx


def _read(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return workbook.active, [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_values_read_back_as_given():
    content = write_xlsx(
        ["姓名", "年份", "得分", "在岗", "日期", "时间"],
        [
            ["张三", 1980, 87.5, True, dt.date(2026, 3, 4), dt.datetime(2026, 3, 4, 13, 30)],
            ["李四", None, 0, False, None, None],
        ],
        sheet_title="人员 <名单>",
    )
    sheet, rows = _read(content)
    assert sheet.title == "人员 <名单>"
    assert rows[0] == ["姓名", "年份", "得分", "在岗", "日期", "时间"]
    assert rows[1] == ["张三", 1980, 87.5, True, dt.datetime(2026, 3, 4), dt.datetime(2026, 3, 4, 13, 30)]
    assert rows[2] == ["李四", None, 0, False, None, None]
    assert sheet["E2"].is_date and sheet["F2"].is_date


def test_no_cell_becomes_a_formula_and_no_character_breaks_the_file():
    _sheet, rows = _read(write_xlsx(["a", "b"], [["=1+1", 'x<y>&"z\x01\x1f'], ["+1", "-1"]]))
    assert rows[1:] == [["'=1+1", 'x<y>&"z'], ["'+1", "'-1"]]


def test_a_written_template_reads_back_through_the_importer():
    content = write_xlsx(["名称", "数量"], [["路灯", 3]])
    upload = io.BytesIO(content)
    upload.size = len(content)
    assert read_xlsx(upload, [("name", "名称"), ("count", "数量")]) == [(2, {"name": "路灯", "count": 3})]
