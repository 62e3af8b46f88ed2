"""POST /api/v1/service/classify/ {"text": "..."} → the suggested category, for staff who register or
dispatch requests."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response

from qingche.core.api import holds_permission
from qingche.service.classify import NoModel, store, suggest

MAX_TEXT = 20_000


class ModelMissing(exceptions.APIException):
    status_code = 503
    default_code = "no_model"


class ClassifyInput(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, help_text="the caller's words (subject and details)")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class Candidate(serializers.Serializer):
    category = serializers.CharField()
    confidence = serializers.FloatField()
    path = serializers.CharField(help_text="the most similar levels within this first level, joined by ' / '")


ClassifyOutput = inline_serializer(
    "ClassifySuggestion",
    fields={
        "category": serializers.CharField(help_text="first-level category name"),
        "confidence": serializers.FloatField(help_text="calibrated probability of that category, 0–1"),
        "candidates": Candidate(many=True, help_text="the three most likely first-level categories"),
        "path": serializers.CharField(help_text="suggested levels joined by ' / '"),
        "version": serializers.CharField(help_text="the model version that answered"),
    },
)


class RegistersRequests(permissions.BasePermission):
    message = gettext_lazy("Only staff who register or dispatch citizen requests may ask for a category.")

    def has_permission(self, request, view):
        return any(
            holds_permission(request.user, perm)
            for perm in ("service.add_servicerequest", "service.dispatch_servicerequest")
        )


class ClassifyViewSet(viewsets.ViewSet):
    permission_classes = [permissions.IsAuthenticated, RegistersRequests]

    @extend_schema(request=ClassifyInput, responses={200: ClassifyOutput})
    def create(self, request):
        body = ClassifyInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            suggestion = suggest(body.validated_data["text"], body.validated_data["subject"])
        except NoModel:
            raise ModelMissing(_("No classifier has been built yet: run `make model`.")) from None
        return Response({**suggestion.as_dict(), "version": store.current_name()})
