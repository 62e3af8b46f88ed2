"""The pages of care as each role sees them: in Chinese, with people's names, and the note of a talk only for
the talker and the organisation department."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from qingche.org.models import Person
from qingche.people import selectors, services

pytestmark = pytest.mark.django_db
ENGLISH = re.compile(r">\s*[A-Za-z][a-z]+(?: [a-z]+){1,}\s*<")  # an untranslated phrase between tags


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert not ENGLISH.search(html), ENGLISH.search(html).group(0)
    return html


def test_front_line_sees_own_leave_and_check(client_as, accounts):
    html = _page(client_as("yixian"), reverse("people:mine"))
    assert "带薪年休假" in html and "体检" in html and accounts["yixian"].person.name


def test_front_line_requests_leave_on_the_page_and_sees_the_refusal_in_chinese(client_as):
    client = client_as("yixian")
    response = client.post(reverse("people:mine"), {"leave-start": "2026-12-31", "leave-end": "2026-12-01"})
    assert response.status_code == 200
    assert "休假结束日期早于开始日期" in response.content.decode()


def test_town_pages_list_people_by_name(client_as, accounts):
    client = client_as("xiangzhen")
    html = _page(client, reverse("people:leave_plan"))
    someone = selectors.people(accounts["xiangzhen"]).order_by("unit__path", "name").first()
    assert someone.name in html
    _page(client, reverse("people:leave_plan") + "?filter=unused")
    html = _page(client, reverse("people:health"))
    assert "各乡镇体检覆盖情况" in html and "%" in html
    assert client_as("yixian").get(reverse("people:health")).status_code == 403


def test_a_refusal_without_reason_is_shown_not_saved(client_as, accounts):
    pending = selectors.leave_requests(accounts["xiangzhen"]).filter(status="requested").first()
    client = client_as("xiangzhen")
    response = client.post(
        reverse("people:leave_decide", args=[pending.pk]), {"decision": "refuse", "reason": ""}, follow=True
    )
    assert "理由" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "requested"


def test_talk_note_shown_to_talker_and_org_department_only(client_as, accounts):
    person = accounts["yixian"].person
    talk = services.talk_record(
        user=accounts["xiangzhen"], person=person, date=timezone.localdate(), kind="heart", note="保密内容甲"
    )
    url = reverse("people:talk_detail", args=[talk.pk])
    assert "保密内容甲" in _page(client_as("xiangzhen"), url)
    assert "保密内容甲" in _page(client_as("zuzhibu"), url)
    html = _page(client_as("yixian"), url)  # the person talked with sees the talk, not the note
    assert "保密内容甲" not in html and accounts["xiangzhen"].person.name in html
    assert client_as("cungan").get(url).status_code in (403, 404)
    assert "保密内容甲" not in _page(client_as("yixian"), reverse("people:mine"))


def test_org_department_talks_page(client_as):
    html = _page(client_as("zuzhibu"), reverse("people:talks"))
    assert "个月内未谈心谈话" in html and "规则" in html


def test_town_records_a_start_of_work_and_a_health_check_for_a_person(client_as, accounts):
    from qingche.people.models import HealthCheck, WorkStart

    client = client_as("xiangzhen")
    person = selectors.health_unchecked(accounts["xiangzhen"], timezone.localdate().year).first()
    html = _page(client, reverse("people:work_start", args=[person.pk]))
    assert person.name in html
    response = client.post(reverse("people:work_start", args=[person.pk]), {"started_on": "2099-01-01"})
    assert "未来" in response.content.decode()
    client.post(reverse("people:work_start", args=[person.pk]), {"started_on": "2001-09-01"})
    assert str(WorkStart.objects.get(person=person).started_on) == "2001-09-01"
    _page(client, reverse("people:health_for_person", args=[person.pk]))
    today = str(timezone.localdate())
    client.post(reverse("people:health_for_person", args=[person.pk]), {"date": today, "done": "on"})
    assert HealthCheck.objects.get(person=person, year=timezone.localdate().year).status == "done"
    outside = Person.objects.exclude(unit__path__startswith=accounts["xiangzhen"].role_grants.first().unit.path).first()
    assert client.get(reverse("people:work_start", args=[outside.pk])).status_code == 404


def test_an_overload_flag_shows_on_the_town_leaders_home_until_a_talk(client_as, accounts):
    from qingche.people.models import OverloadFlag

    person = selectors.people(accounts["xiangzhen"]).exclude(pk=accounts["xiangzhen"].person.pk).first()
    months = [["2026-08", 1.21], ["2026-09", 1.3], ["2026-10", 1.12]]
    OverloadFlag.objects.create(
        person=person, unit=person.unit, raised_on=timezone.localdate(), months=months, red_line=1.0
    )
    home = _page(client_as("xiangzhen"), reverse("core:home"))
    assert 'data-card="people"' in home and person.name in home
    talks = _page(client_as("xiangzhen"), reverse("people:talks"))
    assert "2026-09：1.3" in talks
    assert 'data-card="people"' not in _page(client_as("yixian"), reverse("core:home"))
    services.talk_record(user=accounts["xiangzhen"], person=person, date=timezone.localdate(), kind="care", note="x")
    assert 'data-card="people"' not in _page(client_as("xiangzhen"), reverse("core:home"))
