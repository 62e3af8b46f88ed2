from django.urls import path

from qingche.accountability import views

app_name = "accountability"

urlpatterns = [
    path("", views.cases, name="cases"),
    path("new/", views.case_new, name="case_new"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/items/", views.case_items, name="case_items"),
    path("<int:pk>/responsibility/", views.case_responsibility, name="case_responsibility"),
    path("<int:pk>/people/", views.case_person_new, name="case_person_new"),
    path("people/<int:pk>/determination/", views.determination_new, name="determination_new"),
]
