"""The import page: an upload is queued, the task worker checks and loads it, the page shows its progress."""

import csv
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from qingche.core import bulk
from qingche.service.importers import COLUMNS
from qingche.service.models import HistoryImport, ServiceRequest

URL = "/service/imports/"


@pytest.fixture
def history_csv(category, town):
    def build(*overrides) -> bytes:
        handle = io.StringIO()
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for number, override in enumerate(overrides, start=1):
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                number=f"HI{number:011d}",
                submitted_at="2026-03-02 09:00",
                category_code=category.code,
                text="历史诉求：村口路灯不亮<script>alert(1)</script>",
                town_code=town.code,
                citizen_phone="13800000001",
            )
            row.update(override)
            writer.writerow(row)
        return handle.getvalue().encode()

    return build


def upload(client, content: bytes, name="history.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


@pytest.fixture
def run_worker(monkeypatch):
    """The real worker, for the tasks queued so far. Between tasks it closes connections that are not in
    autocommit mode, which would end the test's transaction on PostgreSQL: not here."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return lambda: call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "-v", "0")


def test_an_upload_is_checked_and_loaded_by_the_task_worker(
    client_as, history_csv, run_worker, django_capture_on_commit_callbacks
):
    client = client_as("rexian")
    before = ServiceRequest.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, history_csv({}, {"citizen_phone": ""}))
    assert response.status_code == 302
    job = HistoryImport.objects.get()
    assert job.status == HistoryImport.Status.QUEUED and job.file and job.created_by.username == "rexian"
    stored = settings.VAR_DIR / "imports" / job.file.name
    assert stored.exists() and not str(stored).startswith(str(settings.MEDIA_ROOT))
    page = client.get(URL).content.decode()
    assert f'hx-get="/service/imports/{job.pk}/"' in page  # the row polls while the import runs
    assert ServiceRequest.objects.count() == before  # nothing until the worker has run

    run_worker()

    job.refresh_from_db()
    assert job.status == HistoryImport.Status.DONE and job.imported == 2 and job.rows_read == 2
    assert job.finished_at is not None and not job.file and not stored.exists()  # the clear phones are gone
    assert ServiceRequest.objects.count() == before + 2
    assert ServiceRequest.objects.get(number="HI00000000001").citizen_phone == "13800000001"
    row = client.get(f"{URL}{job.pk}/").content.decode()
    assert 'data-status="done"' in row and "hx-trigger" not in row and row.count(">2</td>") == 2


def test_a_wrong_row_imports_nothing_and_the_page_names_it(
    client_as, history_csv, run_worker, django_capture_on_commit_callbacks
):
    client = client_as("rexian")
    client.cookies["django_language"] = "en"
    before = ServiceRequest.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, history_csv({}, {"category_code": "NOPE"}))
    run_worker()
    job = HistoryImport.objects.get()
    assert job.status == HistoryImport.Status.FAILED and job.imported == 0 and not job.file
    assert any("row 3" in error and "category_code" in error for error in job.errors)
    assert ServiceRequest.objects.count() == before
    page = client.get(URL).content.decode()
    assert "row 3" in page and "import-errors" in page


def test_a_file_that_is_not_csv_fails_with_a_message(client_as, run_worker, django_capture_on_commit_callbacks):
    client = client_as("rexian")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, b"\xff\xfe\x00garbage\x81\x82", name="history.csv")
    run_worker()
    job = HistoryImport.objects.get()
    assert job.status == HistoryImport.Status.FAILED and len(job.errors) == 1
    assert "CSV" in job.errors[0]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("history.txt", b"number\n", "CSV (UTF-8) or xlsx"),
        (None, b"", "Choose a CSV or xlsx file"),
    ],
)
def test_bad_uploads_are_refused_with_a_400(client_as, name, content, expected):
    client = client_as("rexian")
    client.cookies["django_language"] = "en"
    data = {"file": SimpleUploadedFile(name, content)} if name else {}
    response = client.post(URL, data)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not HistoryImport.objects.exists()


def test_one_import_at_a_time(client_as, history_csv):
    client = client_as("rexian")
    client.cookies["django_language"] = "en"
    assert upload(client, history_csv({})).status_code == 302
    second = upload(client, history_csv({}))
    assert second.status_code == 400 and "still running" in second.content.decode()
    assert HistoryImport.objects.count() == 1


def test_only_the_hotline_imports(client_as, accounts, history_csv):
    town = client_as("xiangzhen")
    assert town.get(URL).status_code == 403
    assert upload(town, history_csv({})).status_code == 403
    job = HistoryImport.objects.create(name="x.csv", size=1, created_by=accounts["rexian"])
    assert town.get(f"{URL}{job.pk}/").status_code == 403
    assert client_as("rexian").get(f"{URL}{job.pk + 1}/").status_code == 404


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_reserved_ids_never_collide_with_requests_registered_meanwhile(submit):
    reserved = bulk.reserve_ids(ServiceRequest, 3)
    meanwhile = submit()
    assert meanwhile.pk not in reserved
    assert connection.vendor == "postgresql" and len(set(reserved)) == 3


def test_a_large_file_has_its_personal_data_encrypted_in_another_process(tmp_path, history_csv, monkeypatch):
    """Above POOL_FROM_ROWS rows the names and phones are encrypted by a worker process while the rows are
    checked; what is stored decrypts to what the file said, and equal values share one ciphertext."""
    from qingche.core.pii import decrypt
    from qingche.service import importers

    monkeypatch.setattr(importers, "POOL_FROM_ROWS", 4)
    monkeypatch.setattr(importers, "POOL_CHUNK", 3)
    rows = [
        {"number": f"PL{i:010d}", "citizen_name": f"居民{i % 4}", "citizen_phone": f"1390000{i:04d}"} for i in range(12)
    ]
    path = tmp_path / "large.csv"
    path.write_bytes(history_csv(*rows))
    started = []
    real_submit = importers._Encryptor._submit
    monkeypatch.setattr(importers._Encryptor, "_submit", lambda self: started.append(1) or real_submit(self))
    assert importers.import_requests(user=None, source=str(path), rebuild_rollups=False) == 12
    assert started, "the worker process was not used"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number, citizen_name, citizen_phone FROM service_servicerequest "
            "WHERE number LIKE 'PL%%' ORDER BY number"
        )
        stored = cursor.fetchall()
    assert [(decrypt(name), decrypt(phone)) for _n, name, phone in stored] == [
        (f"居民{i % 4}", f"1390000{i:04d}") for i in range(12)
    ]
    assert len({name for _n, name, _p in stored}) == 4
    assert ServiceRequest.objects.get(number="PL0000000003").citizen_phone == "13900000003"


@pytest.mark.parametrize("failure", [RuntimeError("a bug"), MemoryError(), KeyboardInterrupt()])
def test_an_import_that_fails_for_any_reason_ends_failed_with_its_file_deleted(
    client_as, history_csv, run_worker, django_capture_on_commit_callbacks, monkeypatch, failure
):
    from pathlib import Path

    from qingche.service import importers

    def fail(**kwargs):
        raise failure

    monkeypatch.setattr(importers, "import_requests", fail)
    client = client_as("rexian")
    with django_capture_on_commit_callbacks(execute=False):
        upload(client, history_csv({}))
    job = HistoryImport.objects.get()
    path = Path(job.file.path)
    assert path.exists()
    if isinstance(failure, Exception):
        importers.history_import_run(job.pk)
    else:
        with pytest.raises(type(failure)):
            importers.history_import_run(job.pk)
    job.refresh_from_db()
    assert job.status == HistoryImport.Status.FAILED and not job.running
    assert "unexpected error" in job.errors[0] or "意外" in job.errors[0]
    assert not path.exists() and not job.file
    assert upload(client, history_csv({})).status_code == 302  # the lock is released


def test_an_import_whose_worker_was_cut_off_is_swept_with_its_file(
    client_as, history_csv, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from django.utils import timezone

    client = client_as("rexian")
    with django_capture_on_commit_callbacks(execute=False):
        upload(client, history_csv({}))
    job = HistoryImport.objects.get()
    path = Path(job.file.path)
    HistoryImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - HistoryImport.STALE_AFTER)
    assert upload(client, history_csv({})).status_code == 302
    job.refresh_from_db()
    assert job.status == HistoryImport.Status.FAILED and not path.exists()
