"""Benchmark of citizen-request intake over HTTP on PostgreSQL.

Builds its own database `qingche_bench_intake` (dropped first, dropped again at the end unless
--keep): a small demo county (`qingche demo --scale 0.05 --no-serve`), then serves it the way the
operator guide says (`qingche serve`, several gunicorn workers) and submits N requests concurrently
through Open311 `POST /open311/v2/requests.json` (form-encoded, with the demo partner key). The
clock runs from the first POST until every acknowledged submission is registered as a request
(number, place, route, audit and timeline event; docs/open311.md "Deferred creation"), not merely
until the last token came back. In the same run it measures plain single-row INSERT + COMMIT of the
same rows into a plain PostgreSQL table over one connection. Afterwards it counts the requests in the
database: every acknowledged token must lead to its request, and every request be there exactly once.

Progress goes to stderr; the last line of stdout is one JSON object:
    {"intake_ratio": registered rate ÷ plain insert rate, "lost_count": …, "duplicated_count": …,
     "acknowledged_per_second": tokens returned per second, "registration_p95_s": seconds from a
     POST to its number (its request's audit event), p95 …}

    .venv/bin/python bench/intake.py [--keep] [--requests N] [--workers W] [--concurrency C]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import PG_SERVER, ROOT, drop_database, make_log, p95_by_index, recreate_database

DB_NAME = "qingche_bench_intake"
KEY = "bench-intake-key-0123456789abcdef"
TARGET = 0.25
LATENCY_TARGET = 1.0  # seconds from POST to number, p95
log = make_log("intake")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def qingche_bin() -> str:
    return str(Path(sys.executable).with_name("qingche"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    recreate_database(DB_NAME)
    var_dir = tempfile.mkdtemp(prefix="qingche-bench-intake-")
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG_SERVER}/{DB_NAME}",
        QINGCHE_VAR_DIR=var_dir,
        QINGCHE_DEMO_OPEN311_KEY=KEY,
        QINGCHE_DEMO_PASSWORD="Bench-Pass-2026!",
        PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    log("building a small demo county")
    subprocess.run(
        [qingche_bin(), "demo", "--scale", "0.05", "--no-serve"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port = free_port()
    server = subprocess.Popen(
        [qingche_bin(), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.3)
        with urllib.request.urlopen(base + "/open311/v2/services.json") as response:
            codes = [s["service_code"] for s in json.loads(response.read())]
        rows = [
            {
                "api_key": KEY,
                "service_code": codes[i % len(codes)],
                "lat": "28.1",
                "long": "112.2",
                "description": f"压测诉求 bench-{i:07d}：路灯坏了，请尽快修理。",
                "device_id": f"bench-{i}",
            }
            for i in range(args.requests)
        ]

        head = (
            "POST /open311/v2/requests.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n"
            "Connection: close\r\n\r\n"
        )

        def submit(row) -> str | None:
            """One POST on its own connection, as a reverse proxy sends it. A plain socket, not urllib: the
            client shares the cores with the server, and urllib's own work per request is several times what a
            load generator spends. Retried on a network error: the device id makes a repeat idempotent."""
            body = urllib.parse.urlencode(row).encode()
            message = head.format(port=port, length=len(body)).encode() + body
            for _attempt in range(3):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                        sock.sendall(message)
                        chunks = []
                        while chunk := sock.recv(65536):
                            chunks.append(chunk)
                    status, _, rest = b"".join(chunks).partition(b"\r\n")
                    if status.split(b" ")[1] != b"200":
                        return None
                    return json.loads(rest.partition(b"\r\n\r\n")[2])[0]["token"]
                except (OSError, IndexError, ValueError):
                    time.sleep(0.2)
            return None

        for row in rows[:20]:  # warm up every worker
            submit(dict(row, description=row["description"] + "（预热）", device_id=row["device_id"] + "-warm"))
        log(f"submitting {len(rows)} requests over HTTP ({args.workers} workers, {args.concurrency} clients)")
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as watch:
            start = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                acknowledged = list(pool.map(submit, rows))
            ack_seconds = time.perf_counter() - start
            # Registered, not just acknowledged: the clock stops when no submission waits any more.
            while watch.execute(
                "SELECT count(*) FROM service_open311submission WHERE request_id IS NULL AND error = ''"
            ).fetchone()[0]:
                if time.perf_counter() - start > 600:
                    raise RuntimeError("submissions still waiting after 10 minutes")
                time.sleep(0.02)
            http_seconds = time.perf_counter() - start
        http_rate = len(rows) / http_seconds
        log(f"HTTP: {len(rows) / ack_seconds:.0f} acknowledged/s, {http_rate:.0f} registered/s")
    finally:
        server.terminate()
        server.wait(timeout=30)

    with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_plain (id bigserial PRIMARY KEY, service_code text, lat numeric, "
            "long numeric, description text, device_id text, submitted_at timestamptz)"
        )
        log("plain single-row INSERT + COMMIT of the same rows")
        start = time.perf_counter()
        for row in rows:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO bench_plain (service_code, lat, long, description, device_id, submitted_at) "
                    "VALUES (%s, %s, %s, %s, %s, now())",
                    (row["service_code"], row["lat"], row["long"], row["description"], row["device_id"]),
                )
        plain_rate = len(rows) / (time.perf_counter() - start)
        log(f"plain: {plain_rate:.0f} rows/s")
        found = dict(
            conn.execute(
                "SELECT substring(text from 'bench-[0-9]{7}'), count(*) FROM service_servicerequest "
                "WHERE text LIKE '压测诉求 bench-%%' AND text NOT LIKE '%%预热%%' GROUP BY 1"
            ).fetchall()
        )
        registered = {
            token
            for (token,) in conn.execute(
                "SELECT s.token FROM service_open311submission s JOIN service_servicerequest r ON r.id = s.request_id "
                "WHERE r.token = s.token"
            ).fetchall()
        }
        failed = conn.execute("SELECT count(*) FROM service_open311submission WHERE error <> ''").fetchone()[0]
        # From the POST (the submission's received_at) to its number (the request's audit event, written when
        # the registrar registered it).
        latencies = [
            seconds
            for (seconds,) in conn.execute(
                "SELECT extract(epoch FROM a.created_at - s.received_at)::float FROM service_open311submission s "
                "JOIN core_auditevent a ON a.object_type = 'service.servicerequest' AND a.action = 'create' "
                "AND a.object_id = s.request_id::text "
                "JOIN service_servicerequest r ON r.id = s.request_id WHERE r.text NOT LIKE '%%预热%%'"
            ).fetchall()
        ]
    expected = {f"bench-{i:07d}" for i in range(len(rows))}
    lost = len(expected - set(found)) + sum(1 for token in acknowledged if token is None or token not in registered)
    duplicated = sum(count - 1 for count in found.values() if count > 1)
    if not args.keep:
        drop_database(DB_NAME)
    ratio = http_rate / plain_rate
    print(
        json.dumps(
            {
                "intake_ratio": round(ratio, 3),
                "lost_count": lost,
                "duplicated_count": duplicated,
                "http_per_second": round(http_rate, 1),
                "acknowledged_per_second": round(len(rows) / ack_seconds, 1),
                "failed_count": failed,
                "registration_p50_s": round(statistics.median(latencies), 3) if latencies else None,
                "registration_p95_s": round(p95_by_index(latencies), 3) if latencies else None,
                "registration_target_s": LATENCY_TARGET,
                "plain_insert_per_second": round(plain_rate, 1),
                "requests": len(rows),
                "workers": args.workers,
                "concurrency": args.concurrency,
                "target_ratio": TARGET,
                "ok": ratio >= TARGET
                and lost == 0
                and duplicated == 0
                and bool(latencies)
                and p95_by_index(latencies) < LATENCY_TARGET,
            }
        )
    )


if __name__ == "__main__":
    main()
