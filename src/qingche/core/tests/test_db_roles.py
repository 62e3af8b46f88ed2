"""The two PostgreSQL roles (core/dbroles.py): migrations run as the owner of the tables; the runtime role
that `qingche db_runtime_role` sets up writes rows, extends the audit chain, and can neither change nor
remove audit events, nor ALTER, DROP, TRUNCATE or disable triggers. Uses a throwaway database and two
throwaway roles on the test server, dropped afterwards."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [
    pytest.mark.own_database,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles exist only on PostgreSQL"),
]


def _url(user, database):
    db = settings.DATABASES["default"]
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


def _psql(url, sql):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall() if sql.lstrip().upper().startswith("SELECT") else conn.execute(sql)


@pytest.fixture
def roles(tmp_path):
    suffix = uuid.uuid4().hex[:8]
    owner, runtime, database = f"qc_owner_{suffix}", f"qc_app_{suffix}", f"qc_roles_{suffix}"
    admin_user = settings.DATABASES["default"]["USER"] or "postgres"
    admin = _url(admin_user, "postgres")
    _psql(admin, f"CREATE ROLE {owner} LOGIN")
    _psql(admin, f"CREATE DATABASE {database} OWNER {owner}")
    try:
        yield {
            "owner": owner,
            "runtime": runtime,
            "database": database,
            "admin": _url(admin_user, database),
            "var": tmp_path,
        }
    finally:
        _psql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        _psql(admin, f"DROP ROLE IF EXISTS {runtime}")
        _psql(admin, f"DROP ROLE IF EXISTS {owner}")


def _qingche(roles, url, *args, **env):
    src = Path(__file__).resolve().parents[3]
    environ = dict(os.environ, DATABASE_URL=url, QINGCHE_VAR_DIR=str(roles["var"]), PYTHONPATH=str(src), **env)
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    qingche = os.path.join(os.path.dirname(sys.executable), "qingche")
    return subprocess.run([qingche, *args], env=environ, capture_output=True, text=True, timeout=600)


def test_the_runtime_role_cannot_alter_the_audit_trail(roles):
    database, runtime = roles["database"], roles["runtime"]
    runtime_url = _url(runtime, database)
    owner_url = _url(roles["owner"], database)
    # Migrations run as the owner through the configured owner URL, from a process that has only the runtime URL.
    migrated = _qingche(roles, owner_url, "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    made = _qingche(roles, roles["admin"], "db_runtime_role", runtime)
    assert made.returncode == 0, made.stderr

    # The runtime role extends the chain and verifies it.
    wrote = _qingche(
        roles,
        runtime_url,
        "shell",
        "-c",
        "from qingche.core.audit import audit_context, record\n"
        "with audit_context(actor_name='system:test'):\n"
        "    record('export', object_type='org.person', after={'rows': 1})",
    )
    assert wrote.returncode == 0, wrote.stderr

    import psycopg

    # Four processes writing at once, one event per transaction and in bulk, take places one after another.
    writer = (
        "from qingche.core.audit import audit_context, current, record, record_created\n"
        "from qingche.org.models import Unit\n"
        "unit = Unit(name='x', code='x', path='0001')\n"
        "unit.pk = 1\n"
        "with audit_context(actor_name='system:test'):\n"
        "    for n in range(40):\n"
        "        record('export', object_type='org.person', object_id=n, after={'rows': n})\n"
        "        record_created([(unit, current())] * 3)\n"
    )
    src = Path(__file__).resolve().parents[3]
    environ = dict(os.environ, DATABASE_URL=runtime_url, QINGCHE_VAR_DIR=str(roles["var"]), PYTHONPATH=str(src))
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    qingche = os.path.join(os.path.dirname(sys.executable), "qingche")
    writers = [
        subprocess.Popen([qingche, "shell", "-c", writer], env=environ, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    assert all(process.wait(timeout=600) == 0 for process in writers), [p.stderr.read() for p in writers]
    verified = _qingche(roles, runtime_url, "audit", "verify")
    assert verified.returncode == 0 and "holds" in verified.stdout, verified.stderr
    with psycopg.connect(runtime_url, autocommit=True) as conn:
        count, top = conn.execute("SELECT count(*), max(chain_seq) FROM core_auditevent").fetchone()
        assert count == top and count >= 4 * 40 * 4

    for sql in [
        "UPDATE core_auditevent SET reason = 'x'",
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
        "ALTER TABLE core_auditevent DISABLE TRIGGER USER",
        "DROP TABLE core_auditevent",
        "ALTER TABLE core_auditevent ADD COLUMN x int",
        "CREATE TABLE x (id int)",
    ]:
        with psycopg.connect(runtime_url, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql)
    with psycopg.connect(runtime_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] > 0
        assert conn.execute("SELECT has_table_privilege('core_auditevent', 'INSERT')").fetchone()[0]

    # `serve --migrate` under the runtime role migrates as the owner named in QINGCHE_MIGRATE_DATABASE_URL.
    again = _qingche(
        roles,
        runtime_url,
        "shell",
        "-c",
        "from qingche.core import dbroles; dbroles.migrate()",
        QINGCHE_MIGRATE_DATABASE_URL=owner_url,
    )
    assert again.returncode == 0, again.stderr
    refused = _qingche(roles, runtime_url, "migrate", "--no-input", "-v", "0", "core", "0003")
    assert refused.returncode != 0
