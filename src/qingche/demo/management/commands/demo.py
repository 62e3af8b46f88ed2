import json
import os
import stat

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from qingche.core import dbroles
from qingche.demo import builder


class Command(BaseCommand):
    help = "Build the demo county 示范县 if absent, print its accounts, and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="size multiplier (1 = about 3,500 people)")
        parser.add_argument("--no-serve", action="store_true", help="build only, do not start the server")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, scale, no_serve, host, port, **options):
        if scale <= 0 or scale > 100:
            raise CommandError("--scale must be between 0 and 100")
        dbroles.migrate(self.stdout)
        password = self._password()
        try:
            totp_secrets = self._totp_secrets()
        except ValueError as error:
            raise CommandError(f"QINGCHE_DEMO_TOTP_SECRET: {error}") from error
        if builder.has_other_data():
            raise CommandError("This database holds real data: the demo county is only built in an empty database.")
        if builder.is_demo_database():
            self.stdout.write("The demo county is already built.")
        else:
            steps = ["units", "posts", "people", "accounts", *(m.rsplit(".", 1)[-1] for m in builder.demo_modules())]
            with tqdm(total=len(steps), desc="示范县", unit="step") as bar:

                def progress(step):
                    bar.set_postfix_str(step)
                    if step in steps:  # a module's own steps within it (e.g. "burden forms") only show their name
                        bar.update(1)

                result = builder.DemoBuilder(scale=scale, progress=progress).build(password, totp_secrets)
            self.stdout.write("Built: " + ", ".join(f"{count} {name}" for name, count in result.counts.items()))
        self._print_accounts(password, totp_secrets, host, port)
        if not no_serve:
            call_command("serve", host=host, port=port)

    def _password(self) -> str:
        """QINGCHE_DEMO_PASSWORD if set; otherwise one generated once and kept in var/ (mode 0600)."""
        given = os.environ.get("QINGCHE_DEMO_PASSWORD")
        if given:
            return given
        path = settings.VAR_DIR / "demo_password"
        if not path.exists():
            path.write_text(builder.generate_password())
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        return path.read_text().strip()

    def _totp_secrets(self) -> dict[str, str]:
        """QINGCHE_DEMO_TOTP_SECRET (base32) for every account needing a second factor if set; otherwise
        one secret per account, generated once and kept in var/ (mode 0600) like the password."""
        given = os.environ.get("QINGCHE_DEMO_TOTP_SECRET")
        if given:
            return builder.demo_totp_secrets(given)
        path = settings.VAR_DIR / "demo_totp_secrets.json"
        if not path.exists():
            path.write_text(json.dumps(builder.demo_totp_secrets()))
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        return json.loads(path.read_text())

    def _print_accounts(self, password, totp_secrets, host, port):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Qingche demo county: http://{host}:{port}/"))
        self.stdout.write(f"Password of every demo account: {password}")
        for username, _role, where in builder.DEMO_ACCOUNTS:
            secret = totp_secrets.get(username)
            extra = f"  second factor (TOTP key): {secret}" if secret else ""
            self.stdout.write(f"  {username:<10} {where or 'superuser'}{extra}")
        self.stdout.write("")
