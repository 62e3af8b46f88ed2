"""JSON API of the rectification ledger and coordination meetings: every step of the pages, through the same
services (reads through the scoped selectors)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from qingche.core.api import ScopedViewSetMixin
from qingche.org.models import Unit
from qingche.tasks import rules_rectification as rules
from qingche.tasks import selectors_rectification as selectors
from qingche.tasks import services_meetings, services_rectification
from qingche.tasks.models import (
    CoordinationDecision,
    CoordinationIssue,
    CoordinationMeeting,
    RectificationEvidence,
    RectificationItem,
)


class RectificationEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationEvidence
        fields = ["id", "item", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class RectificationItemSerializer(serializers.ModelSerializer):
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    raiser_unit_name = serializers.CharField(source="raiser_unit.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = RectificationItem
        fields = [
            "id",
            "source_kind",
            "source_id",
            "source_label",
            "problem",
            "measures",
            "evidence_required",
            "raiser_unit",
            "raiser_unit_name",
            "owner_unit",
            "owner_unit_name",
            "owner_person",
            "deadline",
            "status",
            "overdue",
            "submission",
            "evidence_files",
            "submitted_at",
            "sent_back_reason",
            "verified_at",
            "verification_note",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, item) -> bool:
        return rules.is_overdue(item.status, item.deadline, timezone.localdate())


class RaiseSerializer(serializers.Serializer):
    source_kind = serializers.ChoiceField(choices=RectificationItem.Source.choices)
    source_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    source_label = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    problem = serializers.CharField()
    owner_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    owner_person = serializers.IntegerField(required=False, allow_null=True, default=None)
    deadline = serializers.DateField()
    evidence_required = serializers.CharField()
    measures = serializers.CharField(required=False, allow_blank=True, default="")


class MeasuresSerializer(serializers.Serializer):
    measures = serializers.CharField()
    owner_person = serializers.IntegerField(required=False, allow_null=True, default=None)


class SubmitSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class RectificationItemViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RectificationItemSerializer
    selector = staticmethod(selectors.items)
    filterset_fields = ["status", "source_kind", "owner_unit", "raiser_unit"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {
        "measures": "tasks.change_rectificationitem",
        "submit": "tasks.change_rectificationitem",
        "verify": "tasks.verify_rectificationitem",
        "send_back": "tasks.verify_rectificationitem",
    }

    @extend_schema(request=RaiseSerializer, responses={201: RectificationItemSerializer})
    def create(self, request, *args, **kwargs):
        data = RaiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services_rectification.rectification_raise(user=request.user, **data.validated_data)
        return Response(RectificationItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MeasuresSerializer, responses=RectificationItemSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        data = MeasuresSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services_rectification.rectification_set_measures(
            user=request.user, item=self.get_object(), **data.validated_data
        )
        return Response(RectificationItemSerializer(item).data)

    @extend_schema(request={"multipart/form-data": SubmitSerializer}, responses=RectificationItemSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        uploads = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        item = services_rectification.rectification_submit(
            user=request.user, item=self.get_object(), text=data.validated_data["text"], uploads=uploads
        )
        return Response(RectificationItemSerializer(item).data)

    @extend_schema(request=NoteSerializer, responses=RectificationItemSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services_rectification.rectification_verify(
            user=request.user, item=self.get_object(), note=data.validated_data["note"]
        )
        return Response(RectificationItemSerializer(item).data)

    @extend_schema(request=ReasonSerializer, responses=RectificationItemSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services_rectification.rectification_send_back(
            user=request.user, item=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(RectificationItemSerializer(item).data)


class RectificationEvidenceViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RectificationEvidenceSerializer
    selector = staticmethod(selectors.evidence)
    filterset_fields = ["item"]


# -- coordination meetings -----------------------------------------------------------------------------------
class CoordinationMeetingSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="meeting.start", read_only=True)
    end = serializers.DateTimeField(source="meeting.end", read_only=True)
    convener_name = serializers.CharField(source="convener.name", read_only=True)

    class Meta:
        model = CoordinationMeeting
        fields = [
            "id",
            "series",
            "title",
            "convener",
            "convener_name",
            "meeting",
            "start",
            "end",
            "participants",
            "summary",
            "created_at",
        ]
        read_only_fields = fields


class MeetingInputSerializer(serializers.Serializer):
    convener = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    series = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=200)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    participants = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), many=True)
    attendees = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1000)
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class CoordinationIssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoordinationIssue
        fields = ["id", "meeting", "raised_by_unit", "text", "item"]
        read_only_fields = fields


class IssueInputSerializer(serializers.Serializer):
    raised_by_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    text = serializers.CharField(required=False, allow_blank=True, default="")
    item = serializers.IntegerField(required=False, allow_null=True, default=None)


class CoordinationDecisionSerializer(serializers.ModelSerializer):
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)

    class Meta:
        model = CoordinationDecision
        fields = [
            "id",
            "meeting",
            "issue",
            "text",
            "owner_unit",
            "owner_unit_name",
            "deadline",
            "form",
            "duty_code",
            "task_request",
            "rectification_item",
            "status",
            "done_at",
            "done_note",
        ]
        read_only_fields = fields


class DecisionInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    owner_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    deadline = serializers.DateField()
    form = serializers.ChoiceField(choices=CoordinationDecision.Form.choices)
    issue = serializers.IntegerField(required=False, allow_null=True, default=None)
    duty_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    evidence_required = serializers.CharField(required=False, allow_blank=True, default="")


class CoordinationMeetingViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CoordinationMeetingSerializer
    selector = staticmethod(selectors.meetings)
    filterset_fields = ["convener", "series"]
    action_permissions = {"issues": "tasks.add_coordinationissue", "decisions": "tasks.add_coordinationdecision"}

    @extend_schema(request=MeetingInputSerializer, responses={201: CoordinationMeetingSerializer})
    def create(self, request, *args, **kwargs):
        data = MeetingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services_meetings.coordination_meeting_create(user=request.user, **data.validated_data)
        return Response(CoordinationMeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IssueInputSerializer, responses={201: CoordinationIssueSerializer})
    @action(detail=True, methods=["post"])
    def issues(self, request, pk=None):
        data = IssueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = None
        if data.validated_data["item"] is not None:
            item = selectors.items(request.user).filter(pk=data.validated_data["item"]).first()
            if item is None:
                raise ApiValidationError({"item": [_("No rectification item of this number in your scope.")]})
        issue = services_meetings.coordination_issue_add(
            user=request.user,
            meeting=self.get_object(),
            raised_by_unit=data.validated_data["raised_by_unit"],
            text=data.validated_data["text"],
            item=item,
        )
        return Response(CoordinationIssueSerializer(issue).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInputSerializer, responses={201: CoordinationDecisionSerializer})
    @action(detail=True, methods=["post"])
    def decisions(self, request, pk=None):
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = self.get_object()
        values = dict(data.validated_data)
        issue_id = values.pop("issue")
        issue = meeting.issues.filter(pk=issue_id).first() if issue_id else None
        if issue_id and issue is None:
            raise ApiValidationError({"issue": [_("The issue is not of this meeting.")]})
        decision = services_meetings.coordination_decision_add(
            user=request.user, meeting=meeting, issue=issue, **values
        )
        return Response(CoordinationDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class CoordinationIssueViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CoordinationIssueSerializer
    selector = staticmethod(selectors.issues)
    filterset_fields = ["meeting"]


class DoneSerializer(serializers.Serializer):
    note = serializers.CharField()


class CoordinationDecisionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CoordinationDecisionSerializer
    selector = staticmethod(selectors.decisions)
    filterset_fields = ["status", "owner_unit", "meeting", "form"]
    action_permissions = {"done": "tasks.change_coordinationdecision"}

    @extend_schema(request=DoneSerializer, responses=CoordinationDecisionSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        data = DoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services_meetings.decision_done(
            user=request.user, decision=self.get_object(), note=data.validated_data["note"]
        )
        return Response(CoordinationDecisionSerializer(decision).data)
