"""等保 level 3 log-in: second factor, expiring API tokens, first passwords, failed log-ins that keep no
typed user name, HTTPS defaults."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import TEST_PASSWORD, totp_code
from qingche.core.models import ApiToken, AuditEvent, Parameter, User

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def _token(username, **extra):
    response = APIClient().post(TOKEN_URL, {"username": username, "password": TEST_PASSWORD, **extra}, format="json")
    return response


def _api(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


# -- second factor --------------------------------------------------------------------------------------
def test_an_administrator_logs_in_only_with_the_code(client):
    response = client.post("/accounts/login/", {"username": "xitong", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session  # not logged in after the password alone
    assert client.get("/").status_code == 302
    wrong = client.post("/accounts/login/code/", {"otp": "000000"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    User.objects.filter(username="xitong").update()  # nothing else changed
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user__username="xitong").update(throttling_failure_count=0)
    right = client.post("/accounts/login/code/", {"otp": totp_code("xitong")})
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="login_failed", actor_name="xitong").exists()


def test_a_recovery_code_logs_in_once(client, accounts):
    from qingche.core import otp

    codes = otp.new_recovery_codes(accounts["shenji"])
    for attempt in (1, 2):
        client.post("/accounts/login/", {"username": "shenji", "password": TEST_PASSWORD})
        response = client.post("/accounts/login/code/", {"otp": codes[0]})
        if attempt == 1:
            assert response.status_code == 302 and client.get("/").status_code == 200
            client.post("/accounts/logout/")
        else:
            assert response.status_code == 400


def test_an_ordinary_account_needs_no_code(client):
    response = client.post("/accounts/login/", {"username": "bumen", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_session_without_the_code_can_only_give_it(client, accounts):
    """A log-in that skipped the code page (the admin site's form, force_login) reaches nothing else."""
    client.force_login(accounts["anquan"])
    assert client.get("/org/units/")["Location"] == "/accounts/second-factor/"
    assert client.get("/api/v1/units/").status_code == 403
    page = client.get("/accounts/second-factor/")
    assert page.status_code == 200 and 'id="otp-secret"' not in page.content.decode()  # no new device offered
    assert client.post("/accounts/second-factor/", {"otp": totp_code("anquan")}).status_code == 302
    assert client.get("/org/units/").status_code == 200


def test_an_administrator_without_a_device_enrols_with_a_qr_code(client, accounts):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qingche.core import otp

    admin = accounts["xitong"]
    otp.reset(admin)
    client.post("/accounts/login/", {"username": "xitong", "password": TEST_PASSWORD})
    assert client.get("/org/units/")["Location"] == "/accounts/second-factor/"
    page = client.get("/accounts/second-factor/").content.decode()
    assert 'src="data:image/svg+xml' in page and 'id="otp-secret"' in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    code = f"{TOTP(device.bin_key).token():06d}"
    response = client.post("/accounts/second-factor/", {"action": "confirm", "otp": code})
    assert response.status_code == 200
    assert len(response.context["codes"]) == otp.RECOVERY_CODES
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert client.get("/org/units/").status_code == 200


# -- first password --------------------------------------------------------------------------------------
def test_a_new_account_changes_its_first_password(client_as, client):
    client_as("xitong").post("/org/accounts/", {"username": "new-clerk", "password": "Qc-First-Pass-2026"})
    account = User.objects.get(username="new-clerk")
    assert account.must_change_password
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "new-clerk", "password": "Qc-First-Pass-2026"})
    assert client.get("/")["Location"] == "/accounts/password/"
    assert _token("new-clerk").status_code == 400
    new = "Qc-Own-Choice-2026!"
    response = client.post(
        "/accounts/password/", {"old_password": "Qc-First-Pass-2026", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get("/").status_code == 200


def test_demo_accounts_keep_their_known_password(accounts):
    assert not any(user.must_change_password for user in accounts.values())


# -- API tokens -----------------------------------------------------------------------------------------
def test_an_administrator_token_needs_the_code():
    assert "otp" in _token("anquan").json()
    assert "otp" in _token("anquan", otp="000000").json()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user__username="anquan").update(throttling_failure_count=0)
    response = _token("anquan", otp=totp_code("anquan"))
    assert response.status_code == 200
    assert _api(response.json()["token"]).get("/api/v1/units/").status_code == 200


def test_a_token_is_stored_as_a_digest_and_expires():
    response = _token("bumen")
    key = response.json()["token"]
    token = ApiToken.objects.get(user__username="bumen")
    assert key not in (token.digest, token.prefix) and token.prefix == key[:6]
    assert dt.timedelta(hours=7.9) < token.expires_at - timezone.now() <= dt.timedelta(hours=8)
    assert _api(key).get("/api/v1/units/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _api(key).get("/api/v1/units/").status_code == 401


def test_the_token_lifetime_is_a_parameter():
    Parameter.objects.create(key="core.api_token_hours", value=1)
    from qingche.core.cache import clear_all

    clear_all()
    _token("bumen")
    token = ApiToken.objects.get(user__username="bumen")
    assert token.expires_at - timezone.now() <= dt.timedelta(hours=1)


@pytest.mark.parametrize("change", ["password", "deactivate", "last_role"])
def test_a_token_stops_working(change, accounts):
    key = _token("bumen").json()["token"]
    assert _api(key).get("/api/v1/units/").status_code == 200
    user = User.objects.get(username="bumen")
    if change == "password":
        user.set_password("Qc-Another-Pass-2026")
        user.save()
    elif change == "deactivate":
        user.is_active = False
        user.save()
    else:
        from qingche.org.models import RoleGrant

        RoleGrant.objects.filter(user=user).delete()
    assert _api(key).get("/api/v1/units/").status_code == 401


def test_a_locked_account_gets_no_token(settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(TOKEN_URL, {"username": "bumen", "password": "wrong"}, format="json")
    response = _token("bumen")
    assert response.status_code in (400, 403, 429) and "token" not in response.json()
    assert not ApiToken.objects.filter(user__username="bumen").exists()


def test_users_see_and_revoke_their_own_tokens(client_as, accounts):
    key = _token("bumen").json()["token"]
    other = _token("xiangzhen").json()["token"]
    client = client_as("bumen")
    page = client.get("/accounts/tokens/").content.decode()
    assert key[:6] in page and other[:6] not in page
    theirs = ApiToken.objects.get(user__username="xiangzhen")
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    mine = ApiToken.objects.get(user__username="bumen")
    assert client.post(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 302
    assert _api(key).get("/api/v1/units/").status_code == 401
    assert _api(other).get("/api/v1/units/").status_code == 200


# -- failed log-ins keep no typed unknown user name ----------------------------------------------------
def test_a_failed_login_keeps_no_unknown_user_name(client):
    typed = "MySecretPassw0rd-in-the-wrong-box"
    client.post("/accounts/login/", {"username": typed, "password": "x"})
    client.post("/accounts/login/", {"username": "bumen", "password": "wrong"})
    stored = " ".join(str(row) for row in AccessAttempt.objects.values_list("username", "post_data", "get_data"))
    stored += " ".join(str(row) for row in AccessFailureLog.objects.values_list("username", "path_info"))
    stored += " ".join(
        str(row)
        for row in AuditEvent.objects.filter(action="login_failed").values_list("actor_name", "object_repr", "after")
    )
    assert typed not in stored
    assert AccessAttempt.objects.filter(username="bumen").exists()  # an account's failures keep its name
    assert AuditEvent.objects.filter(action="login_failed", actor_name="bumen").exists()


def test_unknown_user_names_still_lock_out(client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "ghost-user", "password": "x"})
    assert client.post("/accounts/login/", {"username": "ghost-user", "password": "x"}).status_code == 429


# -- HTTPS --------------------------------------------------------------------------------------------------
def test_the_proxy_scheme_is_believed_only_from_a_trusted_proxy(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.QINGCHE_TRUSTED_PROXIES = ["10.0.0.1"]
    forged = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9")
    assert "Strict-Transport-Security" not in forged
    proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.1")
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_carry_a_script_policy_without_inline_script(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"


def test_https_settings_follow_the_environment(monkeypatch):
    import importlib

    import qingche.settings as settings_module

    monkeypatch.setenv("QINGCHE_HTTPS", "1")
    try:
        reloaded = importlib.reload(settings_module)
        assert reloaded.SESSION_COOKIE_SECURE and reloaded.CSRF_COOKIE_SECURE
        assert reloaded.SECURE_HSTS_SECONDS >= 31536000
        assert not hasattr(reloaded, "SECURE_PROXY_SSL_HEADER")
    finally:
        monkeypatch.delenv("QINGCHE_HTTPS")
        importlib.reload(settings_module)


def test_no_id_number_or_tracking_code_in_any_url():
    from django.urls import get_resolver

    def patterns(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                yield from patterns(entry, prefix + str(entry.pattern))
            else:
                yield prefix + str(entry.pattern)

    routes = list(patterns(get_resolver()))
    assert routes
    for route in routes:
        lowered = route.lower()
        assert not any(word in lowered for word in ("id_number", "idnumber", "tracking")), route


def test_the_operator_resets_a_lost_second_factor(accounts):
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    call_command("otp_reset", "shenji")
    assert not TOTPDevice.objects.filter(user=accounts["shenji"]).exists()
    assert AuditEvent.objects.filter(
        object_type="core.user", object_id=str(accounts["shenji"].pk), after__second_factor="reset"
    ).exists()


def test_a_searched_id_number_never_sits_in_the_address(client_as):
    from qingche.org.models import Person

    client = client_as("zuzhibu")
    person = Person.objects.visible_to(User.objects.get(username="zuzhibu")).first()
    response = client.post("/org/people/", {"q": person.id_number, "category": ""})
    assert response.status_code == 302
    assert person.id_number not in response["Location"] and "search=" in response["Location"]
    listing = client.get(response["Location"])
    assert [row.pk for row in listing.context["page"].object_list] == [person.pk]
    exported = client.get(response["Location"] + "&export=xlsx")
    assert exported.status_code == 200
