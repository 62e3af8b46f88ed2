"""Waking a background process when there is work for it, instead of polling.

On PostgreSQL the transaction that makes work sends a NOTIFY on a channel (delivered at its commit, and
not at all if it rolls back), and the background process waits in `Waiter.wait()` on a connection of
its own that LISTENs on that channel: it looks for work when told to, and otherwise once every
`IDLE_LOOK_SECONDS`. On SQLite there is no such signal: `wait` sleeps, from SQLITE_MIN_SECONDS after a
look that found work up to `max_pause` (SQLITE_MAX_SECONDS: two looks a second) when nothing has come
for a while."""

from __future__ import annotations

import logging
import select
import time

from django.db import connection

logger = logging.getLogger(__name__)

IDLE_LOOK_SECONDS = 60.0  # a look now and then even without a signal: work made while nobody listened
SQLITE_MIN_SECONDS = 0.05
SQLITE_MAX_SECONDS = 0.5
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)  # between tries to listen again after the server went away


def notify(channel: str) -> None:
    """Tell the processes waiting on `channel` that there is work: on PostgreSQL, at the commit of the
    current transaction (at once in autocommit); nothing on SQLite, whose waiters look on their own."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [channel])


class Waiter:
    """`wait()` returns when work may be there: at a NOTIFY on the channel (PostgreSQL) or after a pause
    that grows while nothing is found (SQLite). Call `found()` after a look that found work."""

    def __init__(self, channel: str, *, max_pause: float = SQLITE_MAX_SECONDS):
        self.channel, self.max_pause = channel, max_pause
        self.listening = None  # the psycopg connection that LISTENs (PostgreSQL)
        self.failures = 0
        self.pause = SQLITE_MIN_SECONDS

    def found(self) -> None:
        self.pause = SQLITE_MIN_SECONDS

    def wait(self) -> None:
        if connection.vendor != "postgresql":
            time.sleep(self.pause)
            self.pause = min(self.pause * 2, self.max_pause)
            return
        if self.listening is None:
            self._listen()  # whatever was sent while nobody listened is looked for at once
            return
        try:
            if list(self.listening.notifies(timeout=0)):  # signals that came during the last look
                return
            # Blocked in select() the process uses no CPU at all (psycopg's own wait wakes ten times a second).
            if select.select([self.listening.fileno()], [], [], IDLE_LOOK_SECONDS)[0]:
                list(self.listening.notifies(timeout=0))  # every signal that came: one look for all
        except Exception as error:  # noqa: BLE001 - any failure of the connection: listen again
            logger.warning("lost the connection that waits for %s (%s)", self.channel, error)
            self.close()

    def _listen(self) -> None:
        try:
            listening = connection.get_new_connection(connection.get_connection_params())
            listening.autocommit = True
            listening.execute(f'LISTEN "{self.channel}"')
        except Exception as error:  # noqa: BLE001 - the database is away: try again after a pause
            pause = RECONNECT_SECONDS[min(self.failures, len(RECONNECT_SECONDS) - 1)]
            self.failures += 1
            logger.warning("cannot listen for %s (%s); trying again in %.1f s", self.channel, error, pause)
            time.sleep(pause)
            return
        self.listening, self.failures = listening, 0

    def close(self) -> None:
        if self.listening is not None:
            try:
                self.listening.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection
                pass
            self.listening = None
