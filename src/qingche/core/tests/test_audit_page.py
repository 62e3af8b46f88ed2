"""The audit page as an auditor reads it: people by name and unit, object types and objects by name, each
change as field / before / after in words and in Beijing time — never `core.user #4` or a raw dict in UTC."""

import re

import pytest
from django.utils import translation

from qingche.core.actors import name
from qingche.core.audit import audit_context, record
from qingche.core.tests.test_pages_and_api import audit_rows

pytestmark = pytest.mark.django_db


def test_the_audit_page_names_people_and_objects_and_shows_changes_in_words_and_local_time(client_as, accounts):
    from qingche.org.models import Person

    person = Person.objects.filter(account__isnull=False).select_related("unit").first()
    with audit_context(actor=accounts["xiangzhen"], request_id="qc-readable-1"):
        record(
            "update",
            object_type="core.user",
            object_id=str(person.account_id),
            object_repr=person.account.username,
            before={"is_active": True, "last_login": "2026-10-01T02:30:00+00:00"},
            after={"is_active": False, "last_login": "2026-10-01T16:45:00+00:00"},
        )
        record(
            "update",
            object_type="org.person",
            object_id=str(person.pk),
            object_repr=person.name,
            before={"unit_id": None, "education": ""},
            after={"unit_id": person.unit_id, "education": "postgraduate"},
        )
    html = client_as("shenji").get("/audit/", {"request_id": "qc-readable-1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = audit_rows(html)
    with translation.override("zh-hans"):
        actor, account = name(accounts["xiangzhen"]), name(person.account)
        education = str(Person._meta.get_field("education").verbose_name)
        master = str(dict(Person.Education.choices)["postgraduate"])
    assert [row[1] for row in rows] == [actor, actor] and actor != "xiangzhen"
    person_row, user_row = rows
    assert user_row[4].endswith(account) and "core.user" not in user_row[4]
    assert "10:30:00" in user_row[5] and "00:45:00" in user_row[5]  # UTC 02:30 / 16:45 in Beijing
    assert "+00:00" not in user_row[5] and "{" not in user_row[5] and "True" not in user_row[5]
    assert f"{education} ： — → {master}" in person_row[5] and person.unit.name in person_row[5]
    assert "unit_id" not in person_row[5]
    # a search by the name the page shows finds the events
    by_name = audit_rows(
        client_as("shenji").get("/audit/", {"actor": actor.split("（")[0], "request_id": "qc-readable-1"})
    )
    assert len(by_name) == 2
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", user_row[0])
