"""Log-in with a second factor, and the script policy, in a real browser against the served demo county
(started with QINGCHE_DEMO_TOTP_SECRET, see conftest.demo_server)."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conftest import TEST_PASSWORD, totp_code

pytestmark = pytest.mark.browser

# Report every policy violation in the console, whatever Chromium itself prints.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""
# The pages each role starts from; every link of the main menu is visited too.
ROLES = ["admin", "xitong", "anquan", "shenji", "jianfuban", "zuzhibu", "bumen", "xiangzhen", "rexian", "yixian"]
EXTRA_PAGES = ["/api/docs/", "/accounts/second-factor/", "/accounts/tokens/", "/accounts/password/"]


def test_an_administrator_gives_the_code_after_the_password(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "anquan")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    page.fill("#id_otp", "000000")  # wrong but for one chance in a million
    page.click("#otp-submit")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#current-user")).to_have_count(0)
    page.wait_for_timeout(1500)  # django-otp refuses any code for 2^(failures-1) s after a wrong one
    page.fill("#id_otp", totp_code("anquan"))
    page.click("#otp-submit")
    expect(page.locator("#current-user")).to_have_attribute("data-username", "anquan")
    # Enrolled: the second-factor page shows the state, never the secret again.
    page.click("#account-security")
    expect(page.locator("#otp-status")).to_be_visible()
    expect(page.locator("#otp-secret")).to_have_count(0)


def test_an_ordinary_account_is_not_asked_for_a_code(login):
    page = login("bumen")
    expect(page.locator("#current-user")).to_have_attribute("data-username", "bumen")


def _menu_links(page) -> list[str]:
    hrefs = page.locator("aside a.nav-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [href for href in hrefs if href and href.startswith("/") and "export=" not in href]


def test_main_pages_of_every_role_keep_to_the_script_policy(browser, demo_server):
    violations = []
    for username in ROLES:
        context = browser.new_context(base_url=demo_server, locale="zh-CN")
        context.set_default_timeout(15000)
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        where = {"url": ""}
        page.on(
            "console",
            lambda message, where=where, username=username: (
                violations.append(f"{username} {where['url']}: {message.text}")
                if message.type == "error" and ("Content Security Policy" in message.text or "CSP" in message.text)
                else None
            ),
        )
        page.on(
            "pageerror",
            lambda error, where=where, username=username: violations.append(
                f"{username} {where['url']}: script error {error}"
            ),
        )
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("#login-submit")
        page.wait_for_load_state()
        if "/accounts/login/code/" in page.url:
            page.fill("#id_otp", totp_code(username))
            page.click("#otp-submit")
        expect(page.locator("#current-user")).to_have_attribute("data-username", username)
        for url in dict.fromkeys([*_menu_links(page), *EXTRA_PAGES]):
            where["url"] = url
            response = page.goto(url)
            assert response.status < 400, (username, url, response.status)
            assert "content-security-policy" in response.headers, url
            page.wait_for_load_state("load")
            assert urlsplit(page.url).path != "/accounts/login/", (username, url)
        context.close()
    assert not violations, "\n".join(violations)
