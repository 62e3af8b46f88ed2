"""After admission: splitting to people, forwarding to villages, progress with evidence, done, accepted or
sent back; reminders and escalations that never repeat."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from qingche.core.models import Parameter
from qingche.tasks import services
from qingche.tasks.models import Evidence, ProgressPost, Reminder, Task, TaskAssignment
from qingche.tasks.tests.helpers import PNG, code_of, other_town, person_of, request_data, town_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(accounts):
    town = town_of(accounts)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([town], duty_code=code_of(town)))
    return sent.tasks.get()


def test_full_flow_through_the_api(accounts, api_as, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    deadline = (task.deadline - dt.timedelta(days=1)).isoformat()
    yixian = person_of(accounts["yixian"])
    response = api_as("xiangzhen").post(
        reverse("task-split", args=[task.pk]),
        {"person": yixian.pk, "part": "台账", "deadline": deadline},
        format="json",
    )
    assert response.status_code == 201
    assert api_as("yixian").get(reverse("task-detail", args=[task.pk])).status_code == 200
    photo = SimpleUploadedFile("巡查.png", PNG, content_type="image/png")
    response = api_as("yixian").post(
        reverse("task-progress", args=[task.pk]),
        {"text": "已完成巡查", "files": [photo], "mark_done": True},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get(post_id=response.json()["id"])
    assert evidence.content_type == "image/png" and evidence.file.name.endswith(".png")
    assert (tmp_path / evidence.file.name).read_bytes() == PNG
    task.refresh_from_db()
    assert task.status == "done"
    assert (
        api_as("xiangzhen").post(reverse("task-review", args=[task.pk]), {"accept": True}, format="json").status_code
        == 403
    )
    response = api_as("bumen").post(reverse("task-review", args=[task.pk]), {"accept": True}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"


def test_send_back_needs_a_reason_and_reopens_parts(accounts, task):
    assignment = services.task_split(
        user=accounts["xiangzhen"], task=task, person=person_of(accounts["yixian"]), part="", deadline=task.deadline
    )
    services.task_done(user=accounts["yixian"], task=task)
    task.refresh_from_db()
    assert task.status == "done"
    with pytest.raises(ValidationError):
        services.task_review(user=accounts["bumen"], task=task, accept=False, reason="")
    services.task_review(user=accounts["bumen"], task=task, accept=False, reason="缺少巡查照片")
    task.refresh_from_db()
    assignment.refresh_from_db()
    assert (task.status, task.review_reason, assignment.status) == ("sent_back", "缺少巡查照片", "open")


def test_town_cannot_split_a_task_it_does_not_own(accounts, api_as):
    other = other_town(accounts)
    sent = services.task_request_submit(user=accounts["bumen"], data=request_data([other], duty_code=code_of(other)))
    foreign = sent.tasks.get()
    body = {"person": person_of(accounts["yixian"]).pk, "deadline": foreign.deadline.isoformat()}
    assert api_as("xiangzhen").post(reverse("task-split", args=[foreign.pk]), body, format="json").status_code == 404
    with pytest.raises(PermissionDenied):
        services.task_split(
            user=accounts["xiangzhen"],
            task=foreign,
            person=person_of(accounts["yixian"]),
            part="",
            deadline=foreign.deadline,
        )
    assert not TaskAssignment.objects.filter(task=foreign).exists()


def test_split_checks_person_and_deadline(accounts, task, api_as):
    url = reverse("task-split", args=[task.pk])
    stranger = person_of(accounts["bumen"])
    for body, field in [
        ({"person": stranger.pk, "deadline": task.deadline.isoformat()}, "person"),
        ({"person": person_of(accounts["yixian"]).pk, "deadline": "2020-01-01T00:00:00+08:00"}, "deadline"),
        (
            {
                "person": person_of(accounts["yixian"]).pk,
                "deadline": (task.deadline + dt.timedelta(days=3)).isoformat(),
            },
            "deadline",
        ),
    ]:
        response = api_as("xiangzhen").post(url, body, format="json")
        assert response.status_code == 400 and field in response.json(), response.content
    assert not TaskAssignment.objects.filter(task=task).exists()


def test_forward_to_a_village_of_the_town_only(accounts, task):
    village = services.Unit.objects.get(
        pk=__import__("qingche.tasks.tests.helpers", fromlist=["x"]).grant_unit(accounts["cungan"]).pk
    )
    part = services.task_forward(
        user=accounts["xiangzhen"], task=task, unit=village, part="本村", deadline=task.deadline
    )
    assert (part.parent, part.unit, part.request) == (task, village, task.request)
    foreign_village = services.Unit.objects.filter(kind="village").exclude(path__startswith=task.unit.path).first()
    with pytest.raises(ValidationError):
        services.task_forward(
            user=accounts["xiangzhen"], task=task, unit=foreign_village, part="x", deadline=task.deadline
        )
    services.progress_post(user=accounts["cungan"], task=part, text="已完成", mark_done=True)
    part.refresh_from_db()
    assert part.status == "done"


def _docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "ok"),
    [
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, True),
        ("report.pdf", b"%PDF-1.7\n" + b"0" * 50, True),
        ("notes.docx", _docx_bytes(), True),
        ("photo.jpg", b"MZ\x90\x00 this is an exe", False),
        ("photo.png", b"\xff\xd8\xff\xe0 a jpeg named png", False),
        ("report.pdf", b"<html><script>alert(1)</script></html>", False),
        ("notes.docx", _docx_bytes().replace(b"word/", b"xl///"), False),
        ("virus.exe", b"MZ\x90\x00", False),
        ("empty.png", b"", False),
    ],
)
def test_evidence_type_is_sniffed_from_content(accounts, task, api_as, settings, tmp_path, name, data, ok):
    settings.MEDIA_ROOT = tmp_path
    services.task_split(
        user=accounts["xiangzhen"], task=task, person=person_of(accounts["yixian"]), part="", deadline=task.deadline
    )
    before = (ProgressPost.objects.count(), Evidence.objects.count())
    response = api_as("yixian").post(
        reverse("task-progress", args=[task.pk]),
        {"text": "证据", "files": [SimpleUploadedFile(name, data)]},
        format="multipart",
    )
    if ok:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400 and "files" in response.json(), response.content
        assert (ProgressPost.objects.count(), Evidence.objects.count()) == before


def test_evidence_size_limit(accounts, task, api_as, client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    limit = Parameter.objects.create(key="tasks.max_evidence_bytes", value=64)
    response = api_as("xiangzhen").post(
        reverse("task-progress", args=[task.pk]),
        {"text": "x", "files": [SimpleUploadedFile("a.png", PNG + b"0" * 64)]},
        format="multipart",
    )
    assert response.status_code == 400 and "files" in response.json()
    assert "64 B" in " ".join(response.json()["files"]) and "MB" not in " ".join(response.json()["files"])
    limit.value = 50 * 1024
    limit.save()  # a save, as an administrator's change is: it clears the parameter cache
    response = api_as("xiangzhen").post(
        reverse("task-progress", args=[task.pk]),
        {"text": "x", "files": [SimpleUploadedFile("a.png", PNG + b"0" * 60000)]},
        format="multipart",
    )
    assert response.status_code == 400 and "50 KB" in " ".join(response.json()["files"]), response.content
    page = client_as("xiangzhen").get(reverse("tasks:task_detail", args=[task.pk])).content.decode()
    assert "50 KB" in page and "0.0 MB" not in page


def test_evidence_download_is_scoped(accounts, task, client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    post = services.progress_post(
        user=accounts["xiangzhen"], task=task, text="照片", uploads=[SimpleUploadedFile("a.png", PNG)]
    )
    evidence = post.evidence.get()
    response = client_as("bumen").get(reverse("tasks:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert client_as("cungan").get(reverse("tasks:evidence_download", args=[evidence.pk])).status_code == 404


def test_reminders_are_sent_once_and_escalated(accounts, task):
    assignment = services.task_split(
        user=accounts["xiangzhen"],
        task=task,
        person=person_of(accounts["yixian"]),
        part="",
        deadline=task.deadline - dt.timedelta(days=2),
    )
    before_due = assignment.deadline - dt.timedelta(hours=2)
    first = services.send_reminders(now=before_due)
    assert first["due_soon"] >= 1  # the assignment (and the task too if a weekend falls in between)
    assert services.send_reminders(now=before_due) == {"due_soon": 0, "overdue": 0}
    reminder = Reminder.objects.get(assignment=assignment, kind="due_soon")
    assert reminder.recipient_person == person_of(accounts["yixian"])
    late = task.deadline + dt.timedelta(hours=1)
    counts = services.send_reminders(now=late)
    # the task to the county, the assignment to the town (and any of the demo's open tasks due meanwhile)
    assert counts["overdue"] >= 2 and Reminder.objects.filter(task=task, kind="overdue").count() == 2
    assert Reminder.objects.get(task=task, assignment=None, kind="overdue").recipient_unit.kind == "county"
    assert services.send_reminders(now=late)["overdue"] == 0
    task.status = Task.Status.ACCEPTED
    task.save()
    sent = Reminder.objects.filter(task=task).count()
    services.send_reminders(now=late + dt.timedelta(days=1))
    assert Reminder.objects.filter(task=task).count() == sent  # nothing more about an accepted task


def test_remind_command_is_idempotent(accounts):
    call_command("tasks_remind")
    count = Reminder.objects.count()
    call_command("tasks_remind")
    assert Reminder.objects.count() == count


def test_pages_of_the_flow(accounts, client_as, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    town = client_as("xiangzhen")
    page = town.get(reverse("tasks:task_detail", args=[task.pk])).content.decode()
    assert 'id="split-form"' in page and 'id="forward-form"' in page
    deadline = (task.deadline - dt.timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    response = town.post(
        reverse("tasks:task_split", args=[task.pk]),
        {"person": person_of(accounts["yixian"]).pk, "part": "台账", "deadline": deadline},
    )
    assert response.status_code == 302 and task.assignments.count() == 1
    assert f'data-task="{task.pk}"' in town.get(reverse("tasks:inbox")).content.decode()
    worker = client_as("yixian")
    assert f'data-task="{task.pk}"' in worker.get(reverse("tasks:mine")).content.decode()
    worker.post(
        reverse("tasks:task_progress", args=[task.pk]),
        {"text": "完成", "files": [SimpleUploadedFile("a.png", PNG)], "mark_done": "on"},
    )
    task.refresh_from_db()
    assert task.status == "done"
    page = client_as("bumen").get(reverse("tasks:task_detail", args=[task.pk])).content.decode()
    assert 'id="accept-task"' in page and "a.png" in page
    client_as("bumen").post(reverse("tasks:task_review", args=[task.pk]), {"decision": "accept"})
    task.refresh_from_db()
    assert task.status == "accepted"
