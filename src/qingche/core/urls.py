from django.urls import path

from qingche.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list, name="audit_list"),
    path("calendar/", views.holiday_list, name="holiday_list"),
    path("calendar/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path("language/", views.set_language, name="set_language"),
]
