from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from qingche.core.audit import shown
from qingche.core.models import AuditEvent, HolidayOverride, Parameter, User


@admin.register(User)
class QingcheUserAdmin(UserAdmin):
    list_display = ("username", "is_active", "is_demo", "last_login")
    fieldsets = UserAdmin.fieldsets + (("Qingche", {"fields": ("language", "is_demo")}),)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail has no change or delete path, here or anywhere."""

    list_display = ("created_at", "actor_name", "ip", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "request_id", "object_id")
    exclude = ("before", "after")
    readonly_fields = ("shown_before", "shown_after")

    @admin.display(description="before")
    def shown_before(self, obj):
        return shown(obj)[0]

    @admin.display(description="after")
    def shown_after(self, obj):
        return shown(obj)[1]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "is_workday")


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = ("key", "value")


# Second-factor devices are managed on the account's own page and by `qingche otp_reset`; django-otp's
# admin pages would show secrets to the superuser and link to the internet.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
