from django.urls import path

from qingche.people import views_training as views

urlpatterns = [
    path("training/", views.plans, name="training_plans"),
    path("training/mine/", views.mine, name="training_mine"),
    path("training/plans/new/", views.plan_new, name="training_plan_new"),
    path("training/plans/<int:plan_id>/sessions/new/", views.session_new, name="training_session_new"),
    path("training/plans/<int:plan_id>/publish/", views.plan_publish, name="training_plan_publish"),
    path("training/sessions/<int:pk>/", views.session_detail, name="training_session"),
    path("training/sessions/<int:pk>/nominate/", views.session_nominate, name="training_nominate"),
    path("training/sessions/<int:pk>/manage/", views.session_manage, name="training_manage"),
    path("training/sessions/<int:pk>/import/", views.session_import, name="training_import"),
    path("training/coverage/", views.coverage, name="training_coverage"),
    path("training/surveys/", views.surveys, name="training_surveys"),
    path("training/surveys/<int:pk>/", views.survey_results, name="training_survey"),
    path("training/surveys/<int:pk>/answer/", views.survey_answer, name="training_answer"),
    path("rest/<int:person_id>/", views.rest_for_person, name="rest_for_person"),
    path("leave/export/", views.leave_export, name="leave_export"),
]
