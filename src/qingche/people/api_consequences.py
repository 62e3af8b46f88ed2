"""JSON API of 组织处理 proposals: list (scoped), propose from a closed cycle, confirm or reject one."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.appraisal.models import AppraisalCycle
from qingche.people import selectors_consequences as selectors
from qingche.people import services_consequences as services
from qingche.people.api import _ReadOnly
from qingche.people.models_consequences import Consequence


class ConsequenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consequence
        fields = [
            "id",
            "person",
            "unit",
            "cycle",
            "year",
            "kind",
            "grade",
            "streak",
            "status",
            "decision_reason",
            "document_number",
            "decided_at",
            "rank_change",
        ]


class ProposeSerializer(serializers.Serializer):
    cycle = serializers.PrimaryKeyRelatedField(queryset=AppraisalCycle.objects.all())  # the service checks scope


class ProposeResultSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="proposals added (the ones already there are kept)")


class ConsequenceDecisionSerializer(serializers.Serializer):
    confirm = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    document_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    date = serializers.DateField(required=False, allow_null=True, default=None)


class ConsequenceViewSet(_ReadOnly):
    serializer_class = ConsequenceSerializer
    selector = staticmethod(selectors.consequences)
    filterset_fields = ["status", "kind", "year", "person", "cycle"]
    action_permissions = {"propose": "people.add_consequence", "decide": "people.decide_consequence"}

    @extend_schema(request=ProposeSerializer, responses={200: ProposeResultSerializer})
    @action(detail=False, methods=["post"], serializer_class=ProposeSerializer)
    def propose(self, request):
        body = ProposeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        added = services.consequences_propose(user=request.user, cycle=body.validated_data["cycle"])
        return Response({"added": added})

    @extend_schema(request=ConsequenceDecisionSerializer, responses={200: ConsequenceSerializer})
    @action(detail=True, methods=["post"], serializer_class=ConsequenceDecisionSerializer)
    def decide(self, request, pk=None):
        consequence = self.get_object()
        body = ConsequenceDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consequence = services.consequence_decide(user=request.user, consequence=consequence, **body.validated_data)
        return Response(ConsequenceSerializer(consequence).data)


routes = [("consequences", ConsequenceViewSet, "consequence")]
