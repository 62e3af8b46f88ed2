"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Every endpoint answers in .json and .xml; errors are the spec's list of code + description with
400, 403 or 404. Service codes are the leaf categories' codes, and GENERIC_CODE for "let the classifier
choose". See docs/open311.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import xml.etree.ElementTree as ET

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from qingche.core.middleware import client_ip
from qingche.org.models import Unit
from qingche.service import rules, selectors, services
from qingche.service.models import Category, RequestEvent, ServiceRequest

CHANGESET = "2026-11-01T00:00:00+08:00"
DEFAULT_DAYS = 90
MAX_RECORDS = 1000
ATTRIBUTES = [
    {
        "variable": True,
        "code": "anonymous",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "",
        "order": 1,
        "description": "是否希望匿名（不向承办单位提供姓名）",
        "values": [{"key": "0", "name": "否"}, {"key": "1", "name": "是"}],
    },
    {
        "variable": True,
        "code": "subject",
        "datatype": "string",
        "required": False,
        "datatype_description": "不超过200字",
        "order": 2,
        "description": "诉求标题",
        "values": [],
    },
    # A Qingche extension: the citizen's consent to publication (off unless the citizen ticked it).
    {
        "variable": True,
        "code": "publish",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "",
        "order": 3,
        "description": "是否同意公开（经审核、去除姓名电话地址后公开诉求内容和答复）",
        "values": [{"key": "0", "name": "否"}, {"key": "1", "name": "是"}],
    },
]
ATTRIBUTE_CODES = {attribute["code"] for attribute in ATTRIBUTES}
# Characters XML 1.0 cannot carry (a client's own input is echoed in error descriptions): shown as U+FFFD.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The service code of a request whose partner does not know the category: the classifier gives it
# (docs/classify.md), and the request is marked category_predicted. Listed only while a model is built.
GENERIC_CODE = "general"


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# -- rendering --------------------------------------------------------------------------------------
def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _xml_value(parent, key, value):
    element = ET.SubElement(parent, key)
    if isinstance(value, list):
        child_name = {
            "formats": "format",
            "endpoints": "endpoint",
            "attributes": "attribute",
            "values": "value",
            "keywords": "keyword",
        }.get(key, "item")
        if key == "keywords":
            element.text = ",".join(str(item) for item in value)
            return
        for item in value:
            _xml_value(element, child_name, item)
    elif isinstance(value, dict):
        for sub_key, sub_value in value.items():
            _xml_value(element, sub_key, sub_value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("\ufffd", str(value))


def render(data, fmt: str, *, root: str = "", item: str = "", status: int = 200) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(
            json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
        )
    top = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _xml_value(top, item, entry)
    else:
        for key, value in data.items():
            _xml_value(top, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render([{"code": status, "description": description}], fmt, root="errors", item="error", status=status)


def _has_nul(request, kwargs) -> bool:
    values = [*kwargs.values(), *request.GET.keys(), *(v for _k, vs in request.GET.lists() for v in vs)]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += [*request.POST.keys(), *(v for _k, vs in request.POST.lists() for v in vs)]
    return any("\x00" in value for value in values)


def endpoint(view):
    def wrapped(request, fmt, **kwargs):
        if fmt not in ("json", "xml"):
            return error("json", 404, "format must be json or xml")
        try:
            if _has_nul(request, kwargs):  # PostgreSQL cannot store or even compare text holding NUL
                raise Open311Error(400, _("The request contains a NUL character (\\x00), which is not allowed."))
            return view(request, fmt, **kwargs)
        except Open311Error as problem:
            return error(fmt, problem.status, problem.description)

    wrapped.__name__ = view.__name__
    return csrf_exempt(wrapped)


def _service(category: Category) -> dict:
    parent = category.parent
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.full_name,
        "metadata": True,
        "type": "realtime",
        "keywords": [w for w in category.keywords.replace(";", "；").split("；") if w],
        "group": parent.parent.name if parent and parent.parent else (parent.name if parent else category.name),
    }


def _public_status(request: ServiceRequest) -> str:
    return "closed" if request.status in (rules.CLOSED, rules.MERGED) else "open"


def _request_row(request: ServiceRequest, updated, last_note: str) -> dict:
    """A request as everyone may read it. Unless the citizen agreed to publication and a reviewer released
    it, only the number, category, status, town and dates: nothing a citizen or an official wrote."""
    published = request.is_published
    label = str(ServiceRequest.Status(request.status).label)
    place = (request.village or request.town) if published else request.town
    row = {
        "service_request_id": request.number,
        "status": _public_status(request),
        "status_notes": label,
        "service_name": request.category.name,
        "service_code": request.category.code,
        "description": "",
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": _iso(request.submitted_at),
        "updated_datetime": _iso(updated or request.submitted_at),
        "expected_datetime": _iso(request.due_at),
        "address": place.name if place else "",
        "address_id": place.code if place else "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }
    if published:
        note = rules.redact(last_note, names=[request.citizen_name], address=request.address)
        row.update(
            {
                "status_notes": f"{label}。{note}" if note else label,
                "description": request.public_text,
                "agency_responsible": request.unit.name if request.unit else "",
                "lat": float(round(request.latitude, 3)) if request.latitude is not None else None,
                "long": float(round(request.longitude, 3)) if request.longitude is not None else None,
            }
        )
    return row


def _rows(queryset) -> list[dict]:
    requests = list(queryset.select_related("category", "unit", "town", "village").annotate(updated=Max("events__at")))
    notes: dict[int, str] = {}
    published = [r.pk for r in requests if r.is_published]
    if published:
        for request_id, note in (
            RequestEvent.objects.filter(request__in=published)
            .exclude(public_note="")
            .order_by("request_id", "at", "id")
            .values_list("request_id", "public_note")
        ):
            notes[request_id] = note
    return [_request_row(r, r.updated, notes.get(r.pk, "")[:500]) for r in requests]


# -- endpoints --------------------------------------------------------------------------------------
@endpoint
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("discovery.", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": "示范县12345政务服务便民热线",
        "key_service": "API keys are issued by the county's system administrator (Open311 keys page).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(data, fmt, root="discovery")


def _generic_offered() -> bool:
    from qingche.service.classify import store  # lazy: the classifier loads scikit-learn

    return store.current_name() is not None


def _generic_service() -> dict:
    return {
        "service_code": GENERIC_CODE,
        "service_name": "其他（自动分类）",
        "description": "不确定分类时使用：按诉求内容自动归入最可能的分类，由热线复核",
        "metadata": True,
        "type": "realtime",
        "keywords": [],
        "group": "其他",
    }


@endpoint
def services_list(request, fmt):
    services_ = [_service(c) for c in selectors.leaf_categories()]
    if _generic_offered():
        services_.append(_generic_service())
    return render(services_, fmt, root="services", item="service")


@endpoint
def service_definition(request, fmt, code):
    if code == GENERIC_CODE and _generic_offered():
        return render({"service_code": GENERIC_CODE, "attributes": ATTRIBUTES}, fmt, root="service_definition")
    category = selectors.leaf_category_by_code().get(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    data = {"service_code": category.code, "attributes": ATTRIBUTES}
    return render(data, fmt, root="service_definition")


def _parse_date(text: str, name: str) -> dt.datetime:
    """An ISO 8601 date and time; an impossible one (2026-02-30, hour 25, offset +25:00, year 0000) or one
    too close to the calendar's ends to compare is refused like a malformed one."""
    try:
        value = parse_datetime(text.strip().replace(" ", "+"))  # a query string turns "+08:00" into " 08:00"
        if value is not None:
            value = value if timezone.is_aware(value) else timezone.make_aware(value)
            value.astimezone(dt.UTC) - dt.timedelta(days=DEFAULT_DAYS)  # what the query will compute
    except (ValueError, OverflowError):
        value = None
    if value is None:
        raise Open311Error(
            400, _("%(name)s must be a real ISO 8601 date and time, e.g. 2026-10-01T00:00:00+08:00.") % {"name": name}
        )
    return value


@endpoint
def requests_view(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method != "GET":
        raise Open311Error(400, "use GET or POST")
    params = request.GET
    queryset = ServiceRequest.objects.all()
    if params.get("service_request_id"):
        ids = [part.strip() for part in params["service_request_id"].split(",") if part.strip()][:MAX_RECORDS]
        return render(
            _rows(queryset.filter(number__in=ids).order_by("-submitted_at")),
            fmt,
            root="service_requests",
            item="request",
        )
    end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
    start = (
        _parse_date(params["start_date"], "start_date")
        if params.get("start_date")
        else end - dt.timedelta(days=DEFAULT_DAYS)
    )
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    if end - start > dt.timedelta(days=DEFAULT_DAYS):
        raise Open311Error(400, f"the date range may not exceed {DEFAULT_DAYS} days")
    queryset = queryset.filter(submitted_at__gte=start, submitted_at__lte=end)
    if params.get("service_code"):
        codes = [code.strip() for code in params["service_code"].split(",") if code.strip()]
        queryset = queryset.filter(category__code__in=codes)
    if params.get("status"):
        wanted = {part.strip() for part in params["status"].split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both separated by a comma")
        if wanted == {"open"}:
            queryset = queryset.exclude(status__in=(rules.CLOSED, rules.MERGED))
        elif wanted == {"closed"}:
            queryset = queryset.filter(status__in=(rules.CLOSED, rules.MERGED))
    rows = _rows(queryset.order_by("-submitted_at", "-id")[:MAX_RECORDS])
    return render(rows, fmt, root="service_requests", item="request")


@endpoint
def request_detail(request, fmt, request_id):
    rows = _rows(ServiceRequest.objects.filter(number=request_id))
    if not rows:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return render(rows, fmt, root="service_requests", item="request")


@endpoint
def token_view(request, fmt, token):
    submission = selectors.open311_submission(token)
    if submission is not None and submission.error:
        raise Open311Error(404, f"token {token} could not be registered; submit the request again")
    if submission is not None:
        number = submission.request.number if submission.request_id else ""
    else:  # requests registered before submissions were kept carry their token themselves
        number = ServiceRequest.objects.filter(token=token).values_list("number", flat=True).first()
        if number is None:
            raise Open311Error(404, f"token {token} not found")
    return render([{"service_request_id": number, "token": token}], fmt, root="service_requests", item="request")


def _post_request(request, fmt):
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(400, "POST requests must be form-encoded (application/x-www-form-urlencoded)")
    data = request.POST
    if not data.get("api_key"):
        raise Open311Error(403, "api_key is required")
    partner = selectors.open311_key_valid(data["api_key"])
    if partner is None:
        raise Open311Error(403, "api_key is not valid or has been revoked")
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    predicted = code == GENERIC_CODE
    if predicted:
        category = _predicted_category(data.get("description", ""), data.get("attribute[subject]", ""))
    else:
        category = selectors.leaf_category_by_code().get(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    lat, long = data.get("lat", "").strip(), data.get("long", "").strip()
    address, address_id = data.get("address_string", "").strip(), data.get("address_id", "").strip()
    if not ((lat and long) or address or address_id):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    village_id = town_id = None
    if address_id:
        unit = Unit.objects.filter(code=address_id, kind__in=[*Unit.GRASSROOTS, *Unit.TOWN_LEVEL]).first()
        if unit is None:
            raise Open311Error(400, f"address_id {address_id} is not a known village, community or town code")
        if unit.kind in Unit.GRASSROOTS:
            village_id = unit.pk
        else:
            town_id = unit.pk
    attributes = {
        key[len("attribute[") : -1]: value
        for key, value in data.items()
        if key.startswith("attribute[") and key.endswith("]")
    }
    unknown = set(attributes) - ATTRIBUTE_CODES
    if unknown:
        raise Open311Error(400, f"unknown attribute {sorted(unknown)[0]}")
    for code in ("anonymous", "publish"):
        if attributes.get(code, "0") not in ("0", "1"):
            raise Open311Error(400, f"attribute[{code}] must be 0 or 1")
    name = "".join(part.strip() for part in (data.get("last_name", ""), data.get("first_name", "")))
    try:
        submission = services.open311_submission_accept(
            partner=partner,
            category=category,
            title=attributes.get("subject", ""),
            text=data.get("description", ""),
            address=address,
            lat=lat or None,
            long=long or None,
            town_id=town_id,
            village_id=village_id,
            citizen_name=name,
            citizen_phone=data.get("phone", ""),
            anonymous=attributes.get("anonymous") == "1",
            publish=attributes.get("publish") == "1",
            idempotency_key=_idempotency(data, code),
            ip=client_ip(request),
            http_request_id=getattr(request, "request_id", ""),
            category_predicted=predicted,
        )
    except ValidationError as problem:
        messages = problem.message_dict if hasattr(problem, "error_dict") else {"request": problem.messages}
        field, texts = next(iter(messages.items()))
        field = {"lat": "lat/long", "text": "description", "citizen_phone": "phone"}.get(field, field)
        raise Open311Error(400, f"{field}: {' '.join(str(t) for t in texts)}") from None
    answer = {
        "token": submission.token,
        "service_notice": f"verification code for /track/: {rules.format_code(submission.issued_code)} "
        f"(shown only in this answer); the request number follows from "
        f"tokens/{submission.token}",
        "account_id": data.get("account_id", ""),
    }
    if submission.request_id is not None:  # a repeat of a submission already registered
        answer = {"service_request_id": submission.request.number, **answer}
    return render([answer], fmt, root="service_requests", item="request")


def _predicted_category(description: str, subject: str) -> Category | None:
    """The leaf the classifier suggests for a POST with the generic service code. Without a model the code
    is not offered (404); a description too short to classify is refused like any empty description."""
    from qingche.service.classify.selectors import MIN_CHARACTERS, suggest_categories  # lazy: scikit-learn

    if not _generic_offered():
        return None
    if len(description.strip()) + len(subject.strip()) < MIN_CHARACTERS:
        raise Open311Error(400, f"description: service_code {GENERIC_CODE} needs a description of the matter")
    found = suggest_categories(description, subject)
    if found is None:
        raise Open311Error(
            400,
            f"service_code {GENERIC_CODE}: no category could be suggested; choose a service_code from services.json",
        )
    return found.choice.category


def _idempotency(data, code: str) -> str:
    """A device that sends the same description twice for the same service gets one request."""
    if not data.get("device_id"):
        return ""
    digest = hashlib.sha256(
        "\x1f".join((data["device_id"], data.get("account_id", ""), code, data.get("description", ""))).encode()
    ).hexdigest()
    return "o311:" + digest[:56]


@csrf_exempt
def unknown(request):
    return error("json", 404, "no such Open311 endpoint; see discovery.json")


FMT = r"\.(?P<fmt>[a-z]+)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, discovery, name="discovery"),
    re_path(r"^services" + FMT, services_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, service_definition, name="service"),
    re_path(r"^requests" + FMT, requests_view, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, token_view, name="token"),
    re_path(r"", unknown, name="unknown"),  # anything else under /open311/v2/: the spec's error list, not a page
]
