"""JSON API of training and compensatory rest. Reads through selectors (scoped); writes through services.
A survey answer is read only by its author; the check-in code is returned only to the organiser who issues it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.response import Response

from qingche.core.api import CreateViewSet
from qingche.org.models import Person, Unit
from qingche.people import selectors_training as selectors
from qingche.people import services_training as services
from qingche.people.api import ANY_PERSON
from qingche.people.models import (
    CompensatoryRest,
    Enrolment,
    NeedsAnswer,
    NeedsSurvey,
    TrainingMode,
    TrainingPlan,
    TrainingSession,
)

ANY_UNIT = Unit.objects.all()
CATEGORIES = serializers.ListField(child=serializers.ChoiceField(Person.Category.choices), required=False, default=list)


def _organiser(user):
    unit = selectors.organiser_unit(user)
    if unit is None:
        raise ApiPermissionDenied()
    return unit


class NeedsSurveySerializer(serializers.ModelSerializer):
    target_categories = CATEGORIES
    target_units = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT, many=True, required=False, default=list)
    topics = serializers.ListField(child=serializers.CharField(max_length=60), min_length=1, max_length=30)

    class Meta:
        model = NeedsSurvey
        fields = ["id", "year", "title", "unit", "target_categories", "target_units", "topics", "closes_on"]
        read_only_fields = ["unit"]


class NeedsAnswerSerializer(serializers.ModelSerializer):
    survey = serializers.PrimaryKeyRelatedField(queryset=NeedsSurvey.objects.all())
    topics = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    modes = serializers.ListField(child=serializers.ChoiceField(TrainingMode.choices), required=False, default=list)

    class Meta:
        model = NeedsAnswer
        fields = ["id", "survey", "topics", "modes", "note"]


class TrainingPlanSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = TrainingPlan
        fields = ["id", "year", "title", "unit", "status", "published_at"]
        read_only_fields = ["unit", "status", "published_at"]


class TrainingSessionSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=TrainingPlan.objects.all())
    target_categories = CATEGORIES
    target_units = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT, many=True, required=False, default=list)
    needs = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "plan",
            "topic",
            "mode",
            "hours",
            "start",
            "end",
            "place",
            "target_categories",
            "target_units",
            "capacity",
            "organiser",
            "needs",
        ]
        read_only_fields = ["organiser"]


class EnrolmentSerializer(serializers.ModelSerializer):
    attended_via = serializers.ChoiceField(Enrolment.Via.choices, allow_blank=True, read_only=True)  # "" until recorded
    session = serializers.PrimaryKeyRelatedField(queryset=TrainingSession.objects.all())
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)

    class Meta:
        model = Enrolment
        fields = ["id", "session", "person", "status", "attended", "attended_via", "score", "passed"]
        read_only_fields = ["status", "attended", "attended_via", "score", "passed"]


class CheckInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)


class DecideSerializer(serializers.Serializer):
    confirm = serializers.BooleanField()


class AssessSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True, default=None)
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)


class AttendanceSerializer(serializers.Serializer):
    people = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON, many=True)


class CompensatoryRestSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)

    class Meta:
        model = CompensatoryRest
        fields = ["id", "person", "date", "hours", "note"]


class NeedsSurveyViewSet(CreateViewSet):
    serializer_class = NeedsSurveySerializer
    selector = staticmethod(selectors.surveys)
    filterset_fields = ["year"]

    create_service = staticmethod(services.survey_create)

    def create_arguments(self, data):
        return {"unit": _organiser(self.request.user), **data}


class NeedsAnswerViewSet(CreateViewSet):
    serializer_class = NeedsAnswerSerializer
    selector = staticmethod(selectors.my_answers)

    create_service = staticmethod(services.survey_answer)


class TrainingPlanViewSet(CreateViewSet):
    serializer_class = TrainingPlanSerializer
    selector = staticmethod(selectors.training_plans)
    filterset_fields = ["year", "status"]
    action_permissions = {"publish": "people.change_trainingplan"}

    create_service = staticmethod(services.plan_create)

    def create_arguments(self, data):
        return {"unit": _organiser(self.request.user), **data}

    @extend_schema(request=None, responses={200: TrainingPlanSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        plan = services.plan_publish(user=request.user, plan=self.get_object())
        return Response(TrainingPlanSerializer(plan).data)


class TrainingSessionViewSet(CreateViewSet):
    serializer_class = TrainingSessionSerializer
    selector = staticmethod(selectors.sessions)
    filterset_fields = ["plan", "mode"]
    action_permissions = {"create": "people.change_trainingplan", "attendance": "people.change_enrolment"}

    create_service = staticmethod(services.session_add)

    @extend_schema(request=AttendanceSerializer, responses={200: EnrolmentSerializer(many=True)})
    @action(detail=True, methods=["post"], serializer_class=AttendanceSerializer)
    def attendance(self, request, pk=None):
        body = AttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = services.attendance_record(user=request.user, session=self.get_object(), **body.validated_data)
        return Response(EnrolmentSerializer(rows, many=True).data)


class EnrolmentViewSet(CreateViewSet):
    serializer_class = EnrolmentSerializer
    selector = staticmethod(selectors.enrolments)
    filterset_fields = ["session", "person", "status", "attended"]
    action_permissions = {
        "decide": "people.change_enrolment",
        "assess": "people.change_enrolment",
        "check_in": "people.checkin_enrolment",
    }

    create_service = staticmethod(services.enrolment_nominate)

    @extend_schema(request=DecideSerializer, responses={200: EnrolmentSerializer})
    @action(detail=True, methods=["post"], serializer_class=DecideSerializer)
    def decide(self, request, pk=None):
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.enrolment_decide(user=request.user, enrolment=self.get_object(), **body.validated_data)
        return Response(EnrolmentSerializer(row).data)

    @extend_schema(request=AssessSerializer, responses={200: EnrolmentSerializer})
    @action(detail=True, methods=["post"], serializer_class=AssessSerializer)
    def assess(self, request, pk=None):
        body = AssessSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.assessment_record(user=request.user, enrolment=self.get_object(), **body.validated_data)
        return Response(EnrolmentSerializer(row).data)

    @extend_schema(request=CheckInSerializer, responses={200: EnrolmentSerializer})
    @action(detail=False, methods=["post"], url_path="check-in", serializer_class=CheckInSerializer)
    def check_in(self, request):
        body = CheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.check_in(user=request.user, **body.validated_data)
        return Response(EnrolmentSerializer(row).data)


class CompensatoryRestViewSet(CreateViewSet):
    serializer_class = CompensatoryRestSerializer
    selector = staticmethod(selectors.compensatory_rest)
    filterset_fields = ["person"]
    create_service = staticmethod(services.compensatory_rest_record)


routes = [
    ("training-surveys", NeedsSurveyViewSet, "needssurvey"),
    ("training-needs-answers", NeedsAnswerViewSet, "needsanswer"),
    ("training-plans", TrainingPlanViewSet, "trainingplan"),
    ("training-sessions", TrainingSessionViewSet, "trainingsession"),
    ("enrolments", EnrolmentViewSet, "enrolment"),
    ("compensatory-rest", CompensatoryRestViewSet, "compensatoryrest"),
]
