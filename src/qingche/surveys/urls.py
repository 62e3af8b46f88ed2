from django.urls import path

from qingche.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("from-template/", views.survey_from_template, name="from_template"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/questions/<int:question_id>/delete/", views.question_delete, name="question_delete"),
    path("<int:pk>/publish/", views.survey_publish, name="publish"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/results/", views.survey_results, name="results"),
    path("<int:pk>/answer/", views.answer, name="answer"),
]
