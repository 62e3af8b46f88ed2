"""JSON API of the burden module. Reads through selectors (scoped), writes through services."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too, not a 500
from rest_framework.response import Response

from qingche.burden import rules, selectors, services
from qingche.burden.models import (
    BurdenAlert,
    BurdenReport,
    CatalogField,
    Document,
    FormFill,
    FundAllocation,
    Inspection,
    InspectionPlanItem,
    Meeting,
    OvertimeEntry,
    ReportForm,
    RequiredApp,
    StaffingRequest,
)
from qingche.core.api import CreateViewSet, ScopedViewSetMixin
from qingche.org.models import Person, Unit

ANY_UNIT = Unit.objects.all()  # services check scope and reach; a missing unit is a 400 naming the field


class PlanItemSerializer(serializers.ModelSerializer):
    issuer = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    targets = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT, many=True)

    class Meta:
        model = InspectionPlanItem
        fields = ["id", "year", "issuer", "title", "topic", "targets", "months"]


class InspectionSerializer(serializers.ModelSerializer):
    issuer = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    target = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    plan_item = serializers.PrimaryKeyRelatedField(
        queryset=InspectionPlanItem.objects.all(), required=False, allow_null=True
    )
    preparation_hours = serializers.DecimalField(max_digits=8, decimal_places=1, required=False, default=0)
    reception_hours = serializers.DecimalField(max_digits=8, decimal_places=1, required=False, default=0)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "issuer",
            "target",
            "plan_item",
            "topic",
            "title",
            "date",
            "unplanned_reason",
            "approval",
            "approval_note",
            "preparation_hours",
            "reception_hours",
            "merge_with",
        ]
        read_only_fields = ["approval", "approval_note", "merge_with"]


class AttendanceSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    attendees = serializers.IntegerField()


class MeetingSerializer(serializers.ModelSerializer):
    organiser = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    attendances = AttendanceSerializer(many=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organiser",
            "title",
            "level",
            "start",
            "end",
            "with_group_discussion",
            "reaches_grassroots",
            "approval",
            "speech_minutes",
            "attendances",
        ]
        read_only_fields = ["approval"]

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("The meeting must end after it starts.")})
        return attrs


class DocumentSerializer(serializers.ModelSerializer):
    issuer = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    targets = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT, many=True)

    class Meta:
        model = Document
        fields = ["id", "issuer", "title", "number", "issued_on", "length_chars", "special_task", "targets", "over_cap"]
        read_only_fields = ["over_cap"]


class AppSerializer(serializers.ModelSerializer):
    violations = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = RequiredApp
        fields = [
            "id",
            "issuer",
            "name",
            "kind",
            "purpose",
            "targets",
            "compulsory_checkin",
            "points_ranking",
            "online_time",
            "minutes_per_day",
            "violations",
        ]


class OvertimeSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=6, decimal_places=1)

    class Meta:
        model = OvertimeEntry
        fields = ["id", "person", "unit", "date", "hours", "note", "status", "confirmed_by"]
        read_only_fields = ["person", "unit", "status", "confirmed_by"]


class CatalogFieldSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)

    class Meta:
        model = CatalogField
        fields = [
            "id",
            "code",
            "name",
            "definition",
            "unit_of_measure",
            "kind",
            "maximum",
            "owner",
            "source",
            "filler",
            "is_active",
        ]
        read_only_fields = ["is_active"]


class FormFieldSerializer(serializers.Serializer):
    catalog_field = serializers.IntegerField(required=False, allow_null=True)
    label = serializers.CharField(required=False, allow_blank=True, max_length=100)
    definition = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=30)


class ReportFormSerializer(serializers.ModelSerializer):
    issuer = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    targets = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT, many=True)
    fields = FormFieldSerializer(many=True, write_only=True)
    field_list = serializers.SerializerMethodField()
    reuse_share = serializers.SerializerMethodField()

    class Meta:
        model = ReportForm
        fields = ["id", "issuer", "title", "sent_on", "due_on", "targets", "fields", "field_list", "reuse_share"]

    def get_field_list(self, form) -> list[dict]:
        return [
            {"id": f.pk, "position": f.position, "label": f.label, "catalog_field": f.catalog_field_id}
            for f in form.fields.all()
        ]

    def get_reuse_share(self, form) -> float | None:
        if hasattr(form, "field_count"):  # read through selectors.report_forms, which counts the fields
            return rules.reuse_share(form.field_count, form.reused_count)
        return selectors.form_reuse_share(form.pk)


class FormFillSerializer(serializers.ModelSerializer):
    values = serializers.SerializerMethodField()

    class Meta:
        model = FormFill
        fields = ["id", "form", "unit", "submitted_on", "prefilled_count", "typed_count", "person_hours", "values"]

    def get_values(self, fill) -> dict:
        return {str(value.form_field_id): value.value for value in fill.values.all()}


class FormFillCreateSerializer(serializers.Serializer):
    form = serializers.IntegerField()
    unit = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    values = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=500))


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = BurdenAlert
        fields = ["id", "unit", "month", "value", "red_line", "acknowledged_by", "note"]


class BurdenReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = BurdenReport
        fields = [
            "id",
            "category",
            "text",
            "sender_unit",
            "received_on",
            "status",
            "answer",
            "answered_on",
            "published",
            "publication_allowed",
        ]


class PlanItemViewSet(CreateViewSet):
    serializer_class = PlanItemSerializer
    selector = staticmethod(selectors.plan_items)
    filterset_fields = ["year", "issuer"]
    create_service = staticmethod(services.plan_item_create)


class InspectionViewSet(CreateViewSet):
    serializer_class = InspectionSerializer
    selector = staticmethod(selectors.inspections)
    filterset_fields = ["issuer", "target", "approval", "plan_item"]
    create_service = staticmethod(services.inspection_create)


class MeetingViewSet(CreateViewSet):
    serializer_class = MeetingSerializer
    selector = staticmethod(selectors.meetings)
    filterset_fields = ["organiser", "level", "approval"]
    create_service = staticmethod(services.meeting_create)

    def create_arguments(self, data):
        data = dict(data)
        data["attendances"] = [(row["unit"], row["attendees"]) for row in data["attendances"]]
        return data

    def get_queryset(self):
        return super().get_queryset().distinct()


class DocumentViewSet(CreateViewSet):
    serializer_class = DocumentSerializer
    selector = staticmethod(selectors.documents)
    filterset_fields = ["issuer", "special_task", "over_cap"]
    create_service = staticmethod(services.document_create)


class AppViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AppSerializer
    selector = staticmethod(selectors.apps)


class OvertimeViewSet(CreateViewSet):
    serializer_class = OvertimeSerializer
    selector = staticmethod(selectors.overtime)
    filterset_fields = ["status", "unit"]
    create_service = staticmethod(services.overtime_report)


class CatalogFieldViewSet(CreateViewSet):
    serializer_class = CatalogFieldSerializer
    selector = staticmethod(selectors.catalog)
    create_service = staticmethod(services.catalog_field_create)


class ReportFormViewSet(CreateViewSet):
    serializer_class = ReportFormSerializer
    selector = staticmethod(selectors.report_forms)
    create_service = staticmethod(services.report_form_create)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("fields", "targets")  # no query per form


class FormFillViewSet(CreateViewSet):
    serializer_class = FormFillSerializer
    selector = staticmethod(selectors.form_fills)
    filterset_fields = ["form", "unit"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("values")  # values, without a query per fill

    def get_serializer_class(self):
        return FormFillCreateSerializer if self.action == "create" else FormFillSerializer

    create_service = staticmethod(services.form_fill_submit)

    def create_arguments(self, data):
        form = get_object_or_404(selectors.report_forms(self.request.user), pk=data["form"])
        return {"form": form, "unit": data["unit"], "values": data["values"]}


class AlertViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    selector = staticmethod(selectors.alerts)


class BurdenReportViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """减负办's inbox of anonymous reports (the public sends them through the page, without login)."""

    serializer_class = BurdenReportSerializer
    selector = staticmethod(selectors.burden_reports)


def month_field(**kwargs) -> serializers.RegexField:
    """A month as YYYY-MM, in years the calendar can reach (0000-01 or 9999-12 would break the date arithmetic)."""
    return serializers.RegexField(
        r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Give a month as YYYY-MM between 1900-01 and 2099-12, e.g. 2026-10.")},
        **kwargs,
    )


class IndexSerializer(serializers.Serializer):
    units = serializers.ListField(child=serializers.IntegerField(), max_length=2000)
    month = month_field()


class IndexViewSet(viewsets.ViewSet):
    """The burden index of units you can see, for a month."""

    @extend_schema(
        request=IndexSerializer,
        responses={200: OpenApiTypes.OBJECT},
        description="{period: {first, last, label}, red_line, units: {unit id: {value, state, load, standing, "
        "imposed, imposed_share, capacity, in_post, quota, vacancy, lost_capacity, working_days, hours_per_day, "
        "loads, weights, weighted, by_sender}}} for the units asked for that you can see (others are left out): "
        "index = (standing + imposed) ÷ capacity, imposed_share = imposed ÷ capacity.",
    )
    @action(detail=False, methods=["post"])
    def compute(self, request):
        serializer = IndexSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visible = set(
            Unit.objects.visible_to(request.user)
            .filter(pk__in=serializer.validated_data["units"])
            .values_list("pk", flat=True)
        )
        if not request.user.has_perm("burden.view_loadrollup"):
            visible = set()
        year, month = serializer.validated_data["month"].split("-")
        period = rules.Period.month(int(year), int(month))
        results = selectors.index_results(sorted(visible), period)
        return Response(
            {
                "period": {"first": period.first, "last": period.last, "label": period.label},
                "red_line": selectors.red_line(),
                "units": {str(pk): _index_row(result) for pk, result in results.items()},
            }
        )


def _index_row(r: rules.IndexResult) -> dict:
    return {
        "value": r.value,
        "state": r.state,
        "load": r.load,
        "standing": r.standing,
        "imposed": r.imposed,
        "imposed_share": r.imposed_share,
        "capacity": r.capacity,
        "in_post": r.in_post,
        "quota": r.quota,
        "vacancy": r.vacancy,
        "lost_capacity": r.lost_capacity,
        "working_days": r.working_days,
        "hours_per_day": r.hours_per_day,
        "loads": r.loads,
        "weights": r.weights,
        "weighted": r.weighted,
        "by_sender": r.by_sender,
    }


class PersonIndexSerializer(serializers.Serializer):
    """A person's index in one unit for a month, with every input (see docs/burden.md)."""

    id = serializers.IntegerField(help_text=_("the person"))
    name = serializers.CharField()
    unit = serializers.IntegerField(help_text=_("the unit the index is read in"))
    month = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text=_("load ÷ capacity; null when not in post"))
    state = serializers.ChoiceField(choices=[rules.OK, rules.OVER, rules.RED, rules.NO_CAPACITY])
    load = serializers.FloatField(help_text=_("own_load + shared_load (weighted person-hours)"))
    own_load = serializers.FloatField()
    shared_load = serializers.FloatField(help_text=_("pool_load × share"))
    pool_load = serializers.FloatField(help_text=_("the unit's shared load (weighted)"))
    share = serializers.FloatField()
    capacity = serializers.FloatField(help_text=_("days_in_post × hours_per_day"))
    in_post = serializers.IntegerField()
    days_in_post = serializers.IntegerField()
    working_days = serializers.IntegerField()
    hours_per_day = serializers.FloatField()
    own = serializers.DictField(child=serializers.FloatField())
    unit_loads = serializers.DictField(child=serializers.FloatField())
    named = serializers.DictField(child=serializers.FloatField())
    pool = serializers.DictField(child=serializers.FloatField())
    weights = serializers.DictField(child=serializers.FloatField())


def _person_row(person, unit_id: int, period: rules.Period, result: rules.PersonIndexResult) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "unit": unit_id,
        "month": f"{period.first:%Y-%m}",
        "value": result.value,
        "state": result.state,
        "load": result.load,
        "own_load": result.own_load,
        "shared_load": result.shared_load,
        "pool_load": result.pool_load,
        "share": result.share,
        "capacity": result.capacity,
        "in_post": result.in_post,
        "days_in_post": result.days_in_post,
        "working_days": result.working_days,
        "hours_per_day": result.hours_per_day,
        "own": result.own,
        "unit_loads": result.unit_loads,
        "named": result.named,
        "pool": result.pool,
        "weights": result.weights,
    }


PERSON_INDEX_PARAMETERS = [
    OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM; the last whole month when left out"),
    OpenApiParameter(
        "unit",
        OpenApiTypes.INT,
        description="read the index in this unit (by default each person's unit with the most working days in post)",
    ),
]


class PersonIndexViewSet(viewsets.ReadOnlyModelViewSet):
    """The burden index of the people you can see (a town its people, front-line staff themselves): own work
    plus an equal share of the unit's shared load, over working hours in post, for a month."""

    serializer_class = PersonIndexSerializer
    queryset = Person.objects.none()  # the model the rows are about; get_queryset() scopes

    def get_queryset(self):
        return selectors.people_for_index(self.request.user).order_by("id")

    def _period(self) -> rules.Period:
        text = self.request.query_params.get("month")
        if text is None:  # the latest complete month with load recorded, as the pages open on
            first = selectors.default_month()
            return rules.Period.month(first.year, first.month)
        try:
            year, month = month_field().run_validation(text).split("-")
        except serializers.ValidationError as error:
            raise exceptions.ValidationError({"month": error.detail}) from error
        return rules.Period.month(int(year), int(month))

    def _unit(self) -> int | None:
        text = self.request.query_params.get("unit")
        if text is None:
            return None
        try:
            return serializers.IntegerField(min_value=1).run_validation(text)
        except serializers.ValidationError as error:
            raise exceptions.ValidationError({"unit": error.detail}) from error

    @extend_schema(parameters=PERSON_INDEX_PARAMETERS)
    def list(self, request, *args, **kwargs):
        period, unit_id = self._period(), self._unit()
        people = self.get_queryset()
        if unit_id is not None:
            if Unit.objects.visible_to(request.user).filter(pk=unit_id).exists():
                people = people.filter(pk__in=selectors.in_post_people(unit_id, period))
            else:
                people = people.none()
        page = self.paginate_queryset(people)
        rows = selectors.person_index_rows(request.user, page, period, unit_id=unit_id)
        data = [
            _person_row(person, rows[person.pk][0], period, rows[person.pk][1]) for person in page if person.pk in rows
        ]
        return self.get_paginated_response(PersonIndexSerializer(data, many=True).data)

    @extend_schema(parameters=PERSON_INDEX_PARAMETERS)
    def retrieve(self, request, *args, **kwargs):
        period, unit_id = self._period(), self._unit()
        person = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        offered = [row["unit"].pk for row in selectors.person_units(request.user, person, period)]
        unit = unit_id if unit_id is not None else (offered[0] if offered else None)
        if unit not in offered:
            raise Http404
        result = selectors.person_indexes([(person.pk, unit)], period)[(person.pk, unit)]
        return Response(PersonIndexSerializer(_person_row(person, unit, period, result)).data)


# -- resources against load (编制、经费向基层倾斜) -------------------------------------------------------------
class FundAllocationSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status = serializers.SerializerMethodField(help_text="on_time, pending (not yet due), late or short")
    flagged = serializers.SerializerMethodField(help_text="not arrived in full and on time")

    class Meta:
        model = FundAllocation
        fields = [
            "id",
            "unit",
            "unit_name",
            "year",
            "purpose",
            "amount",
            "due_on",
            "amount_arrived",
            "arrived_on",
            "status",
            "flagged",
        ]
        read_only_fields = ["amount_arrived", "arrived_on"]
        extra_kwargs = {"year": {"min_value": 2000, "max_value": 2100}}

    def _status(self, allocation) -> str:
        return rules.fund_status(
            allocation.amount, allocation.amount_arrived, allocation.due_on, allocation.arrived_on, timezone.localdate()
        )

    def get_status(self, allocation) -> str:
        return self._status(allocation)

    def get_flagged(self, allocation) -> bool:
        return self._status(allocation) in rules.FUND_FLAGGED


class FundArrivalSerializer(serializers.Serializer):
    amount_arrived = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="the total arrived so far")
    arrived_on = serializers.DateField(required=False, allow_null=True)


class FundAllocationViewSet(CreateViewSet):
    """Funds allocated to units per year (减负办 records them and what arrived)."""

    serializer_class = FundAllocationSerializer
    selector = staticmethod(selectors.fund_allocations)
    filterset_fields = ["unit", "year"]
    create_service = staticmethod(services.fund_allocation_create)
    action_permissions = {"arrival": "burden.change_fundallocation"}

    @extend_schema(request=FundArrivalSerializer, responses=FundAllocationSerializer)
    @action(detail=True, methods=["post"])
    def arrival(self, request, pk=None):
        allocation = self.get_object()
        serializer = FundArrivalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allocation = services.fund_allocation_record_arrival(
            user=request.user,
            allocation=allocation,
            amount_arrived=serializer.validated_data["amount_arrived"],
            arrived_on=serializer.validated_data.get("arrived_on"),
        )
        return Response(FundAllocationSerializer(allocation).data)


class StaffingRequestSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=ANY_UNIT)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    filed_by_name = serializers.SerializerMethodField()
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = StaffingRequest
        fields = [
            "id",
            "unit",
            "unit_name",
            "posts_asked",
            "reason",
            "index_value",
            "index_month",
            "filed_by_name",
            "filed_at",
            "status",
            "posts_granted",
            "decision_reason",
            "decided_by_name",
            "decided_at",
        ]
        read_only_fields = [
            "index_value",
            "index_month",
            "filed_at",
            "status",
            "posts_granted",
            "decision_reason",
            "decided_at",
        ]

    def get_filed_by_name(self, staffing_request) -> str:
        return selectors.actor_label(staffing_request.filed_by)

    def get_decided_by_name(self, staffing_request) -> str:
        return selectors.actor_label(staffing_request.decided_by)


class StaffingDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[StaffingRequest.Status.APPROVED, StaffingRequest.Status.PARTLY, StaffingRequest.Status.REFUSED]
    )
    posts_granted = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=200)
    reason = serializers.CharField(max_length=2000)


class StaffingRequestViewSet(CreateViewSet):
    """Staffing requests: a town files one citing its index; 减负办 or 编办 decides with a reason."""

    serializer_class = StaffingRequestSerializer
    selector = staticmethod(selectors.staffing_requests)
    filterset_fields = ["unit", "status"]
    create_service = staticmethod(services.staffing_request_file)
    action_permissions = {"decide": "burden.decide_staffingrequest"}

    @extend_schema(request=StaffingDecisionSerializer, responses=StaffingRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        staffing_request = self.get_object()
        serializer = StaffingDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.staffing_request_decide(
            user=request.user, staffing_request=staffing_request, **serializer.validated_data
        )
        return Response(StaffingRequestSerializer(decided).data)


class ResourcesQuerySerializer(serializers.Serializer):
    month = month_field(required=False)


class ResourcesViewSet(viewsets.ViewSet):
    """The towns you can see ranked by their index for a month, against people and the year's funds."""

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; default the latest complete month with data")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def ranking(self, request):
        if not request.user.has_perm("burden.view_fundallocation"):
            raise exceptions.PermissionDenied()
        query = ResourcesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)  # a bad month is a 400 naming the field
        if query.validated_data.get("month"):
            year, month = query.validated_data["month"].split("-")
            period = rules.Period.month(int(year), int(month))
        else:
            latest = selectors.latest_month_with_data()
            period = rules.Period.month(latest.year, latest.month)
        data = selectors.resources(request.user, period)
        return Response(
            {
                "month": f"{period.first:%Y-%m}",
                "funds_year": data["year"],
                "red_line": data["red_line"],
                "towns": [
                    {
                        "unit": row["unit"].pk,
                        "name": row["unit"].name,
                        "index": row["result"].value,
                        "state": row["result"].state,
                        "load": row["result"].load,
                        "quota": row["quota"],
                        "in_post": row["in_post"],
                        "vacancies": row["vacancies"],
                        "load_per_person": row["load_per_person"],
                        "people_short": row["people_short"],
                        "funds": row["funds"],
                    }
                    for row in data["rows"]
                ],
            }
        )
