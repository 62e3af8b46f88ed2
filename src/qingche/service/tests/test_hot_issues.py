"""Hot issues (热点问题): similar requests at one place grouped, ranked by the documented heat score; the page
for county leaders and 减负办, its Excel export, and the demo's real clusters from the message board."""

import datetime as dt
import io

import openpyxl
import pytest

from conftest import require_or_skip
from qingche.service import rules
from qingche.service.demo import DATA_DIR
from qingche.service.models import ServiceRequest

T0 = dt.datetime(2026, 3, 1, 9)


def message(pk, text, *, place=1, day=0, citizen="", likes=0, opposes=0):
    return rules.HotMessage(pk, place, T0 + dt.timedelta(days=day), text, citizen or f"c{pk}", likes, opposes)


def issues_of(messages, **kwargs):
    return rules.hot_issues(messages, period_first=T0, period_last=T0 + dt.timedelta(days=30), **kwargs)


def test_similar_messages_at_one_place_make_one_issue_and_other_places_do_not_join():
    found = issues_of(
        [
            message(1, "幸福路路灯坏了晚上很黑"),
            message(2, "幸福路的路灯坏了，晚上很黑", day=1),
            message(3, "幸福路路灯坏了好几天", day=2),
            message(4, "幸福路路灯坏了晚上很黑", place=2),  # another village: not the same issue
            message(5, "学校门口的垃圾没人清运", day=3),
        ]
    )
    assert [[m.pk for m in issue.members] for issue in found] == [[1, 2, 3]]
    assert found[0].place_id == 1 and found[0].count == 3


def test_more_citizens_likes_and_growth_make_an_issue_hotter():
    base = dict(count=5, citizens=2, likes=0, opposes=0, growth=0.0)
    heat = rules.heat_score(**base)
    assert rules.heat_score(**{**base, "citizens": 5}) > heat
    assert rules.heat_score(**{**base, "likes": 10}) > heat
    assert rules.heat_score(**{**base, "likes": 10, "opposes": 10}) == heat  # agreement and disagreement cancel
    assert rules.heat_score(**{**base, "growth": 0.6}) > heat
    assert rules.heat_score(**{**base, "growth": -0.6}) == heat  # a fading issue is not punished below its count
    # likes count on a log scale: a thousand clicks do not outweigh a hundred callers
    assert rules.heat_score(**{**base, "likes": 1000}) < rules.heat_score(**{**base, "count": 100, "citizens": 100})


def test_the_same_caller_calling_again_is_one_citizen_and_an_issue_still_growing_ranks_first():
    fading = [message(pk, "菜市场噪音扰民严重", day=pk) for pk in range(1, 5)]
    growing = [message(pk, "小区停水三天没人管", day=10 + pk, citizen="a" if pk < 13 else "") for pk in range(10, 15)]
    found = issues_of(fading + growing)
    assert [issue.members[0].pk for issue in found] == [10, 1]
    assert found[0].citizens == 3 and found[0].growth > 0 > found[1].growth


def test_the_clusters_do_not_depend_on_the_order_messages_are_given_in():
    messages = [message(pk, f"幸福路路灯坏了第{pk % 3}段", day=pk % 7) for pk in range(1, 30)]
    first = [[m.pk for m in issue.members] for issue in issues_of(messages)]
    assert first == [[m.pk for m in issue.members] for issue in issues_of(list(reversed(messages)))]


@pytest.fixture
def demo_period(db):
    last = ServiceRequest.objects.latest("submitted_at").submitted_at.date()
    return last - dt.timedelta(days=29), last


def test_the_demo_shows_the_message_boards_real_hot_issues(client_as, demo_period):
    if not (DATA_DIR / "附件3.xlsx").exists():
        require_or_skip("the shared message board (附件3.xlsx) is not beside the project")
    first, last = demo_period
    page = client_as("jianfuban").get(f"/service/hot/?first={first}&last={last}")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("data-issue=") >= 5
    assert ServiceRequest.objects.filter(submitted_at__date__gte=first, likes__gt=0).exists()


def test_the_export_is_an_excel_file_with_one_row_per_issue(client_as, demo_period):
    first, last = demo_period
    client = client_as("jianfuban")
    cards = client.get(f"/service/hot/?first={first}&last={last}").content.decode().count("data-issue=")
    answer = client.get(f"/service/hot/?first={first}&last={last}&format=xlsx")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == cards + 1 and rows[1][0] == 1


@pytest.mark.parametrize("query", ["first=2026-13-40", "first=nonsense&last=", "first=2030-01-01&last=2020-01-01"])
def test_dates_that_make_no_sense_fall_back_to_the_last_30_days(client_as, query):
    assert client_as("jianfuban").get(f"/service/hot/?{query}").status_code == 200


def test_towns_do_not_see_the_countys_hot_issues(client_as):
    assert client_as("xiangzhen").get("/service/hot/").status_code == 403
