from django.urls import path

from qingche.burden import views

app_name = "burden"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ranking/", views.ranking, name="ranking"),
    path("units/<int:pk>/", views.unit_index, name="unit_index"),
    path("people/<int:pk>/", views.person_index, name="person_index"),
    path("me/", views.my_index, name="my_index"),
    path("settings/", views.index_settings, name="settings"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/plan/new/", views.plan_item_new, name="plan_item_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/new/", views.document_new, name="document_new"),
    path("apps/", views.app_list, name="app_list"),
    path("apps/new/", views.app_new, name="app_new"),
    path("overtime/", views.overtime_list, name="overtime_list"),
    path("overtime/new/", views.overtime_new, name="overtime_new"),
    path("catalog/", views.catalog_list, name="catalog_list"),
    path("catalog/new/", views.catalog_new, name="catalog_new"),
    path("forms/", views.form_list, name="form_list"),
    path("forms/new/", views.form_new, name="form_new"),
    path("forms/preview/", views.form_preview, name="form_preview"),
    path("forms/report/", views.form_report, name="form_report"),
    path("forms/<int:pk>/", views.form_detail, name="form_detail"),
    path("forms/<int:pk>/fill/<int:unit_pk>/", views.form_fill, name="form_fill"),
    path("voice/", views.voice, name="voice"),
    path("voice/follow/", views.voice_follow, name="voice_follow"),
    path("voice/answers/", views.voice_answers, name="voice_answers"),
    path("reports/", views.report_inbox, name="report_inbox"),
    path("reports/<int:pk>/", views.report_answer, name="report_answer"),
]
