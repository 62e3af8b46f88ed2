"""Bad input never gets a 500. Schemathesis generates requests from the API's own OpenAPI schema
(/api/schema/) and sends each one to the app in-process as every demo role; Open311, which that schema
does not describe, is driven from a small OpenAPI description of GeoReport v2 (open311_schema below).
Every answer must be no 5xx and must match the schema: a documented status code and content type, and
a JSON body that validates (XML bodies must parse, with the root element the endpoint promises).

Bounded and reproducible: hypothesis is derandomized with a fixed number of examples per operation;
every request runs inside a savepoint that is rolled back, so each one sees the same county and writes
(POST, PATCH, DELETE) leave nothing for other tests. The requests are counted and must reach MIN_CASES.
Select the run alone with `pytest -m fuzz`."""

from __future__ import annotations

import pytest
import schemathesis
from defusedxml import ElementTree
from django.db import transaction
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import force_authenticate
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import require_under_ci
from qingche.service.classify import store as classifier_store

pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MIN_CASES = 5000  # requests to the JSON API (Open311's come on top)
EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 2}  # per JSON API operation, sent as every role
OPEN311_EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}  # per Open311 operation


class InProcessApp:
    """A WSGI app over Django's test handler: no CSRF check, the test's database connection kept open
    between requests, and the user authenticated as DRF's force_authenticate does (as the api_as fixture),
    so that the run depends neither on how tokens work nor on the session."""

    def __init__(self, user=None):
        user_of_app = user

        class Handler(ClientHandler):
            def get_response(self, request):
                if user_of_app is not None:
                    force_authenticate(request, user_of_app)
                return super().get_response(request)

        self.handler = Handler(enforce_csrf_checks=False)

    def __call__(self, environ, start_response):
        response = self.handler(environ)
        headers = list(response.items())
        headers += [("Set-Cookie", cookie.output(header="").strip()) for cookie in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [b"".join(response.streaming_content) if response.streaming else response.content]


class Fuzz:
    """Runs every operation of a schema for a fixed number of derandomized examples per generation mode,
    sends each example through every app given, and collects the failures (one per operation and kind)."""

    def __init__(self):
        self.cases, self.failures, self.seen = 0, [], set()

    def run(self, schema, apps: dict, examples: dict, extra_check=None):
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode, count in examples.items():
                self._operation(operation, apps, mode, count, extra_check)

    def _operation(self, operation, apps, mode, count, extra_check):
        @settings(
            max_examples=count,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def examples(case):
            for label, app in apps.items():
                self.cases += 1
                savepoint = transaction.savepoint()
                try:
                    response = case.call(app=app)
                    case.validate_response(response, checks=CHECKS)
                    problem = extra_check(case, response) if extra_check else None
                    if problem:
                        self._fail(label, operation, mode, "ExtraCheck", f"{problem}\n{case.as_curl_command()}")
                except FailureGroup as failures:
                    kinds = ",".join(sorted({type(failure).__name__ for failure in failures.exceptions}))
                    self._fail(label, operation, mode, kinds, str(failures))
                finally:
                    transaction.savepoint_rollback(savepoint)

        examples()

    def _fail(self, label, operation, mode, kinds, text):
        if (operation.label, kinds) not in self.seen:
            self.seen.add((operation.label, kinds))
            self.failures.append(f"[{label}] {operation.label} ({mode.value}): {text}"[:2500])


def test_the_json_api_as_every_role(accounts, db):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", InProcessApp(accounts["admin"]))
    if classifier_store.current_name() is None:
        # Without a model (no shared training data on this machine) the endpoint answers 503 by design;
        # `make model` builds one, and under CI it must be there (see test_classify.py).
        require_under_ci("no classifier model is built (make model)")
        print("left out: /api/v1/service/classify/ (no classifier model is built)")
        schema = schema.exclude(path="/api/v1/service/classify/")
    fuzz = Fuzz()
    fuzz.run(schema, {name: InProcessApp(user) for name, user in sorted(accounts.items())}, EXAMPLES)
    print(f"JSON API: {fuzz.cases} requests, {len(fuzz.failures)} failures")
    assert not fuzz.failures, "\n\n".join(fuzz.failures)
    assert fuzz.cases >= MIN_CASES


# -- Open311 GeoReport v2 --------------------------------------------------------------------------------
def _choice_or_any(values) -> dict:
    """Real values (so that the found answers are exercised too) or any string at all."""
    return {"anyOf": [{"type": "string", "enum": sorted(set(values) - {None, ""})}, {"type": "string"}]}


def _obj(needed: list[str], **properties) -> dict:
    return {"type": "object", "required": needed, "properties": properties}


STR, NUMBER, BOOL = {"type": "string"}, {"type": "number", "nullable": True}, {"type": "boolean"}
MOMENT = {"type": "string", "format": "date-time", "nullable": True}
SERVICE = _obj(
    ["service_code", "service_name", "metadata", "type"],
    service_code=STR,
    service_name=STR,
    description=STR,
    metadata=BOOL,
    type={"enum": ["realtime", "batch", "blackbox"]},
    keywords={"type": "array", "items": STR},
    group=STR,
)
VALUE = _obj(["key", "name"], key=STR, name=STR)
ATTRIBUTE = _obj(
    ["code", "datatype", "required", "order"],
    variable=BOOL,
    code=STR,
    required=BOOL,
    description=STR,
    datatype={"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
    datatype_description=STR,
    order={"type": "integer"},
    values={"type": "array", "items": VALUE},
)
REQUEST = _obj(
    ["service_request_id", "status", "service_code", "requested_datetime"],
    service_request_id=STR,
    status={"enum": ["open", "closed"]},
    status_notes=STR,
    service_name=STR,
    service_code=STR,
    description=STR,
    agency_responsible=STR,
    service_notice=STR,
    requested_datetime=MOMENT,
    updated_datetime=MOMENT,
    expected_datetime=MOMENT,
    address=STR,
    address_id=STR,
    zipcode=STR,
    lat=NUMBER,
    long=NUMBER,
    media_url=STR,
)
RECEIPT = _obj(["token"], token=STR, service_request_id=STR, service_notice=STR, account_id=STR)
DISCOVERY = _obj(
    ["changeset", "endpoints"],
    changeset=STR,
    contact=STR,
    key_service=STR,
    endpoints={"type": "array", "items": {"type": "object"}},
)
ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": _obj(["code", "description"], code={"type": "integer"}, description=STR),
}
# Dates that once gave a 500: they parse as ISO 8601 but do not exist, or leave the calendar.
IMPOSSIBLE_DATES = [
    "2026-02-30T00:00:00+08:00",
    "2026-02-29T00:00:00+08:00",
    "2026-13-01T00:00:00+08:00",
    "2026-10-01T25:00:00+08:00",
    "2026-10-01T00:60:00+08:00",
    "2026-10-01T00:00:00+25:00",
    "0000-10-01T00:00:00+08:00",
    "0001-01-01T00:00:00+08:00",
]
XML_ROOTS = {
    "discovery": "discovery",
    "services": "services",
    "service": "service_definition",
    "requests": "service_requests",
    "request": "service_requests",
    "token": "service_requests",
}


def _answers(body: dict) -> dict:
    """200 with `body` in JSON or XML; the spec's error list for 400, 403 and 404."""
    xml = {"text/xml": {"schema": {"type": "string"}}}
    error = {"description": "errors", "content": {"application/json": {"schema": ERRORS}, **xml}}
    return {
        "200": {"description": "ok", "content": {"application/json": {"schema": body}, **xml}},
        "400": error,
        "403": error,
        "404": error,
    }


def _list(item: dict) -> dict:
    return {"type": "array", "items": item}


def open311_schema(service_codes, request_numbers, tokens, unit_codes, api_key: str) -> dict:
    fmt = {"name": "format", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]}}

    def query(name, schema, examples=()):
        parameter = {"name": name, "in": "query", "required": False, "schema": schema}
        if examples:  # run first, in the explicit phase
            parameter["examples"] = {f"e{number}": {"value": value} for number, value in enumerate(examples)}
        return parameter

    def path(name, schema):
        return {"name": name, "in": "path", "required": True, "schema": schema}

    # A date as the spec writes it, a pattern that also yields impossible ones (month 13, hour 25, +25:00), or
    # anything at all.
    date = {
        "anyOf": [
            {"type": "string", "format": "date-time"},
            {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$"},
            {"type": "string"},
        ]
    }
    form = _obj(
        ["api_key", "service_code"],
        api_key={"type": "string", "enum": [api_key]},
        service_code=_choice_or_any(service_codes),
        lat={"type": "string", "pattern": r"^-?\d{1,3}(\.\d{1,6})?$"},
        long={"type": "string", "pattern": r"^-?\d{1,3}(\.\d{1,6})?$"},
        address_string=STR,
        address_id=_choice_or_any(unit_codes),
        description=STR,
        first_name=STR,
        last_name=STR,
        phone=STR,
        email=STR,
        device_id=STR,
        account_id=STR,
        **{"attribute[anonymous]": {"type": "string", "enum": ["0", "1"]}, "attribute[subject]": STR},
    )
    return {
        "openapi": "3.0.3",
        "info": {"title": "Open311 GeoReport v2 (qingche)", "version": "2"},
        "paths": {
            "/open311/v2/discovery.{format}": {"get": {"parameters": [fmt], "responses": _answers(DISCOVERY)}},
            "/open311/v2/services.{format}": {"get": {"parameters": [fmt], "responses": _answers(_list(SERVICE))}},
            "/open311/v2/services/{service_code}.{format}": {
                "get": {
                    "parameters": [path("service_code", _choice_or_any(service_codes)), fmt],
                    "responses": _answers(
                        _obj(["service_code", "attributes"], service_code=STR, attributes=_list(ATTRIBUTE))
                    ),
                }
            },
            "/open311/v2/requests.{format}": {
                "get": {
                    "parameters": [
                        fmt,
                        query("start_date", date, IMPOSSIBLE_DATES[::2]),
                        query("end_date", date, IMPOSSIBLE_DATES[1::2]),
                        query("service_code", _choice_or_any(service_codes)),
                        query("status", _choice_or_any(["open", "closed", "open,closed"])),
                        query("service_request_id", _choice_or_any(request_numbers)),
                    ],
                    "responses": _answers(_list(REQUEST)),
                },
                "post": {
                    "parameters": [fmt],
                    "requestBody": {
                        "required": True,
                        "content": {"application/x-www-form-urlencoded": {"schema": form}},
                    },
                    "responses": _answers(_list(RECEIPT)),
                },
            },
            "/open311/v2/requests/{service_request_id}.{format}": {
                "get": {
                    "parameters": [path("service_request_id", _choice_or_any(request_numbers)), fmt],
                    "responses": _answers(_list(REQUEST)),
                }
            },
            "/open311/v2/tokens/{token}.{format}": {
                "get": {
                    "parameters": [path("token", _choice_or_any(tokens)), fmt],
                    "responses": _answers(_list(RECEIPT)),
                }
            },
        },
    }


def _open311_format(case, response) -> str | None:
    """The answer comes in the format asked for (an unknown format: a JSON 404), and XML parses."""
    fmt = (case.path_parameters or {}).get("format")
    content_type = response.headers.get("content-type", [""])[0]
    if fmt not in ("json", "xml"):
        return (
            None
            if response.status_code == 404 and content_type.startswith("application/json")
            else f"format {fmt!r} answered {response.status_code} {content_type}"
        )
    if fmt == "json":
        return None if content_type.startswith("application/json") else f"json answered {content_type}"
    if not content_type.startswith("text/xml"):
        return f"xml answered {content_type}"
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError as error:
        return f"the XML does not parse ({error}): {response.content[:300]!r}"
    kind = case.operation.path.removeprefix("/open311/v2/").split("/")[0].split(".")[0]
    kind = {
        "services": "service" if "{service_code}" in case.operation.path else "services",
        "requests": "request" if "{service_request_id}" in case.operation.path else "requests",
        "tokens": "token",
    }.get(kind, kind)
    expected = "errors" if response.status_code >= 400 else XML_ROOTS[kind]
    return None if root.tag == expected else f"xml root {root.tag}, expected {expected}"


def test_open311(db):
    from qingche.org.models import Unit
    from qingche.service import services
    from qingche.service.models import Open311Submission, ServiceRequest
    from qingche.service.selectors import leaf_categories

    _entry, api_key = services.open311_key_issue(user=None, partner="fuzz")
    latest = ServiceRequest.objects.order_by("-submitted_at")
    schema = schemathesis.openapi.from_dict(
        open311_schema(
            service_codes=[category.code for category in leaf_categories()[:20]],
            request_numbers=list(latest.values_list("number", flat=True)[:20]),
            tokens=list(Open311Submission.objects.values_list("token", flat=True)[:10])
            + list(latest.filter(token__gt="").values_list("token", flat=True)[:10]),
            unit_codes=list(
                Unit.objects.filter(kind__in=[*Unit.GRASSROOTS, *Unit.TOWN_LEVEL]).values_list("code", flat=True)[:20]
            ),
            api_key=api_key,
        )
    )
    fuzz = Fuzz()
    fuzz.run(schema, {"anonymous": InProcessApp()}, OPEN311_EXAMPLES, extra_check=_open311_format)
    print(f"Open311: {fuzz.cases} requests, {len(fuzz.failures)} failures")
    assert not fuzz.failures, "\n\n".join(fuzz.failures)
    assert fuzz.cases >= 150  # discovery and the services list have few distinct inputs; the rest have many
