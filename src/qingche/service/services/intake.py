"""Intake: a request registered from any channel (hotline, web form, walk-in, Open311 in batches)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qingche.core import bulk, parameters
from qingche.core.audit import AuditContext, record_created
from qingche.core.pii import pii_hash
from qingche.core.rules import LANDLINE_RE, PHONE_RE, format_size, normalize_phone
from qingche.org.models import Unit
from qingche.service import rules
from qingche.service.models import (
    Category,
    Open311Key,
    Open311Submission,
    RequestAttachment,
    RequestCounter,
    RequestEvent,
    ServiceRequest,
    tracking_code_hash,
)
from qingche.service.selectors import resolve_place, route_reason_text, suggest
from qingche.service.services.common import ALLOWED_UPLOADS, MAX_ATTACHMENTS, _event, _require

logger = logging.getLogger(__name__)


def _new_numbers(now: dt.datetime, count: int = 1) -> list[str]:
    """The next `count` numbers of the day from the day's counter row, bumped in a statement of its own before
    the requests' transaction: concurrent intakes neither wait for each other's commit nor collide. A request
    that then fails leaves a gap in the numbers, which is harmless."""
    day = timezone.localtime(now).date()
    table = RequestCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "last" = "last" + %s WHERE "day" = %s RETURNING "last"', [count, day])
        row = cursor.fetchone()
    if row is not None:
        return [rules.request_number(day, serial) for serial in range(row[0] - count + 1, row[0] + 1)]
    # The day's first number: start after any number of that day already held (demo data, imports).
    prefix = f"{day:%Y%m%d}"
    held = (
        ServiceRequest.objects.filter(number__gte=prefix, number__lt=prefix + "9999999")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    first = int(held[8:]) + 1 if held else 1
    try:
        with transaction.atomic():
            RequestCounter.objects.create(day=day, last=first + count - 1)
    except IntegrityError:  # another intake made the row first
        return _new_numbers(now, count)
    return [rules.request_number(day, serial) for serial in range(first, first + count)]


def _cleaned_intake(*, category, title, text, lat, long, citizen_name, citizen_phone, files=()) -> dict:
    """The checks every channel's intake makes; the cleaned values, or a ValidationError naming each field."""
    errors = {}
    if category is None:
        errors["category"] = _("Choose a category.")
    try:
        text = rules.clean_text(text)
    except rules.RuleError as error:
        errors["text"] = _("Describe the matter in 5 to 5,000 characters.") if error.field == "text" else str(error)
    title = (title or "").strip()[:200] or (text[:30] if isinstance(text, str) else "")
    try:
        point = rules.check_coordinates(lat, long, rules.parse_bbox(parameters.get("service.county_bbox")))
    except rules.RuleError:
        errors["lat"] = _("The coordinates must be two numbers inside the county.")
        point = None
    phone = (citizen_phone or "").strip()
    if phone:
        phone = normalize_phone(phone)
        if not (PHONE_RE.match(phone) or LANDLINE_RE.match(phone)):
            errors["citizen_phone"] = _("Enter a mobile number or a landline such as 0731-12345678.")
    if len(files) > MAX_ATTACHMENTS:
        errors["files"] = _("At most 5 attachments.")
    for upload in files:
        if not upload.name.lower().endswith(ALLOWED_UPLOADS) or upload.size > django_settings.QINGCHE_MAX_UPLOAD_BYTES:
            errors["files"] = _("Attachments must be images or PDF files of at most %(size)s each.") % {
                "size": format_size(django_settings.QINGCHE_MAX_UPLOAD_BYTES)
            }
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "text": text,
        "point": point,
        "phone": phone,
        "name": " ".join((citizen_name or "").split())[:50],
    }


def _new_request(
    clean: dict,
    *,
    channel: str,
    category: Category,
    address: str,
    town_id,
    village_id,
    anonymous,
    now: dt.datetime,
    user=None,
    intake_unit=None,
    key=None,
    token=None,
    publish: bool = False,
    code_hash: str = "",
) -> ServiceRequest:
    """An unsaved request from cleaned intake values, placed and with its suggested route. Without
    `code_hash` it gets a new verification code: clear in `issued_code` (not a field) to show once."""
    point, phone = clean["point"], clean["phone"]
    town_id, village_id = resolve_place(address, point, town_id, village_id)
    issued = "" if code_hash else new_tracking_code()
    request = ServiceRequest(
        tracking_code_hash=code_hash or tracking_code_hash(issued),
        channel=channel,
        category=category,
        title=clean["title"],
        text=clean["text"],
        address=(address or "").strip()[:300],
        latitude=round(point[0], 6) if point else None,
        longitude=round(point[1], 6) if point else None,
        town_id=town_id,
        village_id=village_id,
        citizen_name=clean["name"],
        citizen_phone=phone,
        citizen_phone_hash=pii_hash(phone) if phone else "",
        anonymous=bool(anonymous),
        intake_unit=intake_unit,
        created_by=user if user is not None and user.pk else None,
        submitted_at=now,
        idempotency_key=key,
        token=token,
        publication_consent=bool(publish),
    )
    request.issued_code = issued
    route = suggest(request)
    request.suggested_unit_id, request.route_basis = route.unit_id, route.stored()
    request.route_reason = route_reason_text(route)
    return request


def new_tracking_code() -> str:
    return "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.CODE_LENGTH))


def _reissue_code(obj):
    """A repeated submission (same idempotency key) gets a new code: the clear code of the first answer
    is gone, and the answer to the repeat is the one the citizen sees. The earlier code stops working."""
    obj.issued_code = new_tracking_code()
    obj.tracking_code_hash = tracking_code_hash(obj.issued_code)
    type(obj).objects.filter(pk=obj.pk).update(tracking_code_hash=obj.tracking_code_hash)
    return obj


def request_submit(
    *,
    user=None,
    channel: str,
    category_id=None,
    category: Category | None = None,
    title: str = "",
    text: str,
    address: str = "",
    lat=None,
    long=None,
    town_id=None,
    village_id=None,
    citizen_name: str = "",
    citizen_phone: str = "",
    anonymous: bool = False,
    idempotency_key: str = "",
    files=(),
    intake_unit: Unit | None = None,
    publish: bool = False,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """Register a request from any channel at once (Open311 partners go through open311_submission_accept).
    The same idempotency key returns the request already made, with a new verification code. `category`
    (an active category, its parents selected) spares a read when the caller has it already. `publish` is
    the citizen's consent to publication (a reviewer still has to release it). The clear verification code
    is in the returned request's `issued_code`, and nowhere else."""
    if channel not in ServiceRequest.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if channel in (ServiceRequest.Channel.HOTLINE, ServiceRequest.Channel.WALK_IN):
        _require(user, "service.add_servicerequest")
    if channel == ServiceRequest.Channel.WALK_IN:
        if intake_unit is None or intake_unit.kind not in Unit.TOWN_LEVEL:
            raise ValidationError({"intake_unit": _("A walk-in request is registered by a town or street.")})
        _require(user, "service.add_servicerequest", intake_unit)
    key = (idempotency_key or "").strip()[:64] or None
    if category is None and category_id:
        category = Category.objects.filter(pk=category_id, is_active=True).select_related("parent__parent").first()
    files = list(files or [])
    clean = _cleaned_intake(
        category=category,
        title=title,
        text=text,
        lat=lat,
        long=long,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
        files=files,
    )
    now = now or timezone.now()
    request = _new_request(
        clean,
        channel=channel,
        category=category,
        address=address,
        town_id=town_id,
        village_id=village_id,
        anonymous=anonymous,
        now=now,
        user=user,
        intake_unit=intake_unit,
        key=key,
        token=secrets.token_hex(12) if channel == ServiceRequest.Channel.OPEN311 else None,
        publish=publish,
    )
    # A repeated idempotency key or a number already held (an import of that day) fails the insert: the
    # first returns the request already made, the second tries the next number. Checking the key before
    # the insert would cost every request a query for the rare double submit.
    for attempt in range(5):
        request.number = _new_numbers(now)[0]
        try:
            with transaction.atomic():
                request.save()
                for upload in files:
                    RequestAttachment.objects.create(
                        request=request, file=upload, name=upload.name[:200], size=upload.size
                    )
                _event(
                    request,
                    RequestEvent.Kind.SUBMIT,
                    user=user,
                    at=now,
                    public_note=_("Your request was registered."),
                    data={"channel": channel},
                )
            return request
        except IntegrityError:
            existing = ServiceRequest.objects.filter(idempotency_key=key).first() if key else None
            if existing is not None:
                return _reissue_code(existing)
            if attempt == 4:
                raise
            request.pk = None
            request._state.adding = True


# -- Open311: accepted at once, registered in batches -----------------------------------------------------
def open311_submission_accept(
    *,
    partner: Open311Key,
    category: Category | None,
    title: str = "",
    text: str,
    address: str = "",
    lat=None,
    long=None,
    town_id=None,
    village_id=None,
    citizen_name: str = "",
    citizen_phone: str = "",
    anonymous: bool = False,
    publish: bool = False,
    idempotency_key: str = "",
    ip=None,
    http_request_id: str = "",
    category_predicted: bool = False,
) -> Open311Submission:
    """Check a partner's request as every intake does and keep it for registration: one row, committed before
    the partner hears its token. The same idempotency key returns the submission already kept, with a new
    verification code (also on its request, once registered). The clear code is in `issued_code` only."""
    clean = _cleaned_intake(
        category=category,
        title=title,
        text=text,
        lat=lat,
        long=long,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
    )
    key = (idempotency_key or "").strip()[:64] or None
    point = clean["point"]
    fields = {
        "title": clean["title"],
        "text": clean["text"],
        "address": (address or "").strip()[:300],
        "lat": point[0] if point else None,
        "long": point[1] if point else None,
        "town_id": town_id,
        "village_id": village_id,
        "anonymous": bool(anonymous),
        "publish": bool(publish),
        "category_predicted": bool(category_predicted),
    }
    issued = new_tracking_code()
    # One INSERT, committed by itself: no BEGIN and COMMIT of a transaction around it. Inside a caller's
    # transaction a savepoint keeps a repeated key from spoiling the rest of it.
    try:
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            submission = Open311Submission.objects.create(
                token=secrets.token_hex(12),
                idempotency_key=key,
                tracking_code_hash=tracking_code_hash(issued),
                partner=partner,
                category=category,
                fields=fields,
                citizen_name=clean["name"],
                citizen_phone=clean["phone"],
                received_at=timezone.now(),
                ip=ip,
                http_request_id=http_request_id,
            )
    except IntegrityError:
        existing = Open311Submission.objects.filter(idempotency_key=key).first() if key else None
        if existing is None:
            raise
        with transaction.atomic():  # locked: a registrar taking it meanwhile copies the new code
            existing = _reissue_code(Open311Submission.objects.select_for_update().get(pk=existing.pk))
            if existing.request_id is not None:
                ServiceRequest.objects.filter(pk=existing.request_id).update(
                    tracking_code_hash=existing.tracking_code_hash
                )
        return existing
    submission.issued_code = issued
    return submission


def open311_submissions_register(*, batch: int = 200, batches: int | None = None) -> int:
    """Register pending Open311 submissions, oldest first, `batch` at a time (all of them unless `batches`
    is given). Processes running it at once take disjoint batches (SKIP LOCKED). Returns how many it took."""
    taken = 0
    while batches is None or batches > 0:
        count = _register_batch(batch)
        taken += count
        if count < batch:
            break
        batches = None if batches is None else batches - 1
    return taken


def _register_batch(limit: int) -> int:
    with transaction.atomic():
        pending = list(
            Open311Submission.objects.select_for_update(skip_locked=True)
            .filter(request__isnull=True, error="")
            .select_related("partner")
            .order_by("id")[:limit]
        )
        if not pending:
            return 0
        try:
            with transaction.atomic():
                _register(pending)
        except Exception:  # noqa: BLE001 - one bad submission must not hold the others back
            for submission in pending:
                try:
                    with transaction.atomic():
                        _register([submission])
                except Exception as error:  # noqa: BLE001 - kept on the row, shown by tokens/{token}
                    logger.exception("Open311 submission %s could not be registered", submission.token)
                    submission.error = f"{type(error).__name__}: {error}"[:500]
                    submission.save(update_fields=["error"])
        return len(pending)


def _register(pending: list[Open311Submission]) -> None:
    """Requests, audit events and submit events for a batch of submissions, in a few statements. Repeats are
    caught when a submission is kept (its idempotency key), so every submission here makes a request."""
    categories = Category.objects.select_related("parent__parent").in_bulk({s.category_id for s in pending})
    requests = []
    for submission in pending:
        values = submission.fields
        point = (values["lat"], values["long"]) if values["lat"] is not None else None
        clean = {
            "title": values["title"],
            "text": values["text"],
            "point": point,
            "phone": submission.citizen_phone,
            "name": submission.citizen_name,
        }
        requests.append(
            _new_request(
                clean,
                channel=ServiceRequest.Channel.OPEN311,
                category=categories[submission.category_id],
                address=values["address"],
                town_id=values["town_id"],
                village_id=values["village_id"],
                anonymous=values["anonymous"],
                now=submission.received_at,
                token=submission.token,
                publish=values.get("publish", False),
                code_hash=submission.tracking_code_hash,
            )
        )
        requests[-1].category_predicted = values.get("category_predicted", False)
    for day_requests in _by_day(requests).values():
        for request, number in zip(
            day_requests, _new_numbers(day_requests[0].submitted_at, len(day_requests)), strict=True
        ):
            request.number = number
    bulk.insert_objects(ServiceRequest, requests)
    record_created(
        [
            (
                request,
                AuditContext(actor_name=f"open311:{s.partner.partner}"[:150], ip=s.ip, request_id=s.http_request_id),
            )
            for request, s in zip(requests, pending, strict=True)
        ]
    )
    with translation.override(django_settings.LANGUAGE_CODE):
        note = _("Your request was registered.")
    bulk.insert_objects(
        RequestEvent,
        [
            RequestEvent(
                request=r,
                kind=RequestEvent.Kind.SUBMIT,
                at=r.submitted_at,
                public_note=note,
                data={"channel": r.channel},
            )
            for r in requests
        ],
    )
    # Each request carries its submission's token: one statement links them all.
    Open311Submission.objects.filter(pk__in=[s.pk for s in pending]).update(
        request=Subquery(ServiceRequest.objects.filter(token=OuterRef("token")).values("pk")[:1])
    )


def _by_day(requests: list[ServiceRequest]) -> dict[dt.date, list[ServiceRequest]]:
    days: dict[dt.date, list[ServiceRequest]] = {}
    for request in requests:
        days.setdefault(timezone.localtime(request.submitted_at).date(), []).append(request)
    return days
