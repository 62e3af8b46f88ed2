"""`qingche backup` and `qingche restore` (core/backup.py) on the database the suite runs on: a small demo
county is backed up, restored into a fresh database, and every table's count and checksum and the audit
chain must hold; a changed backup, a non-empty target and a missing data key are refused. Runs `qingche` in
subprocesses on databases of their own (throwaway PostgreSQL databases, dropped afterwards)."""

import base64
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.own_database

BACKUP_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def _admin_url(database):
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


def _psql(sql):
    import psycopg

    with psycopg.connect(_admin_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


class Site:
    """A var directory and its database."""

    def __init__(self, root: Path, name: str, databases: list):
        self.var = root / name
        self.var.mkdir()
        if connection.vendor == "postgresql":
            database = f"qc_backup_{name}_{uuid.uuid4().hex[:8]}"
            _psql(f"CREATE DATABASE {database}")
            databases.append(database)
            self.url = _admin_url(database)
        else:
            self.url = f"sqlite:///{self.var / 'qingche.sqlite3'}"

    def run(self, *args, **env):
        environ = dict(
            os.environ,
            DATABASE_URL=self.url,
            QINGCHE_VAR_DIR=str(self.var),
            QINGCHE_BACKUP_KEY=BACKUP_KEY,
            QINGCHE_DEMO_PASSWORD="Demo-pass-2026",
            PYTHONPATH=str(Path(__file__).resolve().parents[3]),
        )
        environ.update(env)
        for name in ("DJANGO_SETTINGS_MODULE", "QINGCHE_SECRET_KEY", "QINGCHE_FIELD_KEY", "QINGCHE_HASH_KEY"):
            environ.pop(name, None)
        qingche = os.path.join(os.path.dirname(sys.executable), "qingche")
        return subprocess.run([qingche, *args], env=environ, capture_output=True, text=True, timeout=900)

    def take_keys_of(self, other):
        for name in ("secret_key", "field_key", "hash_key"):
            shutil.copy(other.var / name, self.var / name)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("backup")
    databases = []
    try:
        source = Site(root, "source", databases)
        built = source.run("demo", "--scale", "0.02", "--no-serve")
        assert built.returncode == 0, built.stderr[-2000:]
        (source.var / "media" / "imports").mkdir(parents=True, exist_ok=True)
        (source.var / "media" / "imports" / "kept.txt").write_text("上传的文件")
        made = source.run("backup", "--output", str(root / "backup"))
        assert made.returncode == 0, made.stderr[-2000:]
        yield {
            "root": root,
            "source": source,
            "backup": root / "backup",
            "new": lambda name: Site(root, name, databases),
        }
    finally:
        for database in databases:
            _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_a_backup_restores_into_a_fresh_database_with_every_table_equal(sites):
    files = sorted(path.name for path in sites["backup"].iterdir())
    assert files == ["database.enc", "manifest.json.enc", "media.tar.enc"]
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in sites["backup"].iterdir())
    assert "示范县".encode() not in (sites["backup"] / "database.enc").read_bytes()  # encrypted

    target = sites["new"]("target")
    target.take_keys_of(sites["source"])
    restored = target.run("restore", "--input", str(sites["backup"]))
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert "every count and checksum matches, and the audit chain holds" in restored.stdout
    assert (target.var / "media" / "imports" / "kept.txt").read_text() == "上传的文件"
    verified = target.run("audit", "verify")
    assert verified.returncode == 0, verified.stderr

    again = target.run("restore", "--input", str(sites["backup"]))
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_changed_backup_or_a_wrong_key_is_refused(sites):
    changed = sites["root"] / "changed-backup"
    shutil.copytree(sites["backup"], changed)
    data = bytearray((changed / "database.enc").read_bytes())
    data[len(data) // 2] ^= 1
    (changed / "database.enc").write_bytes(bytes(data))
    target = sites["new"]("changed")
    target.take_keys_of(sites["source"])
    refused = target.run("restore", "--input", str(changed))
    assert refused.returncode != 0 and "wrong backup key, or the file was changed" in refused.stderr
    wrong_key = target.run(
        "restore", "--input", str(sites["backup"]), QINGCHE_BACKUP_KEY=base64.urlsafe_b64encode(b"w" * 32).decode()
    )
    assert wrong_key.returncode != 0 and "wrong backup key" in wrong_key.stderr


def test_a_restore_without_the_data_keys_is_refused(sites):
    target = sites["new"]("nokeys")
    refused = target.run("restore", "--input", str(sites["backup"]))
    assert refused.returncode != 0 and "Set the data keys" in refused.stderr


def test_qingche_refuses_to_start_when_a_key_the_data_needs_is_missing(sites):
    source = sites["source"]
    moved = source.var / "field_key.kept"
    (source.var / "field_key").rename(moved)
    try:
        started = source.run("serve", "--port", "1", "--no-task-worker")
        assert started.returncode != 0
        assert "QINGCHE_FIELD_KEY" in started.stderr and str(source.var / "field_key") in started.stderr
        assert not (source.var / "field_key").exists()
    finally:
        moved.rename(source.var / "field_key")
