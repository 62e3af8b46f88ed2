"""Backup and restore (`qingche backup --output DIR`, `qingche restore --input DIR`).

A backup is a directory of three encrypted files: the database (PostgreSQL: pg_dump's custom format; SQLite:
a copy made with SQLite's online backup API), the uploaded files (a tar of the media directory) and a
manifest with each table's row count and checksum, taken from the same snapshot as the dump. They are
encrypted with the backup key (QINGCHE_BACKUP_KEY: 32 bytes, URL-safe base64), which is not one of the data
keys: the keys are kept apart and a backup holds none of them (docs/operator-guide.md, Backups).

Encryption: AES-256-GCM in chunks of 4 MiB, each with a fresh nonce and, as associated data, the file's name,
the chunk's index and whether it is the last; so no chunk can be changed, moved, dropped or cut off unnoticed."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection
from django.utils import timezone

from qingche.core.keys import generated_here

MAGIC = b"QCB1"
CHUNK = 4 * 1024 * 1024
FILES = {"database": "database.enc", "media": "media.tar.enc", "manifest": "manifest.json.enc"}


class BackupError(Exception):
    pass


# -- the key and the encryption ---------------------------------------------------------------------------
def backup_key(environ=os.environ) -> bytes:
    value = environ.get("QINGCHE_BACKUP_KEY", "")
    if not value:
        raise BackupError(
            "QINGCHE_BACKUP_KEY is not set: backups are encrypted with a key of their own (32 random bytes, "
            "URL-safe base64; docs/operator-guide.md, Backups)."
        )
    try:
        key = base64.urlsafe_b64decode(value)
    except ValueError as error:
        raise BackupError("QINGCHE_BACKUP_KEY is not URL-safe base64") from error
    if len(key) != 32:
        raise BackupError("QINGCHE_BACKUP_KEY must be 32 bytes (44 characters of URL-safe base64)")
    if value in (settings.FIELD_ENCRYPTION_KEY, settings.FIELD_HASH_KEY, settings.SECRET_KEY):
        raise BackupError("QINGCHE_BACKUP_KEY must not be one of the data keys: keep backups and keys apart.")
    return key


def encrypt_file(source: Path, target: Path, key: bytes, name: str) -> None:
    aead = AESGCM(key)
    size = source.stat().st_size
    with source.open("rb") as reader, target.open("wb") as writer:
        writer.write(MAGIC)
        index, done = 0, 0
        while True:
            chunk = reader.read(CHUNK)
            done += len(chunk)
            last = done >= size
            nonce = os.urandom(12)
            sealed = aead.encrypt(nonce, chunk, f"{name}:{index}:{int(last)}".encode())
            writer.write(nonce + len(sealed).to_bytes(4, "big") + sealed)
            index += 1
            if last:
                return


def decrypt_file(source: Path, target: Path, key: bytes, name: str) -> None:
    aead = AESGCM(key)
    with source.open("rb") as reader, target.open("wb") as writer:
        if reader.read(4) != MAGIC:
            raise BackupError(f"{source.name} is not a Qingche backup file")
        index = 0
        while True:
            head = reader.read(16)
            if len(head) < 16:
                raise BackupError(f"{source.name} is cut off: its last part is missing")
            sealed = reader.read(int.from_bytes(head[12:], "big"))
            following = reader.peek(1)[:1] if hasattr(reader, "peek") else b""
            last = not following
            try:
                writer.write(aead.decrypt(head[:12], sealed, f"{name}:{index}:{int(last)}".encode()))
            except InvalidTag as error:
                raise BackupError(f"{source.name}: wrong backup key, or the file was changed") from error
            index += 1
            if last:
                return


# -- what the manifest holds ----------------------------------------------------------------------------
def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [name for (name,) in rows]


def sqlite_table_sums(path: Path) -> dict:
    """Row count and SHA-256 of the rows (in rowid order) of every table of an SQLite file."""
    sums = {}
    with sqlite3.connect(path) as db:
        for table in _sqlite_tables(db):
            digest, count = hashlib.sha256(), 0
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode() + b"\n")
                count += 1
            sums[table] = {"count": count, "sha256": digest.hexdigest()}
    return sums


def postgres_table_sums(cursor) -> dict:
    """Row count and MD5 of the rows (each as PostgreSQL's text of the row, sorted) of every table of the
    public schema, as the cursor's snapshot sees them."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    sums = {}
    for (table,) in cursor.fetchall():
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \"{table}\" t"
        )
        count, digest = cursor.fetchone()
        sums[table] = {"count": count, "md5": digest}
    return sums


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = ["--host", db["HOST"] or "127.0.0.1", "--port", str(db["PORT"] or 5432), "--username", db["USER"]]
    return args, dict(os.environ, PGPASSWORD=db.get("PASSWORD") or "", PGDATABASE=db["NAME"])


# -- backup -------------------------------------------------------------------------------------------
def backup(output: Path, environ=os.environ) -> dict:
    """Write an encrypted backup into `output` (a new or empty directory); return the manifest."""
    key = backup_key(environ)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty: a backup goes into a new or empty directory")
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qingche-backup-") as work:
        work = Path(work)
        dump = work / "database"
        manifest = {"version": 1, "vendor": connection.vendor, "created_at": timezone.now().isoformat()}
        if connection.vendor == "postgresql":
            manifest["tables"] = _dump_postgres(dump)
        else:
            manifest["tables"] = _dump_sqlite(dump)
        media = work / "media.tar"
        with tarfile.open(media, "w") as tar:
            if Path(settings.MEDIA_ROOT).is_dir():
                tar.add(settings.MEDIA_ROOT, arcname="media")
        manifest["files"] = {"database": _sha256(dump), "media": _sha256(media)}
        manifest["media_files"] = sum(1 for member in tarfile.open(media) if member.isfile())
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        for name, source in (("database", dump), ("media", media), ("manifest", work / "manifest.json")):
            encrypt_file(source, output / FILES[name], key, name)
    for path in output.iterdir():
        path.chmod(0o600)
    return manifest


def _dump_sqlite(target: Path) -> dict:
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)  # the online backup API: a consistent copy while others write
    copy.close()
    return sqlite_table_sums(target)


def _dump_postgres(target: Path) -> dict:
    """pg_dump and the checksums from one exported snapshot: both see the same rows."""
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    args, env = _pg_env()

    db = settings.DATABASES["default"]
    conninfo = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": db["NAME"]}
    if db.get("PASSWORD"):
        conninfo["password"] = db["PASSWORD"]
    with psycopg.connect(**conninfo) as snapshot_conn:
        with snapshot_conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            result = subprocess.run(
                ["pg_dump", *args, "--format=custom", f"--snapshot={snapshot}", "--file", str(target)],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            sums = postgres_table_sums(cursor)
            cursor.execute("COMMIT")
    return sums


# -- restore ------------------------------------------------------------------------------------------
def restore(source: Path, environ=os.environ) -> tuple[dict, list[str]]:
    """Restore the backup in `source` into the configured database, which must be empty, and the uploaded
    files into an empty media directory; then compare every table's count and checksum with the manifest.
    Returns the manifest and the differences (an empty list: the restored data equals the backup)."""
    key = backup_key(environ)

    if generated_here():
        raise BackupError(
            "Set the data keys of the installation the backup was made from ("
            + ", ".join(generated_here())
            + " would be made anew): without them the restored personal data cannot be read."
        )
    for name in FILES.values():
        if not (source / name).is_file():
            raise BackupError(f"{source / name} is missing")
    if connection.introspection.table_names():
        raise BackupError("The database is not empty: restore only into a new, empty database.")
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty: restore the uploaded files only into an empty directory.")
    with tempfile.TemporaryDirectory(prefix="qingche-restore-") as work:
        work = Path(work)
        plain = {name: work / name for name in FILES}
        for name, path in plain.items():
            decrypt_file(source / FILES[name], path, key, name)
        manifest = json.loads(plain["manifest"].read_text())
        for name in ("database", "media"):
            if _sha256(plain[name]) != manifest["files"][name]:
                raise BackupError(f"the {name} of the backup does not match its manifest")
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"this backup is of a {manifest['vendor']} database, not {connection.vendor}")
        if connection.vendor == "postgresql":
            _restore_postgres(plain["database"])
        else:
            _restore_sqlite(plain["database"])
        with tarfile.open(plain["media"]) as tar:
            tar.extractall(work / "files", filter="data")
        if (work / "files" / "media").is_dir():
            shutil.copytree(work / "files" / "media", media_root, dirs_exist_ok=True)
    return manifest, compare(manifest["tables"], table_sums())


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(dump) as copy:
        copy.backup(connection.connection)
    copy.close()


def _restore_postgres(dump: Path) -> None:
    args, env = _pg_env()
    connection.close()
    result = subprocess.run(
        [
            "pg_restore",
            *args,
            "--dbname",
            env["PGDATABASE"],
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def table_sums() -> dict:
    """The counts and checksums of the configured database now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            return postgres_table_sums(cursor)
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as work:
        copy_path = Path(work) / "copy.sqlite3"
        with sqlite3.connect(copy_path) as copy:
            connection.connection.backup(copy)
        copy.close()
        return sqlite_table_sums(copy_path)


def compare(expected: dict, found: dict) -> list[str]:
    problems = []
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            problems.append(f"table {table} is missing")
        elif table not in expected:
            problems.append(f"table {table} is not in the backup")
        elif expected[table] != found[table]:
            problems.append(f"table {table}: backup {expected[table]}, restored {found[table]}")
    return problems
