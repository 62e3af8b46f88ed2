"""The API's own refusals (not the services') come in the language the request asks for."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, message", [("en", "Unknown unit."), ("zh-hans", "单位不存在。")])
def test_an_urgent_quota_for_an_unknown_unit_is_refused_in_the_language_asked_for(api_as, language, message):
    response = api_as("admin").post(
        "/api/v1/urgent-quotas/",
        {"unit": 999999, "year": 2026, "quota": 3},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json() == {"unit": [message]}
