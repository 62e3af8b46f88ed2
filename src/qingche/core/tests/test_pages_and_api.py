"""Log-in and language, lockout, token log-in, health and API docs, no external hosts anywhere, the
audit trail page, and 三员分立 (separation of the system, security and audit administrators)."""

import datetime as dt
import html as html_lib
import json
import re
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from axes.utils import reset as axes_reset
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import Resolver404, get_resolver, resolve

from conftest import TEST_PASSWORD
from qingche.core.models import AuditEvent, User
from qingche.demo.builder import DEMO_ACCOUNTS
from qingche.org.models import Role, RoleGrant, Unit

SRC = Path(__file__).resolve().parents[2]  # src/qingche
ROLES = [username for username, _role, _where in DEMO_ACCOUNTS]  # every demo account


@pytest.fixture(autouse=True)
def fresh_axes(db):
    axes_reset()
    yield
    axes_reset()


# -- log-in and language --------------------------------------------------------------------------------
def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_login_page_text_is_chinese_by_default(client):
    text = client.get("/accounts/login/").content.decode()
    assert "登录" in text
    assert "Log in to your account" not in text


def test_switching_to_english_and_back(client):
    response = client.post("/language/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    text = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in text and "Log in to your account" in text
    client.post("/language/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()
    # An unknown language or a foreign redirect falls back safely.
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_signed_in_users_language_is_kept_on_the_account(client_as, accounts):
    client = client_as("bumen")
    client.post("/language/", {"language": "en", "next": "/"})
    assert User.objects.get(pk=accounts["bumen"].pk).language == "en"
    client.cookies.clear()
    client.force_login(User.objects.get(pk=accounts["bumen"].pk))
    assert '<html lang="en">' in client.get("/").content.decode()


def test_password_log_in_works_and_is_audited(client):
    response = client.post("/accounts/login/", {"username": "xiangzhen", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="login", actor_name="xiangzhen").exists()
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="logout", actor_name="xiangzhen").exists()
    assert client.get("/").status_code == 302  # back to the log-in page


def test_lockout_after_five_failed_log_ins(client):
    for attempt in range(1, 5):
        response = client.post("/accounts/login/", {"username": "xitong", "password": f"wrong-{attempt}"})
        assert response.status_code == 200, attempt
        assert 'id="login-error"' in response.content.decode()
    response = client.post("/accounts/login/", {"username": "xitong", "password": "wrong-5"})
    assert response.status_code == 429
    assert 'id="locked-out"' in response.content.decode()
    # Locked: even the right password is refused now.
    response = client.post("/accounts/login/", {"username": "xitong", "password": TEST_PASSWORD})
    assert response.status_code == 429 and 'id="locked-out"' in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", actor_name="xitong").count() >= 5
    assert not AuditEvent.objects.filter(action="login", actor_name="xitong").exists()
    # Another account from the same client is not locked, and a reset unlocks.
    assert client.post("/accounts/login/", {"username": "bumen", "password": TEST_PASSWORD}).status_code == 302
    axes_reset()
    assert client.post("/accounts/login/", {"username": "xitong", "password": TEST_PASSWORD}).status_code == 302


def test_a_forged_x_real_ip_header_does_not_escape_the_lockout(client):
    for attempt in range(1, 6):
        client.post(
            "/accounts/login/",
            {"username": "xitong", "password": f"wrong-{attempt}"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_REAL_IP=f"198.51.100.{attempt}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "xitong", "password": TEST_PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_REAL_IP="198.51.100.77",
    )
    assert response.status_code == 429
    # The trail names the real client, not the forged header.
    ips = set(AuditEvent.objects.filter(action="login_failed", actor_name="xitong").values_list("ip", flat=True))
    assert ips == {"203.0.113.9"}


def test_x_real_ip_is_believed_from_a_trusted_proxy_only(client_as, accounts):
    from django.test import override_settings

    client = client_as("bumen")
    with override_settings(QINGCHE_TRUSTED_PROXIES=["10.0.0.1"]):
        client.post(
            "/language/",
            {"language": "en", "next": "/"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_REAL_IP="172.16.5.5",
            HTTP_X_REQUEST_ID="qc-proxy-1",
        )
        client.post(
            "/language/",
            {"language": "zh-hans", "next": "/"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_REAL_IP="172.16.5.6",
            HTTP_X_REQUEST_ID="qc-proxy-2",
        )
    assert AuditEvent.objects.get(request_id="qc-proxy-1").ip == "172.16.5.5"
    assert AuditEvent.objects.get(request_id="qc-proxy-2").ip == "10.9.9.9"


def test_accounts_get_strong_argon2_passwords(client_as):
    client = client_as("xitong")
    for weak in ("12345678", "password123", "abcdefghijk", "Short1!"):
        response = client.post("/org/accounts/", {"username": "weak-user", "password": weak})
        assert response.status_code == 400, weak
    assert not User.objects.filter(username="weak-user").exists()
    response = client.post("/org/accounts/", {"username": "strong-user", "password": "Qc-Strong-Pass-2026"})
    assert response.status_code == 302
    assert User.objects.get(username="strong-user").password.startswith("argon2$")
    assert AuditEvent.objects.filter(action="create", object_type="core.user", actor_name="xitong").exists()
    assert "Qc-Strong-Pass-2026" not in str(list(AuditEvent.objects.values_list("after", flat=True)))


# -- token log-in and the API plumbing ------------------------------------------------------------------
def test_token_login(client):
    from rest_framework.test import APIClient

    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": "bumen", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert re.fullmatch(r"[0-9a-f]{40}", token)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    units = api.get("/api/v1/units/")
    assert units.status_code == 200 and units.json()["count"] > 0

    for body in ({"username": "bumen", "password": "wrong"}, {"username": "nobody", "password": "x"}):
        response = APIClient().post("/api/v1/auth/token/", body, format="json")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert "non_field_errors" in response.json()
        assert "token" not in response.json()
    response = APIClient().post("/api/v1/auth/token/", {"username": "bumen"}, format="json")
    assert response.status_code == 400 and "password" in response.json()
    response = APIClient().post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert APIClient().get("/api/v1/units/").status_code in (401, 403)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.get("/api/v1/units/").status_code in (401, 403)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "vendor": connection.vendor}


def test_api_schema_and_docs(client_as):
    client = client_as("bumen")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    document = json.loads(schema.content)
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/units/",
        "/api/v1/people/",
        "/api/v1/posts/",
        "/api/v1/assignments/",
        "/api/v1/role-grants/",
        "/api/v1/auth/token/",
        "/api/v1/people/{id}/unmask/",
    ):
        assert path in document["paths"], path
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    text = docs.content.decode()
    references = re.findall(r'\b(?:src|href)\s*=\s*["\']([^"\']+)', text)
    assert references
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
    assert not external_loads(text)
    from django.contrib.staticfiles import finders

    for reference in references:
        if reference.startswith("/static/"):
            assert finders.find(reference.removeprefix("/static/")), reference


def test_api_schema_and_docs_need_a_log_in_unless_opened(client, settings):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 401
    assert client.get("/api/schema/", HTTP_AUTHORIZATION="Token not-a-token").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/?next=/api/docs/")
    settings.QINGCHE_PUBLIC_API_DOCS = True
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_the_schema_declares_the_error_answers_of_every_operation(client_as):
    document = client_as("bumen").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), (method, path)
    people = document["paths"]["/api/v1/people/{id}/"]["get"]["responses"]
    assert people["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_api_docs_do_not_call_the_online_validator(client_as):
    client = client_as("bumen")
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page  # the start-up script is a file (the script policy allows no inline one)
    script = re.search(r'<script src="([^"]*\?script=[^"]*)"', page).group(1).replace("&amp;", "&")
    text = client.get(script).content.decode()
    match = re.search(r"const swaggerSettings = (\{.*?\});", text, re.S)
    assert match
    settings = json.loads(match.group(1))
    assert "validatorUrl" in settings and settings["validatorUrl"] in (None, "none")


# -- nothing is loaded from another host ----------------------------------------------------------------
EXTERNAL = re.compile(
    r"""\b(?:src|href|srcset|poster|action|xlink:href)\s*=\s*\\?["']?\s*(?:https?:)?//"""
    r"""|url\(\s*\\?["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""",
    re.I,
)


def strip_comments(text: str, kind: str) -> str:
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S) if kind in ("html", "template", "svg") else text
    if kind == "template":
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", text, flags=re.S)
    if kind == "css":
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    if kind == "js":
        text = re.sub(r"/\*!.*?\*/", "", text, flags=re.S)  # licence headers only: code is left as it is
    return text


def external_loads(text: str, kind: str = "html") -> list[str]:
    text = strip_comments(text, kind)
    return [text[max(0, match.start() - 40) : match.end() + 60] for match in EXTERNAL.finditer(text)]


def test_the_scanner_finds_what_it_should():
    # The scheme is built at run time so that this file itself holds no page-style external reference.
    https = "https:" + "//"
    assert external_loads(f'<script src="{https}cdn.example/x.js"></script>')
    assert external_loads("<link href='//cdn.example/x.css'>")
    assert external_loads("body{background:url( 'http://x.example/a.png')}", "css")
    assert external_loads(f'@import "{https}fonts.example/css";', "css")
    assert external_loads(f"@import url({https}rsms.me/inter/inter.css);", "css")
    assert external_loads(f'e.src="{https}cdn.example/x.js"', "js")
    assert not external_loads('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert not external_loads(f'<!-- <script src="{https}cdn.example/x.js"></script> -->')
    http = "http:" + "//"
    assert not external_loads(f'{{# <img src="{http}x.example/a.png"> #}}', "template")
    assert not external_loads(f"/* url({http}x.example/a.png) */", "css")
    assert not external_loads('<script src="/static/vendor/htmx/htmx.min.js"></script>')


def static_files() -> list[Path]:
    return [path for path in sorted(SRC.glob("*/static/**/*")) if path.is_file()]


def test_vendor_assets_are_built():
    names = {path.relative_to(SRC).as_posix() for path in static_files()}
    for asset in (
        "core/static/vendor/tabler/tabler.min.css",
        "core/static/vendor/tabler/tabler.min.js",
        "core/static/vendor/htmx/htmx.min.js",
        "core/static/vendor/echarts/echarts.min.js",
    ):
        assert asset in names, f"{asset} missing: run `make assets`"


def test_no_static_file_or_template_loads_from_another_host():
    found = []
    for path in static_files():
        kind = {".css": "css", ".js": "js", ".svg": "svg", ".html": "html"}.get(path.suffix)
        if kind is None:
            continue
        found += [f"{path.relative_to(SRC)}: {hit!r}" for hit in external_loads(path.read_text(errors="replace"), kind)]
    templates = sorted(SRC.glob("*/templates/**/*.html"))
    assert templates
    for path in templates:
        found += [f"{path.relative_to(SRC)}: {hit!r}" for hit in external_loads(path.read_text(), "template")]
    assert not found, "\n".join(found)


POST_ONLY_OR_FILES = {
    "core:set_language",
    "core:holiday_delete",
    "core:api_token_revoke",
    "org:person_unmask",
    "org:account_toggle",
    "org:grant_delete",
    "org:import_template",
}


def page_view_names(namespaces=("core", "org")) -> set[str]:
    names = set()
    resolver = get_resolver()
    for namespace in namespaces:
        _prefix, sub = resolver.namespace_dict[namespace]
        for pattern in sub.url_patterns:
            if getattr(pattern, "name", None):
                names.add(f"{namespace}:{pattern.name}")
    return names - POST_ONLY_OR_FILES


# Django's own admin forms share their templates with the change views that are crawled.
ADMIN_SKIPPED = ("_delete", "_history", "_add", "password_change", "view_on_site", "_password_change")


def crawl(client, starts, limit=400):
    """Every page reachable by links (href, hx-get, redirects), one per view and set of query keys."""
    queue, seen, pages = deque(starts), set(), {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(("/static/", "/media/", "/api/v1/")) or "export=" in parts.query:
            continue
        try:
            match = resolve(parts.path)
        except Resolver404:
            pages[url] = (404, "", "unresolved")
            continue
        # The admin's list views multiply by sort order and page: one of each view is enough there.
        key = match.view_name if match.namespace == "admin" else (match.view_name, tuple(sorted(parse_qs(parts.query))))
        if key in seen or match.view_name in POST_ONLY_OR_FILES or match.view_name.endswith("logout"):
            continue
        if match.namespace == "admin" and match.url_name.endswith(ADMIN_SKIPPED):
            continue
        seen.add(key)
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(urljoin(url, response["Location"]))
            continue
        content_type = response.get("Content-Type", "")
        text = response.content.decode() if "html" in content_type else ""
        pages[url] = (response.status_code, text, match.view_name)
        for link in re.findall(r'\b(?:href|hx-get)="([^"#]*)"', text):
            link = html_lib.unescape(link)
            if link and not link.startswith(("javascript:", "mailto:")):
                queue.append(urljoin(url, link))
    return pages


def test_every_page_the_admin_can_reach_renders_and_loads_nothing_from_another_host(client_as, client):
    admin = client_as("admin")
    pages = crawl(admin, ["/", "/org/units/?q=镇", "/admin/", "/api/docs/"])
    broken = {url: status for url, (status, _text, _view) in pages.items() if status >= 400}
    assert not broken, broken
    not_found = admin.get("/org/people/999999999/")
    assert not_found.status_code == 404
    visited = {view for status, _text, view in pages.values() if status == 200}
    missing = page_view_names() - visited
    assert not missing, f"pages never reached from the menu and links: {sorted(missing)}"
    # Error pages and the anonymous pages, rendered too.
    client.logout()
    extra = {"login": client.get("/accounts/login/").content.decode(), "404": not_found.content.decode()}
    for _ in range(5):
        locked = client.post("/accounts/login/", {"username": "nobody-here", "password": "wrong"})
    assert locked.status_code == 429
    extra["locked"] = locked.content.decode()
    forbidden = client_as("shenji").get("/org/units/")
    assert forbidden.status_code == 403
    extra["403"] = forbidden.content.decode()
    found = []
    for url, (_status, text, _view) in list(pages.items()) + [(name, (0, text, "")) for name, text in extra.items()]:
        found += [f"{url}: {hit!r}" for hit in external_loads(text)]
    assert not found, "\n".join(found)
    assert len(pages) > 25
    # No page shows personal data in clear, not even to the superuser (unmasking is a separate, audited act).
    from qingche.org.models import Person

    clear = {value for person in Person.objects.all() for value in (person.id_number, person.phone) if value}
    leaks = []
    for url, (_status, text, view) in pages.items():
        if view == "org:person_edit":  # see test_audit_pii.test_the_person_edit_form_shows_no_clear_personal_data
            continue
        for candidate in re.findall(r"(?<![\dA-Za-z])(?:\d{17}[\dX]|1[3-9]\d{9})(?!\d)", text):
            if candidate in clear:
                leaks.append((url, candidate))
    assert not leaks, leaks[:10]


# -- the audit trail page -------------------------------------------------------------------------------
def audit_rows(response) -> list[list[str]]:
    text = response.content.decode()
    body = text.split('id="audit-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 8:
            rows.append([html_lib.unescape(" ".join(cell.split())) for cell in cells])
    return rows


@pytest.mark.parametrize("name", ROLES)
def test_only_the_audit_administrator_and_superuser_open_the_audit_trail(name, client_as):
    response = client_as(name).get("/audit/")
    assert response.status_code == (200 if name in ("shenji", "admin") else 403)
    if response.status_code == 200:
        assert audit_rows(response)


def test_audit_trail_filters(client_as, accounts):
    from qingche.core.audit import audit_context, record

    with audit_context(actor=accounts["bumen"], ip="10.0.0.5", request_id="qc-filter-1"):
        record("export", object_type="org.person", object_id="9900077", object_repr="filter check one")
        record("export", object_type="org.unit", object_id="9900078", object_repr="filter check two")
    with audit_context(actor=accounts["cungan"], request_id="qc-filter-2"):
        record("unmask", object_type="org.person", object_id="9900077", object_repr="filter check three", reason="核实")
    client = client_as("shenji")
    from django.utils import translation

    from qingche.core.actors import name

    with translation.override("zh-hans"):  # the trail names object types and actors in words
        unit, person = (str(apps.get_model(label)._meta.verbose_name) for label in ("org.unit", "org.person"))
        cungan = name(accounts["cungan"])

    def rows(**params):
        response = client.get("/audit/", params)
        assert response.status_code == 200
        return audit_rows(response)

    assert [row[4] for row in rows(request_id="qc-filter-1")] == [
        f"{unit} #9900078 filter check two",
        f"{person} #9900077 filter check one",
    ]
    assert all(row[2] == "10.0.0.5" for row in rows(request_id="qc-filter-1"))
    assert [row[4] for row in rows(object_id="9900077")] == [
        f"{person} #9900077 filter check three",
        f"{person} #9900077 filter check one",
    ]
    unmask_label = str(AuditEvent.Action.UNMASK.label)
    only_unmask = rows(action="unmask")
    assert only_unmask and {row[3] for row in only_unmask} == {unmask_label}
    assert only_unmask[0][6] == "核实"
    assert {row[1] for row in rows(actor="cungan")} == {cungan} != {"cungan"}
    assert [row[4] for row in rows(object_type="org.unit", request_id="qc-filter-1")] == [
        f"{unit} #9900078 filter check two"
    ]
    today = dt.date.today()
    assert rows(**{"from": (today + dt.timedelta(days=1)).isoformat()}) == []
    assert rows(**{"to": (today - dt.timedelta(days=3650)).isoformat()}) == []
    assert len(rows(**{"from": today.isoformat(), "request_id": "qc-filter-2"})) == 1
    assert rows(**{"from": "not-a-date", "request_id": "qc-filter-2"})  # a bad date is ignored, not a 500
    # Pages of 50, newest first; the last page holds the rest.
    total = AuditEvent.objects.count()
    first = client.get("/audit/")
    pages = int(re.search(r'class="page-link">\s*\d+\s*/\s*(\d+)', first.content.decode()).group(1))
    assert pages == (total + 49) // 50
    assert len(audit_rows(first)) == 50
    seen = 50 * (pages - 1) + len(audit_rows(client.get("/audit/", {"page": pages})))
    assert seen == total


# -- 三员分立 -------------------------------------------------------------------------------------------
def test_the_system_administrator_neither_reads_the_audit_trail_nor_grants_roles(client_as, api_as, accounts):
    from qingche.org import services

    xitong = accounts["xitong"]
    assert not xitong.has_perm("core.view_auditevent")
    assert client_as("xitong").get("/audit/").status_code == 403
    assert client_as("xitong").get("/org/grants/").status_code == 403
    assert AuditEvent.objects.visible_to(xitong).count() == 0
    county = Unit.objects.get(depth=1)
    with pytest.raises(PermissionDenied):
        services.role_grant_create(
            user=xitong, account=accounts["bumen"], role=Role.objects.get(code="hotline"), unit=county
        )
    response = api_as("xitong").post(
        "/api/v1/role-grants/", {"user": accounts["bumen"].pk, "role": "hotline", "unit": county.pk}, format="json"
    )
    assert response.status_code == 403
    assert api_as("xitong").get("/api/v1/role-grants/").json()["count"] == 0
    assert not RoleGrant.objects.filter(user=accounts["bumen"], role__code="hotline").exists()
    # What the system administrator does do: units, posts and accounts.
    assert client_as("xitong").get("/org/units/").status_code == 200
    assert client_as("xitong").get("/org/accounts/").status_code == 200
    assert client_as("xitong").get("/calendar/").status_code == 200


def test_the_security_administrator_grants_roles_but_not_to_itself(client_as, api_as, accounts):
    from qingche.org import services

    anquan = accounts["anquan"]
    county = Unit.objects.get(depth=1)
    town = Unit.objects.filter(kind="town").order_by("path").first()
    response = api_as("anquan").post(
        "/api/v1/role-grants/", {"user": accounts["bumen"].pk, "role": "hotline", "unit": county.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    grant = RoleGrant.objects.get(pk=response.json()["id"])
    assert (grant.user_id, grant.role.code, grant.scope) == (accounts["bumen"].pk, "hotline", "subtree")
    assert AuditEvent.objects.filter(
        action="create", object_type="org.rolegrant", object_id=str(grant.pk), actor_name="anquan"
    ).exists()
    # The new grant takes effect: bumen now sees every unit.
    bumen = User.objects.get(pk=accounts["bumen"].pk)
    assert Unit.objects.visible_to(bumen).count() == Unit.objects.count()

    response = client_as("anquan").post(
        "/org/grants/",
        {
            "account": accounts["cungan"].pk,
            "role": Role.objects.get(code="frontline").pk,
            "unit": town.pk,
            "scope": "self",
        },
    )
    assert response.status_code == 302
    assert RoleGrant.objects.filter(user=accounts["cungan"], role__code="frontline", scope="self").exists()

    with pytest.raises(PermissionDenied):
        services.role_grant_create(
            user=anquan, account=anquan, role=Role.objects.get(code="org_department"), unit=county
        )
    response = api_as("anquan").post(
        "/api/v1/role-grants/", {"user": anquan.pk, "role": "audit_admin", "unit": county.pk}, format="json"
    )
    assert response.status_code == 403
    own = RoleGrant.objects.get(user=anquan)
    assert api_as("anquan").delete(f"/api/v1/role-grants/{own.pk}/").status_code == 403
    assert RoleGrant.objects.filter(user=anquan).count() == 1
    # Granting is all it does: no audit trail, no people, no units to change.
    assert client_as("anquan").get("/audit/").status_code == 403
    assert client_as("anquan").get("/org/people/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.unit_create(user=anquan, parent=county, name="安全测试局", kind="department")


def test_the_three_administrator_roles_cannot_be_combined_on_one_account(accounts):
    from qingche.org import services

    county = Unit.objects.get(depth=1)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.role_grant_create(
            user=accounts["anquan"], account=accounts["xitong"], role=Role.objects.get(code="audit_admin"), unit=county
        )


AUDITOR_PAGES = [
    "/org/units/",
    "/org/people/",
    "/org/people/?export=xlsx",
    "/org/units/?export=xlsx",
    "/org/accounts/",
    "/org/grants/",
    "/calendar/",
    "/org/import/",
]


def test_the_audit_administrator_only_reads_the_audit_trail(client_as, api_as, accounts):
    from qingche.core import services as core_services
    from qingche.org import services
    from qingche.org.models import Person

    shenji = accounts["shenji"]
    client = client_as("shenji")
    assert client.get("/audit/").status_code == 200
    assert client.get("/").status_code == 200
    for url in AUDITOR_PAGES:
        assert client.get(url).status_code == 403, url
    unit = Unit.objects.filter(kind="village").first()
    person = Person.objects.first()
    assert client.get(f"/org/units/{unit.pk}/").status_code in (403, 404)
    assert client.get(f"/org/people/{person.pk}/").status_code in (403, 404)
    api = api_as("shenji")
    for prefix in ("units", "posts", "people", "assignments", "role-grants"):
        response = api.get(f"/api/v1/{prefix}/")
        assert response.status_code == 200 and response.json()["count"] == 0, prefix
    county = Unit.objects.get(depth=1)
    writes = [
        ("/api/v1/units/", {"parent": county.pk, "name": "审计测试局", "kind": "department"}),
        ("/api/v1/posts/", {"unit": county.pk, "name": "审计岗", "kind": "staff", "quota": 1}),
        ("/api/v1/role-grants/", {"user": shenji.pk, "role": "org_department", "unit": county.pk}),
        (f"/api/v1/people/{person.pk}/unmask/", {"field": "phone", "reason": "审计抽查"}),
    ]
    for url, body in writes:
        assert api.post(url, body, format="json").status_code in (400, 403, 404), url
    for call in (
        lambda: services.unit_create(user=shenji, parent=county, name="审计测试局", kind="department"),
        lambda: services.role_grant_create(
            user=shenji, account=accounts["bumen"], role=Role.objects.get(code="hotline"), unit=county
        ),
        lambda: services.account_create(user=shenji, username="new-user", password="Good-Pass-2026!"),
        lambda: core_services.holiday_save(user=shenji, date=dt.date(2026, 10, 9), is_workday=False),
        lambda: core_services.pii_unmask(user=shenji, obj=person, field_name="phone", reason="审计抽查"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not Unit.objects.filter(name="审计测试局").exists()
    assert not User.objects.filter(username="new-user").exists()


def test_a_parameter_change_is_read_at_once_and_cached_values_cannot_be_changed_by_callers(accounts):
    from qingche.core import parameters
    from qingche.core.services import parameter_set

    limits = parameters.get("service.limits")
    limits["general"] = "changed by a caller"
    assert parameters.get("service.limits")["general"] != "changed by a caller"
    parameter_set(user=accounts["admin"], key="burden.red_line", value=0.42)
    assert parameters.get("burden.red_line") == 0.42


def test_an_api_address_no_endpoint_has_is_a_json_404(api_as):
    for address in ("/api/v1/tasks/-1.5e-09/", "/api/v1/units/1.5/", "/api/v1/nothing/here/"):
        response = api_as("bumen").get(address)
        assert response.status_code == 404 and response.json() == {"detail": "未找到，或不在您的数据范围内。"}
    assert api_as("bumen").get("/api/v1/units").status_code == 301  # the slash is still added first


def test_a_number_too_large_for_the_database_is_a_400(api_as):
    from qingche.tasks.models import TaskRequest

    before = TaskRequest.objects.count()
    response = api_as("bumen").post(
        "/api/v1/task-requests/", {"targets": [1514, 4375811258735466688922255361]}, format="json"
    )
    assert response.status_code == 400
    # SQLite cannot even bind the number; PostgreSQL can, and the service names the unknown unit.
    assert response.json() == {"non_field_errors": ["请求中的数值超出允许范围。"]} or "targets" in response.json()
    assert TaskRequest.objects.count() == before
