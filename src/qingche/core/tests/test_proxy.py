"""Behind the reverse proxy exactly as docs/operator-guide.md configures it, the app sees each client's own
address: in the log-in lockout, in the public pages' flood limits and in the audit trail. The guide's
environment file and nginx example are read from the guide itself, so the guide is what is tested."""

import logging
import re

import pytest
from django.core.cache import cache
from django.test import override_settings

from conftest import TEST_PASSWORD, mark_otp_verified
from qingche.core import parameters
from qingche.core.models import AuditEvent
from qingche.settings import PROJECT_DIR, trusted_proxies

pytestmark = pytest.mark.django_db

GUIDE = (PROJECT_DIR / "docs" / "operator-guide.md").read_text(encoding="utf-8")


def _guide_env() -> dict:
    block = GUIDE.split("An example `/etc/qingche/env`", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)


def _guide_nginx() -> str:
    return GUIDE.split("```nginx\n", 1)[1].split("```", 1)[0]


PROXY = trusted_proxies(_guide_env())[0]


@pytest.fixture(autouse=True)
def as_in_the_guide():
    cache.clear()
    with override_settings(QINGCHE_TRUSTED_PROXIES=trusted_proxies(_guide_env())):
        yield
    cache.clear()


def _via_proxy(client, method, path, client_address, data=None):
    """A request as nginx forwards it: from the proxy's address, the client's in X-Real-IP."""
    return getattr(client, method)(path, data or {}, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=client_address)


def _login(client, client_address, username, password):
    return _via_proxy(
        client, "post", "/accounts/login/", client_address, {"username": username, "password": password}
    ).status_code


def test_the_guide_names_the_trusted_proxy_and_its_nginx_sends_the_client_address():
    env = _guide_env()
    assert env["QINGCHE_TRUSTED_PROXIES"] == env["QINGCHE_FORWARDED_ALLOW_IPS"]
    # Every location that passes requests to the app sets X-Real-IP from nginx's own view of the client.
    nginx = _guide_nginx()
    locations = re.findall(r"location (\S+) \{(.*?)\n    \}", nginx, re.S)
    proxied = [(path, body) for path, body in locations if "proxy_pass" in body]
    assert {path for path, _body in proxied} == {"/", "/burden/voice/"}
    for path, body in proxied:
        assert "proxy_set_header X-Real-IP $remote_addr;" in body, path
    # The anonymous reports leave no line in nginx's log, nor do the files their pages load.
    assert "access_log off;" in dict(locations)["/burden/voice/"]
    assert "if=$qingche_loggable" in nginx and "/burden/voice/  0;" in nginx


def test_the_trusted_proxies_default_to_those_gunicorn_trusts():
    assert trusted_proxies({"QINGCHE_FORWARDED_ALLOW_IPS": "10.0.0.10,10.0.0.11"}) == ["10.0.0.10", "10.0.0.11"]
    assert trusted_proxies({}) == ["127.0.0.1"]
    assert trusted_proxies({"QINGCHE_TRUSTED_PROXIES": "10.0.0.0/24", "QINGCHE_FORWARDED_ALLOW_IPS": "x"}) == [
        "10.0.0.0/24"
    ]


def test_a_network_of_proxies_is_trusted_and_a_malformed_header_ignored(client, accounts):
    with override_settings(QINGCHE_TRUSTED_PROXIES=["10.0.0.0/24"]):
        client.post(
            "/accounts/login/",
            {"username": "xitong", "password": "wrong"},
            REMOTE_ADDR="10.0.0.77",
            HTTP_X_REAL_IP="198.51.100.20",
        )
        client.post(
            "/accounts/login/",
            {"username": "xitong", "password": "wrong"},
            REMOTE_ADDR="10.0.0.77",
            HTTP_X_REAL_IP="not-an-address",
        )
    ips = list(AuditEvent.objects.filter(action="login_failed", actor_name="xitong").values_list("ip", flat=True))
    assert sorted(ips) == ["10.0.0.77", "198.51.100.20"]


def test_five_wrong_passwords_lock_the_name_at_that_address_only(client, accounts):
    attacker, owner = "198.51.100.7", "198.51.100.8"
    for attempt in range(4):
        assert _login(client, attacker, "xitong", f"wrong-{attempt}") == 200
    assert _login(client, attacker, "xitong", "wrong-5") == 429  # the fifth failure locks
    assert _login(client, attacker, "xitong", TEST_PASSWORD) == 429
    # The audit trail names the client, not the proxy.
    ips = set(AuditEvent.objects.filter(action="login_failed", actor_name="xitong").values_list("ip", flat=True))
    assert ips == {attacker}
    # The owner of the account, elsewhere, is not locked out by someone else's guesses.
    assert _login(client, owner, "xitong", TEST_PASSWORD) == 302


def test_spraying_one_password_over_many_names_locks_the_address_and_alerts_the_security_administrator(
    client, accounts, caplog, settings
):
    sprayer, colleague = "198.51.100.66", "198.51.100.67"
    with caplog.at_level(logging.WARNING, logger="qingche.security"):
        for index in range(settings.QINGCHE_LOGIN_ADDRESS_FAILURE_LIMIT - 1):
            assert _login(client, sprayer, f"name-{index}", "Spring-2026!") == 200
        assert _login(client, sprayer, "name-last", "Spring-2026!") == 429
        # Every name had one failure only, yet the address is locked, even for a right password.
        assert _login(client, sprayer, "bumen", TEST_PASSWORD) == 429
    assert any(sprayer in record.getMessage() for record in caplog.records)
    assert _login(client, colleague, "bumen", TEST_PASSWORD) == 302
    # The security administrator sees it on the home page; the audit administrator does not.
    client.force_login(accounts["anquan"])
    mark_otp_verified(client, accounts["anquan"])
    home = client.get("/").content.decode()
    assert 'data-card="lockouts"' in home and sprayer in home
    client.force_login(accounts["shenji"])
    mark_otp_verified(client, accounts["shenji"])
    assert 'data-card="lockouts"' not in client.get("/").content.decode()


def test_a_successful_log_in_does_not_reset_the_address_count_of_other_names(client, accounts, settings):
    sprayer = "198.51.100.90"
    for index in range(settings.QINGCHE_LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        _login(client, sprayer, f"name-{index}", "Spring-2026!")
    assert _login(client, sprayer, "bumen", TEST_PASSWORD) == 302  # the sprayer's own account
    client.logout()
    _login(client, sprayer, "name-last", "Spring-2026!")
    assert _login(client, sprayer, "bumen", TEST_PASSWORD) == 429


def test_the_flood_limits_of_the_public_pages_count_each_client(client):
    limit = int(parameters.get("burden.report_rate_limit"))
    for index in range(limit):
        response = _via_proxy(
            client,
            "post",
            "/burden/voice/",
            "198.51.100.30",
            {"category": "meetings", "text": f"会议太多了，第{index}次"},
        )
        assert response.status_code == 200
    assert (
        _via_proxy(
            client, "post", "/burden/voice/", "198.51.100.30", {"category": "meetings", "text": "再来一次"}
        ).status_code
        == 429
    )
    assert (
        _via_proxy(
            client, "post", "/burden/voice/", "198.51.100.31", {"category": "meetings", "text": "另一个人的反映"}
        ).status_code
        == 200
    )

    limit = int(parameters.get("service.public_rate_per_hour"))
    for _index in range(limit):  # empty forms: refused (400), but counted
        assert _via_proxy(client, "post", "/service/submit/", "198.51.100.40").status_code == 400
    assert _via_proxy(client, "post", "/service/submit/", "198.51.100.40").status_code == 429
    assert _via_proxy(client, "post", "/service/submit/", "198.51.100.41").status_code == 400
