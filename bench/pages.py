"""Benchmark of every page each demo role reaches, on PostgreSQL with the demo county.

Builds its own database `qingche_bench_pages` (dropped first, dropped again at the end unless --keep)
and the demo county 示范县 in it at --scale (1 ≈ 3,500 people, what `qingche demo` builds). Then, for
every demo account (the superuser and each role, logged in with its second factor where it needs
one), it visits the home page and every page the account's menu reaches, and on each of those the
first detail page it links to (the first link whose path holds a number, outside the menu). Every
page is timed in the same process through Django's test client (server time: the view, its queries
and the template, no network and no browser), --reps times after one unmeasured visit, the pages
interleaved. A page that does not answer 200 is listed under `errors`.

The floor is `/healthz` timed the same way in the same run: what any request costs on this machine,
so that a page's figure can be read against it when the machine is busy (the load average and the
number of cores at the end of the run are in the JSON too: a load above the core count means other
work competed with the run).

Progress goes to stderr; the last line of stdout is one JSON object with `pages_p95_max_ms`, the ten
slowest pages with their p95, the page count, the target and `ok`.

    .venv/bin/python bench/pages.py [--scale 1] [--reps 10] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from urllib.parse import urlsplit

from _common import drop_database, make_log, p95_by_index, recreate_database, setup_django, summary

DB_NAME = "qingche_bench_pages"
TARGET_MS = 200.0
PASSWORD = "Bench-Pages-2026!"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
HREF = re.compile(r'href="(/[^"#?]*)"')
DETAIL = re.compile(r"/\d+/")
log = make_log("pages")


def logged_in_client(user):
    """A test client with the account's session, its second factor given where it needs one (as the
    log-in page leaves it)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from qingche.core import otp

    client = Client()
    client.force_login(user)
    if otp.needs_second_factor(user):
        device = otp.confirmed_totp(user) or otp.enrol_with_secret(user, TOTP_SECRET)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def first_detail(html: str, skip: set[str]) -> str | None:
    """The first link of a list page to a detail page: a path with a number in it, not a menu entry."""
    for href in HREF.findall(html):
        if href not in skip and DETAIL.search(href) and not href.startswith(("/static/", "/api/")):
            return href
    return None


def pages_of(user, client) -> list[str]:
    """The home page, every menu entry of the account and the first detail page each links to."""
    from qingche.core.menu import visible_items

    menu = [entry["url"] for entry in visible_items(user)]
    pages = ["/", *menu]
    for position, url in enumerate(list(pages)):
        response = client.get(url, follow=True)
        if response.redirect_chain:  # e.g. "my burden index" opens the account's unit page: time that
            pages[position] = response.redirect_chain[-1][0]
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        detail = first_detail(response.content.decode(), set(pages))
        if detail and detail not in pages:
            pages.append(detail)
    return pages


def timed_get(client, url: str) -> tuple[float, int]:
    begin = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - begin) * 1000, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    recreate_database(DB_NAME)
    setup_django(DB_NAME)
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]  # the test client's host is "testserver"
    call_command("migrate", verbosity=0)
    log(f"migrated; building the demo county at scale {args.scale}")
    from qingche.core.models import User
    from qingche.demo.builder import DEMO_ACCOUNTS, DemoBuilder, demo_totp_secrets

    started = time.perf_counter()
    DemoBuilder(scale=args.scale).build(PASSWORD, demo_totp_secrets(TOTP_SECRET))
    build_seconds = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"demo county built in {build_seconds:.0f}s")

    visits = []  # (account, url, client)
    for username, _role, _where in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        client = logged_in_client(user)
        for url in pages_of(user, client):
            visits.append((username, url, client))
    log(f"{len(visits)} pages of {len(DEMO_ACCOUNTS)} accounts")
    floor_client = visits[0][2]

    samples: dict[tuple[str, str], list[float]] = {(user, url): [] for user, url, _c in visits}
    statuses: dict[tuple[str, str], int] = {}
    floor = []
    for rep in range(1 + args.reps):
        for username, url, client in visits:
            ms, status = timed_get(client, url)
            statuses[(username, url)] = status
            if rep:
                samples[(username, url)].append(ms)
        ms, _status = timed_get(floor_client, "/healthz")
        if rep:
            floor.append(ms)
        log(f"rep {rep}/{args.reps}")

    rows = sorted(
        ({"account": user, "page": url, **summary(times)} for (user, url), times in samples.items()),
        key=lambda row: row["p95_ms"],
        reverse=True,
    )
    for row in rows:
        log(f"{row['p95_ms']:8.1f} ms p95  {row['p50_ms']:8.1f} ms p50  {row['account']:<10} {row['page']}")
    worst = rows[0]["p95_ms"] if rows else 0.0
    errors = [{"account": user, "page": url, "status": status} for (user, url), status in statuses.items()]
    errors = [error for error in errors if error["status"] != 200]
    result = {
        "bench": "pages",
        "database": "postgresql",
        "scale": args.scale,
        "people": _count("org_person"),
        "accounts": len(DEMO_ACCOUNTS),
        "pages": len(visits),
        "distinct_urls": len({urlsplit(url).path for _u, url, _c in visits}),
        "build_seconds": round(build_seconds, 1),
        "floor_p95_ms": round(p95_by_index(floor), 1),
        "pages_p95_max_ms": round(worst, 1),
        "slowest": [
            {"account": row["account"], "page": row["page"], "p95_ms": round(row["p95_ms"], 1)} for row in rows[:10]
        ],
        "errors": errors,
        "target_ms": TARGET_MS,
        "ok": worst <= TARGET_MS and not errors,
        "reps": args.reps,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_database(DB_NAME)
    print(json.dumps(result, ensure_ascii=False))


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
