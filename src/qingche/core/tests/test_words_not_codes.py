"""Every page a demo role's menu reaches (and the first detail page of each list) speaks Chinese words, not
English codes: no visible text looks like an identifier (snake_case or kebab-case Latin words), outside
<code>/<pre> blocks, URLs and e-mail addresses. The walk is menu-driven, so pages that modules add later are
walked too."""

import re
from html.parser import HTMLParser

import pytest

from qingche.core.menu import visible_items

# Text inside these elements is not read as words by a user (or is code on purpose).
SKIPPED = {"script", "style", "code", "pre", "template", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
IDENTIFIER = re.compile(r"(?<![\w./@:-])(?:[a-z]+_[a-z_]+|[a-z]+-[a-z][a-z-]*)(?![\w@/-])")
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|(?<!\S)/\S*")
DETAIL = re.compile(r"^/[\w-]+/(?:[\w-]+/)*\d+/$")


class _Page(HTMLParser):
    """The visible text of a page and the links of its content (outside the menu and the header)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "a" and not {"aside", "header"} & set(self.stack):
            href = dict(attrs).get("href") or ""
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        if not SKIPPED & set(self.stack):
            self.text.append(data)


def identifiers_in(html: str) -> tuple[list[str], list[str]]:
    """(identifier-like words in the visible text, content links) of a page."""
    page = _Page()
    page.feed(html)
    found = []
    for chunk in page.text:
        found += IDENTIFIER.findall(NOT_WORDS.sub(" ", chunk))
    return found, page.links


def walk(client, user) -> dict[str, list[str]]:
    """Visit the home page, every menu page of the user and the first detail page of each list; return the
    identifier-like words (or the error status) found per URL."""
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    urls = ["/"] + [entry["url"] for entry in visible_items(user)]
    for url in urls:
        for target in _visit(client, url, found, seen):
            _visit(client, target, found, seen)
    return found


def _visit(client, url, found, seen) -> list[str]:
    if url in seen:
        return []
    seen.add(url)
    response = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    if response.status_code != 200:
        found[url] = [f"HTTP {response.status_code}"]
        return []
    if "html" not in response.get("Content-Type", ""):
        return []
    words, links = identifiers_in(response.content.decode())
    if words:
        found[url] = sorted(set(words))
    section = url.strip("/").split("/")[0]
    details = [link for link in links if DETAIL.match(link) and link.strip("/").split("/")[0] == section]
    return details[:1]


def test_identifier_pattern_catches_codes_and_spares_words():
    words, links = identifiers_in(
        "<p>未登记 letter_not_registered, 低收入 low-income; road-km</p>"
        "<code>not_on_list</code><pre>taken_back</pre><script>var a_b = 1;</script>"
        "<p>见 https://example.org/a_b/c-d 或 ops-team@example.org，路径 /api/v1/task-lists/，2026-10</p>"
        '<aside><a href="/tasks/1/">菜单</a></aside><main><a href="/tasks/7/">任务</a></main>'
    )
    assert words == ["letter_not_registered", "low-income", "road-km"]
    assert links == ["/tasks/7/"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username",
    ["admin", "xitong", "anquan", "shenji", "jianfuban", "zuzhibu", "bumen", "xiangzhen", "cungan", "yixian", "rexian"],
)
def test_every_page_of_every_role_shows_words_not_codes(client_as, accounts, username):
    client = client_as(username)
    found = walk(client, accounts[username])
    assert found == {}, f"{username}: identifier-like text or errors per page: {found}"
