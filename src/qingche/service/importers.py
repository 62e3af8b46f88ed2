"""Bulk import of historical citizen requests from CSV or xlsx, with progress.

The whole file is validated first (nothing is saved when any row is wrong; the errors name the row
and column); then the rows go in with COPY (PostgreSQL) or executemany (SQLite), one submit event
per request, and the 三率 rollups are rebuilt from the table.

Columns (header row, UTF-8 for CSV): number, submitted_at, category_code, title, text, address,
village_code, town_code, citizen_name, citizen_phone, channel, unit_name, dispatched_at, accepted_at,
answered_at, reply, callback_at, solved, satisfaction. Only number, submitted_at and text are required: a
row without category_code gets the category the classifier suggests, marked `category_predicted`; the
status follows from the timestamps."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import multiprocessing
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from qingche.core import bulk, workcal
from qingche.core.audit import audit_context, record
from qingche.core.calendar import work_calendar
from qingche.core.pii import encrypt, encrypt_many, pii_hash
from qingche.core.rules import format_size, normalize_phone
from qingche.core.workcal import SHANGHAI
from qingche.org.models import Unit
from qingche.service import rules, selectors, services
from qingche.service.background import run_history_import
from qingche.service.models import Category, HistoryImport, RequestEvent, ServiceRequest

logger = logging.getLogger(__name__)

COLUMNS = [
    "number",
    "submitted_at",
    "category_code",
    "title",
    "text",
    "address",
    "village_code",
    "town_code",
    "citizen_name",
    "citizen_phone",
    "channel",
    "unit_name",
    "dispatched_at",
    "accepted_at",
    "answered_at",
    "reply",
    "callback_at",
    "solved",
    "satisfaction",
]
REQUIRED = ("number", "submitted_at", "text")  # a row without category_code gets the classifier's
MAX_ERRORS = 50
CHANNELS = frozenset(ServiceRequest.Channel.values)


def read_rows(path_or_file, name: str = "") -> Iterator[dict]:
    name = name or str(getattr(path_or_file, "name", path_or_file))
    if name.lower().endswith(".xlsx"):
        import openpyxl  # lazy: openpyxl is slow to import and only Excel files need it

        workbook = openpyxl.load_workbook(path_or_file, read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows, ())]
        for row in rows:
            yield {key: ("" if value is None else value) for key, value in zip(header, row, strict=False)}
        workbook.close()
        return
    handle = (
        open(path_or_file, encoding="utf-8-sig", newline="")
        if isinstance(path_or_file, str)
        else io.TextIOWrapper(path_or_file, encoding="utf-8-sig", newline="")
    )
    try:
        yield from csv.DictReader(handle)
    finally:
        handle.close()


def _moment(value, field: str) -> dt.datetime | None:
    if value in ("", None):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    text = str(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = parse_datetime(text)
    if parsed is None:
        raise ValueError(field)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


class _Lookups:
    def __init__(self):
        self.categories = dict(Category.objects.filter(children__isnull=True).values_list("code", "pk"))
        units = list(Unit.objects.values_list("pk", "name", "code", "kind", "path"))
        self.by_code = {code: (pk, kind, path) for pk, _name, code, kind, path in units if code}
        self.by_name = {name: pk for pk, name, _code, _kind, _path in units}
        self.town_by_path = {path: pk for pk, _n, _c, kind, path in units if kind in Unit.TOWN_LEVEL}
        self.step = Unit.steplen
        self.numbers = set()
        self.cipher: dict[str, str] = {}

    def predicted_category(self, text: str, title: str) -> int | None:
        """The leaf the classifier suggests (docs/classify.md); None without a model."""
        from qingche.service.classify.selectors import suggest_categories  # lazy: the classifier loads scikit-learn

        found = suggest_categories(text, title)
        return found.choice.category.pk if found else None

    def encrypted(self, value: str) -> str:
        if not value:
            return ""
        found = self.cipher.get(value)
        if found is None:  # one ciphertext per distinct value (the keyed hash already links equal values)
            found = self.cipher[value] = encrypt(value)
        return found


class _Encryptor:
    """Encrypts a large file's names and phones in another process while this one checks the rows: Fernet
    costs more per row than the checks, and the database waits idle in this phase. A file of fewer than
    POOL_FROM_ROWS rows is encrypted in this process, as it is saved."""

    def __init__(self, look: _Lookups):
        self.look, self.pending, self.queued, self.futures, self.pool = look, [], set(), [], None

    def add(self, rows_read: int, *values: str) -> None:
        for value in values:
            if value and value not in self.queued:
                self.queued.add(value)
                self.pending.append(value)
        if len(self.pending) >= POOL_CHUNK and rows_read >= POOL_FROM_ROWS:
            self._submit()

    def _submit(self) -> None:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))
        values, self.pending = self.pending, []
        self.futures.append((values, self.pool.submit(encrypt_many, settings.FIELD_ENCRYPTION_KEY, values)))

    def finish(self) -> None:
        """Wait for the other process and hand its ciphertexts to the lookups (values left over are encrypted
        as they are saved)."""
        if self.pool is None:
            return
        if self.pending:
            self._submit()
        with self.pool:
            for values, future in self.futures:
                self.look.cipher.update(zip(values, future.result(), strict=True))

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _convert(raw: dict, line: int, look: _Lookups) -> dict:
    get = {key: ("" if raw.get(key) is None else str(raw.get(key)).strip()) for key in COLUMNS}
    for key in REQUIRED:
        if not get[key]:
            raise ValidationError(_("row %(line)d: %(column)s is required") % {"line": line, "column": key})
    number = get["number"][:20]
    if number in look.numbers:
        raise ValidationError(_("row %(line)d: number %(number)s appears twice") % {"line": line, "number": number})
    look.numbers.add(number)
    predicted = not get["category_code"]
    if predicted:
        category = look.predicted_category(get["text"], get["title"])
        if category is None:
            raise ValidationError(
                _("row %(line)d: category_code is required (no classifier is built to suggest one)") % {"line": line}
            )
    else:
        category = look.categories.get(get["category_code"])
    if category is None:
        raise ValidationError(_("row %(line)d: unknown category_code") % {"line": line})
    try:
        times = {
            key: _moment(raw.get(key), key)
            for key in ("submitted_at", "dispatched_at", "accepted_at", "answered_at", "callback_at")
        }
    except ValueError as error:
        raise ValidationError(
            _("row %(line)d: %(column)s is not a date and time") % {"line": line, "column": str(error)}
        ) from None
    text = get["text"]
    if len(text) > rules.MAX_TEXT:
        raise ValidationError(_("row %(line)d: text is longer than 5,000 characters") % {"line": line})
    village = look.by_code.get(get["village_code"]) if get["village_code"] else None
    town = look.by_code.get(get["town_code"]) if get["town_code"] else None
    town_id = town[0] if town else None
    if village and not town_id:
        town_id = look.town_by_path.get(village[2][: 2 * look.step])
    unit_id = look.by_name.get(get["unit_name"]) if get["unit_name"] else None
    if get["unit_name"] and unit_id is None:
        raise ValidationError(_("row %(line)d: unknown unit_name") % {"line": line})
    satisfaction = get["satisfaction"]
    if satisfaction and satisfaction not in rules.SATISFACTIONS:
        raise ValidationError(_("row %(line)d: satisfaction is satisfied, basic or unsatisfied") % {"line": line})
    solved = {"": None, "1": True, "true": True, "0": False, "false": False}.get(get["solved"].lower(), "bad")
    if solved == "bad":
        raise ValidationError(_("row %(line)d: solved is 1 or 0") % {"line": line})
    phone = normalize_phone(get["citizen_phone"])
    status = rules.NEW
    if unit_id and times["dispatched_at"]:
        status = rules.DISPATCHED
        if times["accepted_at"]:
            status = rules.IN_PROGRESS
        if times["answered_at"]:
            status = rules.ANSWERED
        if times["callback_at"] and solved is not None and satisfaction:
            status = rules.CLOSED
    channel = get["channel"] if get["channel"] in CHANNELS else "hotline"
    return {
        "number": number,
        "tracking_code_hash": "",
        "channel": channel,
        "category_id": category,
        "category_predicted": predicted,
        "title": (get["title"] or text[:30])[:200],
        "text": text,
        "address": get["address"][:300],
        "town_id": town_id,
        "village_id": village[0] if village else None,
        "citizen_name": get["citizen_name"][:50],
        "citizen_phone": phone,  # in clear until saved (_prepared)
        "citizen_phone_hash": pii_hash(phone) if phone else "",
        "submitted_at": times["submitted_at"],
        "status": status,
        "unit_id": unit_id if status != rules.NEW else None,
        "dispatched_at": times["dispatched_at"] if status != rules.NEW else None,
        "accepted_at": times["accepted_at"],
        "answered_at": times["answered_at"],
        "reply": get["reply"],
        "callback_at": times["callback_at"] if status == rules.CLOSED else None,
        "closed_at": times["callback_at"] if status == rules.CLOSED else None,
        "solved": solved if status == rules.CLOSED else None,
        "satisfaction": satisfaction if status == rules.CLOSED else "",
        "callback_unit_id": unit_id if status == rules.CLOSED else None,
    }


PROGRESS_EVERY = 5000
POOL_FROM_ROWS = 5000  # a file of this many rows has its values encrypted in another process
POOL_CHUNK = 2000


def _prepared(rows, request_ids, look: _Lookups, accept, calendar, limits):
    """The checked rows as COPY takes them: ids, personal data encrypted, deadlines on the working-day calendar.
    A generator, so that this work runs while the database stores the rows already sent."""
    for row, request_id in zip(rows, request_ids, strict=True):
        row["id"] = request_id
        row["citizen_name"] = look.encrypted(row["citizen_name"])
        row["citizen_phone"] = look.encrypted(row["citizen_phone"])
        if row["dispatched_at"]:
            accept_due, due = rules.deadlines(row["dispatched_at"], limits[row["category_id"]], accept, calendar)
            row["accept_due"], row["due_at"] = accept_due, due
            row["accepted_in_time"] = bool(row["accepted_at"] and row["accepted_at"] <= accept_due)
        yield row


def import_requests(
    *, user, source, name: str = "", progress: Callable[[str, int], None] | None = None, rebuild_rollups: bool = True
) -> int:
    """Validate the whole file, then load it in one transaction. Returns the number of requests.
    `progress(stage, rows)` hears of every 5,000 rows: stage "reading" while the rows are checked (nothing
    saved yet), then "saving" as they go in."""
    if user is not None and not user.has_perm("service.dispatch_servicerequest") and not user.is_superuser:
        raise PermissionDenied(_("Only the hotline imports historical requests."))
    look = _Lookups()
    encryptor = _Encryptor(look)
    existing = set(ServiceRequest.objects.values_list("number", flat=True))
    rows, errors = [], []
    try:
        for line, raw in enumerate(read_rows(source, name), start=2):
            if progress and (line - 1) % PROGRESS_EVERY == 0:
                progress("reading", line - 1)
            try:
                row = _convert(raw, line, look)
                if row["number"] in existing:
                    raise ValidationError(
                        _("row %(line)d: number %(number)s already exists") % {"line": line, "number": row["number"]}
                    )
                rows.append(row)
                if not errors:
                    encryptor.add(line - 1, row["citizen_name"], row["citizen_phone"])
            except ValidationError as error:
                errors.extend(error.messages)
                if len(errors) >= MAX_ERRORS:
                    break
        if errors:
            raise ValidationError({"file": errors})
        encryptor.finish()
    except BaseException:
        encryptor.cancel()
        raise
    accept = selectors.accept_limit()
    dates = [row["dispatched_at"] for row in rows if row["dispatched_at"]]
    calendar = (
        workcal.fast_calendar(
            work_calendar(), min(dates).date() - dt.timedelta(days=1), max(dates).date() + dt.timedelta(days=60)
        )
        if dates
        else None
    )
    categories = Category.objects.select_related("parent__parent").in_bulk()
    limits = {pk: selectors.limit_of(c) for pk, c in categories.items()}
    if progress:
        progress("saving", 0)
    with transaction.atomic():
        request_ids, event_ids = bulk.reserve_ids(ServiceRequest, len(rows)), bulk.reserve_ids(RequestEvent, len(rows))
        count = bulk.insert(
            ServiceRequest,
            _prepared(rows, request_ids, look, accept, calendar, limits),
            chunk=PROGRESS_EVERY,
            progress=(lambda n: progress("saving", n)) if progress else None,
        )
        bulk.insert(
            RequestEvent,
            (
                {
                    "id": event_id,
                    "request_id": row["id"],
                    "kind": "submit",
                    "at": row["submitted_at"],
                    "note": "导入的历史诉求",
                    "public_note": "",
                    "data": "{}",
                    "duty_item_code": "",
                }
                for event_id, row in zip(event_ids, rows, strict=True)
            ),
        )
        services.burden_load_bulk(rows)  # answered requests as citizen-service load in burden's index
        if rebuild_rollups:
            services.rollup_rebuild()
        record("import", object_type="service.servicerequest", object_repr=f"{count} requests", after={"count": count})
    return count


# -- the import page: an upload checked and loaded by the task worker, its progress shown as it goes ----------
IMPORT_SUFFIXES = (".csv", ".xlsx")


def history_import_start(*, user, upload) -> HistoryImport:
    """Keep the uploaded file and queue its import for the task worker. One import runs at a time."""
    if not user.has_perm("service.add_historyimport"):
        raise PermissionDenied(_("Only the hotline imports historical requests."))
    if upload is None:
        raise ValidationError({"file": _("Choose a CSV or xlsx file.")})
    if not upload.name.lower().endswith(IMPORT_SUFFIXES):
        raise ValidationError({"file": _("The file must be a CSV (UTF-8) or xlsx file.")})
    if upload.size > settings.QINGCHE_MAX_IMPORT_BYTES:
        raise ValidationError(
            {"file": _("The file may be at most %(size)s.") % {"size": format_size(settings.QINGCHE_MAX_IMPORT_BYTES)}}
        )
    history_import_sweep()
    if any(job.blocks_others for job in HistoryImport.objects.filter(finished_at__isnull=True)):
        raise ValidationError({"file": _("An import is still running; wait until it has finished.")})
    job = HistoryImport.objects.create(file=upload, name=upload.name[:200], size=upload.size, created_by=user)
    record(
        "import_queued",
        object_type="service.historyimport",
        object_id=job.pk,
        object_repr=job.name,
        after={"name": job.name, "size": job.size},
    )
    transaction.on_commit(lambda: run_history_import.enqueue(job.pk))
    return job


def history_import_run(job_id: int) -> None:
    """The worker's part: check every row (progress saved as it goes), then load them all or nothing."""
    job = HistoryImport.objects.get(pk=job_id)
    if not job.running:
        return

    def progress(stage, rows):
        changes = {"status": stage}
        if stage == "reading":
            changes["rows_read"] = rows
        if stage == "reading" or rows == 0:  # counts while saving would stay inside the transaction
            HistoryImport.objects.filter(pk=job.pk).update(**changes)

    try:
        with audit_context(actor=job.created_by):
            count = import_requests(user=job.created_by, source=job.file.path, name=job.name, progress=progress)
    except ValidationError as error:
        _finish(job, HistoryImport.Status.FAILED, errors=error.messages)
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, InvalidFileException, OSError):
        _finish(
            job,
            HistoryImport.Status.FAILED,
            errors=[_("The file cannot be read as a CSV (UTF-8) or xlsx file with the columns of docs/service.md.")],
        )
    except IntegrityError:  # numbers taken meanwhile, e.g. by an import of the same file on another worker
        _finish(
            job,
            HistoryImport.Status.FAILED,
            errors=[_("Some numbers in the file were registered while it was being imported; nothing was imported.")],
        )
    except BaseException as error:  # anything else (a lost database, a bug, the worker stopped): FAILED all the same
        logger.exception("history import %s failed", job.pk)
        _finish(job, HistoryImport.Status.FAILED, errors=[_unexpected_failure()])
        if not isinstance(error, Exception):
            raise
    else:
        _finish(job, HistoryImport.Status.DONE, imported=count, rows_read=count)


def _unexpected_failure() -> str:
    return _(
        "The import stopped on an unexpected error; nothing was imported and the file was deleted. Upload it "
        "again, or tell the operator if it happens again."
    )


def _finish(job: HistoryImport, status: str, *, errors=(), **counts) -> None:
    """Delete the uploaded file (it holds citizens' names and phones in clear), whatever else fails, and
    record the outcome, which also releases the one-import-at-a-time lock. A connection broken by the failure
    is replaced once."""
    try:
        job.file.delete(save=False)
    finally:
        changes = {"status": status, "errors": [str(e) for e in errors], "finished_at": timezone.now(), "file": ""}
        try:
            HistoryImport.objects.filter(pk=job.pk).update(**changes, **counts)
        except DatabaseError:
            connection.close()
            HistoryImport.objects.filter(pk=job.pk).update(**changes, **counts)


def history_import_sweep() -> int:
    """Finish as FAILED the imports whose worker was cut off (running past `STALE_AFTER`), deleting their files."""
    cut_off = HistoryImport.objects.filter(
        finished_at__isnull=True, created_at__lte=timezone.now() - HistoryImport.STALE_AFTER
    )
    jobs = list(cut_off)
    for job in jobs:
        _finish(job, HistoryImport.Status.FAILED, errors=[_unexpected_failure()])
    return len(jobs)
