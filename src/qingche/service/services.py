"""Every write of citizen requests. Each function checks permission and scope, validates through
rules.py, writes the request, its timeline event and the 三率 rollup in one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import secrets
from typing import NamedTuple

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qingche.burden import services as burden_services
from qingche.core import bulk, parameters
from qingche.core.audit import AuditContext, record, record_created
from qingche.core.cache import ttl_cache
from qingche.core.calendar import work_calendar
from qingche.core.pii import pii_hash
from qingche.core.rules import format_size
from qingche.core.scope import acting_unit_ids, unit_in_scope
from qingche.org.models import Unit
from qingche.service import rules
from qingche.service.models import (
    Category,
    ClockNotice,
    Open311Key,
    Open311Submission,
    RateRollup,
    RequestAttachment,
    RequestCounter,
    RequestEvent,
    ServiceRequest,
    tracking_code_hash,
)
from qingche.service.selectors import accept_limit, handling_hours, limit_of

logger = logging.getLogger(__name__)
MAX_ATTACHMENTS = 5
SERVICE_LOAD_SOURCE = "service"  # the name of citizen requests handled among burden's load sources
ALLOWED_UPLOADS = (".jpg", ".jpeg", ".png", ".pdf", ".webp")


def _fail(error: rules.RuleError):
    """A refusal of the rules as a form error, put into words when it is shown (in the reader's language)."""
    raise ValidationError({error.field: ValidationError(error.message, params=error.params or None)})


def _require(user, perm: str, unit: Unit | None = None) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if unit is not None and not unit_in_scope(user, perm, unit):
        raise PermissionDenied(_("This request is outside your scope."))


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _event(
    request, kind, *, user=None, at=None, to_unit=None, note="", public_note="", duty_item_code="", data=None
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        at=at or timezone.now(),
        actor=user if user and user.pk else None,
        actor_unit_id=_actor_unit_id(user),
        to_unit=to_unit,
        note=note,
        public_note=public_note,
        duty_item_code=duty_item_code,
        data=data or {},
    )


def _actor_unit_id(user) -> int | None:
    """The unit the user works on citizen requests for: the unit of their first grant that sees requests
    (from the grants already loaded with the user; no query per event)."""
    if user is None or not getattr(user, "pk", None):
        return None
    unit_ids = acting_unit_ids(user, "service.view_servicerequest")
    return unit_ids[0] if unit_ids else None


# -- limits -----------------------------------------------------------------------------------------
def _burden_load(request: ServiceRequest, now: dt.datetime) -> None:
    """The handling of an answered request is load on its unit (citizen service) for the month of the answer,
    kept in burden's rollup in the caller's transaction."""
    if request.unit_id is None:
        return
    burden_services.load_add(
        source=SERVICE_LOAD_SOURCE, unit_id=request.unit_id, day=now, hours=handling_hours(request.category)
    )


def burden_load_bulk(rows) -> int:
    """The load of bulk-loaded requests (demo, import; dicts with unit_id, answered_at and category_id) in
    burden's index, as request_answer adds it one by one, through burden's bulk service. Call in the loading
    transaction. Returns the number of (unit, month) rollup rows touched."""
    weights = parameters.get("service.handling_hours")
    hours_of = {c.pk: handling_hours(c, weights) for c in Category.objects.select_related("parent__parent")}
    return burden_services.load_add_many(
        source=SERVICE_LOAD_SOURCE,
        entries=(
            (row["unit_id"], row["answered_at"], hours_of[row["category_id"]], 1)
            for row in rows
            if row.get("unit_id") and row.get("answered_at")
        ),
    )


@ttl_cache(60, cleared_by=("org.Unit", "core.Parameter"))
def county_office() -> tuple[int, str] | None:
    """(id, name) of the county office that takes what no town or department should (12345 / 县减负办)."""
    return Unit.objects.filter(name=parameters.get("service.county_office")).values_list("pk", "name").first()


# -- rollups ----------------------------------------------------------------------------------------
def _month(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def _bump(unit_id: int | None, moment: dt.datetime | None, **deltas) -> None:
    """Add to the (unit, month) rollup row in the caller's transaction."""
    if unit_id is None or moment is None:
        return
    month = _month(moment)
    changes = {name: F(name) + value for name, value in deltas.items() if value}
    if not changes:
        return
    if RateRollup.objects.filter(unit_id=unit_id, month=month).update(**changes):
        return
    try:
        with transaction.atomic():
            RateRollup.objects.create(unit_id=unit_id, month=month, **deltas)
    except IntegrityError:  # created meanwhile by a concurrent transaction
        RateRollup.objects.filter(unit_id=unit_id, month=month).update(**changes)


def _undo_dispatch(request: ServiceRequest) -> None:
    _bump(request.unit_id, request.dispatched_at, dispatched=-1, accepted_in_time=-int(request.accepted_in_time))


def _callback_deltas(request: ServiceRequest, sign: int) -> dict:
    return {
        "called_back": sign,
        "solved": sign * int(bool(request.solved)),
        "satisfied": sign * int(request.satisfaction == rules.SATISFIED),
        "basic_satisfied": sign * int(request.satisfaction == rules.BASIC),
    }


def rollup_rebuild() -> int:
    """Recompute every rollup row from the requests (after a bulk import, or to check the rollups)."""
    from qingche.service.selectors import raw_counts

    with transaction.atomic():
        RateRollup.objects.all().delete()
        rows = [RateRollup(unit_id=unit_id, month=month, **counts) for (unit_id, month), counts in raw_counts().items()]
        RateRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# -- intake -----------------------------------------------------------------------------------------
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


class _Place(NamedTuple):
    kind: str
    path: str


class _PlaceDirectory(NamedTuple):
    units: dict[int, _Place]  # every town, street, village and community
    unit_names: dict[int, str]
    by_path: dict[str, int]
    names: tuple[tuple[int, str, str], ...]  # (id, name, short name) of the active ones, for addresses
    points: tuple[tuple[int, float, float], ...]  # (id, latitude, longitude) of the units with a known centre


@ttl_cache(60, cleared_by=("org.Unit", "service.Place"))
def _place_directory() -> _PlaceDirectory:
    """What intake reads to place a request, cached as it changes seldom."""
    from qingche.service.models import Place

    rows = list(
        Unit.objects.filter(kind__in=[*Unit.GRASSROOTS, *Unit.TOWN_LEVEL]).values_list(
            "pk", "name", "short_name", "kind", "path", "is_active"
        )
    )
    units = {pk: _Place(kind, path) for pk, _name, _short, kind, path, _active in rows}
    return _PlaceDirectory(
        units=units,
        unit_names={pk: name for pk, name, _short, _kind, _path, _active in rows},
        by_path={place.path: pk for pk, place in units.items()},
        names=tuple((pk, name, short) for pk, name, short, _kind, _path, active in rows if active),
        points=tuple(row for row in Place.objects.values_list("unit_id", "latitude", "longitude") if row[0] in units),
    )


def place_name(unit_id: int | None) -> str:
    return _place_directory().unit_names.get(unit_id, "") if unit_id else ""


def resolve_place(address: str, point: tuple[float, float] | None, town_id=None, village_id=None):
    """(town id, village id) from an explicit choice, the address's unit names, or the nearest known place;
    read from the cached directory, so placing a request costs no query."""
    directory = _place_directory()

    def of_kind(pk, kinds):
        place = directory.units.get(int(pk)) if str(pk).isdigit() else None
        return int(pk) if place is not None and place.kind in kinds else None

    village = of_kind(village_id, Unit.GRASSROOTS) if village_id else None
    town = of_kind(town_id, Unit.TOWN_LEVEL) if town_id else None
    found = None
    if village is None and address:
        found = rules.find_place_names(address, directory.names)
        if found is not None and town is not None and directory.units[found].kind not in Unit.GRASSROOTS:
            found = None  # a town named in the address does not override the town chosen
    if village is None and town is None and found is None and point is not None:
        found = rules.nearest(point, directory.points)
    if found is not None:
        if directory.units[found].kind in Unit.GRASSROOTS:
            village = found
        else:
            town = found
    if village is not None:
        village_path = directory.units[village].path
        if town is None or not village_path.startswith(directory.units[town].path):
            town = directory.by_path.get(village_path[: -Unit.steplen])
    return town, village


@ttl_cache(60, cleared_by=("duties.DutyList", "duties.DutyItem", "org.Unit"))
def _duty_index(town_id: int) -> rules.DutyIndex:
    """The town's published duty items as the routing rule reads them (TF-IDF vectors), built once per cache
    fill; the county's place names are words of the segmenter that never count as matches."""
    from qingche.duties.selectors import routing_items

    places = {name for _pk, *names in _place_directory().names for name in names if name}
    return rules.DutyIndex((rules.DutyMatch(*row) for row in routing_items(town_id)), places)


def suggest(request: ServiceRequest) -> rules.Route:
    office = county_office()
    items = _duty_index(request.town_id) if request.town_id else ()
    category = request.category
    words = [*category.path_names, *[w for w in category.keywords.replace(";", "；").split("；") if w]]
    return rules.suggest_route(
        text=request.title + request.text,
        category_words=words,
        town_id=request.town_id,
        town_name=place_name(request.town_id),
        items=items,
        county_office_id=office[0] if office else None,
        county_office_name=office[1] if office else parameters.get("service.county_office"),
    )


def route_reason_text(route: rules.Route) -> str:
    """The routing reason as stored text, in the site's language whoever submitted (pages show
    ServiceRequest.route_reason_shown, in each reader's language)."""
    with translation.override(django_settings.LANGUAGE_CODE):
        return route.reason


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
        from qingche.core.rules import LANDLINE_RE, PHONE_RE, normalize_phone

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


# -- routing and handling ---------------------------------------------------------------------------
def _dispatch(
    request: ServiceRequest, unit: Unit, *, user, now, note="", binding=False, kind="dispatch", duty_item_code=""
) -> None:
    calendar = work_calendar()
    accept_due, due = rules.deadlines(now, limit_of(request.category), accept_limit(), calendar)
    request.status = rules.DISPATCHED
    request.unit = unit
    request.dispatched_at, request.accept_due, request.due_at = now, accept_due, due
    request.accepted_at, request.accepted_in_time, request.binding = None, False, binding
    request.extension_pending = False
    request.save()
    _bump(unit.pk, now, dispatched=1)
    _event(
        request,
        kind,
        user=user,
        at=now,
        to_unit=unit,
        note=note,
        duty_item_code=duty_item_code,
        public_note=_("Sent to %(unit)s to handle.") % {"unit": unit.name},
    )


def _handling_unit_of(user, request: ServiceRequest, perm="service.handle_servicerequest") -> None:
    if request.unit is None:
        raise ValidationError({"status": _("This request has no handling unit.")})
    _require(user, perm, request.unit)


@transaction.atomic
def request_dispatch(*, user, request: ServiceRequest, unit_id, note: str = "", now=None) -> ServiceRequest:
    _require(user, "service.dispatch_servicerequest")
    request = _locked(request)
    try:
        rules.next_status(request.status, "dispatch")
    except rules.RuleError as error:
        _fail(error)
    unit_id = str(unit_id or "")
    unit = None
    if unit_id.isdigit():
        unit = Unit.objects.filter(pk=int(unit_id), is_active=True).exclude(kind=Unit.Kind.COUNTY).first()
    if unit is None:
        raise ValidationError({"unit": _("Choose the unit that will handle the request.")})
    _dispatch(request, unit, user=user, now=now or timezone.now(), note=(note or "")[:1000])
    return request


@transaction.atomic
def request_accept(*, user, request: ServiceRequest, now=None) -> ServiceRequest:
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        request.status = rules.next_status(request.status, "accept")
    except rules.RuleError as error:
        _fail(error)
    now = now or timezone.now()
    request.accepted_at = now
    request.accepted_in_time = now <= request.accept_due
    request.save()
    if request.accepted_in_time:
        _bump(request.unit_id, request.dispatched_at, accepted_in_time=1)
    _event(request, RequestEvent.Kind.ACCEPT, user=user, at=now, public_note=_("Accepted by the handling unit."))
    return request


@transaction.atomic
def request_start(*, user, request: ServiceRequest, note: str = "", now=None) -> ServiceRequest:
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        request.status = rules.next_status(request.status, "start")
    except rules.RuleError as error:
        _fail(error)
    request.save()
    _event(
        request,
        RequestEvent.Kind.START,
        user=user,
        at=now,
        note=(note or "")[:1000],
        public_note=_("Work on it has started."),
    )
    return request


@transaction.atomic
def request_pass_on(*, user, request: ServiceRequest, village_id, note: str = "", now=None) -> ServiceRequest:
    """转村: a town that signed for a request passes it on to one of its villages or communities, which then
    handles it (its 待办诉求). The time limit runs on; the town stays the unit of record of the three rates."""
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        rules.next_status(request.status, "pass_on")
    except rules.RuleError as error:
        _fail(error)
    town = request.unit
    if town.kind not in Unit.TOWN_LEVEL:
        raise ValidationError({"unit": _("Only a town or street passes a request on to a village.")})
    villages = Unit.objects.filter(
        kind__in=Unit.GRASSROOTS, path__startswith=town.path, depth=town.depth + 1, is_active=True
    )
    village_id = str(village_id or "")
    village = villages.filter(pk=int(village_id)).first() if village_id.isdigit() else None
    if village is None:
        raise ValidationError({"unit": _("Choose a village or community of %(town)s.") % {"town": town.name}})
    request.unit, request.passed_on_by = village, town
    request.save()
    _event(
        request,
        RequestEvent.Kind.PASS_ON,
        user=user,
        at=now,
        to_unit=village,
        note=(note or "")[:1000],
        public_note=_("Passed on to %(unit)s to handle.") % {"unit": village.name},
    )
    return request


@transaction.atomic
def request_return(*, user, request: ServiceRequest, reason: str, duty_item_code: str = "", now=None):
    """A unit returns a request as not its duty (退单), citing the duty item; twice → arbitration."""
    request = _locked(request)
    _handling_unit_of(user, request)
    if request.passed_on_by_id:
        raise ValidationError(
            {
                "reason": _("%(town)s passed this request on to you: ask the town, not the dispatcher.")
                % {"town": request.passed_on_by.name}
            }
        )
    reason = (reason or "").strip()
    try:
        status = rules.next_status(
            request.status,
            "return",
            return_count=request.return_count,
            binding=request.binding,
            reason=reason,
            returns_before_arbitration=int(parameters.get("service.returns_before_arbitration")),
        )
    except rules.RuleError as error:
        if error.field == "reason":
            raise ValidationError({"reason": _("Give the reason why this is not your unit's duty.")}) from None
        _fail(error)
    now = now or timezone.now()
    _undo_dispatch(request)
    returning = request.unit
    request.status, request.unit, request.return_count = status, None, request.return_count + 1
    request.accept_due = request.due_at = None
    request.accepted_in_time = False
    request.save()
    _event(
        request,
        RequestEvent.Kind.RETURN,
        user=user,
        at=now,
        note=reason[:2000],
        duty_item_code=(duty_item_code or "").strip()[:30],
        data={"unit": returning.pk, "unit_name": returning.name},
        public_note=_("Being routed to the unit responsible."),
    )
    if status == rules.ARBITRATION:
        _event(
            request,
            RequestEvent.Kind.ARBITRATION,
            at=now,
            note=_("Returned %(count)d times: the duty lists decide.") % {"count": request.return_count},
        )
    record("update", obj=request, after={"returned_by": returning.name}, reason=reason[:500])
    return request


@transaction.atomic
def request_arbitrate(*, user, request: ServiceRequest, unit_id, reason: str, duty_item_code: str = "", now=None):
    """减负办 or the county office decides against the duty lists; the decision binds."""
    _require(user, "service.arbitrate_servicerequest")
    request = _locked(request)
    try:
        rules.next_status(request.status, "arbitrate")
    except rules.RuleError as error:
        _fail(error)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the grounds of the decision (the duty item and why).")})
    unit = Unit.objects.filter(pk=unit_id, is_active=True).exclude(kind=Unit.Kind.COUNTY).first() if unit_id else None
    if unit is None:
        raise ValidationError({"unit": _("Choose the unit that must handle the request.")})
    now = now or timezone.now()
    _event(
        request,
        RequestEvent.Kind.ARBITRATE,
        user=user,
        at=now,
        to_unit=unit,
        note=reason[:2000],
        duty_item_code=(duty_item_code or "").strip()[:30],
    )
    _dispatch(
        request,
        unit,
        user=user,
        now=now,
        note=reason[:1000],
        binding=True,
        duty_item_code=(duty_item_code or "").strip()[:30],
    )
    record("update", obj=request, after={"arbitrated_to": unit.name}, reason=reason[:500])
    return request


@transaction.atomic
def request_extension_ask(*, user, request: ServiceRequest, days: int, reason: str, now=None):
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        rules.next_status(request.status, "request_extension")
    except rules.RuleError as error:
        _fail(error)
    if request.extension_pending:
        raise ValidationError({"days": _("An extension is already waiting for approval.")})
    try:
        days = int(days)
        if not 1 <= days <= 30:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"days": _("An extension is 1 to 30 working days.")}) from None
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    request.extension_pending = True
    request.save()
    _event(request, RequestEvent.Kind.EXTENSION_REQUEST, user=user, at=now, note=reason[:2000], data={"days": days})
    return request


@transaction.atomic
def request_extension_decide(*, user, request: ServiceRequest, approve: bool, note: str = "", now=None):
    _require(user, "service.approve_extension")
    request = _locked(request)
    if not request.extension_pending:
        raise ValidationError({"status": _("No extension is waiting for approval.")})
    asked = request.events.filter(kind=RequestEvent.Kind.EXTENSION_REQUEST).order_by("-at", "-id").first()
    days = int(asked.data.get("days", 1)) if asked else 1
    request.extension_pending = False
    data = {"approved": bool(approve), "days": days}
    if approve and request.due_at is not None:
        old = request.due_at
        request.due_at = rules.extend(request.due_at, days, work_calendar())
        data.update(old_due=old.isoformat(), new_due=request.due_at.isoformat())
    request.save()
    _event(
        request,
        RequestEvent.Kind.EXTENSION_DECISION,
        user=user,
        at=now,
        note=(note or "")[:1000],
        data=data,
        public_note=_("The time limit was extended.") if approve else "",
    )
    return request


@transaction.atomic
def request_answer(*, user, request: ServiceRequest, reply: str, now=None) -> ServiceRequest:
    request = _locked(request)
    _handling_unit_of(user, request)
    try:
        reply = rules.clean_text(reply, field="reply", minimum=5)
        request.status = rules.next_status(request.status, "answer", reason=reply)
    except rules.RuleError as error:
        if error.field == "reply":
            raise ValidationError({"reply": _("Write the reply to the citizen (5 to 5,000 characters).")}) from None
        _fail(error)
    now = now or timezone.now()
    request.answered_at, request.reply = now, reply
    request.save()
    _event(request, RequestEvent.Kind.ANSWER, user=user, at=now, public_note=reply)
    _burden_load(request, now)
    return request


@transaction.atomic
def request_callback(
    *, user, request: ServiceRequest, solved, satisfaction: str, note: str = "", public: bool = False, now=None
) -> ServiceRequest:
    """The hotline's callback (or the citizen's own answer on /track/): closes the request."""
    if not public:
        _require(user, "service.callback_servicerequest")
    request = _locked(request)
    if isinstance(solved, str):
        solved = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(solved.lower())
    try:
        request.status = rules.next_status(request.status, "callback", solved=solved, satisfaction=satisfaction)
    except rules.RuleError as error:
        if request.status == rules.CLOSED:
            raise ValidationError({"status": _("This request has already been rated.")}) from None
        if error.field in ("solved", "satisfaction"):
            raise ValidationError(
                {error.field: _("Say whether it was solved and how satisfied the citizen is.")}
            ) from None
        _fail(error)
    now = now or timezone.now()
    request.callback_at, request.solved, request.satisfaction = now, solved, satisfaction
    request.callback_unit_id, request.closed_at = request.passed_on_by_id or request.unit_id, now
    request.save()
    _bump(request.callback_unit_id, now, **_callback_deltas(request, 1))
    _event(
        request,
        RequestEvent.Kind.CALLBACK,
        user=None if public else user,
        at=now,
        note=(note or "")[:1000],
        data={"solved": solved, "satisfaction": satisfaction, "by_citizen": public},
        public_note=_("Rated: %(solved)s, %(satisfaction)s.")
        % {
            "solved": _("solved") if solved else _("not solved"),
            "satisfaction": ServiceRequest.Satisfaction(satisfaction).label,
        },
    )
    return request


@transaction.atomic
def request_reopen(*, user, request: ServiceRequest, reason: str, now=None) -> ServiceRequest:
    """重办: an unsolved or unsatisfied request goes back to its unit with a new time limit."""
    _require(user, "service.callback_servicerequest")
    request = _locked(request)
    try:
        status = rules.next_status(request.status, "reopen", solved=request.solved, satisfaction=request.satisfaction)
    except rules.RuleError as error:
        _fail(error)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    now = now or timezone.now()
    _bump(request.callback_unit_id, request.callback_at, **_callback_deltas(request, -1))
    request.status, request.reopen_count = status, request.reopen_count + 1
    request.callback_at = request.closed_at = request.answered_at = None
    request.solved, request.satisfaction, request.callback_unit = None, "", None
    request.due_at = rules.add_limit(now, limit_of(request.category), work_calendar())
    request.save()
    _event(
        request,
        RequestEvent.Kind.REOPEN,
        user=user,
        at=now,
        note=reason[:2000],
        to_unit=request.unit,
        public_note=_("Reopened: the unit handles it again."),
    )
    return request


@transaction.atomic
def request_merge(*, user, request: ServiceRequest, into: ServiceRequest, reason: str = "", now=None):
    _require(user, "service.dispatch_servicerequest")
    request = _locked(request)
    if into.pk == request.pk or into.status == rules.MERGED:
        raise ValidationError({"into": _("Choose another request that is not itself merged.")})
    try:
        request.status = rules.next_status(request.status, "merge")
    except rules.RuleError as error:
        _fail(error)
    now = now or timezone.now()
    if request.unit_id:
        _undo_dispatch(request)
    request.unit, request.merged_into = None, into
    request.accept_due = request.due_at = None
    request.accepted_in_time = False
    request.closed_at = now
    request.save()
    _event(
        request,
        RequestEvent.Kind.MERGE,
        user=user,
        at=now,
        note=(reason or "")[:1000],
        data={"into": into.number},
        public_note=_("Merged with request %(number)s about the same matter; follow that one.")
        % {"number": into.number},
    )
    _event(
        into,
        RequestEvent.Kind.MERGE,
        user=user,
        at=now,
        data={"merged": request.number},
        note=_("Request %(number)s was merged into this one.") % {"number": request.number},
    )
    return request


# -- publication ------------------------------------------------------------------------------------
def public_text_proposed(request: ServiceRequest) -> str:
    """The request's text with what identifies the citizen removed, for the reviewer to check."""
    return rules.redact(request.text, names=[request.citizen_name], address=request.address)


@transaction.atomic
def request_publish(*, user, request: ServiceRequest, public_text: str = "", now=None) -> ServiceRequest:
    """The reviewer's release: a request the citizen agreed to publish is shown with its text (as checked by
    the reviewer, redacted again) and the replies in the public Open311 reads. Audited like every save."""
    _require(user, "service.publish_servicerequest")
    request = _locked(request)
    if not request.publication_consent:
        raise ValidationError({"public_text": _("The citizen did not agree to publication.")})
    text = (public_text or "").strip() or public_text_proposed(request)
    # What the reviewer leaves in is redacted once more: a phone or ID number slipped back is still removed.
    text = rules.redact(text, names=[request.citizen_name], address=request.address)[: rules.MAX_TEXT]
    if len(text) < 2:
        raise ValidationError({"public_text": _("Write the text to publish.")})
    request.public_text, request.published_at, request.published_by = text, now or timezone.now(), user
    request.save()
    return request


@transaction.atomic
def request_unpublish(*, user, request: ServiceRequest) -> ServiceRequest:
    _require(user, "service.publish_servicerequest")
    request = _locked(request)
    if request.published_at is not None:
        request.published_at, request.published_by, request.public_text = None, None, ""
        request.save()
    return request


# -- the clock --------------------------------------------------------------------------------------
def clock_run(*, now=None) -> dict[str, int]:
    """Reminders and escalations (督办) derived from stored deadlines. Each (request, kind, deadline) is
    sent once: the ClockNotice row's unique constraint makes the run idempotent and restart-safe."""
    now = now or timezone.now()
    sent = {kind: 0 for kind in ClockNotice.Kind.values}
    fraction = float(parameters.get("service.due_soon_fraction"))
    candidates = ServiceRequest.objects.filter(status__in=rules.WITH_UNIT, due_at__isnull=False).only(
        "pk", "status", "unit_id", "accept_due", "due_at", "dispatched_at", "accepted_at", "answered_at"
    )
    existing = set(
        ClockNotice.objects.filter(request__status__in=rules.WITH_UNIT).values_list("request_id", "kind", "deadline")
    )
    for request in candidates.iterator(chunk_size=2000):
        wanted = []
        if request.status == rules.DISPATCHED and request.accept_due:
            if now > request.accept_due:
                wanted.append((ClockNotice.Kind.ACCEPT_OVERDUE, request.accept_due))
            elif now >= request.accept_due - dt.timedelta(minutes=30):
                wanted.append((ClockNotice.Kind.ACCEPT_REMINDER, request.accept_due))
        clock = rules.clock_state(
            status=request.status,
            now=now,
            accept_due=request.accept_due,
            due_at=request.due_at,
            accepted_at=request.accepted_at,
            answered_at=request.answered_at,
            soon_fraction=fraction,
            dispatched_at=request.dispatched_at,
        )
        if request.due_at and now > request.due_at:
            wanted.append((ClockNotice.Kind.OVERDUE, request.due_at))
        elif clock.state == rules.DUE_SOON:
            wanted.append((ClockNotice.Kind.DUE_SOON, request.due_at))
        for kind, deadline in wanted:
            if (request.pk, kind, deadline) in existing:
                continue
            try:
                with transaction.atomic():
                    ClockNotice.objects.create(
                        request=request, kind=kind, deadline=deadline, unit_id=request.unit_id, sent_at=now
                    )
                    escalate = kind in (ClockNotice.Kind.OVERDUE, ClockNotice.Kind.ACCEPT_OVERDUE)
                    RequestEvent.objects.create(
                        request=request,
                        kind=RequestEvent.Kind.ESCALATION if escalate else RequestEvent.Kind.REMINDER,
                        at=now,
                        to_unit_id=request.unit_id,
                        note=str(ClockNotice.Kind(kind).label),
                        data={"deadline": deadline.isoformat()},
                    )
            except IntegrityError:
                continue  # another run sent it
            sent[kind] += 1
    return sent


# -- Open311 keys -----------------------------------------------------------------------------------
def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_key_issue(*, user, partner: str, key: str = "") -> tuple[Open311Key, str]:
    """A new partner key; the clear key is returned once and never stored."""
    if user is not None:
        _require(user, "service.add_open311key")
    partner = (partner or "").strip()[:100]
    if not partner:
        raise ValidationError({"partner": _("Name the partner.")})
    key = key or secrets.token_urlsafe(24)
    if Open311Key.objects.filter(key_hash=_key_hash(key)).exists():
        raise ValidationError({"key": _("This key is already issued.")})
    entry = Open311Key.objects.create(partner=partner, key_hash=_key_hash(key), key_prefix=key[:6])
    return entry, key


@transaction.atomic
def open311_key_revoke(*, user, entry: Open311Key) -> Open311Key:
    _require(user, "service.change_open311key")
    if entry.revoked_at is None:
        entry.revoked_at = timezone.now()
        entry.save()
    return entry


@ttl_cache(30, cleared_by=("service.Open311Key",))
def _live_keys() -> dict[str, Open311Key]:
    return {entry.key_hash: entry for entry in Open311Key.objects.filter(revoked_at__isnull=True)}


def open311_key_valid(key: str) -> Open311Key | None:
    """The partner key, if issued and not revoked. Read from a cache: a revocation takes effect at once in
    the process that made it and within 30 seconds in the other server processes."""
    if not key:
        return None
    return _live_keys().get(_key_hash(key))


# -- categories -------------------------------------------------------------------------------------
BUILTIN_TREE = {
    "城乡建设": (
        "general",
        {
            "市政设施": ["道路破损", "路灯损坏", "排水不畅"],
            "物业管理": ["物业服务", "维修基金"],
            "供水供电": ["停水", "停电", "燃气"],
        },
    ),
    "环境保护": ("general", {"环境污染": ["噪音扰民", "垃圾清运", "油烟污染"]}),
    "交通运输": ("general", {"公共交通": ["公交线路", "出租车"], "道路交通": ["违章停车"]}),
    "劳动和社会保障": ("complex", {"劳动保障": ["拖欠工资", "社保缴纳"], "社会救助": ["低保", "养老服务"]}),
    "教育文体": ("general", {"教育管理": ["入学", "校外培训"]}),
    "卫生计生": ("general", {"医疗服务": ["看病就医", "医保报销"]}),
    "商贸旅游": ("general", {"市场监管": ["价格投诉", "食品安全"]}),
    "农村农业": ("general", {"农业生产": ["农田水利", "农资质量"], "乡村治理": ["村务公开", "人居环境"]}),
    "安全生产": ("emergency", {"安全隐患": ["火灾隐患", "危房", "地质灾害"]}),
}
UTILITY_WORDS = ("水", "电", "气", "暖")
EMERGENCY_WORDS = ("安全", "事故", "火", "灾", "隐患")


def category_tree_load(rows: list[tuple[str, str, str]]) -> int:
    """Create the three-level tree from (一级, 二级, 三级) rows; existing nodes are kept. Returns nodes made.
    Top-level time limits: emergencies and utilities by their names, 劳动和社会保障 complex, else general."""
    created = 0
    nodes: dict[tuple[str, ...], Category] = {
        tuple(category.path_names): category for category in Category.objects.select_related("parent__parent")
    }
    counters = [Category.objects.filter(level=level).count() for level in (1, 2, 3)]
    for row in rows:
        path: tuple[str, ...] = ()
        parent = None
        for level, name in enumerate(row, start=1):
            name = (name or "").strip()[:100]
            if not name:
                break
            path = (*path, name)
            node = nodes.get(path)
            if node is None:
                counters[level - 1] += 1
                kind = ""
                if level == 1:
                    kind = "complex" if "劳动" in name else "general"
                if any(word in name for word in EMERGENCY_WORDS):
                    kind = "emergency"
                elif level > 1 and any(word in name for word in UTILITY_WORDS) and ("供" in name or "停" in name):
                    kind = "utility"
                code = (parent.code + "-" if parent else "C") + f"{counters[level - 1]:03d}"
                node = Category.objects.create(parent=parent, level=level, code=code, name=name, limit_kind=kind)
                nodes[path] = node
                created += 1
            parent = node
    return created


def category_seed(data_dir=None) -> int:
    """Seed the tree from 附件1.xlsx when the shared data folder is present; else the built-in tree."""
    from pathlib import Path

    if Category.objects.exists():
        return 0
    from qingche.service.classify.data import taidi_dir

    path = Path(data_dir or taidi_dir()) / "附件1.xlsx"
    rows: list[tuple[str, str, str]] = []
    if path.exists():
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True)
        for index, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
            if index == 0 or not row or not row[0]:
                continue
            rows.append(tuple(str(cell or "").strip() for cell in row[:3]))
        workbook.close()
    if not rows:
        for top, (_kind, seconds) in BUILTIN_TREE.items():
            for second, thirds in seconds.items():
                rows.extend((top, second, third) for third in thirds)
    created = category_tree_load(rows)
    for top, (kind, _seconds) in BUILTIN_TREE.items():
        Category.objects.filter(level=1, name=top, limit_kind="general").exclude(limit_kind=kind).update(
            limit_kind=kind
        )
    return created
