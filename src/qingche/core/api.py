"""API plumbing shared by every module: error bodies that name the field, scoped view sets."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


def _validation_detail(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            field if field != "__all__" else "non_field_errors": [str(msg) for msg in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def exception_handler(exc, context):
    """Django's own ValidationError and PermissionDenied, raised by services, become 400 and 403
    with a JSON body; nothing a client sends becomes a 500."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """get_queryset() returns only what the user may see; writes go through services. A write whose
    body is not a JSON object (e.g. `null` or a list) is refused with 400 before any handler runs."""

    selector = None  # callable(user) -> queryset

    def get_queryset(self):
        return type(self).selector(self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH") and not isinstance(request.data, Mapping):
            raise exceptions.ParseError(_("The request body must be a JSON object."))


@extend_schema_field(OpenApiTypes.STR)
class MaskedPiiField(serializers.Field):
    """Personal data as the API shows it: masked."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        field = self.parent.Meta.model._meta.get_field(self.source)
        return field.masked(value)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception as error:  # noqa: BLE001 - the health check reports any database failure
        database = {"status": "error", "detail": type(error).__name__}
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)
