import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from qingche.core.dbroles import runtime_role_sql


class Command(BaseCommand):
    help = (
        "PostgreSQL: create (or refresh the grants of) the role that serves requests: rows only, no ALTER, DROP "
        "or TRUNCATE, no UPDATE or DELETE of the audit trail. Run it connected as a superuser or the owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="name of the runtime role, e.g. qingche_app")
        parser.add_argument("--owner", help="the role that owns the tables (default: the database's owner)")
        parser.add_argument(
            "--password-env", metavar="VARIABLE", help="set the role's password from this environment variable"
        )

    def handle(self, *args, role, owner, password_env, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist only on PostgreSQL; SQLite has none to set up.")
        password = os.environ.get(password_env, "") if password_env else None
        if password_env and not password:
            raise CommandError(f"--password-env: the variable {password_env} is empty or not set")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_database(), pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
            )
            database, db_owner = cursor.fetchone()
        owner = owner or db_owner
        if role == owner:
            raise CommandError("The runtime role must not be the owner of the tables.")
        try:
            statements = runtime_role_sql(role, owner=owner, database=database, password=password)
        except ValueError as error:
            raise CommandError(str(error)) from error
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, [password] if "%s" in statement else None)
        self.stdout.write(
            f"Role {role} may read and write the rows of {database} (tables owned by {owner}); "
            "it cannot change the audit trail."
        )
