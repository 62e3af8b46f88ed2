from django.urls import path

from qingche.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list, name="audit_list"),
    path("calendar/", views.holiday_list, name="holiday_list"),
    path("calendar/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path("language/", views.set_language, name="set_language"),
    path("accounts/second-factor/", views.otp_setup, name="otp_setup"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
