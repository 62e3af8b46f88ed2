"""Reply quality: a reply is checked for relevance, completeness and clarity before it goes out; the unit sees
hints as it types, everyone who opens the request sees the score of the reply sent."""

import pytest

from qingche.service import rules

ASKED = "东河镇幸福路的路灯坏了两个多月，晚上学生放学路上一片漆黑，老人走路也摔过跤，希望尽快维修。"
GOOD = (
    "您好！您反映的东河镇幸福路路灯坏了的问题已收悉。经核实，东河镇城管办已于2026年3月5日安排人员对幸福路路灯"
    "进行了维修，目前已恢复照明。如有疑问，可拨打0731-12345678咨询。"
)


def test_a_reply_that_says_what_who_when_and_what_next_scores_high_and_needs_no_hint():
    check = rules.reply_quality(ASKED, GOOD)
    assert all(check.parts.values())
    assert check.score >= 70 and check.hints == []


def test_an_acknowledgement_scores_nothing_and_says_so():
    check = rules.reply_quality(ASKED, "网友：您好！留言已收悉")
    assert check.score == 0
    assert rules.REPLY_HINTS["short"] in check.hints


@pytest.mark.parametrize(
    ("removed", "part"),
    [
        (("如有疑问，可拨打0731-12345678咨询。",), "next_step"),
        (("已于2026年3月5日", "目前"), "time"),
    ],
)
def test_each_missing_part_costs_points_and_gives_its_hint(removed, part):
    full = rules.reply_quality(ASKED, GOOD)
    reply = GOOD
    for words in removed:
        reply = reply.replace(words, "")
    less = rules.reply_quality(ASKED, reply)
    assert not less.parts[part] and less.score < full.score
    assert rules.REPLY_HINTS[part] in less.hints


def test_a_reply_about_something_else_is_not_relevant():
    other = "经核实，县教育局已于2026年3月5日安排学校调整课程表，如有疑问可拨打0731-12345678咨询。"
    assert rules.reply_quality(ASKED, other).relevance < rules.reply_quality(ASKED, GOOD).relevance
    assert rules.REPLY_HINTS["relevance"] in rules.reply_quality(ASKED, other).hints


def test_the_weights_are_the_parameters():
    only_relevance = rules.reply_quality(ASKED, GOOD, {"relevance": 1, "completeness": 0, "clarity": 0})
    assert only_relevance.score == pytest.approx(100 * only_relevance.relevance, abs=0.1)


@pytest.fixture
def open_request(submit, accounts):
    from qingche.service import services

    created = submit(text=ASKED)
    services.request_dispatch(user=accounts["rexian"], request=created, unit_id=created.town_id)
    services.request_accept(user=accounts["xiangzhen"], request=created)
    return created


def test_the_unit_sees_hints_as_it_types_and_others_may_not_ask(client_as, open_request):
    url = f"/service/requests/{open_request.pk}/reply-check/"
    page = client_as("xiangzhen").get(f"/service/requests/{open_request.pk}/").content.decode()
    assert url in page
    answer = client_as("xiangzhen").post(url, {"reply": "已收悉"})
    assert answer.status_code == 200 and 'data-score="0"' in answer.content.decode()
    assert "答复过短" in answer.content.decode()  # in Chinese
    assert client_as("rexian").post(url, {"reply": "已收悉"}).status_code == 403


def test_a_request_outside_the_units_scope_cannot_be_checked(client_as, open_request, other_town, submit):
    elsewhere = submit(text="集市的垃圾很多天没人清运，气味很大。", town_id=other_town.pk)
    assert (
        client_as("xiangzhen").post(f"/service/requests/{elsewhere.pk}/reply-check/", {"reply": GOOD}).status_code
        == 404
    )


def test_the_callbacks_page_shows_the_hotline_a_score_per_reply(client_as, accounts, open_request, submit):
    import re

    from qingche.service import selectors, services

    services.request_answer(user=accounts["xiangzhen"], request=open_request, reply=GOOD)
    poor = submit(text="东河镇集市的垃圾很多天没人清运，气味很大。")
    services.request_dispatch(user=accounts["rexian"], request=poor, unit_id=poor.town_id)
    services.request_accept(user=accounts["xiangzhen"], request=poor)
    services.request_answer(user=accounts["xiangzhen"], request=poor, reply="网友您好，留言已收悉。")
    last = selectors.callback_queue(accounts["rexian"]).count() // 50 + 1  # the newest answers are on the last page
    html = client_as("rexian").get(f"/service/callbacks/?page={last}").content.decode()
    assert "答复质量" in html
    scores = {
        int(pk): int(score)
        for pk, score in re.findall(r'/service/requests/(\d+)/".*?data-reply-score="(\d+)"', html, flags=re.S)
    }
    assert scores[open_request.pk] >= 70 and scores[poor.pk] == 0
