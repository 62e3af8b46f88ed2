"""Two database roles on PostgreSQL: the owner of the tables, which migrations run as, and the runtime role
that serves requests. The runtime role reads and writes rows but owns nothing: it cannot ALTER, DROP or
TRUNCATE a table, nor disable the audit trail's triggers, and it may not UPDATE or DELETE audit events at all.

`migrate()` runs the migrations as the owner (QINGCHE_MIGRATE_DATABASE_URL when set); `runtime_role_sql()`
is what `qingche db_runtime_role` runs to create or refresh the runtime role's grants."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command

# Tables whose rows the runtime role may add but never change or remove.
APPEND_ONLY_TABLES = ("core_auditevent",)


def migrate(stdout=None) -> None:
    """Apply the migrations: in this process when no owner role is configured, otherwise in a `qingche
    migrate` of its own connected as the owner (this process keeps the runtime role's connection)."""
    owner_url = settings.MIGRATE_DATABASE_URL
    if not owner_url:
        call_command("migrate", interactive=False, verbosity=0)
        return
    if stdout is not None:
        stdout.write("Migrating as the owner role (QINGCHE_MIGRATE_DATABASE_URL).")
    qingche = os.path.join(os.path.dirname(sys.executable), "qingche")
    subprocess.run(
        [qingche, "migrate", "--no-input", "-v", "0"], env={**os.environ, "DATABASE_URL": owner_url}, check=True
    )


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"{name!r} is not a plain role name (letters, digits, _)")
    return f'"{name}"'


def runtime_role_sql(role: str, *, owner: str, database: str, password: str | None = None) -> list[str]:
    """The statements that give `role` what the app needs and nothing more, on every table `owner` has
    made or will make in the public schema. Safe to run again (after an upgrade, say)."""
    role_q, owner_q, db_q = _ident(role), _ident(owner), _ident(database)
    statements = [
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role_q} LOGIN; END IF;
            END $$""",
        f"ALTER ROLE {role_q} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        f"GRANT CONNECT ON DATABASE {db_q} TO {role_q}",
        f"GRANT USAGE ON SCHEMA public TO {role_q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role_q}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA public "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role_q}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {role_q}, PUBLIC")
    if password:
        statements.append(f"ALTER ROLE {role_q} PASSWORD %s")
    return statements
