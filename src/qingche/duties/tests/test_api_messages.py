"""The API's own refusals (not the services') come in the language the request asks for."""

import io

import pytest

from qingche.core.excel import write_xlsx
from qingche.duties import rules

pytestmark = pytest.mark.django_db

WORDS = {
    "en": {
        "unit": "Unknown town or street, or outside your scope.",
        "file": "Attach the Excel file.",
        "nothing": "Nothing was saved.",
    },
    "zh-hans": {
        "unit": "乡镇（街道）不存在，或不在您的数据范围内。",
        "file": "请附上 Excel 文件。",
        "nothing": "未保存任何内容。",
    },
}


@pytest.mark.parametrize("language", WORDS)
def test_draft_and_import_name_a_bad_unit_or_file_in_the_language_asked_for(api_as, town, language):
    api, words = api_as("jianfuban"), WORDS[language]
    response = api.post("/api/v1/duty-lists/draft/", {"unit": 999999999}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400 and response.json() == {"unit": [words["unit"]]}
    response = api.post("/api/v1/duty-lists/import/", {"unit": 999999999}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400 and response.json() == {"unit": [words["unit"]]}
    response = api.post("/api/v1/duty-lists/import/", {"unit": town.pk}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400 and response.json() == {"file": [words["file"]]}


@pytest.mark.parametrize("language", WORDS)
def test_an_import_with_bad_rows_says_nothing_was_saved_in_the_language_asked_for(api_as, town, language):
    headers = [header for _key, header in rules.EXCEL_COLUMNS]
    content = write_xlsx(headers, [["", "", "不存在的类别", "", "", "", "", "", ""]])
    upload = io.BytesIO(content)
    upload.name = "duties.xlsx"
    response = api_as("jianfuban").post(
        "/api/v1/duty-lists/import/", {"unit": town.pk, "file": upload}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    body = response.json()
    assert body["file"] == [WORDS[language]["nothing"]] and body["rows"]
