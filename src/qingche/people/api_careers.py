"""JSON API of careers. Reads through selectors (scoped); writes through services."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.core.api import CreateViewSet
from qingche.org.models import Person, Unit
from qingche.people import selectors_careers as selectors
from qingche.people import services_careers as services
from qingche.people.api import DecisionSerializer, _ReadOnly
from qingche.people.models_careers import PayPool, PostHardship, RankChange, TransferRequest

ANY_PERSON = Person.objects.all()  # services check the scope: a person outside it is a 403


class RankChangeSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)

    class Meta:
        model = RankChange
        fields = ["id", "person", "ladder", "from_rank", "to_rank", "date", "basis", "document_number", "note"]
        read_only_fields = ["ladder", "from_rank"]


class PayPoolSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())

    class Meta:
        model = PayPool
        fields = ["id", "unit", "year", "amount", "note"]
        validators = []  # a unit's year posted again changes its pool (services.pay_pool_set)


class PostHardshipSerializer(serializers.ModelSerializer):
    class Meta:
        model = PostHardship
        fields = ["id", "post", "remote", "frontline"]


class TransferRequestSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=ANY_PERSON)

    class Meta:
        model = TransferRequest
        fields = [
            "id",
            "person",
            "unit",
            "destination",
            "reason",
            "requested_on",
            "service_end",
            "early",
            "status",
            "decision_reason",
            "decided_at",
        ]
        read_only_fields = ["unit", "requested_on", "service_end", "early", "status", "decision_reason", "decided_at"]


class PayLineSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.name")
    grade = serializers.CharField(allow_null=True)
    coefficient = serializers.DecimalField(max_digits=8, decimal_places=3)
    remote = serializers.BooleanField()
    frontline = serializers.BooleanField()
    factor = serializers.DecimalField(max_digits=8, decimal_places=4)
    share = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class RankChangeViewSet(CreateViewSet):
    serializer_class = RankChangeSerializer
    selector = staticmethod(selectors.rank_changes)
    filterset_fields = ["person", "basis"]
    create_service = staticmethod(services.rank_change_record)


class PayPoolViewSet(CreateViewSet):
    serializer_class = PayPoolSerializer
    selector = staticmethod(selectors.pay_pools)
    filterset_fields = ["year", "unit"]
    create_service = staticmethod(services.pay_pool_set)

    @extend_schema(responses={200: PayLineSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def shares(self, request, pk=None):
        """The pool's table: grade coefficient × post factor per person and the share, adding up to the pool."""
        table = selectors.pay_table(self.get_object(), timezone.localdate())
        return Response(PayLineSerializer(table["rows"], many=True).data)


class PostHardshipViewSet(_ReadOnly):
    serializer_class = PostHardshipSerializer
    selector = staticmethod(selectors.post_hardships)


class TransferRequestViewSet(CreateViewSet):
    serializer_class = TransferRequestSerializer
    selector = staticmethod(selectors.transfer_requests)
    filterset_fields = ["status", "person", "early"]
    create_service = staticmethod(services.transfer_request_submit)
    action_permissions = {"decide": "people.decide_transferrequest"}

    @extend_schema(request=DecisionSerializer, responses={200: TransferRequestSerializer})
    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def decide(self, request, pk=None):
        transfer = self.get_object()
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        transfer = services.transfer_request_decide(user=request.user, transfer=transfer, **decision.validated_data)
        return Response(TransferRequestSerializer(transfer).data)


routes = [
    ("rank-changes", RankChangeViewSet, "rankchange"),
    ("pay-pools", PayPoolViewSet, "paypool"),
    ("post-hardships", PostHardshipViewSet, "posthardship"),
    ("transfer-requests", TransferRequestViewSet, "transferrequest"),
]
