"""Benchmark: an idle server's background processes are quiet.

Builds a small demo county (`qingche demo --scale 0.05 --no-serve`) in a database of its own —
`qingche_bench_idle` on the benchmark server, or with `--sqlite` a SQLite file in a temporary var
directory — serves it (`qingche serve --workers 2`), waits until its background processes have
started (`--settle` seconds in which they used almost no CPU), and then reads, over `--seconds`
(60), the CPU time (utime + stime in /proc/<pid>/stat) of its background processes: the supervisor
and every process it runs (the task worker and the Open311 registrar; core/background.py), as named
in `<var>/run/background.json`. Nothing is sent to the server meanwhile. The web processes (gunicorn's
master and workers) are measured beside them, for comparison.

`idle_cpu_share` is the background processes' CPU seconds ÷ wall seconds: the share of one core they
use when nobody works (target < 0.01). On PostgreSQL they wait on LISTEN/NOTIFY and look once a minute;
on SQLite they look at most twice a second.

Progress goes to stderr; the last line of stdout is one JSON object:
    {"idle_cpu_share": …, "web_idle_cpu_share": …, "processes": {name: cpu seconds}, "ok": …}

    .venv/bin/python bench/idle.py [--seconds 60] [--settle 10] [--sqlite] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import PG_SERVER, ROOT, drop_database, make_log, recreate_database

DB_NAME = "qingche_bench_idle"
TARGET = 0.01
log = make_log("idle")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def qingche_bin() -> str:
    return str(Path(sys.executable).with_name("qingche"))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14 and 15 of stat


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def settle(pids: dict[str, int], seconds: float) -> None:
    """Wait until the processes have started (imported Django and the modules: seconds of CPU on a busy
    machine): until they used less than 0.05 s of CPU together in `seconds`, at most 3 minutes."""
    deadline = time.monotonic() + 180
    while True:
        before = sum(cpu_seconds(pid) for pid in pids.values())
        time.sleep(seconds)
        used = sum(cpu_seconds(pid) for pid in pids.values()) - before
        if used < 0.05 or time.monotonic() > deadline:
            log(f"settled: {used:.3f} s of CPU in the last {seconds:.0f} s")
            return


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if gunicorn has not ended within a minute (a busy machine)."""
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_healthy(base: str, server: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--settle", type=float, default=10.0, help="the start is over after this many seconds of near-idleness"
    )
    parser.add_argument("--sqlite", action="store_true", help="a SQLite database instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="qingche-bench-idle-"))
    env = dict(
        os.environ,
        QINGCHE_VAR_DIR=str(var_dir),
        QINGCHE_DEMO_PASSWORD="Bench-Pass-2026!",
        PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    for name in ("QINGCHE_SECRET_KEY", "QINGCHE_FIELD_KEY", "QINGCHE_HASH_KEY"):
        env.pop(name, None)
    if args.sqlite:
        env.pop("DATABASE_URL", None)
    else:
        recreate_database(DB_NAME)
        env["DATABASE_URL"] = f"{PG_SERVER}/{DB_NAME}"
    server = None
    try:
        log(f"building a small demo county ({'SQLite' if args.sqlite else 'PostgreSQL'})")
        subprocess.run(
            [qingche_bin(), "demo", "--scale", "0.05", "--no-serve"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = free_port()
        server = subprocess.Popen(
            [qingche_bin(), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_healthy(f"http://127.0.0.1:{port}", server, 300)
        status = json.loads((var_dir / "run" / "background.json").read_text())
        background = {"supervisor": status["supervisor"]}
        background.update({name: entry["pid"] for name, entry in status["processes"].items()})
        settle(background, args.settle)
        web = {"gunicorn_master": server.pid}
        web.update({f"gunicorn_worker_{pid}": pid for pid in children(server.pid) if pid not in background.values()})
        log(f"measuring for {args.seconds:.0f} s: {background} beside {web}")
        pids = {**background, **web}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        start = time.monotonic()
        time.sleep(args.seconds)
        wall = time.monotonic() - start
        used = {name: round(cpu_seconds(pid) - before[name], 3) for name, pid in pids.items()}
        restarts = {
            name: entry["restarts"]
            for name, entry in json.loads((var_dir / "run" / "background.json").read_text())["processes"].items()
        }
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
            if not args.sqlite:
                drop_database(DB_NAME)
    share = sum(used[name] for name in background) / wall
    web_share = sum(used[name] for name in web) / wall
    load = os.getloadavg()[0]
    log(f"background: {share:.4f} of a core; web: {web_share:.4f}; load {load:.1f}")
    print(
        json.dumps(
            {
                "idle_cpu_share": round(share, 5),
                "web_idle_cpu_share": round(web_share, 5),
                "processes": {name: used[name] for name in background},
                "web_processes": {name: used[name] for name in web},
                "restarts": restarts,
                "database": "sqlite" if args.sqlite else "postgresql",
                "seconds": round(wall, 1),
                "load_average_1m": round(load, 2),
                "cpu_count": os.cpu_count(),
                "target": TARGET,
                "ok": share < TARGET and not any(restarts.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
