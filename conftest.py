"""Test fixtures shared by every module.

The test database gets a small demo county (示范县 at scale 0.1: the same generator as `qingche demo`)
once per session; each test runs in a transaction that is rolled back."""

import datetime as dt
from pathlib import Path

import pytest

TEST_PASSWORD = "Test-Pass-2026!"
TEST_OPEN311_KEY = "test-open311-key-0123456789"  # the demo partner key of the served demo county
# The second factor of the demo accounts that need one (admin, xitong, anquan, shenji): base32, as
# QINGCHE_DEMO_TOTP_SECRET gives it to `qingche demo`.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_totp_steps: dict[str, int] = {}


def totp_code(username: str, secret: str = TEST_TOTP_SECRET) -> str:
    """The next code the account's authenticator app would show. django-otp accepts each time step once
    per account (and one step ahead): a second log-in within the same 30 s uses the next step."""
    import time

    from django_otp.oath import TOTP

    from qingche.core.otp import decode_secret

    totp = TOTP(decode_secret(secret))
    totp.time = time.time()
    step = max(totp.t(), _totp_steps.get(username, -1) + 1)
    _totp_steps[username] = step
    totp.time = step * totp.step
    return f"{totp.token():06d}"


def mark_otp_verified(client, user):
    """Make a test client's session (from force_login) one that gave its second factor, as the log-in
    page does for the superuser and the three administrators."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from qingche.core import otp

    device = otp.confirmed_totp(user) or otp.enrol_with_secret(user, TEST_TOTP_SECRET)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from qingche.demo.builder import DemoBuilder, demo_totp_secrets

    with django_db_blocker.unblock():
        DemoBuilder(scale=0.1).build(TEST_PASSWORD, demo_totp_secrets(TEST_TOTP_SECRET))


@pytest.fixture
def demo_today(db):
    """The day the demo county was built on: its history is the year up to it, its open work around it."""
    from qingche.demo.builder import demo_today

    return demo_today()


@pytest.fixture
def demo_month(demo_today):
    """The demo county's last whole month, as "YYYY-MM"."""
    last = demo_today.replace(day=1) - dt.timedelta(days=1)
    return f"{last:%Y-%m}"


@pytest.fixture
def accounts(db):
    """The demo accounts by user name (admin, xitong, anquan, shenji, jianfuban, zuzhibu, bumen,
    xiangzhen, cungan, yixian, rexian)."""
    from qingche.core.models import User

    return {user.username: user for user in User.objects.filter(is_demo=True)}


@pytest.fixture
def town(db):
    """The first town of the demo county (东河镇), where xiangzhen, cungan and yixian work."""
    from qingche.org.models import Unit

    return Unit.objects.filter(kind="town").order_by("path").first()


@pytest.fixture
def client_as(client, accounts):
    """client_as("xiangzhen") -> a Django test client logged in as that demo account (with its second
    factor given, for the accounts that need one)."""
    from qingche.core.otp import needs_second_factor

    def login(username):
        client.force_login(accounts[username])
        if needs_second_factor(accounts[username]):
            mark_otp_verified(client, accounts[username])
        return client

    return login


@pytest.fixture
def api_as(accounts):
    """api_as("bumen") -> a DRF APIClient authenticated as that demo account."""
    from rest_framework.test import APIClient

    def login(username):
        api = APIClient()
        api.force_authenticate(accounts[username])
        return api

    return login


# -- browser tests: a real server on a file database, driven in Debian's Chromium ----------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_under_ci(message: str) -> None:
    """Under CI=true what a test needs must be there: fail with the message."""
    import os

    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI)")


def require_or_skip(message: str) -> None:
    require_under_ci(message)
    pytest.skip(message)


_demo_env: dict = {}  # the demo server's environment, for demo_command


@pytest.fixture
def demo_command(demo_server):
    """demo_command("axes_reset_username", "cungan") runs a `qingche` command on the demo server's database,
    so a browser test can undo what it did to a demo account that later tests sign in with."""
    import subprocess

    def run(*args):
        subprocess.run([_demo_env["QINGCHE_COMMAND"], *args], env=_demo_env, check=True, capture_output=True)

    return run


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """`qingche demo --no-serve` into a fresh var directory, then `qingche serve` (gunicorn, 2 workers),
    exactly as an operator runs it. Yields the base URL."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    qingche = str(Path(sys.executable).with_name("qingche"))
    var_dir = tmp_path_factory.mktemp("var")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    built = Path(__file__).resolve().parent / "var" / "classifier"
    if (built / "current").exists():  # `make demo` builds the request classifier first (docs/classify.md)
        import shutil

        shutil.copytree(built, var_dir / "classifier")
    env.update(
        {
            "QINGCHE_VAR_DIR": str(var_dir),
            "QINGCHE_DEMO_PASSWORD": TEST_PASSWORD,
            "QINGCHE_DEMO_OPEN311_KEY": TEST_OPEN311_KEY,
            "QINGCHE_DEMO_TOTP_SECRET": TEST_TOTP_SECRET,
        }
    )
    _demo_env.update(env, QINGCHE_COMMAND=qingche)
    subprocess.run(
        [qingche, "demo", "--scale", "0.1", "--no-serve"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port = _free_port()
    log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(
        [qingche, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # gunicorn --preload imports everything first: minutes on a busy machine
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("the demo server did not start:\n" + (var_dir / "server.log").read_text()[-3000:])
        time.sleep(0.3)
    yield base
    server.terminate()
    server.wait(timeout=60)
    log.close()


@pytest.fixture(scope="session")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        require_or_skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM must still work beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, demo_server):
    context = browser.new_context(base_url=demo_server, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent / "var" / "screenshots"


@pytest.fixture
def phone(browser, demo_server):
    """A page in a phone-sized browser (390×844, touch), for the pages front-line staff use on the road."""
    context = browser.new_context(
        base_url=demo_server, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def save_screenshot(page, name: str) -> None:
    """Keep a full-page screenshot under var/screenshots/ (not committed) for a reviewer to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, username, password=TEST_PASSWORD):
    """Sign in through the real log-in form (and give the 6-digit code when the account needs a second
    factor)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_load_state()
    if "/accounts/login/code/" in page.url:
        page.fill("#id_otp", totp_code(username))
        page.click("#otp-submit")
        page.wait_for_load_state()
    return page


@pytest.fixture
def login(page):
    """login("xiangzhen") signs in through the real log-in form (and gives the 6-digit code when the
    account needs a second factor)."""

    def sign_in_page(username, password=TEST_PASSWORD):
        return sign_in(page, username, password)

    return sign_in_page


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Per-process caches are cleared by writes' signals, but a rolled-back test sends none."""
    from qingche.core.cache import clear_all

    clear_all()
    yield
    clear_all()


def pytest_terminal_summary(terminalreporter, config):
    """After a verbose run (-v) that ran the scope matrix, its table: endpoint × role → rows returned."""
    import sys

    module = sys.modules.get("qingche.org.tests.test_scope_matrix")
    if module is None or config.getoption("verbose") < 1:
        return
    lines = module.matrix_lines()
    if lines:
        terminalreporter.section("scope matrix")
        for line in lines:
            terminalreporter.write_line(line)


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "demo_server"}


def pytest_collection_modifyitems(config, items):
    """The second database run (QINGCHE_TEST_DATABASE_ONLY=1, scripts/test.sh) keeps only the tests that reach the
    database: a pure test (rules, parsing, rendering without rows) gives the same answer on either database, and the
    first run has already run it."""
    import os

    if os.environ.get("QINGCHE_TEST_DATABASE_ONLY") != "1":
        return
    kept, dropped = [], []
    for item in items:
        reaches_database = (
            item.get_closest_marker("django_db")
            or item.get_closest_marker("own_database")
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (kept if reaches_database else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
