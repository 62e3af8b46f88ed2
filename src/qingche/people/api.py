"""JSON API of care. Reads through selectors (scoped); writes through services. A talk's note is its own
endpoint (talk-notes), which only the talker and the organisation department read."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.core.api import CreateViewSet, ScopedViewSetMixin
from qingche.org.models import Person
from qingche.people import selectors, services
from qingche.people.models import HealthCheck, LeaveRequest, OverloadFlag, Talk, TalkNote, WorkStart

ANY_PERSON = Person.objects.all()  # services check the scope: a person outside it is a 403


class WorkStartSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkStart
        fields = ["id", "person", "started_on"]


class LeaveRequestSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)

    class Meta:
        model = LeaveRequest
        fields = ["id", "person", "year", "start", "end", "days", "note", "status", "refusal_reason", "decided_at"]
        read_only_fields = ["year", "days", "status", "refusal_reason", "decided_at"]


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class HealthCheckSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)
    done = serializers.BooleanField(write_only=True)

    class Meta:
        model = HealthCheck
        fields = ["id", "person", "year", "status", "date", "done"]
        read_only_fields = ["year", "status"]


class TalkSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)
    note = serializers.CharField(write_only=True, max_length=5000)

    class Meta:
        model = Talk
        fields = ["id", "person", "talker", "date", "kind", "note"]
        read_only_fields = ["talker"]


class TalkNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = TalkNote
        fields = ["id", "talk", "text"]


class OverloadFlagSerializer(serializers.ModelSerializer):
    class Meta:
        model = OverloadFlag
        fields = ["id", "person", "unit", "raised_on", "months", "red_line", "closed_by"]


class _ReadOnly(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class WorkStartViewSet(_ReadOnly):
    serializer_class = WorkStartSerializer
    selector = staticmethod(selectors.work_starts)


class LeaveRequestViewSet(CreateViewSet):
    serializer_class = LeaveRequestSerializer
    selector = staticmethod(selectors.leave_requests)
    filterset_fields = ["year", "status", "person"]
    create_service = staticmethod(services.leave_request_submit)
    action_permissions = {"decide": "people.decide_leaverequest"}

    @extend_schema(request=DecisionSerializer, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def decide(self, request, pk=None):
        leave = self.get_object()
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        leave = services.leave_request_decide(user=request.user, leave=leave, **decision.validated_data)
        return Response(LeaveRequestSerializer(leave).data)


class HealthCheckViewSet(CreateViewSet):
    serializer_class = HealthCheckSerializer
    selector = staticmethod(selectors.health_checks)
    filterset_fields = ["year", "status", "person"]
    create_service = staticmethod(services.health_check_record)


class TalkViewSet(CreateViewSet):
    serializer_class = TalkSerializer
    selector = staticmethod(selectors.talks)
    filterset_fields = ["person", "kind"]
    create_service = staticmethod(services.talk_record)


class TalkNoteViewSet(_ReadOnly):
    serializer_class = TalkNoteSerializer
    selector = staticmethod(selectors.talk_notes)


class OverloadFlagViewSet(_ReadOnly):
    serializer_class = OverloadFlagSerializer
    selector = staticmethod(selectors.overload_flags)
