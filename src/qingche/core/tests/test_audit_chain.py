"""The audit trail as a hash chain (core/rules.py, core/audit.py, `qingche audit verify`): an edited or
deleted event is found and named; concurrent and bulk writers extend one chain."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from qingche.core import rules
from qingche.core.audit import audit_context, record, record_created, verify_chain
from qingche.core.models import AuditAnchor, AuditChainHead, AuditEvent

MOMENT = dt.datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=dt.UTC)


def _event(**changes):
    values = {
        "chain_seq": 1,
        "created_at": MOMENT,
        "actor_id": 7,
        "actor_name": "xiangzhen",
        "ip": "10.0.0.1",
        "request_id": "r1",
        "action": "update",
        "object_type": "org.person",
        "object_id": "12",
        "object_repr": "张三",
        "before": {"b": 1, "a": "甲"},
        "after": {"a": "乙", "n": [1.5, 2.0]},
        "reason": "",
    }
    return values | changes


def _chain(count):
    events, prev = [], rules.AUDIT_CHAIN_START
    for seq in range(1, count + 1):
        event = _event(chain_seq=seq, object_id=str(seq)) | {"id": 100 + seq, "chain_prev": prev}
        event["chain_hash"] = rules.audit_chain_hash(prev, event)
        prev = event["chain_hash"]
        events.append(event)
    return events


# -- the canonical form and the walk (pure) ---------------------------------------------------------------
def test_the_canonical_form_is_one_line_of_sorted_json_in_utc():
    text = rules.audit_canonical(_event(created_at=MOMENT.astimezone(dt.timezone(dt.timedelta(hours=8))))).decode()
    assert '"created_at":"2026-03-01T08:30:00.123456Z"' in text
    assert '"before":{"a":"甲","b":1}' in text and '"n":[1.5,2]' in text
    assert "\n" not in text and ": " not in text


def test_the_canonical_form_ignores_what_the_database_changes_and_nothing_else():
    assert rules.audit_canonical(_event(after={"n": [1.5, 2], "a": "乙"})) == rules.audit_canonical(_event())
    assert rules.audit_canonical(_event(actor_id="7")) == rules.audit_canonical(_event())
    for name, value in [("reason", "x"), ("actor_name", "y"), ("after", {"a": "丙"}), ("chain_seq", 2), ("ip", None)]:
        assert rules.audit_canonical(_event(**{name: value})) != rules.audit_canonical(_event()), name


def test_the_hash_covers_the_previous_hash():
    assert rules.audit_chain_hash("a" * 64, _event()) != rules.audit_chain_hash("b" * 64, _event())
    assert len(rules.audit_chain_hash(rules.AUDIT_CHAIN_START, _event())) == 64


def test_a_whole_chain_has_no_break():
    assert rules.audit_chain_breaks(_chain(5)) == []


def test_an_edited_event_and_a_deleted_one_are_both_named():
    events = _chain(6)
    events[1]["reason"] = "tampered"
    del events[3]
    breaks = rules.audit_chain_breaks(events)
    assert [(b.kind, b.event_id) for b in breaks] == [("altered", 102), ("missing", 105)]
    assert "event #102 (link 2) altered" in breaks[0].describe()
    assert breaks[1].describe() == "link 4 missing (deleted) before event #105"


def test_a_rewritten_hash_is_found_at_the_next_link():
    events = _chain(3)
    events[1]["chain_hash"] = "f" * 64
    assert [(b.kind, b.event_id) for b in rules.audit_chain_breaks(events)] == [("altered", 102), ("unlinked", 103)]


# -- the database --------------------------------------------------------------------------------------
def _tamper(sql, params):
    """Run `sql` with the append-only triggers lifted (as the owner of the table could), within the test's
    transaction (rolled back afterwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")
        cursor.execute(sql, params)


def _new_events(count):
    with audit_context(actor_name="system:test"):
        return [
            record("export", object_type="org.person", object_id=n, after={"rows": n, "share": 0.5})
            for n in range(count)
        ]


def test_every_new_event_extends_the_chain_and_verify_passes(db):
    head = AuditChainHead.objects.get(pk=1)
    events = _new_events(3)
    assert [e.chain_seq for e in events] == [head.seq + 1, head.seq + 2, head.seq + 3]
    assert events[0].chain_prev == head.hash and events[1].chain_prev == events[0].chain_hash
    assert AuditChainHead.objects.get(pk=1).hash == events[-1].chain_hash
    assert verify_chain() == []
    call_command("audit", "verify")


def test_bulk_created_events_are_chained_too(db, town):
    from qingche.core.audit import current

    before = AuditChainHead.objects.get(pk=1).seq
    record_created([(town, current()), (town, current())])
    stored = list(AuditEvent.objects.filter(chain_seq__gt=before).order_by("chain_seq"))
    assert [e.chain_seq for e in stored] == [before + 1, before + 2]
    assert verify_chain() == []


def test_verify_names_an_edited_and_a_deleted_event(db):
    edited, _kept, deleted, last = _new_events(4)
    _tamper("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["tampered", edited.pk])
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [deleted.pk])
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify")
    message = str(failure.value)
    assert f"event #{edited.pk} (link {edited.chain_seq}) altered" in message
    assert f"link {deleted.chain_seq} missing (deleted) before event #{last.pk}" in message


def test_verify_finds_events_deleted_at_the_end_and_a_rewritten_anchor(db):
    events = _new_events(2)
    noted = f"{events[0].chain_seq}:{events[0].chain_hash}"
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    problems = verify_chain()
    assert problems == [f"link {events[1].chain_seq}-{events[1].chain_seq} missing (deleted) at the end of the chain"]
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError, match="the anchor given"):
        call_command("audit", "verify", "--anchor", noted)


def test_verify_since_a_date_starts_there(db):
    _new_events(2)
    old = AuditEvent.objects.order_by("chain_seq").first()
    _tamper("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["tampered", old.pk])
    assert verify_chain() != []
    assert verify_chain(since=timezone.localdate() + dt.timedelta(days=1)) == []
    if timezone.localdate(old.created_at) < timezone.localdate():
        assert verify_chain(since=timezone.localdate()) == []


def test_bad_arguments_are_refused_clearly(db):
    with pytest.raises(CommandError, match="not a date"):
        call_command("audit", "verify", "--since", "yesterday")
    with pytest.raises(CommandError, match="LINK:HASH"):
        call_command("audit", "verify", "--anchor", "12:abc")


def test_the_first_event_of_a_day_writes_the_anchor(db, caplog):
    head = AuditChainHead.objects.get(pk=1)
    AuditAnchor.objects.filter(date=timezone.localdate()).delete()
    AuditChainHead.objects.filter(pk=1).update(anchor_date=timezone.localdate() - dt.timedelta(days=1))
    with caplog.at_level("INFO", logger="qingche.audit"):
        _new_events(2)
    anchor = AuditAnchor.objects.get(date=timezone.localdate())
    assert (anchor.seq, anchor.hash) == (head.seq, head.hash)
    assert [r.getMessage() for r in caplog.records if "audit anchor" in r.getMessage()] == [
        f"audit anchor {timezone.localdate()}: link {head.seq} hash {head.hash}"
    ]
    assert verify_chain() == []


def test_the_audit_page_shows_the_anchors(client_as, db):
    _new_events(1)
    client = client_as("shenji")  # its log-in is an event too
    head = AuditChainHead.objects.get(pk=1)
    page = client.get("/audit/").content.decode()
    assert f"{head.seq}:{head.hash}" in page
    assert "qingche audit verify" in page
