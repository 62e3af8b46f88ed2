from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from qingche.org.models import Assignment, Person, Post, Role, RoleGrant, Unit


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ("name", "kind", "code")
    search_fields = ("name", "code")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "kind", "quota")
    raw_id_fields = ("unit",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Personal data stays masked here too; changes go through the org pages, which validate."""

    list_display = ("name", "gender", "category", "unit", "id_number_masked", "phone_masked")
    search_fields = ("name",)
    raw_id_fields = ("unit", "hometown_unit", "account")
    exclude = ("id_number", "phone", "id_number_hash", "phone_hash")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "post", "start_date", "end_date")
    raw_id_fields = ("person", "post")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "default_scope")
    filter_horizontal = ("permissions",)


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "scope")
    raw_id_fields = ("user", "unit")
