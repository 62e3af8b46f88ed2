"""JSON API of citizen requests: reads through selectors (scoped), workflow actions through services."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.core.api import ScopedViewSetMixin
from qingche.service import rules, selectors, services
from qingche.service.models import KnowledgeEntry, RequestEvent, ServiceRequest


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestEvent
        fields = ["kind", "at", "to_unit", "actor_unit", "note", "public_note", "duty_item_code"]


class ServiceRequestSerializer(serializers.ModelSerializer):
    citizen_name = serializers.SerializerMethodField()
    citizen_phone = serializers.SerializerMethodField()
    clock = serializers.SerializerMethodField()
    satisfaction = serializers.ChoiceField(ServiceRequest.Satisfaction.choices, allow_blank=True, read_only=True)
    route_reason = serializers.CharField(
        source="route_reason_shown", read_only=True, help_text="why the suggested unit, in the user's language"
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "number",
            "channel",
            "category",
            "category_predicted",
            "title",
            "text",
            "address",
            "latitude",
            "longitude",
            "town",
            "village",
            "citizen_name",
            "citizen_phone",
            "anonymous",
            "submitted_at",
            "status",
            "unit",
            "suggested_unit",
            "route_reason",
            "binding",
            "return_count",
            "reopen_count",
            "dispatched_at",
            "accept_due",
            "accepted_at",
            "accepted_in_time",
            "due_at",
            "extension_pending",
            "answered_at",
            "reply",
            "callback_at",
            "solved",
            "satisfaction",
            "merged_into",
            "knowledge_entry",
            "clock",
            "publication_consent",
            "published_at",
            "public_text",
        ]
        read_only_fields = fields

    def get_citizen_name(self, obj) -> str:
        return "" if obj.anonymous else obj.citizen_name_masked

    def get_citizen_phone(self, obj) -> str:
        return obj.citizen_phone_masked

    def get_clock(self, obj) -> str:
        return obj.clock(timezone.now()).state


ACTION_BODY = inline_serializer(
    "RequestAction",
    fields={
        "unit": serializers.IntegerField(required=False),
        "reason": serializers.CharField(required=False),
        "reply": serializers.CharField(required=False),
        "solved": serializers.BooleanField(required=False),
        "satisfaction": serializers.ChoiceField(choices=rules.SATISFACTIONS, required=False),
        "duty_item_code": serializers.CharField(required=False),
        "days": serializers.IntegerField(required=False),
    },
)
PUBLISH_BODY = inline_serializer(
    "RequestPublish",
    fields={
        "public_text": serializers.CharField(
            required=False,
            help_text="the text to publish; by default the request's text with names, phones and addresses removed",
        ),
    },
)

DIRECT_ANSWER_BODY = inline_serializer(
    "RequestDirectAnswer",
    fields={
        "entry": serializers.IntegerField(help_text="the knowledge base entry the answer comes from"),
        "reply": serializers.CharField(required=False, help_text="the reply; by default the entry's answer"),
    },
)


class ServiceRequestViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ServiceRequestSerializer
    selector = staticmethod(selectors.requests)
    filterset_fields = ["status", "channel", "unit", "town", "category"]

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole timeline, a plain list
    def timeline(self, request, pk=None):
        found = self.get_object()
        return Response(EventSerializer(selectors.timeline(request.user, found), many=True).data)

    def _act(self, request, fn, **kwargs):
        found = self.get_object()
        return Response(self.get_serializer(fn(user=request.user, request=found, **kwargs)).data)

    @extend_schema(request=ACTION_BODY, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def dispatch_to(self, request, pk=None):
        return self._act(
            request, services.request_dispatch, unit_id=request.data.get("unit"), note=request.data.get("note", "")
        )

    action_permissions = {"answer_directly": "service.dispatch_servicerequest"}

    @extend_schema(request=None, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, services.request_accept)

    @extend_schema(request=ACTION_BODY, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._act(
            request,
            services.request_return,
            reason=request.data.get("reason", ""),
            duty_item_code=request.data.get("duty_item_code", ""),
        )

    @extend_schema(request=ACTION_BODY, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        return self._act(request, services.request_answer, reply=request.data.get("reply", ""))

    @extend_schema(request=ACTION_BODY, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def callback(self, request, pk=None):
        return self._act(
            request,
            services.request_callback,
            solved=request.data.get("solved"),
            satisfaction=request.data.get("satisfaction", ""),
        )

    @extend_schema(request=DIRECT_ANSWER_BODY, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"], url_path="answer-directly")
    def answer_directly(self, request, pk=None):
        """直接答复: answer a request waiting for dispatch from a knowledge base entry and close it (hotline)."""
        entry_id = str(request.data.get("entry") or "")
        entry = KnowledgeEntry.objects.filter(pk=int(entry_id)).first() if entry_id.isdigit() else None
        if entry is None:
            raise ValidationError({"entry": _("Choose an active entry of the knowledge base.")})
        return self._act(request, services.request_answer_directly, entry=entry, reply=request.data.get("reply", ""))

    @extend_schema(request=PUBLISH_BODY, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Release a request the citizen agreed to publish (hotline / reviewer); audited."""
        return self._act(request, services.request_publish, public_text=request.data.get("public_text", ""))

    @extend_schema(request=None, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        return self._act(request, services.request_unpublish)


class KnowledgeEntrySerializer(serializers.ModelSerializer):
    score = serializers.SerializerMethodField(help_text="how well the entry matches ?q= (0–1), when searching")

    class Meta:
        model = KnowledgeEntry
        fields = ["id", "title", "answer", "keywords", "category", "source", "is_active", "updated_at", "score"]
        read_only_fields = ["id", "updated_at", "score"]

    def get_score(self, obj) -> float | None:
        return getattr(obj, "score", None)


class KnowledgeEntryViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The knowledge base: `?q=` searches the active entries (best first, at most 20); writes go through the
    service (hotline and 减负办), are validated there and audited. Entries are switched off, not deleted."""

    serializer_class = KnowledgeEntrySerializer
    selector = staticmethod(selectors.knowledge_entries)
    filterset_fields = ["category", "is_active"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def list(self, request, *args, **kwargs):
        query = request.query_params.get("q", "").strip()
        if not query:
            return super().list(request, *args, **kwargs)
        rows = []
        for entry, hit in selectors.knowledge_search(request.user, query, limit=20):
            entry.score = hit.score
            rows.append(entry)
        results = self.get_serializer(rows, many=True).data
        return Response({"count": len(rows), "next": None, "previous": None, "results": results})

    def _save(self, serializer, entry=None):
        data = {**({} if entry is None else self.get_serializer(entry).data), **serializer.validated_data}
        category = data.get("category")
        serializer.instance = services.knowledge_entry_save(
            user=self.request.user,
            entry=entry,
            title=data.get("title", ""),
            answer=data.get("answer", ""),
            keywords=data.get("keywords", ""),
            category_id=getattr(category, "pk", category),
            source=data.get("source", ""),
            is_active=data.get("is_active", True),
        )

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)
