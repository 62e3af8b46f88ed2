"""JSON API of duty lists and items: reads for every role (published lists are public; drafts in scope),
writes (draft, edit items while draft, publish, import) for the burden-reduction office."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from qingche.core.api import ScopedViewSetMixin, ServiceCreateMixin
from qingche.duties import rules, selectors, services
from qingche.duties.models import DutyItem, DutyList
from qingche.org.models import Unit


class DutyListSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = DutyList
        fields = ["id", "unit", "unit_name", "version", "status", "note", "published_at", "created_at"]
        read_only_fields = fields


class PowerSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=30)
    description = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class DutyItemSerializer(serializers.ModelSerializer):
    powers = PowerSerializer(many=True, required=False)
    lead_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(kind__in=("department", "office")), allow_null=True, required=False
    )
    cooperating_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(kind__in=("department", "office")), many=True, required=False
    )
    lacks_power = serializers.SerializerMethodField()

    class Meta:
        model = DutyItem
        fields = [
            "id",
            "duty_list",
            "kind",
            "code",
            "name",
            "domain",
            "legal_basis",
            "lead_unit",
            "cooperating_units",
            "keywords",
            "powers",
            "lacks_power",
            "standing_hours",
            "standing_source",
        ]
        # The standing workload is set by 减负办 on the duty pages (services.duty_item_standing_set), with a reason.
        read_only_fields = ["id", "lacks_power", "standing_hours", "standing_source"]

    def get_lacks_power(self, item) -> bool:
        return rules.lacks_power(item.kind, len(item.powers.all()))

    def to_representation(self, item):
        data = super().to_representation(item)
        data["powers"] = [{"category": power.category, "description": power.description} for power in item.powers.all()]
        return data


class TownInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


def _town(request) -> Unit:
    """The town or street named by the body's `unit`, among those the user can see; a malformed id
    (text, an object, a list, out of range) is a 400 naming the field, not a crash."""
    payload = TownInputSerializer(data={"unit": request.data.get("unit")} if "unit" in request.data else {})
    payload.is_valid(raise_exception=True)
    unit = (
        Unit.objects.visible_to(request.user)
        .filter(pk=payload.validated_data["unit"], kind__in=services.TOWN_KINDS)
        .first()
    )
    if unit is None:
        raise ValidationError({"unit": _("Unknown town or street, or outside your scope.")})
    return unit


class DutyListViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DutyListSerializer
    selector = staticmethod(selectors.duty_lists)
    filterset_fields = ["unit", "status", "version"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {
        "draft": "duties.add_dutylist",
        "import_xlsx": "duties.change_dutylist",
        "publish": "duties.publish_dutylist",
    }

    @extend_schema(
        request=inline_serializer("DutyListDraftInput", {"unit": serializers.IntegerField()}),
        responses={201: DutyListSerializer},
    )
    @action(detail=False, methods=["post"])
    def draft(self, request):
        """Open a draft of a town's next version, copied from its current published list."""
        unit = _town(request)
        duty_list = services.duty_list_draft(user=request.user, unit=unit)
        return Response(DutyListSerializer(duty_list).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DutyListSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        duty_list = services.duty_list_publish(user=request.user, duty_list=self.get_object())
        return Response(DutyListSerializer(duty_list).data)

    @extend_schema(
        responses=inline_serializer(
            "DutyListDiff",
            {
                "base": serializers.IntegerField(allow_null=True),
                "added": serializers.ListField(child=serializers.CharField()),
                "removed": serializers.ListField(child=serializers.CharField()),
                "changed": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """Items added, removed and changed (by code) against the last published version before this one."""
        base, changes, _old, _new = selectors.diff_against_published(self.get_object())
        return Response(
            {
                "base": base.pk if base else None,
                "added": changes.added,
                "removed": changes.removed,
                "changed": changes.changed,
            }
        )

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "DutyListImportInput", {"unit": serializers.IntegerField(), "file": serializers.FileField()}
            )
        },
        responses={201: DutyListSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_xlsx(self, request):
        """Replace a town's draft items with an Excel file in the published layout; all or nothing."""
        unit = _town(request)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": _("Attach the Excel file.")})
        try:
            duty_list = services.duty_list_import(user=request.user, unit=unit, upload=upload)
        except services.ImportRejected as error:
            return Response(
                {
                    "file": [_("Nothing was saved.")],
                    "rows": [
                        {"row": row, "column": column, "message": message} for row, column, message in error.row_errors
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(DutyListSerializer(duty_list).data, status=status.HTTP_201_CREATED)


class DutyItemViewSet(
    ScopedViewSetMixin,
    ServiceCreateMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = DutyItemSerializer
    filterset_fields = ["duty_list", "kind", "domain", "code"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Items are edited as part of their list (duties.services.duty_item_save checks change_dutylist).
    action_permissions = {
        "create": "duties.change_dutylist",
        "update": "duties.change_dutylist",
        "partial_update": "duties.change_dutylist",
    }

    @staticmethod
    def selector(user):
        return (
            DutyItem.objects.visible_to(user)
            .select_related("lead_unit", "duty_list")
            .prefetch_related("powers", "cooperating_units")
        )

    def _data(self, validated):
        data = {key: value for key, value in validated.items() if key != "duty_list"}
        if "powers" in data:
            data["powers"] = [(power["category"], power.get("description", "")) for power in data["powers"]]
        return data

    create_service = staticmethod(services.duty_item_save)

    def create_arguments(self, data):
        duty_list = get_object_or_404(selectors.duty_lists(self.request.user), pk=data["duty_list"].pk)
        return {"duty_list": duty_list, "data": self._data(data)}

    def perform_update(self, serializer):
        item = serializer.instance
        serializer.instance = services.duty_item_save(
            user=self.request.user, duty_list=item.duty_list, data=self._data(serializer.validated_data), item=item
        )

    def perform_destroy(self, instance):
        services.duty_item_delete(user=self.request.user, item=instance)
