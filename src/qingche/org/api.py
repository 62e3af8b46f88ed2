"""JSON API of units, people, posts, assignments and role grants. Reads through selectors (so
through the scope mechanism), writes through services."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from qingche.core.api import ScopedViewSetMixin, ServiceCreateMixin
from qingche.core.services import pii_unmask
from qingche.org import panels, selectors, services
from qingche.org.models import Assignment, Person, Post, Role, RoleGrant, Unit


def _scoped_pk_field(selector, **kwargs):
    """A primary-key field that accepts only objects the requesting user can see."""

    @extend_schema_field(OpenApiTypes.INT)
    class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
        def get_queryset(self):
            return selector(self.context["request"].user)

    return ScopedPrimaryKeyField(**kwargs)


class UnitSerializer(serializers.ModelSerializer):
    parent = _scoped_pk_field(selectors.units, write_only=True, required=False, allow_null=True)
    parent_id = serializers.IntegerField(source="parent_pk", read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "kind", "code", "is_active", "depth", "parent", "parent_id"]
        read_only_fields = ["depth", "is_active"]


class UnitMoveSerializer(serializers.Serializer):
    parent = _scoped_pk_field(selectors.units)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class UnitViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    selector = staticmethod(selectors.units_with_parent)
    filterset_fields = ["kind", "code", "depth"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {"move": "org.move_unit"}

    def perform_create(self, serializer):
        data = serializer.validated_data
        unit = services.unit_create(
            user=self.request.user,
            parent=data.get("parent"),
            name=data["name"],
            kind=data["kind"],
            code=data.get("code", ""),
            short_name=data.get("short_name", ""),
        )
        serializer.instance = selectors.units_with_parent(self.request.user).get(pk=unit.pk)

    def perform_update(self, serializer):
        unit, data = serializer.instance, serializer.validated_data
        if "kind" in data and data["kind"] != unit.kind:
            raise ValidationError({"kind": _("The kind of a unit cannot change.")})
        if data.get("parent"):
            raise ValidationError({"parent": _("Use the move action to change the parent.")})
        services.unit_update(
            user=self.request.user,
            unit=unit,
            name=data.get("name", unit.name),
            code=data.get("code", unit.code),
            short_name=data.get("short_name", unit.short_name),
        )
        serializer.instance = selectors.units_with_parent(self.request.user).get(pk=unit.pk)

    @extend_schema(request=UnitMoveSerializer, responses=UnitSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        unit = self.get_object()
        payload = UnitMoveSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        moved = services.unit_move(
            user=request.user,
            unit=unit,
            new_parent=payload.validated_data["parent"],
            reason=payload.validated_data.get("reason", ""),
        )
        moved = selectors.units_with_parent(request.user).get(pk=moved.pk)
        return Response(UnitSerializer(moved, context=self.get_serializer_context()).data)


class PostSerializer(serializers.ModelSerializer):
    unit = _scoped_pk_field(selectors.units)

    class Meta:
        model = Post
        fields = ["id", "unit", "name", "kind", "quota"]


class PostViewSet(ScopedViewSetMixin, ServiceCreateMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PostSerializer
    selector = staticmethod(selectors.posts)
    filterset_fields = ["unit", "kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    create_service = staticmethod(services.post_create)

    def perform_update(self, serializer):
        post, data = serializer.instance, serializer.validated_data
        serializer.instance = services.post_update(
            user=self.request.user,
            post=post,
            name=data.get("name", post.name),
            kind=data.get("kind", post.kind),
            quota=data.get("quota", post.quota),
        )


class PersonSerializer(serializers.ModelSerializer):
    unit = _scoped_pk_field(selectors.units)
    id_number = serializers.CharField(write_only=True, max_length=18)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    id_number_masked = serializers.CharField(read_only=True)
    phone_masked = serializers.CharField(read_only=True)
    # The birth date is part of the ID number: it may be written (it must match), but only its year is shown.
    birth_date = serializers.DateField(write_only=True, required=False)
    birth_year = serializers.IntegerField(read_only=True)
    # The rank as pages show it: from the rank history where one is kept (org.panels), else the record's field.
    current_rank = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "birth_year",
            "id_number",
            "phone",
            "id_number_masked",
            "phone_masked",
            "hometown",
            "education",
            "political_status",
            "category",
            "rank",
            "current_rank",
            "unit",
        ]

    def get_current_rank(self, person) -> str:
        return getattr(person, "current_rank", None) or person.rank


class UnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    reason = serializers.CharField(max_length=500)


class PersonViewSet(ScopedViewSetMixin, ServiceCreateMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer
    selector = staticmethod(lambda user: panels.with_current_rank(selectors.people(user)).order_by("id"))
    filterset_fields = ["unit", "category", "gender", "education", "political_status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {"unmask": "core.unmask_pii"}

    create_service = staticmethod(services.person_create)

    def perform_update(self, serializer):
        serializer.instance = services.person_update(
            user=self.request.user, person=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        request=UnmaskSerializer,
        responses=inline_serializer(
            "UnmaskedValue", {"field": serializers.CharField(), "value": serializers.CharField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        person = self.get_object()
        payload = UnmaskSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        field = payload.validated_data["field"]
        value = pii_unmask(user=request.user, obj=person, field_name=field, reason=payload.validated_data["reason"])
        return Response({"field": field, "value": value})


class AssignmentSerializer(serializers.ModelSerializer):
    person = _scoped_pk_field(selectors.people)
    post = _scoped_pk_field(selectors.posts)

    class Meta:
        model = Assignment
        fields = ["id", "person", "post", "unit", "start_date", "end_date"]
        read_only_fields = ["unit"]


class AssignmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField()


class AssignmentViewSet(ScopedViewSetMixin, ServiceCreateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AssignmentSerializer
    selector = staticmethod(lambda user: selectors.assignments(user).order_by("id"))
    filterset_fields = ["person", "post", "unit"]
    action_permissions = {"end": "org.change_assignment"}

    create_service = staticmethod(services.assignment_create)

    @extend_schema(request=AssignmentEndSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        payload = AssignmentEndSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.assignment_end(user=request.user, assignment=assignment, end_date=payload.validated_data["end_date"])
        return Response(AssignmentSerializer(assignment, context=self.get_serializer_context()).data)


class RoleGrantSerializer(serializers.ModelSerializer):
    user = _scoped_pk_field(selectors.accounts)
    role = serializers.SlugRelatedField(slug_field="code", queryset=Role.objects.all())
    unit = _scoped_pk_field(selectors.units)
    scope = serializers.ChoiceField(choices=RoleGrant.Scope.choices, required=False)

    class Meta:
        model = RoleGrant
        fields = ["id", "user", "role", "unit", "scope"]


class RoleGrantViewSet(ScopedViewSetMixin, ServiceCreateMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RoleGrantSerializer
    selector = staticmethod(lambda user: selectors.grants(user).order_by("id"))
    filterset_fields = ["user", "unit", "scope"]

    create_service = staticmethod(services.role_grant_create)

    def create_arguments(self, data):
        return {"account": data["user"], "role": data["role"], "unit": data["unit"], "scope": data.get("scope", "")}

    def perform_destroy(self, instance):
        services.role_grant_delete(user=self.request.user, grant=instance)

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
