from django.urls import path

from qingche.people import urls_awards, urls_careers, urls_consequences, urls_training, views

app_name = "people"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("leave/", views.leave_plan, name="leave_plan"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("leave/new/<int:person_id>/", views.leave_for_person, name="leave_for_person"),
    path("people/<int:person_id>/work-start/", views.work_start_edit, name="work_start"),
    path("health/", views.health, name="health"),
    path("health/<int:person_id>/", views.health_for_person, name="health_for_person"),
    path("talks/", views.talks, name="talks"),
    path("talks/new/<int:person_id>/", views.talk_new, name="talk_new"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail"),
    *urls_careers.urlpatterns,
    *urls_training.urlpatterns,
    *urls_awards.urlpatterns,
    *urls_consequences.urlpatterns,
]
