"""JSON API of task admission and the work that follows. Reads through selectors (so through the scope
mechanism), writes through services; every operation of the pages is here too."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from qingche.core.api import ScopedViewSetMixin, ServiceCreateMixin
from qingche.tasks import rules, selectors, services
from qingche.tasks.models import (
    Admission,
    ProgressPost,
    RegistryEntry,
    Reminder,
    Task,
    TaskAssignment,
    TaskRequest,
)


class CheckSerializer(serializers.Serializer):
    rule = serializers.CharField()
    outcome = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField(help_text="the reason in the user's language")
    link = serializers.CharField(allow_blank=True)


def _checks(checks: list[dict]) -> list[dict]:
    return [
        {
            "rule": check["rule"],
            "outcome": check["outcome"],
            "code": check.get("code", ""),
            "reason": services.translate_check(check),
            "link": check.get("link", ""),
        }
        for check in checks
    ]


class AdmissionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    request_title = serializers.CharField(source="request.title", read_only=True)
    checks = serializers.SerializerMethodField()

    class Meta:
        model = Admission
        fields = [
            "id",
            "request",
            "request_title",
            "unit",
            "unit_name",
            "verdict",
            "automatic_verdict",
            "checks",
            "decided_at",
            "decision_reason",
            "appeal_reason",
            "appealed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, admission) -> list[dict]:
        return _checks(admission.checks)


class TaskRequestSerializer(serializers.ModelSerializer):
    admissions = AdmissionSerializer(many=True, read_only=True)
    requester_unit_name = serializers.CharField(source="requester_unit.name", read_only=True)

    class Meta:
        model = TaskRequest
        fields = [
            "id",
            "requester_unit",
            "requester_unit_name",
            "title",
            "content",
            "basis_document",
            "duty_code",
            "deadline",
            "effort_hours",
            "needs_letter",
            "has_veto",
            "trace_materials",
            "report_form",
            "urgent",
            "urgent_reason",
            "off_list_application",
            "all_towns",
            "year",
            "created_at",
            "admissions",
        ]
        read_only_fields = fields


class TaskRequestInputSerializer(serializers.Serializer):
    """Checked as a whole by the service, which names each wrong field."""

    title = serializers.CharField(allow_blank=True, required=False, default="")
    content = serializers.CharField(allow_blank=True, required=False, default="")
    basis_document = serializers.CharField(allow_blank=True, required=False, default="")
    duty_code = serializers.CharField(allow_blank=True, required=False, default="")
    targets = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    all_towns = serializers.BooleanField(required=False, default=False)
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    effort_hours = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None
    )
    needs_letter = serializers.BooleanField(required=False, default=False)
    has_veto = serializers.BooleanField(required=False, default=False)
    trace_materials = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text=", ".join(rules.TRACE_MATERIALS)
    )
    report_form = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="id of a burden report form (一表通), or null"
    )
    urgent = serializers.BooleanField(required=False, default=False)
    urgent_reason = serializers.CharField(allow_blank=True, required=False, default="")
    off_list_application = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="required when a target's duty lists do not hold the task: why it must reach the unit",
    )
    client_token = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=64,
        help_text="any unique string per intended request: a repeat returns the first",
    )


class PreviewTargetSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    verdict = serializers.CharField()
    checks = CheckSerializer(many=True)


class TaskRequestViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskRequestSerializer
    selector = staticmethod(selectors.task_requests)
    filterset_fields = ["year", "urgent", "requester_unit"]

    def get_queryset(self):  # admissions with their unit and request, without a query per request
        admissions = Prefetch("admissions", queryset=Admission.objects.select_related("unit", "request"))
        return super().get_queryset().prefetch_related(admissions)

    @extend_schema(request=TaskRequestInputSerializer, responses={201: TaskRequestSerializer})
    def create(self, request, *args, **kwargs):
        data = TaskRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        token = values.pop("client_token", "")
        before = TaskRequest.objects.filter(created_by=request.user, client_token=token).exists() if token else False
        sent = services.task_request_submit(user=request.user, data=values, client_token=token)
        return Response(
            TaskRequestSerializer(sent, context={"request": request}).data,
            status=status.HTTP_200_OK if before else status.HTTP_201_CREATED,
        )

    @extend_schema(request=TaskRequestInputSerializer, responses=PreviewTargetSerializer(many=True))
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """The admission result of a request as it stands, per target; nothing is saved."""
        data = TaskRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("client_token", None)
        units, evaluation = services.preview_request(user=request.user, data=values)
        rows = []
        for unit in units:
            checks, verdict = evaluation.results[unit.pk]
            rows.append(
                {
                    "unit": unit.pk,
                    "unit_name": unit.name,
                    "verdict": verdict,
                    "checks": _checks([check.as_dict() for check in checks]),
                }
            )
        return Response(rows)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.DECISIONS)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class AdmissionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AdmissionSerializer
    selector = staticmethod(selectors.admissions)
    filterset_fields = ["verdict", "unit", "request"]

    @extend_schema(request=DecisionSerializer, responses=AdmissionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """减负办: approve, return (with a reason) or narrow (remove this target, with a reason)."""
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        admission = services.admission_decide(user=request.user, admission=self.get_object(), **data.validated_data)
        return Response(AdmissionSerializer(admission).data)

    @extend_schema(request=ReasonSerializer, responses=AdmissionSerializer)
    @action(detail=True, methods=["post"])
    def appeal(self, request, pk=None):
        """The requester appeals a returned target, once, with a reason."""
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        admission = services.admission_appeal(
            user=request.user, admission=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(AdmissionSerializer(admission).data)


class TaskAssignmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = TaskAssignment
        fields = ["id", "task", "person", "person_name", "part", "deadline", "status", "done_at", "created_at"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    requester_unit = serializers.IntegerField(source="request.requester_unit_id", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "request",
            "requester_unit",
            "unit",
            "unit_name",
            "parent",
            "part",
            "title",
            "deadline",
            "admitted_on",
            "status",
            "done_at",
            "reviewed_at",
            "review_reason",
            "created_at",
        ]
        read_only_fields = fields


class SplitSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    part = serializers.CharField(allow_blank=True, required=False, default="")
    deadline = serializers.DateTimeField()


class ForwardSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    part = serializers.CharField()
    deadline = serializers.DateTimeField()


class ProgressInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, required=False, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    mark_done = serializers.BooleanField(required=False, default=False)


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class ProgressPostSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.username", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressPost
        fields = ["id", "task", "assignment", "author_name", "text", "created_at", "evidence"]
        read_only_fields = fields


class TaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskSerializer
    selector = staticmethod(selectors.tasks)
    filterset_fields = ["status", "unit", "request", "parent"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=SplitSerializer, responses={201: TaskAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        data = SplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.task_split(user=request.user, task=self.get_object(), **data.validated_data)
        return Response(TaskAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ForwardSerializer, responses={201: TaskSerializer})
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        data = ForwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        part = services.task_forward(user=request.user, task=self.get_object(), **data.validated_data)
        return Response(TaskSerializer(part).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": ProgressInputSerializer}, responses={201: ProgressPostSerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        data = ProgressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        uploads = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        post = services.progress_post(
            user=request.user,
            task=self.get_object(),
            text=data.validated_data["text"],
            uploads=uploads,
            mark_done=data.validated_data["mark_done"],
        )
        return Response(ProgressPostSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        return Response(TaskSerializer(services.task_done(user=request.user, task=self.get_object())).data)

    @extend_schema(request=ReviewSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_review(user=request.user, task=self.get_object(), **data.validated_data)
        return Response(TaskSerializer(task).data)


class TaskAssignmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskAssignmentSerializer
    selector = staticmethod(selectors.task_assignments)
    filterset_fields = ["status", "task", "person"]


class ProgressPostViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgressPostSerializer
    selector = staticmethod(selectors.progress_posts)
    filterset_fields = ["task"]


class RegistryEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistryEntry
        fields = ["id", "year", "kind", "duty_code", "title", "approval_document"]


class RegistryEntryViewSet(
    ScopedViewSetMixin, ServiceCreateMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = RegistryEntrySerializer
    selector = staticmethod(selectors.registry)
    filterset_fields = ["year", "kind", "duty_code"]

    create_service = staticmethod(services.registry_entry_add)

    def perform_destroy(self, instance):
        services.registry_entry_delete(user=self.request.user, entry=instance)


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "kind", "task", "assignment", "recipient_unit", "recipient_person", "message", "sent_at"]
        read_only_fields = fields


class ReminderViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReminderSerializer
    selector = staticmethod(selectors.reminders)
    filterset_fields = ["kind", "task"]


class UrgentQuotaSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quota = serializers.IntegerField()
    used = serializers.SerializerMethodField()

    def get_used(self, entry) -> int:
        return TaskRequest.objects.filter(requester_unit_id=entry.unit_id, year=entry.year, urgent=True).count()


class UrgentQuotaViewSet(ScopedViewSetMixin, ServiceCreateMixin, viewsets.ReadOnlyModelViewSet):
    """Departments' yearly urgent quotas (without a row, the parameter tasks.urgent_quota applies). POST sets one."""

    serializer_class = UrgentQuotaSerializer
    selector = staticmethod(selectors.urgent_quotas)
    action_permissions = {"create": "tasks.change_urgentquota"}  # POST sets a quota (urgent_quota_set)
    filterset_fields = ["year", "unit"]

    create_service = staticmethod(services.urgent_quota_set)

    def create_arguments(self, data):
        unit = services.Unit.objects.filter(pk=data["unit_id"]).first()
        if unit is None:
            raise services.ValidationError({"unit": _("Unknown unit.")})
        return {"unit": unit, "year": data["year"], "quota": data["quota"]}
