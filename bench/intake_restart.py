"""Benchmark: nothing acknowledged is lost when PostgreSQL restarts in the middle of intake.

Creates a PostgreSQL cluster of its own (initdb into a temporary folder, its own port and socket
folder, started and stopped with pg_ctl; as the `postgres` system user when run as root) — the
machine's shared server is never touched. Builds a small demo county in it (`qingche demo --scale
0.05 --no-serve`), serves it as the operator guide says (`qingche serve`: gunicorn workers with kept,
health-checked connections, the supervised Open311 registrar and task worker) and submits requests
at a steady rate from several clients: Open311 partners (`POST /open311/v2/requests.json`, a device
id each, so a repeat is idempotent) and citizens on the web form (`/service/submit/`, its idempotency
key). In the middle of the run the cluster gets a fast shutdown (`pg_ctl stop -m fast`), stays down
for `--down` seconds and is started again. A client whose request is refused (503 with Retry-After,
a reset connection) tries the same request again after 0.25 s, as a partner's system or a citizen's
browser would (sooner than Retry-After asks: the figure is the server's recovery, not the client's).

Then it counts, in the database: `acknowledged_lost` — a request that got a token or a number and is
not registered — and `duplicated_count` — an intake registered more than once; both must be 0, and no
request may have met a 500 (`http_500_count`). `recovered_s` is the time from the server being back
(pg_ctl start returned) to the first acknowledged intake; `healthz_recovered_s` the time until
/healthz answered 200 again. `given_up` counts intakes still refused 60 s after their first try (each
client sends one intake at a time: on a busy machine the clients fall behind the planned rate, and the
run lasts longer, but every planned intake is sent).

Progress goes to stderr; the last line of stdout is one JSON object:
    {"acknowledged_lost": 0, "duplicated_count": 0, "recovered_s": …, "http_500_count": 0, …}

    .venv/bin/python bench/intake_restart.py [--keep] [--seconds 40] [--restart-at 15] [--down 3]
        [--open311-clients 4] [--web-clients 2] [--rate 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import glob
import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import ROOT, make_log

DB_NAME = "qingche_bench_restart"
KEY = "bench-restart-key-0123456789abcdef"
MARK = "重启压测"
RETRY_SECONDS = 0.25
GIVE_UP_SECONDS = 60.0  # an intake refused this long after its first try is counted as given up
log = make_log("intake_restart")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def qingche_bin() -> str:
    return str(Path(sys.executable).with_name("qingche"))


# -- a PostgreSQL cluster of our own -------------------------------------------------------------------------
def pg_bindir() -> Path:
    """QINGCHE_BENCH_PG_BIN, or the newest /usr/lib/postgresql/<version>/bin (Debian's layout)."""
    if os.environ.get("QINGCHE_BENCH_PG_BIN"):
        return Path(os.environ["QINGCHE_BENCH_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise SystemExit("no PostgreSQL server binaries (pg_ctl) under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


class Cluster:
    def __init__(self, folder: Path, port: int):
        self.bin, self.folder, self.port = pg_bindir(), folder, port
        self.data = folder / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def create(self) -> None:
        if self.as_user:
            shutil.chown(self.folder, "postgres", "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=60"
        log_file = str(self.folder / "log")
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log_file, "-w", "start")

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


# -- the clients ---------------------------------------------------------------------------------------------
class Outcome:
    def __init__(self):
        self.lock = threading.Lock()
        self.open311: list[tuple[str, str]] = []  # (marker, token)
        self.web: list[tuple[str, str]] = []  # (marker, number)
        self.acknowledged_at: list[float] = []
        self.statuses: dict[int, int] = {}
        self.network_errors = 0
        self.given_up = 0
        self.without_retry_after = 0

    def status(self, code: int) -> None:
        with self.lock:
            self.statuses[code] = self.statuses.get(code, 0) + 1


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    """(status, headers, body) of one request on its own connection; OSError when the server is not reached."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def retry_pause(status: int, headers, outcome: Outcome) -> float:
    """The bench tries again after RETRY_SECONDS whatever Retry-After says (a real client would wait longer:
    `recovered_s` is to measure the server, not the client's patience); a 503 without it is counted."""
    if status == 503 and not any(name.lower() == "retry-after" for name, _value in headers):
        with outcome.lock:
            outcome.without_retry_after += 1
    return RETRY_SECONDS


def submit_open311(port: int, code: str, marker: str, outcome: Outcome) -> None:
    body = urllib.parse.urlencode(
        {
            "api_key": KEY,
            "service_code": code,
            "lat": "28.1",
            "long": "112.2",
            "description": f"{MARK} {marker}：路灯坏了，请尽快修理。",
            "device_id": f"restart-{marker}",
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    give_up_at = time.monotonic() + GIVE_UP_SECONDS
    while time.monotonic() < give_up_at:
        try:
            status, answer_headers, answer = request(port, "POST", "/open311/v2/requests.json", body, headers)
        except OSError:
            with outcome.lock:
                outcome.network_errors += 1
            time.sleep(0.5)
            continue
        outcome.status(status)
        if status == 200:
            token = json.loads(answer)[0]["token"]
            with outcome.lock:
                outcome.open311.append((marker, token))
                outcome.acknowledged_at.append(time.monotonic())
            return
        time.sleep(retry_pause(status, answer_headers, outcome))
    with outcome.lock:
        outcome.given_up += 1


FIELD = re.compile(r'<input[^>]*name="(csrfmiddlewaretoken|challenge|idempotency_key)"[^>]*value="([^"]*)"')
QUESTION = re.compile(r'id="challenge-question">\s*(\d+) \+ (\d+) = \?')
CATEGORY = re.compile(r'<option value="(\d+)"')
NUMBER = re.compile(r'id="created-number">(\d+)<')


def submit_web(port: int, marker: str, outcome: Outcome) -> None:
    """The citizen's form: read it (CSRF cookie, question, idempotency key), answer and send it; after a
    refusal, send the same form again (the same key)."""
    form = None
    give_up_at = time.monotonic() + GIVE_UP_SECONDS
    while time.monotonic() < give_up_at:
        try:
            if form is None:
                status, headers, page = request(port, "GET", "/service/submit/")
                outcome.status(status)
                if status != 200:
                    time.sleep(retry_pause(status, headers, outcome))
                    continue
                text = page.decode()
                fields = {name: html.unescape(value) for name, value in FIELD.findall(text)}
                a, b = QUESTION.search(text).groups()
                cookie = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie" and "csrftoken" in v)
                form = (
                    urllib.parse.urlencode(
                        {
                            **fields,
                            "answer": str(int(a) + int(b)),
                            "category": CATEGORY.findall(text)[0],
                            "text": f"{MARK} {marker}：小区门口积水，请派人疏通。",
                            "address": "东河镇人民路1号",
                        }
                    ).encode(),
                    cookie,
                )
            body, cookie = form
            status, headers, page = request(
                port,
                "POST",
                "/service/submit/",
                body,
                {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Referer": "http://127.0.0.1/"},
            )
        except OSError:
            with outcome.lock:
                outcome.network_errors += 1
            time.sleep(0.5)
            continue
        outcome.status(status)
        found = NUMBER.search(page.decode(errors="replace")) if status == 200 else None
        if found:
            with outcome.lock:
                outcome.web.append((marker, found.group(1)))
                outcome.acknowledged_at.append(time.monotonic())
            return
        if status == 400:
            raise RuntimeError(f"the web form refused the request: {page.decode()[:2000]}")
        time.sleep(retry_pause(status, headers, outcome))
    with outcome.lock:
        outcome.given_up += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder (printed) for a look")
    parser.add_argument("--seconds", type=float, default=40.0, help="how long the clients submit")
    parser.add_argument("--restart-at", type=float, default=15.0, help="seconds into the run of the shutdown")
    parser.add_argument("--down", type=float, default=3.0, help="seconds the server stays down")
    parser.add_argument("--open311-clients", type=int, default=4)
    parser.add_argument("--web-clients", type=int, default=2)
    parser.add_argument("--rate", type=float, default=3.0, help="intakes per second per client")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="qingche-bench-restart-"))
    cluster = Cluster(folder, free_port())
    server = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the finally below still cleans up
    try:
        log(f"a cluster of our own in {folder} on port {cluster.port} ({cluster.bin})")
        cluster.create()
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        env = dict(
            os.environ,
            DATABASE_URL=cluster.url(DB_NAME),
            QINGCHE_VAR_DIR=str(folder / "var"),
            QINGCHE_DEMO_OPEN311_KEY=KEY,
            QINGCHE_DEMO_PASSWORD="Bench-Pass-2026!",
            PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        )
        for name in ("QINGCHE_SECRET_KEY", "QINGCHE_FIELD_KEY", "QINGCHE_HASH_KEY"):
            env.pop(name, None)
        log("building a small demo county")
        subprocess.run(
            [qingche_bin(), "demo", "--scale", "0.05", "--no-serve"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with psycopg.connect(cluster.url(DB_NAME), autocommit=True) as conn:  # citizens all come from 127.0.0.1
            conn.execute("INSERT INTO core_parameter (key, value) VALUES ('service.public_rate_per_hour', '1000000')")
        port = free_port()
        server_log = open(folder / "server.log", "w")  # noqa: SIM115 - closed with the folder
        server = subprocess.Popen(
            [qingche_bin(), "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(port, server, 300)
        except RuntimeError:
            server_log.flush()
            log((folder / "server.log").read_text()[-3000:])
            raise
        status, _headers, body = request(port, "GET", "/open311/v2/services.json")
        codes = [service["service_code"] for service in json.loads(body)]

        outcome = Outcome()
        start = time.monotonic()
        give_up_at = start + args.seconds + 600  # for the health probe after the restart
        times: dict[str, float] = {}

        def restart() -> None:
            time.sleep(max(0.0, start + args.restart_at - time.monotonic()))
            log("fast shutdown of the cluster")
            times["down"] = time.monotonic()
            cluster.stop()
            time.sleep(args.down)
            cluster.start()
            times["back"] = time.monotonic()
            log(f"the cluster is back after {times['back'] - times['down']:.1f} s")
            while time.monotonic() < give_up_at:
                try:
                    if request(port, "GET", "/healthz")[0] == 200:
                        times["healthy"] = time.monotonic()
                        return
                except OSError:
                    pass
                time.sleep(0.2)

        def client(kind: str, number: int) -> None:
            for i in range(int(args.seconds * args.rate)):
                time.sleep(max(0.0, start + i / args.rate - time.monotonic()))
                marker = f"{kind}{number}-{i:05d}"
                if kind == "o":
                    submit_open311(port, codes[i % len(codes)], marker, outcome)
                else:
                    submit_web(port, marker, outcome)

        log(
            f"{args.open311_clients} Open311 and {args.web_clients} web clients, {args.rate}/s each, for "
            f"{args.seconds:.0f} s; shutdown at {args.restart_at:.0f} s for {args.down:.0f} s"
        )
        clients = [("o", n) for n in range(args.open311_clients)] + [("w", n) for n in range(args.web_clients)]
        with ThreadPoolExecutor(len(clients) + 1) as pool:
            restarting = pool.submit(restart)
            done = [pool.submit(client, kind, n) for kind, n in clients]
            for future in [restarting, *done]:
                future.result()
        log(f"submitted: {outcome.statuses}, {outcome.network_errors} network errors")

        with psycopg.connect(cluster.url(DB_NAME), autocommit=True) as conn:
            deadline = time.monotonic() + 120
            while conn.execute(
                "SELECT count(*) FROM service_open311submission WHERE request_id IS NULL AND error = ''"
            ).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise RuntimeError("Open311 submissions still waiting 2 minutes after the run")
                time.sleep(0.2)
            found = dict(
                conn.execute(
                    "SELECT substring(text from %s), count(*) FROM service_servicerequest "
                    "WHERE text LIKE %s GROUP BY 1",
                    [f"{MARK} ([ow][0-9]+-[0-9]+)", f"{MARK} %"],
                ).fetchall()
            )
            registered_tokens = {
                token
                for (token,) in conn.execute(
                    "SELECT s.token FROM service_open311submission s "
                    "JOIN service_servicerequest r ON r.id = s.request_id WHERE r.token = s.token"
                ).fetchall()
            }
            numbers = {number for (number,) in conn.execute("SELECT number FROM service_servicerequest").fetchall()}
            failed = conn.execute("SELECT count(*) FROM service_open311submission WHERE error <> ''").fetchone()[0]
    finally:
        if server is not None:
            stop_server(server)
        try:
            cluster.stop()
        except subprocess.CalledProcessError:
            pass
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            log(f"kept {folder}")

    lost = sum(1 for marker, token in outcome.open311 if token not in registered_tokens or marker not in found)
    lost += sum(1 for marker, number in outcome.web if number not in numbers or marker not in found)
    duplicated = sum(count - 1 for count in found.values() if count > 1)
    back = times.get("back")
    after = [moment for moment in outcome.acknowledged_at if back is not None and moment >= back]
    recovered = round(min(after) - back, 2) if after else None
    acknowledged = len(outcome.open311) + len(outcome.web)
    errors_500 = sum(count for code, count in outcome.statuses.items() if code >= 500 and code != 503)
    print(
        json.dumps(
            {
                "acknowledged_lost": lost,
                "duplicated_count": duplicated,
                "recovered_s": recovered,
                "healthz_recovered_s": round(times["healthy"] - back, 2) if "healthy" in times else None,
                "http_500_count": errors_500,
                "unavailable_503_count": outcome.statuses.get(503, 0),
                "unavailable_without_retry_after": outcome.without_retry_after,
                "network_errors": outcome.network_errors,
                "given_up": outcome.given_up,
                "acknowledged": acknowledged,
                "open311_acknowledged": len(outcome.open311),
                "web_acknowledged": len(outcome.web),
                "failed_count": failed,
                "down_s": round(back - times["down"], 2) if back else None,
                "seconds": args.seconds,
                "rate_per_client": args.rate,
                "clients": {"open311": args.open311_clients, "web": args.web_clients},
                "workers": args.workers,
                "ok": lost == 0
                and duplicated == 0
                and errors_500 == 0
                and outcome.without_retry_after == 0
                and recovered is not None,
            }
        )
    )


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if gunicorn has not ended within a minute (a busy machine)."""
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_healthy(port: int, server: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.3)


if __name__ == "__main__":
    main()
