from django.urls import path

from qingche.people import views_awards as views

urlpatterns = [
    path("awards/", views.awards, name="awards"),
    path("awards/types/new/", views.award_type_new, name="award_type_new"),
    path("awards/new/", views.award_round_new, name="award_round_new"),
    path("awards/<int:pk>/", views.award_round, name="award_round"),
    path("awards/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("awards/<int:pk>/action/", views.award_round_action, name="award_round_action"),
    path("awards/<int:pk>/publicity/", views.publicity, name="publicity"),
    path("awards/objections/<int:pk>/", views.objection_answer, name="objection_answer"),
    path("reserve/", views.reserve, name="reserve"),
    path("reserve/new/", views.reserve_new, name="reserve_new"),
    path("reserve/<int:pk>/", views.reserve_detail, name="reserve_detail"),
    path("secondments/", views.secondments, name="secondments"),
    path("secondments/new/", views.secondment_new, name="secondment_new"),
    path("secondments/<int:pk>/", views.secondment_detail, name="secondment_detail"),
]
