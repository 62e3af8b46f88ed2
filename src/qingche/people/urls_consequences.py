from django.urls import path

from qingche.people import views_consequences as views

urlpatterns = [
    path("consequences/", views.consequences, name="consequences"),
    path("consequences/propose/", views.propose, name="consequences_propose"),
    path("consequences/<int:pk>/decide/", views.decide, name="consequence_decide"),
]
