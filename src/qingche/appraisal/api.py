"""JSON API of appraisal: schemes, cycles (with scoring, calibration, publicity and finalisation as
actions), results with their explanation, the user's own ratings, appeals, rater flags and the
results that count. Reads through selectors, writes through services; thin."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from qingche.appraisal import indicators, rules, selectors, services
from qingche.appraisal.models import Appeal, AppraisalCycle, AppraisalScheme, Appraisee, RaterFlag, Rating
from qingche.core.api import ScopedViewSetMixin, ServiceCreateMixin
from qingche.org import selectors as org_selectors


def _scoped_pk(selector, **kwargs):
    @extend_schema_field(OpenApiTypes.INT)
    class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
        def get_queryset(self):
            return selector(self.context["request"].user)

    return ScopedPrimaryKeyField(**kwargs)


class SchemeSerializer(serializers.ModelSerializer):
    unit = _scoped_pk(org_selectors.units, required=False)

    class Meta:
        model = AppraisalScheme
        fields = [
            "id",
            "name",
            "person_category",
            "period_type",
            "grade_scale",
            "dimension_weights",
            "group_weights",
            "indicator_weights",
            "subjective_weight",
            "min_raters",
            "excellent_quota",
            "quota_group",
            "unit",
            "is_active",
        ]
        extra_kwargs = {"name": {"validators": []}}


class SchemeViewSet(ScopedViewSetMixin, ServiceCreateMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SchemeSerializer
    selector = staticmethod(lambda user: selectors.schemes(user).order_by("id"))
    filterset_fields = ["person_category", "period_type", "is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    create_service = staticmethod(services.scheme_create)

    def create_arguments(self, data):
        data = dict(data)
        data["unit"] = data.get("unit") or org_selectors.unit_roots(self.request.user).first()
        if data["unit"] is None:
            raise ValidationError({"unit": _("Unknown unit, or outside your scope.")})
        return data

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("unit", None)
        serializer.instance = services.scheme_update(user=self.request.user, scheme=serializer.instance, **data)


class CycleSerializer(serializers.ModelSerializer):
    scheme = _scoped_pk(selectors.schemes)
    unit = _scoped_pk(org_selectors.units)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = AppraisalCycle
        fields = [
            "id",
            "scheme",
            "name",
            "year",
            "period_start",
            "period_end",
            "unit",
            "status",
            "scored_at",
            "publicity_start",
            "publicity_end",
        ]
        read_only_fields = ["scored_at", "publicity_start", "publicity_end"]


class CycleViewSet(ScopedViewSetMixin, ServiceCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CycleSerializer
    selector = staticmethod(lambda user: selectors.cycles(user).order_by("id"))
    filterset_fields = ["year", "status", "scheme"]

    create_service = staticmethod(services.cycle_create)

    def _done(self, cycle):
        return Response(
            CycleSerializer(AppraisalCycle.objects.get(pk=cycle.pk), context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses=CycleSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        cycle = self.get_object()
        services.cycle_score(user=request.user, cycle=cycle)
        return self._done(cycle)

    @extend_schema(request=None, responses=CycleSerializer)
    @action(detail=True, methods=["post"], url_path="open-calibration")
    def open_calibration(self, request, pk=None):
        return self._done(services.cycle_open_calibration(user=request.user, cycle=self.get_object()))

    @extend_schema(request=None, responses=CycleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._done(services.cycle_publish(user=request.user, cycle=self.get_object()))

    @extend_schema(request=None, responses=CycleSerializer)
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk=None):
        return self._done(services.cycle_finalise(user=request.user, cycle=self.get_object()))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Ratings assigned, in draft and submitted per rater group (organization department only)."""
        table = selectors.progress(request.user, self.get_object())
        if table is None:
            raise PermissionDenied(_("Only the organization department sees progress."))
        return Response({"groups": table, "indicator_sources": indicators.status()})

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def publicity(self, request, pk=None):
        """The 公示 list (name, unit, top grade; no score or rank), for everyone who sees the cycle, during
        publicity only."""
        rows = selectors.publicity_list(request.user, self.get_object())
        if rows is None:
            raise NotFound(_("This cycle is not in its publicity period."))
        return Response(rows)


class ResultSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    grade_label = serializers.SerializerMethodField()
    calibrated = serializers.BooleanField(read_only=True)

    class Meta:
        model = Appraisee
        fields = [
            "id",
            "cycle",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "quota_group",
            "workload",
            "done",
            "on_time",
            "errors",
            "satisfaction",
            "figures_source",
            "score",
            "rank",
            "grade",
            "grade_label",
            "calibrated",
            "grade_reason",
        ]

    def get_grade_label(self, row) -> str:
        return selectors.grade_label(row.cycle.scheme, row.grade)


class ResultDetailSerializer(ResultSerializer):
    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "breakdown"]


class CalibrateSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=sorted({g for scale in rules.GRADE_SCALES.values() for g in scale}))
    reason = serializers.CharField(max_length=1000)


class ResultViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Results: the organization department in its scope; a town its own people, and a person their
    own, from publicity on. Nothing here names a rater or counts one person's raters."""

    serializer_class = ResultSerializer
    selector = staticmethod(lambda user: selectors.results(user).order_by("cycle_id", "rank", "id"))
    filterset_fields = ["cycle", "grade", "quota_group", "person"]

    def get_serializer_class(self):
        return ResultDetailSerializer if self.action != "list" else ResultSerializer

    @extend_schema(request=CalibrateSerializer, responses=ResultDetailSerializer)
    @action(detail=True, methods=["post"])
    def calibrate(self, request, pk=None):
        row = self.get_object()
        payload = CalibrateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.result_calibrate(user=request.user, appraisee=row, **payload.validated_data)
        return Response(ResultDetailSerializer(self.get_queryset().get(pk=row.pk)).data)


class RatingSerializer(serializers.ModelSerializer):
    ratee = _scoped_pk(lambda user: Appraisee.objects.filter(cycle__status=AppraisalCycle.Status.RATING))
    ratee_name = serializers.CharField(source="ratee.person.name", read_only=True)
    ratee_unit = serializers.CharField(source="ratee.unit.name", read_only=True)
    dimensions = serializers.SerializerMethodField()
    submit = serializers.BooleanField(write_only=True, required=False, default=False)
    scores = serializers.JSONField()

    class Meta:
        model = Rating
        fields = [
            "id",
            "cycle",
            "ratee",
            "ratee_name",
            "ratee_unit",
            "group",
            "dimensions",
            "scores",
            "comment",
            "status",
            "submit",
        ]
        read_only_fields = ["cycle", "group", "status"]

    def get_dimensions(self, rating) -> list[str]:
        return list(services.scheme_dimensions(rating.cycle.scheme))


class RatingViewSet(ScopedViewSetMixin, ServiceCreateMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The user's own ratings only. POST {ratee, scores, comment, submit} fills the user's assigned
    rating of that person; PATCH saves a draft or submits (once)."""

    serializer_class = RatingSerializer
    selector = staticmethod(lambda user: selectors.my_ratings(user).order_by("id"))
    filterset_fields = ["cycle", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Who may rate is who was assigned as the rater, not a role permission: the service decides.
    action_permissions = {"create": None, "update": None, "partial_update": None}

    create_service = staticmethod(services.rating_save_for)

    def create_arguments(self, data):
        return {
            "appraisee": data["ratee"],
            "scores": data["scores"],
            "comment": data.get("comment", ""),
            "submit": data.get("submit", False),
        }

    def perform_update(self, serializer):
        rating, data = serializer.instance, serializer.validated_data
        if "ratee" in data and data["ratee"].pk != rating.ratee_id:
            raise ValidationError({"ratee": _("The person rated cannot change.")})
        serializer.instance = services.rating_save(
            user=self.request.user,
            rating=rating,
            scores=data.get("scores", rating.scores),
            comment=data.get("comment", rating.comment),
            submit=data.get("submit", False),
        )


class AppealSerializer(serializers.ModelSerializer):
    appraisee = _scoped_pk(selectors.my_results)
    person_name = serializers.CharField(source="appraisee.person.name", read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "appraisee",
            "person_name",
            "reason",
            "status",
            "decision",
            "new_grade",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = ["status", "decision", "new_grade", "submitted_at", "decided_at"]


class DecideSerializer(serializers.Serializer):
    decision = serializers.CharField(max_length=2000)
    new_grade = serializers.CharField(required=False, allow_blank=True, max_length=30)


class AppealViewSet(ScopedViewSetMixin, ServiceCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AppealSerializer
    selector = staticmethod(lambda user: selectors.appeals(user).order_by("id"))
    filterset_fields = ["status"]
    action_permissions = {"create": None}  # only the person appraised appeals: the service decides

    create_service = staticmethod(services.appeal_file)

    def create_arguments(self, data):
        return {"appraisee": data["appraisee"], "reason": data["reason"]}

    @extend_schema(request=DecideSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        appeal = self.get_object()
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = services.appeal_decide(user=request.user, appeal=appeal, **payload.validated_data)
        return Response(AppealSerializer(decided, context=self.get_serializer_context()).data)


class RaterFlagSerializer(serializers.ModelSerializer):
    rater = serializers.SerializerMethodField()
    kind_label = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True, help_text="the flag in words, in the user's language")

    class Meta:
        model = RaterFlag
        fields = ["id", "cycle", "rater", "kind", "kind_label", "message", "detail"]

    def get_rater(self, flag) -> str:
        return flag.rater_person.name if flag.rater_person_id else str(flag.rater_link)


class RaterFlagViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Rater patterns (平均主义, lenient, harsh) for the organization department; never for ratees."""

    serializer_class = RaterFlagSerializer
    selector = staticmethod(lambda user: selectors.rater_flags(user).order_by("id"))
    filterset_fields = ["cycle", "kind"]


YEAR = OpenApiParameter("year", int, required=True)
CYCLE = OpenApiParameter("cycle", int, required=True)
LINES = build_array_type(build_basic_type(OpenApiTypes.OBJECT))  # the outcomes are lists of lines


class OutcomeViewSet(viewsets.ViewSet):
    """The results that count, for other modules and for export: performance pay, rank years, award
    nominations and 组织处理. Lines are marked final or provisional (publicity)."""

    def _year(self, request) -> int:
        try:
            return int(request.query_params["year"])
        except (KeyError, ValueError):
            raise ValidationError({"year": _("Give the year, e.g. ?year=2026.")}) from None

    def _cycle(self, request) -> int:
        try:
            return int(request.query_params["cycle"])
        except (KeyError, ValueError):
            raise ValidationError({"cycle": _("Give the appraisal cycle's id, e.g. ?cycle=3.")}) from None

    def _require(self, request):
        if not request.user.has_perm("appraisal.manage_appraisalcycle"):
            raise PermissionDenied(_("You do not have permission to do this."))

    @extend_schema(parameters=[CYCLE], responses={200: LINES})
    @action(detail=False, methods=["get"], url_path="performance-pay")
    def performance_pay(self, request):
        self._require(request)
        cycle = get_object_or_404(selectors.cycles(request.user), pk=self._cycle(request))
        return Response(selectors.performance_pay(request.user, cycle))

    @extend_schema(parameters=[YEAR], responses={200: LINES})
    @action(detail=False, methods=["get"], url_path="rank-eligibility")
    def rank_eligibility(self, request):
        self._require(request)
        return Response(selectors.rank_eligibility(request.user, self._year(request)))

    @extend_schema(parameters=[YEAR], responses={200: LINES})
    @action(detail=False, methods=["get"], url_path="award-nominations")
    def award_nominations(self, request):
        self._require(request)
        return Response(selectors.award_nominations(request.user, self._year(request)))

    @extend_schema(parameters=[YEAR], responses={200: LINES})
    @action(detail=False, methods=["get"], url_path="organizational-actions")
    def organizational_actions(self, request):
        self._require(request)
        return Response(selectors.organizational_actions(request.user, self._year(request)))
