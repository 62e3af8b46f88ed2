"""JSON API of surveys. Builders (surveys): list, create, add questions, publish, close, read results — the
results with the same disclosure control as the page. Everyone (survey-inbox): the surveys sent to me and
my answer. Reads through selectors (scoped), writes through services."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.core.api import ScopedViewSetMixin
from qingche.org.models import Person, Unit
from qingche.surveys import selectors, services
from qingche.surveys.models import Question, Survey
from qingche.surveys.presets import PRESETS


class QuestionSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=20)

    class Meta:
        model = Question
        fields = ["id", "position", "kind", "text", "choices", "scale_max", "required"]
        read_only_fields = ["position"]


class SurveySerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    questions = QuestionSerializer(many=True, read_only=True)
    target_units = serializers.PrimaryKeyRelatedField(many=True, queryset=Unit.objects.all(), required=False)
    target_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Person.Category.choices), required=False
    )
    preset = serializers.ChoiceField(choices=[("", "")] + [(key, key) for key in PRESETS], required=False, default="")

    class Meta:
        model = Survey
        fields = [
            "id",
            "title",
            "description",
            "unit",
            "anonymous",
            "opens_on",
            "closes_on",
            "status",
            "state",
            "target_units",
            "target_categories",
            "preset",
            "questions",
        ]
        read_only_fields = ["unit", "status"]

    def get_state(self, survey) -> str:
        return selectors.state(survey)


class InboxSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    answered = serializers.SerializerMethodField()
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = ["id", "title", "description", "anonymous", "opens_on", "closes_on", "state", "answered", "questions"]

    def get_state(self, survey) -> str:
        return selectors.state(survey)

    def get_answered(self, survey) -> bool:
        return survey.pk in self.context.get("answered", set())


class AnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text="question id → choice index (single), list of indexes (multiple), point 1…n (scale), text"
    )


class SurveyViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveySerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status", "anonymous"]
    action_permissions = {
        "questions": "surveys.change_survey",
        "publish": "surveys.change_survey",
        "close": "surveys.change_survey",
    }

    def get_queryset(self):
        return selectors.surveys(self.request.user).prefetch_related("questions")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        unit = selectors.units_for_builder(self.request.user).first()
        if unit is None:
            raise Http404
        preset = data.pop("preset", "")
        if preset:
            serializer.instance = services.survey_from_preset(
                user=self.request.user,
                unit=unit,
                preset=preset,
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                target_units=data.get("target_units", ()),
                target_categories=data.get("target_categories", ()),
            )
        else:
            serializer.instance = services.survey_create(user=self.request.user, unit=unit, **data)

    @extend_schema(request=QuestionSerializer, responses={201: QuestionSerializer})
    @action(detail=True, methods=["post"], serializer_class=QuestionSerializer)
    def questions(self, request, pk=None):
        survey = self.get_object()
        body = QuestionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        question = services.question_add(
            user=request.user,
            survey=survey,
            kind=data["kind"],
            text=data["text"],
            choices=data.get("choices", []),
            scale_max=data.get("scale_max", 5),
            required=data.get("required", True),
        )
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SurveySerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        survey = services.survey_publish(user=request.user, survey=self.get_object())
        return Response(SurveySerializer(survey).data)

    @extend_schema(request=None, responses={200: SurveySerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        survey = services.survey_close(user=request.user, survey=self.get_object())
        return Response(SurveySerializer(survey).data)

    @extend_schema(
        parameters=[OpenApiParameter("unit", int), OpenApiParameter("category", str)],
        responses={200: dict},
        description="Counts, shares, means, free-text answers and cross-tabs by unit and by category of a closed "
        "survey. A figure from fewer than the anonymity minimum, or from a group other figures would narrow "
        "down below it, is null with shown=false.",
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        survey = services.survey_seal(survey=self.get_object())
        unit, category = request.query_params.get("unit"), request.query_params.get("category")
        try:
            unit = int(unit) if unit else None
        except ValueError:
            raise serializers.ValidationError({"unit": [_("Not a valid unit.")]}) from None
        if category and category not in Person.Category.values:
            raise serializers.ValidationError({"category": [_("Unknown person category.")]})
        result = selectors.results(survey, unit=unit, category=category or None)
        if result is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("The results can be read once the survey has closed.")]}
            )
        return Response(result)


class SurveyInboxViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = InboxSerializer
    action_permissions = {"answer": "surveys.answer_survey"}

    def get_queryset(self):
        return selectors.inbox(self.request.user).prefetch_related("questions")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["answered"] = {row["survey"].pk for row in selectors.inbox_rows(self.request.user) if row["answered"]}
        return context

    @extend_schema(request=AnswerSerializer, responses={201: None})
    @action(detail=True, methods=["post"], serializer_class=AnswerSerializer)
    def answer(self, request, pk=None):
        survey = self.get_object()
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.response_submit(user=request.user, survey=survey, answers=body.validated_data["answers"])
        return Response({"detail": _("Thank you: your answers are saved.")}, status=status.HTTP_201_CREATED)
