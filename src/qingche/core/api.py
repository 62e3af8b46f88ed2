"""API plumbing shared by every module: error bodies that name the field, scoped view sets."""

from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import authenticate, user_login_failed
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from qingche.core import otp, services
from qingche.core.middleware import client_ip
from qingche.core.scope import user_grants


def _validation_detail(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            field if field != "__all__" else "non_field_errors": [str(msg) for msg in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def exception_handler(exc, context):
    """Django's own ValidationError and PermissionDenied, raised by services, become 400 and 403
    with a JSON body, and so does a number too large for the database; nothing a client sends becomes a
    500."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    elif isinstance(exc, OverflowError | DataError):  # a number past the database's range (SQLite, PostgreSQL)
        exc = exceptions.ValidationError({"non_field_errors": [_("A number in the request is out of range.")]})
    return drf_exception_handler(exc, context)


def not_found(request, *args, **kwargs):
    """An address under /api/v1/ that no endpoint has: JSON like every other API answer, not a page."""
    return JsonResponse({"detail": _("Not found, or outside your scope.")}, status=404)


# The model permission each standard write action needs, as in Django's add/change/delete.
STANDARD_ACTION_VERBS = {"create": "add", "update": "change", "partial_update": "change", "destroy": "delete"}


def holds_permission(user, perm: str) -> bool:
    """Whether one of the account's role grants carries `perm` (anywhere: the unit is the service's
    business), or the account is the superuser."""

    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or any(perm in grant.perms for grant in user_grants(user))


class RoleGrantPermission(permissions.BasePermission):
    """A write is refused with 403 before its body is validated when none of the account's role grants
    holds the permission it needs, so that a role without the right learns that, not "invalid pk".

    The permission of an action is `<app>.<add|change|delete>_<model>` for create, update and destroy,
    unless the view set's `action_permissions` names another (or None: the service alone decides, for
    rules that are not a model permission, e.g. only the rater may rate). Extra actions are checked
    only when `action_permissions` names them. Collection writes are checked at once; writes on one
    object after the object is found, so that an object outside the scope is still a 404. The unit a
    grant reaches is checked by the service, as before."""

    message = gettext_lazy("You do not have permission to do this.")

    @staticmethod
    def required(view) -> str | None:
        action = getattr(view, "action", None)
        overrides = getattr(view, "action_permissions", None) or {}
        if action in overrides:
            return overrides[action]
        verb = STANDARD_ACTION_VERBS.get(action)
        if verb is None:
            return None
        meta = view.get_queryset().model._meta
        return f"{meta.app_label}.{verb}_{meta.model_name}"

    @staticmethod
    def _on_one_object(view) -> bool:
        return (getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")) in view.kwargs

    def _allowed(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        perm = self.required(view)
        return perm is None or holds_permission(request.user, perm)

    def has_permission(self, request, view):
        return self._on_one_object(view) or self._allowed(request, view)

    def has_object_permission(self, request, view, obj):
        return self._allowed(request, view)


class ScopedViewSetMixin:
    """get_queryset() returns only what the user may see; writes go through services. A write whose
    body is not a JSON object (e.g. `null` or a list) is refused with 400 before any handler runs; a
    write the account's roles do not allow is refused with 403 before its body is read
    (`RoleGrantPermission`)."""

    selector = None  # callable(user) -> queryset
    permission_classes = [permissions.IsAuthenticated, RoleGrantPermission]
    action_permissions: dict[str, str | None] = {}  # action -> permission, beyond the standard ones

    def get_queryset(self):
        return type(self).selector(self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH") and not isinstance(request.data, Mapping):
            raise exceptions.ParseError(_("The request body must be a JSON object."))


class ServiceCreateMixin:
    """POST creates through the module's service: the view set's serializer (`get_serializer_class()`, which
    may be an input serializer for `create`) validates the body; `create_service(user=..., **arguments)`
    makes the object; the answer is 201 with the object as `serializer_class` shows it. The service's
    ValidationError and PermissionDenied become 400 and 403 (`exception_handler`). `create_arguments`
    turns the validated body into the service's keyword arguments (by default: as they are)."""

    create_service = None  # staticmethod(services.<entity>_<verb>): (*, user, **arguments) -> the object

    def create_arguments(self, data: dict) -> dict:
        return dict(data)

    def create(self, request, *args, **kwargs):
        body = self.get_serializer_class()(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        instance = type(self).create_service(user=request.user, **self.create_arguments(body.validated_data))
        data = self.serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=HTTP_201_CREATED, headers=self.get_success_headers(data))

    def get_success_headers(self, data):
        url = data.get("url") if isinstance(data, Mapping) else None
        return {"Location": str(url)} if url else {}


class CreateViewSet(ScopedViewSetMixin, ServiceCreateMixin, viewsets.ReadOnlyModelViewSet):
    """A scoped list and detail, and a create through the module's service (`ServiceCreateMixin`)."""

    http_method_names = ["get", "post", "head", "options"]


class ApiDocsPermission(permissions.BasePermission):
    """The schema and the docs page need a log-in unless the operator opens them (QINGCHE_PUBLIC_API_DOCS=1)."""

    def has_permission(self, request, view):
        return settings.QINGCHE_PUBLIC_API_DOCS or bool(request.user and request.user.is_authenticated)


_ERROR = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
_VALIDATION_ERRORS = {
    "type": "object",
    "description": "field name -> list of messages (non_field_errors for the body as a whole); "
    "`detail` when the request could not be read at all",
    "additionalProperties": {},
}
ERROR_RESPONSES = {
    "400": ("The request is not valid: the body names each field in error.", "ValidationErrors"),
    "401": ("No credentials, or a bad token.", "Error"),
    "403": ("None of your roles may do this.", "Error"),
    "404": ("Not found, or outside your scope.", "Error"),
}


def declare_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may answer 400, 401, 403 and 404 (see
    exception_handler), so the schema says so once here rather than in each view."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _ERROR)
    schemas.setdefault("ValidationErrors", _VALIDATION_ERRORS)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, (description, component) in ERROR_RESPONSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="The 6-digit code of the authenticator app (or a recovery code): required for the "
        "superuser and the system, security and audit administrators.",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField()


class TokenLoginView(APIView):
    """Token log-in: the password, and the second factor when the account needs one. A locked account
    (django-axes) gets no token; a wrong code counts as a failed log-in."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=TokenLoginSerializer, responses=TokenResponseSerializer)
    def post(self, request):

        body = TokenLoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username, password = body.validated_data["username"], body.validated_data["password"]
        user = authenticate(request=request, username=username, password=password)
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": [_("Unable to log in with provided credentials.")]})
        if otp.needs_second_factor(user):
            if otp.confirmed_totp(user) is None:
                raise exceptions.ValidationError(
                    {"otp": [_("This account needs a second factor: enrol it on the web page first.")]}
                )
            if otp.verify(user, body.validated_data.get("otp", "")) is None:
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
                raise exceptions.ValidationError({"otp": [_("Wrong or missing verification code.")]})
        token, key = services.api_token_issue(user=user, ip=client_ip(request))
        return Response({"token": key, "expires": token.expires_at})
