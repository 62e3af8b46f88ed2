"""JSON API of awards, the reserve pool and secondment. Reads through selectors (scoped); writes through
services (which check permission and scope)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.core.api import CreateViewSet, ScopedViewSetMixin
from qingche.org.models import Person, Unit
from qingche.people import selectors_awards as selectors
from qingche.people import services_awards as services
from qingche.people.models_awards import (
    AwardRound,
    AwardType,
    Nomination,
    Objection,
    ReserveEntry,
    ReserveReview,
    ReserveTask,
    Secondment,
)

ANY_PERSON = Person.objects.all()  # services check the scope: a person outside it is a 403


class AwardTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardType
        fields = ["id", "name", "quota", "candidates_from", "description"]


class AwardRoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardRound
        fields = [
            "id",
            "award_type",
            "year",
            "title",
            "status",
            "publicity_start",
            "publicity_end",
            "conferred_on",
            "document_number",
        ]


class NominationSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)
    round = serializers.PrimaryKeyRelatedField(queryset=AwardRound.objects.all())

    class Meta:
        model = Nomination
        fields = ["id", "round", "person", "unit", "source", "reason", "evidence", "status", "review_note"]
        read_only_fields = ["unit", "source", "status", "review_note"]


class ReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ObjectionSerializer(serializers.ModelSerializer):
    nomination = serializers.PrimaryKeyRelatedField(queryset=Nomination.objects.all())

    class Meta:
        model = Objection
        fields = ["id", "nomination", "received_on", "text", "answer", "upheld", "answered_on"]
        read_only_fields = ["received_on", "answer", "upheld", "answered_on"]


class AnswerSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    answer = serializers.CharField(max_length=2000)


class ReserveEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReserveEntry
        fields = [
            "id",
            "person",
            "unit",
            "category",
            "entered_on",
            "plan",
            "mentor",
            "status",
            "left_on",
            "leave_reason",
        ]


class ReserveTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReserveTask
        fields = ["id", "entry", "title", "start", "end", "result"]


class ReserveReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReserveReview
        fields = ["id", "entry", "year", "conclusion", "note"]


class SecondmentSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)
    host_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    # empty until the end assessment: the schema says so (an enum alone would not admit "")
    assessment = serializers.ChoiceField(
        Secondment._meta.get_field("assessment").choices, allow_blank=True, read_only=True
    )
    wish = serializers.ChoiceField(Secondment.Wish.choices, allow_blank=True, read_only=True)
    outcome = serializers.ChoiceField(Secondment.Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Secondment
        fields = [
            "id",
            "person",
            "home_unit",
            "host_unit",
            "start",
            "end",
            "goals",
            "assessment",
            "assessment_note",
            "wish",
            "outcome",
            "outcome_on",
        ]
        read_only_fields = ["home_unit", "assessment", "assessment_note", "wish", "outcome", "outcome_on"]


class _ReadOnly(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class AwardTypeViewSet(_ReadOnly):
    serializer_class = AwardTypeSerializer
    selector = staticmethod(selectors.award_types)


class AwardRoundViewSet(_ReadOnly):
    serializer_class = AwardRoundSerializer
    selector = staticmethod(selectors.award_rounds)
    filterset_fields = ["year", "status", "award_type"]


class NominationViewSet(CreateViewSet):
    serializer_class = NominationSerializer
    selector = staticmethod(selectors.nominations)
    filterset_fields = ["round", "status", "person"]
    action_permissions = {"review": "people.review_nomination"}
    create_service = staticmethod(services.nomination_submit)

    def create_arguments(self, data):
        return {
            "award_round": data["round"],
            "person": data["person"],
            "reason": data.get("reason", ""),
            "evidence": data.get("evidence", ""),
        }

    @extend_schema(request=ReviewSerializer, responses={200: NominationSerializer})
    @action(detail=True, methods=["post"], serializer_class=ReviewSerializer)
    def review(self, request, pk=None):
        nomination = self.get_object()
        decision = ReviewSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        nomination = services.nomination_review(user=request.user, nomination=nomination, **decision.validated_data)
        return Response(NominationSerializer(nomination).data)


class ObjectionViewSet(CreateViewSet):
    serializer_class = ObjectionSerializer
    selector = staticmethod(selectors.objections)
    action_permissions = {"answer": "people.answer_objection"}
    create_service = staticmethod(services.objection_raise)

    def create_arguments(self, data):
        return {"nomination": data["nomination"], "text": data["text"]}

    @extend_schema(request=AnswerSerializer, responses={200: ObjectionSerializer})
    @action(detail=True, methods=["post"], serializer_class=AnswerSerializer)
    def answer(self, request, pk=None):
        objection = self.get_object()
        finding = AnswerSerializer(data=request.data)
        finding.is_valid(raise_exception=True)
        objection = services.objection_answer(user=request.user, objection=objection, **finding.validated_data)
        return Response(ObjectionSerializer(objection).data)


class ReserveEntryViewSet(_ReadOnly):
    serializer_class = ReserveEntrySerializer
    selector = staticmethod(selectors.reserve_entries)
    filterset_fields = ["category", "status", "unit"]


class ReserveTaskViewSet(_ReadOnly):
    serializer_class = ReserveTaskSerializer
    selector = staticmethod(selectors.reserve_tasks)


class ReserveReviewViewSet(_ReadOnly):
    serializer_class = ReserveReviewSerializer
    selector = staticmethod(selectors.reserve_reviews)


class SecondmentViewSet(CreateViewSet):
    serializer_class = SecondmentSerializer
    selector = staticmethod(selectors.secondments)
    create_service = staticmethod(services.secondment_start)
