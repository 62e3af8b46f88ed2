"""The background processes beside the web workers: what they are, how each lives, and who keeps them up.

- Modules register their processes with `register(name, argv)` (a `qingche` sub-command) in wiring.py.
- Each process runs its work in a `Loop`: it looks for work, waits to be woken (core.wakeup) when there
  is none, keeps its database connection between looks, backs off while the database is away (an
  OperationalError or InterfaceError: nothing is lost, the work waits in the database), and stops at
  SIGTERM (at once when idle, after the current look when busy). Any other error ends the process; its
  supervisor starts it again.
- `qingche supervise`, started by `qingche serve`, runs every registered process and restarts one that
  exits (after 1 s, doubling while it keeps failing within a minute, at most MAX_RESTART_DELAY). It
  writes who runs under which pid to `<var>/run/background.json`; `/healthz` reads it (`status()`).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from qingche.core import wakeup

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)  # the database is away or restarting: try again later
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
MAX_RESTART_DELAY = 60.0
STEADY_SECONDS = 60.0  # a process that ran this long before it exited is restarted after 1 s again
STOP_SECONDS = 10.0  # how long a process has to stop at SIGTERM before it is killed

_processes: dict[str, list[str]] = {}


def register(name: str, argv: list[str]) -> None:
    """A background process `qingche <argv…>` that `qingche serve` keeps running under `name`."""
    _processes[name] = list(argv)


def processes() -> dict[str, list[str]]:
    return dict(_processes)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT)


# -- one process -----------------------------------------------------------------------------------------
class Loop:
    """look() does one round of work and returns how many items it took; with `batch`, a full batch means
    more may wait, so the next look follows at once."""

    def __init__(self, channel: str, *, batch: int | None = None, max_pause: float = wakeup.SQLITE_MAX_SECONDS):
        self.waiter = wakeup.Waiter(channel, max_pause=max_pause)
        self.batch = batch
        self.stopping = False
        self.idle = False
        self.failures = 0
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def _stop(self, *_args) -> None:
        self.stopping = True
        if self.idle:
            raise SystemExit(0)

    def _idle(self, wait: Callable[..., None], *args) -> None:
        self.idle = True
        try:
            if not self.stopping:
                wait(*args)
        finally:
            self.idle = False

    def run(self, look: Callable[[], int]) -> None:
        try:
            while not self.stopping:
                try:
                    taken = look()  # on the connection of the last look: no new one (SQLite) nor check per look
                except TRANSIENT as error:
                    pause = BACKOFF_SECONDS[min(self.failures, len(BACKOFF_SECONDS) - 1)]
                    self.failures += 1
                    logger.warning("database unavailable (%s); trying again in %.1f s", error, pause)
                    close_old_connections()  # a connection that failed is dropped; the next look makes a new one
                    self._idle(time.sleep, pause)
                    continue
                self.failures = 0
                if taken:
                    self.waiter.found()
                if not (self.batch and taken >= self.batch):
                    self._idle(self.waiter.wait)
        finally:
            self.waiter.close()


# -- the supervisor ---------------------------------------------------------------------------------------
def status_path() -> Path:
    return Path(settings.VAR_DIR) / "run" / "background.json"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent ends, however it ends."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (linux/prctl.h)


def start_supervisor() -> subprocess.Popen:
    """`qingche supervise`, which ends when the calling process ends (it becomes gunicorn's master)."""
    qingche = os.path.join(os.path.dirname(sys.executable), "qingche")
    return subprocess.Popen([qingche, "supervise"], stdin=subprocess.DEVNULL, preexec_fn=_end_with_parent)


class Supervisor:
    def __init__(self, commands: dict[str, list[str]]):
        self.commands = commands
        self.children: dict[str, subprocess.Popen] = {}
        self.state = {name: {"pid": None, "started_at": None, "restarts": 0, "last_exit": None} for name in commands}
        self.started: dict[str, float] = {}
        self.quick_exits = dict.fromkeys(commands, 0)
        self.due = dict.fromkeys(commands, 0.0)  # when a process that is not running is started
        self.stopping = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        try:
            while not self.stopping:
                self.tick()
                time.sleep(1)
        finally:
            self.stop_children()

    def _stop(self, *_args) -> None:
        self.stopping = True

    def tick(self) -> None:
        now = time.monotonic()
        changed = False
        for name, child in list(self.children.items()):
            code = child.poll()
            if code is None:
                continue
            del self.children[name]
            ran = now - self.started[name]
            self.quick_exits[name] = 0 if ran >= STEADY_SECONDS else self.quick_exits[name] + 1
            delay = min(MAX_RESTART_DELAY, 2.0 ** max(0, self.quick_exits[name] - 1))
            self.due[name] = now + delay
            self.state[name].update(pid=None, last_exit=code, exited_at=_now())
            logger.warning("background process %s exited with %s; starting it again in %.0f s", name, code, delay)
            changed = True
        for name, argv in self.commands.items():
            if name not in self.children and now >= self.due[name] and not self.stopping:
                first = self.state[name]["started_at"] is None
                self.children[name] = self._spawn(argv)
                self.started[name] = now
                self.state[name].update(
                    pid=self.children[name].pid,
                    started_at=_now(),
                    restarts=self.state[name]["restarts"] + (0 if first else 1),
                )
                changed = True
        if changed:
            self.write_status()

    def _spawn(self, argv: list[str]) -> subprocess.Popen:
        qingche = os.path.join(os.path.dirname(sys.executable), "qingche")
        return subprocess.Popen([qingche, *argv], stdin=subprocess.DEVNULL, preexec_fn=_end_with_parent)

    def write_status(self) -> None:
        path = status_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"supervisor": os.getpid(), "processes": self.state}))
        temporary.replace(path)

    def stop_children(self) -> None:
        for child in self.children.values():
            child.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children.clear()
        status_path().unlink(missing_ok=True)


# -- what /healthz reports ---------------------------------------------------------------------------------
def _alive(pid) -> bool:
    """Whether the process runs (a zombie, ended but not yet collected by its parent, does not)."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{int(pid)}/stat").read_text()
    except (OSError, ValueError):
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def status() -> dict:
    """{"supervised": False} when no supervisor runs here (`serve --no-task-worker`, a test, a laptop's
    runserver); else whether the supervisor and each process are up, their pids and restarts."""
    try:
        data = json.loads(status_path().read_text())
    except (OSError, ValueError):
        return {"supervised": False}
    processes = {
        name: {
            "up": _alive(entry.get("pid")),
            "pid": entry.get("pid"),
            "restarts": entry.get("restarts", 0),
            "last_exit": entry.get("last_exit"),
        }
        for name, entry in data.get("processes", {}).items()
    }
    down = [name for name, entry in processes.items() if not entry["up"]]
    if not _alive(data.get("supervisor")):
        down.append("supervisor")
    return {"supervised": True, "processes": processes, "down": down}
