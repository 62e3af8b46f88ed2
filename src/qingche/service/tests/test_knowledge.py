"""The knowledge base and direct answers (直接答复, issue 16 §5): search ranking (pure), the services
(permission, bad input, nothing half-written, rollups untouched), the pages, the API and the scope."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qingche.service import rules, selectors, services
from qingche.service.models import KnowledgeEntry, RateRollup, RequestEvent, ServiceRequest
from qingche.service.tests.scope_expectations import EXPECTATIONS

CARD = "社保卡丢失后，请携带本人身份证到县人力资源和社会保障局服务大厅办理挂失和补办，新卡15个工作日内可领取。"


# -- rules: search ranking --------------------------------------------------------------------------------
DOCS = [
    rules.KnowledgeDoc(1, "社保卡丢失如何补办", "社保卡 挂失 补办", CARD),
    rules.KnowledgeDoc(
        2, "城乡居民养老保险怎么缴费", "养老保险 社保 缴费", "每年1月至12月在便民服务中心缴纳，档次200元至3000元。"
    ),
    rules.KnowledgeDoc(
        3, "政务服务中心的办公时间", "上班时间", "工作日上午8:30至12:00、下午2:30至5:30办公，可办理社保业务。"
    ),
    rules.KnowledgeDoc(4, "办理居住证需要什么材料", "居住证", "携带身份证和租房合同到派出所办理。"),
]


def test_a_callers_words_rank_the_entry_holding_the_whole_question_first():
    hits = rules.KnowledgeIndex(DOCS).search("您好，我的社保卡丢了，请问到哪里补办？")
    assert [hit.pk for hit in hits][:2] == [1, 2]
    assert hits[0].score > 2 * hits[1].score
    assert {"社保", "补办"} <= set(hits[0].words)


def test_a_word_in_the_question_or_keywords_outranks_the_same_word_only_in_the_answer():
    hits = rules.KnowledgeIndex(DOCS).search("社保")
    assert [hit.pk for hit in hits] == [1, 2, 3]
    assert hits[0].score == hits[1].score == 1.0 > hits[2].score


def test_unrelated_words_punctuation_or_a_minimum_find_nothing():
    index = rules.KnowledgeIndex(DOCS)
    assert index.search("路灯坏了") == []
    assert index.search("，。！") == [] and index.search("") == []
    assert [hit.pk for hit in index.search("居住证怎么办理", minimum=0.3)] == [4]
    assert rules.KnowledgeIndex([]).search("社保") == []


def test_the_state_machine_answers_directly_only_what_waits_for_dispatch():
    assert rules.next_status(rules.NEW, "answer_directly", reason="答复") == rules.CLOSED
    for status in (rules.DISPATCHED, rules.ANSWERED, rules.CLOSED, rules.RETURNED):
        with pytest.raises(rules.RuleError):
            rules.next_status(status, "answer_directly", reason="答复")
    with pytest.raises(rules.RuleError):
        rules.next_status(rules.NEW, "answer_directly", reason=" ")


# -- services ---------------------------------------------------------------------------------------------
@pytest.fixture
def entry(db, accounts):
    return services.knowledge_entry_save(
        user=accounts["rexian"], title="社保卡丢失如何补办", answer=CARD, keywords="社保卡 挂失", source="县人社局通知"
    )


def _rollups():
    return sorted(RateRollup.objects.values_list("unit_id", "month", "dispatched", "accepted_in_time", "called_back"))


def test_the_hotline_and_the_burden_office_keep_the_knowledge_base_and_others_may_not(accounts, entry):
    changed = services.knowledge_entry_save(
        user=accounts["jianfuban"], entry=entry, title=entry.title, answer=CARD + "另可在线办理。", is_active=False
    )
    assert not changed.is_active and changed.updated_by == accounts["jianfuban"]
    for username in ("xiangzhen", "bumen", "cungan"):
        with pytest.raises(PermissionDenied):
            services.knowledge_entry_save(user=accounts[username], title="社保卡丢失如何补办", answer=CARD)
    from qingche.core.models import AuditEvent

    assert AuditEvent.objects.filter(object_type__icontains="knowledgeentry", object_id=str(entry.pk)).count() >= 2


def test_an_entry_without_a_question_or_answer_is_refused(accounts):
    with pytest.raises(ValidationError) as error:
        services.knowledge_entry_save(user=accounts["rexian"], title="社保", answer="短", category_id="abc")
    assert {"title", "answer", "category"} <= set(error.value.message_dict)
    assert not KnowledgeEntry.objects.filter(title="社保").exists()


def test_a_direct_answer_closes_the_request_without_touching_any_units_rates(accounts, submit, entry):
    before = _rollups()
    request = submit(text="我的社保卡丢了，想问一下去哪里补办，要带什么材料？")
    answered = services.request_answer_directly(user=accounts["rexian"], request=request, entry=entry)
    answered.refresh_from_db()
    assert answered.status == rules.CLOSED and answered.answered_directly
    assert answered.reply == CARD and answered.unit is None and answered.dispatched_at is None
    event = RequestEvent.objects.get(request=answered, kind="direct_answer")
    assert event.data["entry"] == entry.pk and event.public_note == CARD
    assert _rollups() == before
    month = timezone.localdate().replace(day=1)
    assert all(unit is not None for unit, _month in selectors.raw_counts(month))
    assert selectors.direct_answer_count(month) >= 1
    assert selectors.direct_answer_count(month - dt.timedelta(days=400)) == 0


def test_direct_answers_do_not_count_in_hot_issues(accounts, submit, entry):
    """A consultation answered at once from the knowledge base is not a problem on the ground: three callers
    asking the same question make a hot issue while they wait; those answered directly drop out."""
    question = "请问社保卡丢了以后去哪里补办挂失，要带什么材料？"
    asked = [submit(text=question, citizen_phone=f"1380013800{n}") for n in range(3)]
    today = timezone.localdate()

    def clustered():
        found = selectors.hot_issues(accounts["jianfuban"], today, today, limit=100)
        return {pk for issue in found for pk in issue["numbers"]} & {request.pk for request in asked}

    assert clustered() == {request.pk for request in asked}
    for request in asked[:2]:
        services.request_answer_directly(user=accounts["rexian"], request=request, entry=entry)
    assert not clustered() & {asked[0].pk, asked[1].pk}


def test_only_the_hotline_answers_directly_and_only_what_waits_for_dispatch(accounts, submit, entry, town):
    request = submit()
    with pytest.raises(PermissionDenied):
        services.request_answer_directly(user=accounts["xiangzhen"], request=request, entry=entry)
    services.request_dispatch(user=accounts["rexian"], request=request, unit_id=town.pk)
    with pytest.raises(ValidationError):
        services.request_answer_directly(user=accounts["rexian"], request=request, entry=entry)
    KnowledgeEntry.objects.filter(pk=entry.pk).update(is_active=False)
    entry.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.request_answer_directly(user=accounts["rexian"], request=submit(), entry=entry)
    assert "entry" in error.value.message_dict


def test_register_and_answer_is_one_step_or_nothing(accounts, category, town, entry):
    values = {
        "user": accounts["rexian"],
        "channel": "hotline",
        "category_id": category.pk,
        "text": "请问社保卡丢了怎么补办？",
        "town_id": town.pk,
    }
    count = ServiceRequest.objects.count()
    with pytest.raises(ValidationError):
        services.request_submit_answered(entry=None, **values)
    with pytest.raises(ValidationError):
        services.request_submit_answered(entry=entry, **{**values, "text": "短"})
    assert ServiceRequest.objects.count() == count
    created = services.request_submit_answered(entry=entry, **values)
    assert created.status == rules.CLOSED and created.issued_code
    assert ServiceRequest.objects.count() == count + 1


def test_the_search_is_for_accounts_that_may_read_the_knowledge_base(accounts, entry):
    found = selectors.knowledge_search(accounts["rexian"], "社保")
    assert entry.pk in {row.pk for row, _hit in found}
    assert selectors.knowledge_search(accounts["xiangzhen"], "社保") == []


# -- pages ------------------------------------------------------------------------------------------------
def test_the_operator_searches_社保_and_finds_the_entries(client_as, entry):
    client = client_as("rexian")
    html = client.get("/service/knowledge/", {"q": "社保"}).content.decode()
    assert f'data-entry="{entry.pk}"' in html and "社保卡丢失如何补办" in html
    panel = client.post("/service/intake/knowledge/", {"knowledge_q": "社保"}).content.decode()
    assert f'data-direct-answer="{entry.pk}"' in panel
    typed = client.post(
        "/service/intake/knowledge/", {"title": "", "text": "我社保卡丢失了，怎么补办？"}
    ).content.decode()
    assert f'data-entry="{entry.pk}"' in typed
    assert 'id="knowledge-panel"' in client.get("/service/intake/").content.decode()


def test_one_click_registers_an_answered_request_the_citizen_reads_on_track(client_as, client, category, entry):
    operator = client_as("rexian")
    response = operator.post(
        "/service/intake/",
        {"category": category.pk, "text": "请问社保卡丢了去哪里补办？", "direct_entry": entry.pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="created-direct"' in html
    created = ServiceRequest.objects.get(knowledge_entry=entry)
    assert created.status == rules.CLOSED and created.reply == CARD and created.channel == "hotline"
    code = html.split('id="created-code">', 1)[1].split("<", 1)[0]
    client.logout()
    track = client.post("/track/", {"number": created.number, "code": code}).content.decode()
    assert "新卡15个工作日内可领取" in track


def test_a_direct_answer_with_an_unknown_entry_registers_nothing(client_as, category):
    count = ServiceRequest.objects.count()
    response = client_as("rexian").post(
        "/service/intake/", {"category": category.pk, "text": "请问社保卡丢了去哪里补办？", "direct_entry": "999999"}
    )
    assert response.status_code == 200 and 'id="created-number"' not in response.content.decode()
    assert ServiceRequest.objects.count() == count


def test_entries_are_added_and_edited_on_pages_by_the_hotline_only(client_as, entry):
    hotline = client_as("rexian")
    added = hotline.post(
        "/service/knowledge/new/",
        {"title": "不动产登记的办理时间", "answer": "工作日上午8:30至下午5:30受理。", "is_active": "on"},
    )
    assert added.status_code == 302 and KnowledgeEntry.objects.filter(title="不动产登记的办理时间").exists()
    assert hotline.post("/service/knowledge/new/", {"title": "", "answer": ""}).status_code == 400
    edited = hotline.post(f"/service/knowledge/{entry.pk}/", {"title": entry.title, "answer": CARD, "keywords": "补卡"})
    assert edited.status_code == 302
    entry.refresh_from_db()
    assert entry.keywords == "补卡" and not entry.is_active
    town = client_as("xiangzhen")
    assert town.get("/service/knowledge/").status_code == 403
    assert town.get("/service/knowledge/new/").status_code == 403
    assert town.post("/service/intake/knowledge/", {"knowledge_q": "社保"}).status_code == 403


def test_the_ranking_page_shows_direct_answers_as_their_own_figure(client_as, accounts, submit, entry):
    services.request_answer_directly(user=accounts["rexian"], request=submit(), entry=entry)
    month = timezone.localdate().strftime("%Y-%m")
    html = client_as("rexian").get("/service/rates/", {"month": month}).content.decode()
    figure = html.split('id="direct-answers">', 1)[1].split("</p>", 1)[0]
    assert "直接答复" in figure and str(selectors.direct_answer_count(timezone.localdate().replace(day=1))) in figure


# -- API and scope ----------------------------------------------------------------------------------------
def test_the_api_searches_creates_and_answers_directly(api_as, submit, entry):
    hotline = api_as("rexian")
    found = hotline.get("/api/v1/service/knowledge/", {"q": "社保"}).json()["results"]
    assert found[0]["id"] == entry.pk and found[0]["score"] == 1.0
    created = hotline.post(
        "/api/v1/service/knowledge/",
        {"title": "居住证怎么办理", "answer": "携带身份证和租房合同到派出所办理。"},
        format="json",
    )
    assert created.status_code == 201, created.content
    bad = hotline.post("/api/v1/service/knowledge/", {"title": "居", "answer": "短"}, format="json")
    assert bad.status_code == 400
    assert (
        api_as("xiangzhen")
        .post(
            "/api/v1/service/knowledge/", {"title": "居住证怎么办理", "answer": "到派出所办理居住证。"}, format="json"
        )
        .status_code
        == 403
    )
    request = submit()
    assert api_as("xiangzhen").post(
        f"/api/v1/service/requests/{request.pk}/answer-directly/", {"entry": entry.pk}, format="json"
    ).status_code in (403, 404)
    assert (
        hotline.post(
            f"/api/v1/service/requests/{request.pk}/answer-directly/", {"entry": "x"}, format="json"
        ).status_code
        == 400
    )
    answered = hotline.post(
        f"/api/v1/service/requests/{request.pk}/answer-directly/", {"entry": entry.pk}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["status"] == "closed"
    assert answered.json()["knowledge_entry"] == entry.pk


@pytest.mark.parametrize("username", ["rexian", "jianfuban", "xiangzhen", "bumen", "cungan", "admin"])
def test_the_knowledge_list_matches_the_grants(api_as, accounts, entry, username):
    response = api_as(username).get("/api/v1/service/knowledge/?page_size=200")
    ids = {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()
    assert ids == EXPECTATIONS["service-knowledge"](accounts[username])
