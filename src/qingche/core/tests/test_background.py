"""Background processes that outlive database errors and are kept running, /healthz that says when they are
not, and a clean 503 for a request that finds the database away."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client

from qingche.core import background, wakeup


@pytest.fixture
def var_dir(settings, tmp_path, db):
    settings.VAR_DIR = tmp_path
    return tmp_path


def write_status(var_dir, supervisor: int, **pids):
    (var_dir / "run").mkdir(exist_ok=True)
    processes = {name: {"pid": pid, "restarts": 0, "last_exit": None} for name, pid in pids.items()}
    (var_dir / "run" / "background.json").write_text(json.dumps({"supervisor": supervisor, "processes": processes}))


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- /healthz ---------------------------------------------------------------------------------------------------
def test_healthz_without_a_supervisor_reports_only_what_it_can(client, var_dir):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["problems"] == [], body
    assert body["background"] == {"supervised": False}
    assert body["open311"]["ok"] is True and body["open311"]["waiting"] == 0


def test_healthz_is_503_when_a_background_process_is_down(client, var_dir):
    write_status(var_dir, os.getpid(), task_worker=os.getpid(), open311_register=os.getpid())
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.json()["background"]["processes"]["open311_register"]["up"] is True

    write_status(var_dir, os.getpid(), task_worker=os.getpid(), open311_register=dead_pid())
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json()["problems"] == ["background"]
    assert down.json()["background"]["down"] == ["open311_register"]

    write_status(var_dir, dead_pid(), task_worker=os.getpid(), open311_register=os.getpid())
    assert client.get("/healthz").json()["background"]["down"] == ["supervisor"]


# -- a request that finds the database away ---------------------------------------------------------------------
@pytest.fixture
def database_away(db):
    """For the code under test, the default database is one that refuses connections: a PostgreSQL port nobody
    listens on, or a SQLite file in a folder that does not exist. The test's own connection is put back after."""
    kept = connections["default"]
    settings = {**kept.settings_dict}
    if kept.vendor == "postgresql":
        settings.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    else:
        settings.update(NAME="/nonexistent-qingche-folder/db.sqlite3")
    away = type(kept)(settings, "default")

    def use(on: bool):
        connections["default"] = away if on else kept

    yield use
    connections["default"] = kept
    away.close()


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


def test_a_page_that_finds_the_database_away_is_a_503_with_retry_after(database_away):
    client = Client(raise_request_exception=False)
    database_away(True)
    try:
        page = client.get("/service/submit/")
        open311 = client.get("/open311/v2/services.json")
        health = client.get("/healthz")
    finally:
        database_away(False)
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "暂时无法提供服务" in page.content.decode()
    assert open311.status_code == 503 and open311["Retry-After"]
    assert open311.json()[0]["code"] == 503
    assert health.status_code == 503 and health["Retry-After"]
    assert health.json()["problems"] == ["database"]


def test_a_middleware_that_finds_the_database_away_gives_the_same_503(database_away, client_as):
    """The account of a signed-in user is read by a middleware, before any view: handler500 answers."""
    client = client_as("rexian")
    client.raise_request_exception = False
    database_away(True)
    try:
        home = client.get("/")
        api = client.get("/api/v1/units/")
    finally:
        database_away(False)
    assert home.status_code == 503 and home["Retry-After"] == "5"
    assert "暂时无法提供服务" in home.content.decode()
    assert api.status_code == 503 and "detail" in api.json()


# -- a background process's loop ---------------------------------------------------------------------------------
def test_the_loop_waits_out_database_errors_and_stops_when_told(monkeypatch):
    pauses = []
    monkeypatch.setattr(background.time, "sleep", pauses.append)
    monkeypatch.setattr(background, "close_old_connections", lambda: None)
    loop = background.Loop("qingche_test")
    waits = []
    monkeypatch.setattr(loop.waiter, "wait", lambda: waits.append(True))
    rounds = iter(
        [OperationalError("server closed the connection"), OperationalError("refused"), 3, 0, KeyboardInterrupt]
    )

    def look():
        step = next(rounds)
        if isinstance(step, BaseException):
            raise step
        if step == 0:
            loop.stopping = True
        return step

    loop.run(look)
    assert pauses == [0.5, 1.0]  # backing off while the database is away
    assert len(waits) == 1  # after the look that found 3 (fewer than no batch: wait to be woken)
    with pytest.raises(ValueError):  # any other error ends the process: the supervisor starts it again
        background.Loop("qingche_test").run(lambda: int("not a number"))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def test_on_sqlite_an_idle_waiter_looks_at_most_twice_a_second(monkeypatch, db):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL waits on LISTEN")
    pauses = []
    monkeypatch.setattr(wakeup.time, "sleep", pauses.append)
    waiter = wakeup.Waiter("qingche_test")
    for _ in range(8):
        waiter.wait()
    assert pauses[0] == wakeup.SQLITE_MIN_SECONDS and pauses[-1] == wakeup.SQLITE_MAX_SECONDS == 0.5
    waiter.found()
    waiter.wait()
    assert pauses[-1] == wakeup.SQLITE_MIN_SECONDS


def test_on_postgresql_a_waiter_wakes_at_a_notify(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no NOTIFY")
    import psycopg

    waiter = wakeup.Waiter("qingche_test")
    waiter.wait()  # the first call listens and returns at once
    assert waiter.listening is not None
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True) as other:
        other.execute("SELECT pg_notify('qingche_test', '')")
    start = time.monotonic()
    waiter.wait()
    assert time.monotonic() - start < 5  # woken, not the idle minute
    waiter.close()


def test_on_postgresql_a_kept_submission_notifies_the_registrar(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no NOTIFY")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'service_open311submission'::regclass AND NOT tgisinternal"
        )
        assert [row[0] for row in cursor.fetchall()] == ["service_open311submission_notify"]


# -- the supervisor ---------------------------------------------------------------------------------------------
def test_the_supervisor_starts_a_process_again_when_it_exits(var_dir, monkeypatch):
    monkeypatch.setattr(
        background.Supervisor,
        "_spawn",
        lambda self, argv: subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]),
    )
    supervisor = background.Supervisor({"sleeper": ["sleeper"]})
    supervisor.tick()
    first = supervisor.children["sleeper"].pid
    assert background.status()["processes"]["sleeper"]["up"] is True
    assert background.status()["down"] == []

    os.kill(first, signal.SIGKILL)
    supervisor.children["sleeper"].wait()
    supervisor.tick()  # seen to have exited: started again after a second
    assert background.status()["down"] == ["sleeper"]
    assert supervisor.state["sleeper"]["last_exit"] == -signal.SIGKILL
    time.sleep(1.1)
    supervisor.tick()
    assert supervisor.children["sleeper"].pid != first
    assert background.status()["processes"]["sleeper"] == {
        "up": True,
        "pid": supervisor.children["sleeper"].pid,
        "restarts": 1,
        "last_exit": -signal.SIGKILL,
    }
    supervisor.stop_children()
    assert background.status() == {"supervised": False}


def test_the_served_demo_keeps_its_background_processes_running(demo_server):
    """`qingche serve` runs the supervisor: /healthz names its processes; one killed is started again."""

    def health():
        try:
            with urllib.request.urlopen(demo_server + "/healthz") as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, body = health()
    assert status == 200 and body["background"]["supervised"] is True
    processes = body["background"]["processes"]
    assert set(processes) == {"task_worker", "open311_register"} and all(p["up"] for p in processes.values())
    os.kill(processes["open311_register"]["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body = health()
        entry = body["background"]["processes"]["open311_register"]
        if status == 200 and entry["restarts"] == 1:
            break
        time.sleep(0.2)
    assert status == 200 and entry["up"] and entry["pid"] != processes["open311_register"]["pid"]
