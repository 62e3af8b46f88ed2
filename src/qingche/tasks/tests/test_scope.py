"""Every demo account sees exactly its share on each list endpoint of the tasks module; detail of anything else
is 404."""

import pytest
from django.urls import reverse

from qingche.tasks.tests import helpers
from qingche.tasks.tests.scope_expectations import EXPECTATIONS

ACCOUNTS = [
    "admin",
    "xitong",
    "anquan",
    "shenji",
    "jianfuban",
    "zuzhibu",
    "bumen",
    "xiangzhen",
    "cungan",
    "yixian",
    "rexian",
]


def listed_ids(api, url):
    ids, page = set(), 1
    while True:
        response = api.get(url, {"page": page})
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        if not body.get("next"):
            return ids
        page += 1


@pytest.fixture
def work(accounts):
    """A request with a task split to yixian, a forwarded part to cungan's village, a post and a reminder; and a
    rectification item of xiangzhen's town submitted with an evidence file (the demo's evidence is text only)."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from qingche.tasks import services_rectification

    town = accounts["xiangzhen"].person.unit
    item = services_rectification.rectification_raise(
        user=accounts["jianfuban"],
        source_kind="manual",
        problem="挂牌过多",
        owner_unit=town,
        deadline=timezone.localdate() + dt.timedelta(days=10),
        evidence_required="照片",
        measures="清理挂牌",
    )
    photo = SimpleUploadedFile("after.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
    services_rectification.rectification_submit(user=accounts["xiangzhen"], item=item, text="已清理", uploads=[photo])
    return helpers.worked_task(accounts)


@pytest.mark.django_db
@pytest.mark.parametrize("basename", sorted(EXPECTATIONS))
def test_list_endpoints_match_expectations(basename, accounts, api_as, work):
    model_ids = EXPECTATIONS[basename](accounts["admin"])
    assert model_ids, f"no {basename} rows in the demo: the test would prove nothing"
    url = reverse(f"{basename}-list")
    for name in ACCOUNTS:
        expected = EXPECTATIONS[basename](accounts[name])
        assert listed_ids(api_as(name), url) == expected, (basename, name)
        hidden = sorted(model_ids - expected)
        if hidden:
            response = api_as(name).get(reverse(f"{basename}-detail", args=[hidden[0]]))
            assert response.status_code == 404, (basename, name)


@pytest.mark.django_db
def test_self_scoped_staff_see_only_their_own_tasks(accounts, api_as, work):
    ids = listed_ids(api_as("yixian"), reverse("task-list"))
    assert work["task"].pk in ids
    assert all(helpers.assigned_to(task_id, accounts["yixian"]) for task_id in ids)


@pytest.mark.django_db
def test_pages_by_role(client_as, work):
    for name, url, status in [
        ("bumen", "/tasks/new/", 200),
        ("bumen", "/tasks/", 200),
        ("xiangzhen", "/tasks/new/", 403),
        ("jianfuban", "/tasks/queue/", 200),
        ("jianfuban", "/tasks/overview/", 200),
        ("bumen", "/tasks/queue/", 403),
        ("xiangzhen", "/tasks/inbox/", 200),
        ("yixian", "/tasks/inbox/", 403),
        ("yixian", "/tasks/mine/", 200),
        ("yixian", f"/tasks/task/{work['task'].pk}/", 200),
        ("cungan", f"/tasks/task/{work['task'].pk}/", 404),
        ("cungan", f"/tasks/task/{work['part'].pk}/", 200),
        ("rexian", "/tasks/registry/", 403),
        ("jianfuban", "/tasks/registry/", 200),
        ("bumen", f"/tasks/request/{work['request'].pk}/", 200),
        ("xiangzhen", f"/tasks/request/{work['request'].pk}/", 403),
    ]:
        response = client_as(name).get(url)
        assert response.status_code == status, (name, url, response.status_code)


@pytest.mark.django_db
def test_home_and_menu_for_every_account(client_as, work):
    for name in ACCOUNTS:
        response = client_as(name).get("/")
        assert response.status_code == 200, name
        page = response.content.decode()
        assert ('data-card="tasks"' in page) == (
            name in {"admin", "jianfuban", "bumen", "xiangzhen", "cungan", "yixian"}
        ), name
