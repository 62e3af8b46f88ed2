"""Test fixtures shared by every module.

The test database gets a small demo county (示范县 at scale 0.1: the same generator as `qingche demo`)
once per session; each test runs in a transaction that is rolled back."""

import pytest

TEST_PASSWORD = "Test-Pass-2026!"
TEST_OPEN311_KEY = "test-open311-key-0123456789"  # the demo partner key of the served demo county


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from qingche.demo.builder import DemoBuilder

    with django_db_blocker.unblock():
        DemoBuilder(scale=0.1).build(TEST_PASSWORD)


@pytest.fixture
def accounts(db):
    """The demo accounts by user name (admin, xitong, anquan, shenji, jianfuban, zuzhibu, bumen,
    xiangzhen, cungan, yixian, rexian)."""
    from qingche.core.models import User

    return {user.username: user for user in User.objects.filter(is_demo=True)}


@pytest.fixture
def client_as(client, accounts):
    """client_as("xiangzhen") -> a Django test client logged in as that demo account."""

    def login(username):
        client.force_login(accounts[username])
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


def require_or_skip(message: str) -> None:
    import os

    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


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
    env.update({"QINGCHE_VAR_DIR": str(var_dir), "QINGCHE_DEMO_PASSWORD": TEST_PASSWORD,
                "QINGCHE_DEMO_OPEN311_KEY": TEST_OPEN311_KEY})
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
    deadline = time.monotonic() + 90
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
    server.wait(timeout=20)
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


@pytest.fixture
def login(page):
    """login("xiangzhen") signs in through the real log-in form."""

    def sign_in(username, password=TEST_PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("#login-submit")
        return page

    return sign_in


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Per-process caches are cleared by writes' signals, but a rolled-back test sends none."""
    from qingche.core.cache import clear_all

    clear_all()
    yield
    clear_all()
