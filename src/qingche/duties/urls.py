from django.urls import path

from qingche.duties import views

app_name = "duties"

urlpatterns = [
    path("", views.list_index, name="list_index"),
]
