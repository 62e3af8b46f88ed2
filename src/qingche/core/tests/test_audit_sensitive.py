"""The audit administrator reads the trail but no citizen's address, text, tracking code or Open311 token
in it (Trust I, item 6): models declare their sensitive fields (`audit_sensitive`), the trail keeps a
keyed digest of them, and the trail's page and export redact events written before the declaration too."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from qingche.core import audit
from qingche.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_made(db):
    from qingche.org.models import Unit
    from qingche.service import services
    from qingche.service.models import Category

    category = Category.objects.filter(children__isnull=True, is_active=True).order_by("code").first()
    town = Unit.objects.filter(kind="town").order_by("path").first()
    return services.request_submit(
        user=None,
        channel="open311",
        category_id=category.pk,
        title="楼下烧烤油烟扰民",
        text="每晚十点后楼下烧烤油烟很大",
        address=f"{town.name}幸福路18号3栋",
        lat=28.123456,
        long=112.254321,
        citizen_name="王小明",
        citizen_phone="13912345678",
    )


def _secrets(request):
    return [
        request.title,
        request.text,
        request.address,
        request.issued_code,
        request.token,
        "王小明",
        "13912345678",
        "28.123456",
        "112.254321",
    ]


def _trail_as_shenji(client_as, request) -> list[str]:
    client = client_as("shenji")
    query = {"object_type": "service.servicerequest", "object_id": request.pk}
    page = client.get("/audit/", query).content.decode()
    export = client.get("/audit/", {**query, "export": "xlsx"}).content
    cells = " ".join(
        str(cell)
        for row in load_workbook(io.BytesIO(export), read_only=True).active.iter_rows(values_only=True)
        for cell in row
    )
    return [page, cells]


def test_the_trail_holds_no_citizen_data_in_clear(request_made, client_as):
    request = request_made
    assert request.token and request.issued_code
    stored = AuditEvent.objects.filter(object_type="service.servicerequest", object_id=str(request.pk))
    assert stored.exists()
    raw = json.dumps([[event.before, event.after] for event in stored], ensure_ascii=False)
    assert not [value for value in _secrets(request) if value in raw]
    created = stored.get(action="create").after
    for name in ("title", "address", "token", "latitude", "longitude"):
        assert audit.DIGEST_RE.match(created[name]), (name, created[name])
    assert "tracking_code_hash" not in created  # the code's keyed hash stays out of the trail altogether
    for shown in _trail_as_shenji(client_as, request):
        assert not [value for value in _secrets(request) if value in shown]


def test_an_event_written_before_the_declaration_is_redacted_when_shown(request_made, client_as):
    request = request_made
    AuditEvent.objects.create(
        actor_name="system:old",
        action="update",
        object_type="service.servicerequest",
        object_id=str(request.pk),
        object_repr=request.number,
        before={"address": "旧地址", "token": request.token},
        after={
            "address": request.address,
            "title": request.title,
            "token": request.token,
            "citizen_phone": "13912345678",
        },
    )
    for shown in _trail_as_shenji(client_as, request):
        assert not [value for value in [*_secrets(request), "旧地址"] if value in shown]


def test_digests_are_keyed_stable_and_tell_a_change_apart():
    from qingche.service.models import ServiceRequest

    first = audit.redact(ServiceRequest, {"address": "幸福路18号", "status": "new"})
    again = audit.redact(ServiceRequest, first)  # redacting twice changes nothing
    other = audit.redact(ServiceRequest, {"address": "幸福路19号"})
    assert first == again and first["status"] == "new"
    assert first["address"] != other["address"] and audit.DIGEST_RE.match(first["address"])
