"""JSON API of accountability. Reads through selectors (scoped: 纪检/组织部 by unit, everyone else only what
concerns their own person); writes through services: opening a case, naming the mainly responsible unit and
recording a determination."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.accountability import rules, selectors, services
from qingche.accountability.models import Case, CasePerson, Determination, Outcome, SanctionKind
from qingche.core.api import ScopedViewSetMixin
from qingche.duties.models import DutyItem
from qingche.org.models import Person, Unit


class CaseSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())  # the service checks the scope
    duty_items = serializers.PrimaryKeyRelatedField(queryset=DutyItem.objects.all(), many=True, required=False)

    class Meta:
        model = Case
        fields = [
            "id",
            "title",
            "facts",
            "unit",
            "source",
            "source_ref",
            "opened_on",
            "duty_items",
            "duty_flag",
            "lead_unit",
            "responsible_unit",
            "responsible_reason",
            "status",
        ]
        read_only_fields = ["duty_flag", "lead_unit", "responsible_unit", "responsible_reason", "status"]
        extra_kwargs = {"opened_on": {"required": False}}  # today


class ResponsibilitySerializer(serializers.Serializer):
    responsible_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CasePersonSerializer(serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.all())
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())

    class Meta:
        model = CasePerson
        fields = ["id", "case", "person", "concerned_as"]


class DeterminationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Determination
        fields = [
            "id",
            "case_person",
            "person",
            "objective_causes",
            "subjective_causes",
            "distinctions",
            "outcome",
            "sanction_kind",
            "sanction_from",
            "sanction_until",
            "decided_on",
            "tolerated",
        ]


class DistinctionSerializer(serializers.Serializer):
    in_favour = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class DeterminationInputSerializer(serializers.Serializer):
    objective_causes = serializers.CharField(allow_blank=True, max_length=5000)
    subjective_causes = serializers.CharField(allow_blank=True, max_length=5000)
    inexperience = DistinctionSerializer()
    trial = DistinctionSerializer()
    public_interest = DistinctionSerializer()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    sanction_kind = serializers.ChoiceField(choices=SanctionKind.choices, required=False, allow_blank=True, default="")
    sanction_from = serializers.DateField(required=False, allow_null=True, default=None)
    sanction_until = serializers.DateField(required=False, allow_null=True, default=None)


class CaseViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CaseSerializer
    selector = staticmethod(selectors.cases)
    filterset_fields = ["status", "source", "unit", "duty_flag"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"responsibility": "accountability.change_case"}

    def get_queryset(self):
        return super().get_queryset().prefetch_related("duty_items")

    def perform_create(self, serializer):
        serializer.instance = services.case_open(user=self.request.user, **serializer.validated_data)

    @extend_schema(request=ResponsibilitySerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"], serializer_class=ResponsibilitySerializer)
    def responsibility(self, request, pk=None):
        case = self.get_object()
        body = ResponsibilitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.case_assign_responsibility(user=request.user, case=case, **body.validated_data)
        return Response(CaseSerializer(case).data)


class CasePersonViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CasePersonSerializer
    selector = staticmethod(selectors.case_people)
    filterset_fields = ["case", "person"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"determine": "accountability.determine_case"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        case = selectors.cases(self.request.user).filter(pk=data.pop("case").pk).first()
        if case is None:
            raise serializers.ValidationError({"case": [_("This case does not exist or is outside your scope.")]})
        serializer.instance = services.case_person_add(user=self.request.user, case=case, **data)

    @extend_schema(request=DeterminationInputSerializer, responses={201: DeterminationSerializer})
    @action(detail=True, methods=["post"], serializer_class=DeterminationInputSerializer)
    def determine(self, request, pk=None):
        case_person = self.get_object()
        body = DeterminationInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        distinctions = {}
        for key in rules.DISTINCTIONS:
            answer = data.pop(key)
            distinctions[key] = (answer["in_favour"], answer["reason"])
        determination = services.determination_record(
            user=request.user, case_person=case_person, distinctions=distinctions, **data
        )
        return Response(DeterminationSerializer(determination).data, status=status.HTTP_201_CREATED)


class DeterminationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DeterminationSerializer
    selector = staticmethod(selectors.determinations)
    filterset_fields = ["outcome", "person"]
