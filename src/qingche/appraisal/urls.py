from django.urls import path

from qingche.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.index, name="index"),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/new/", views.scheme_edit, name="scheme_new"),
    path("schemes/<int:pk>/", views.scheme_edit, name="scheme_edit"),
    path("cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/results/", views.cycle_results, name="cycle_results"),
    path("cycles/<int:pk>/publicity/", views.cycle_publicity, name="cycle_publicity"),
    path("results/<int:pk>/", views.result_detail, name="result_detail"),
    path("results/<int:pk>/raters/", views.raters_edit, name="raters_edit"),
    path("rate/", views.my_ratings, name="my_ratings"),
    path("rate/<int:pk>/", views.rate, name="rate"),
    path("r/<str:token>/", views.link_rate, name="link_rate"),
    path("outcomes/", views.outcomes, name="outcomes"),
]
