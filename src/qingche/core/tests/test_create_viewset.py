"""The create view set (core.api.ServiceCreateMixin): the body is validated, the named service is called with
`user=`, the answer is 201 with the object; the service's refusals are 400 naming the field or 403."""

import pytest

from qingche.org.models import Unit
from qingche.tasks.models import UrgentQuota

pytestmark = pytest.mark.django_db


def test_a_create_calls_the_service_and_answers_201_with_the_object(api_as, accounts):
    department = Unit.objects.filter(kind="department").first()
    response = api_as("jianfuban").post(
        "/api/v1/urgent-quotas/", {"unit": department.pk, "year": 2031, "quota": 3}, format="json"
    )
    assert response.status_code == 201, response.content
    entry = UrgentQuota.objects.get(unit=department, year=2031)
    assert response.json() == {
        "id": entry.pk,
        "unit": department.pk,
        "unit_name": department.name,
        "year": 2031,
        "quota": 3,
        "used": 0,
    }


def test_the_services_refusal_is_400_on_its_field(api_as, town):
    api = api_as("jianfuban")
    refused = api.post("/api/v1/urgent-quotas/", {"unit": town.pk, "year": 2031, "quota": 3}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["unit"]  # the service: departments only
    unknown = api.post("/api/v1/urgent-quotas/", {"unit": 10**9, "year": 2031, "quota": 3}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["unit"]  # create_arguments' lookup
    invalid = api.post("/api/v1/urgent-quotas/", {"unit": town.pk, "year": 1900, "quota": 3}, format="json")
    assert invalid.status_code == 400 and list(invalid.json()) == ["year"]  # the serializer, before the service
    assert not UrgentQuota.objects.filter(year=2031).exists()


def test_a_role_without_the_permission_gets_403_and_an_object_outside_the_scope_404(api_as):
    department = Unit.objects.filter(kind="department").first()
    body = {"unit": department.pk, "year": 2031, "quota": 3}
    assert api_as("bumen").post("/api/v1/urgent-quotas/", body, format="json").status_code == 403
    missing = api_as("cungan").post(
        "/api/v1/burden/fills/", {"form": 10**9, "unit": department.pk, "values": {}}, format="json"
    )
    assert missing.status_code == 404
