"""core.bulk: rows inserted and updated in bulk land as they were given, and an empty table's indexes
(dropped on SQLite while the rows go in) are all there again afterwards."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from qingche.core import bulk

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> list:
    if connection.vendor == "postgresql":
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname"
    else:
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s ORDER BY name"
    with connection.cursor() as cursor:
        cursor.execute(sql, [table])
        return cursor.fetchall()


def test_insert_into_an_empty_table_keeps_its_indexes_and_update_writes_every_row():
    Session.objects.all().delete()
    before = _indexes("django_session")
    assert any("expire_date" in (definition or "") for _name, definition in before)
    moment = timezone.now().replace(microsecond=0)
    rows = [{"session_key": f"bulk-{index:034d}", "session_data": "x", "expire_date": moment} for index in range(50)]
    assert bulk.insert(Session, rows) == 50
    assert _indexes("django_session") == before
    assert Session.objects.filter(expire_date=moment).count() == 50

    sessions = list(Session.objects.order_by("session_key"))
    for index, session in enumerate(sessions):
        session.session_data, session.expire_date = f"y{index}", moment + dt.timedelta(days=index)
    bulk.update(Session, sessions, ["session_data", "expire_date"])
    stored = {s.session_key: (s.session_data, s.expire_date) for s in Session.objects.all()}
    assert stored == {s.session_key: (s.session_data, s.expire_date) for s in sessions}
    # a second insert, into a table that now has rows, goes in the same way
    assert bulk.insert(Session, [{"session_key": "bulk-last", "session_data": "z", "expire_date": moment}]) == 1
    assert Session.objects.count() == 51 and _indexes("django_session") == before
