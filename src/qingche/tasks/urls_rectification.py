from django.urls import path

from qingche.tasks import views_rectification as views

urlpatterns = [
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/new/", views.ledger_new, name="ledger_new"),
    path("ledger/<int:pk>/", views.ledger_item, name="ledger_item"),
    path("ledger/evidence/<int:pk>/", views.ledger_evidence, name="ledger_evidence"),
    path("coordination/", views.coordination_list, name="coordination_list"),
    path("coordination/new/", views.coordination_new, name="coordination_new"),
    path("coordination/<int:pk>/", views.coordination_detail, name="coordination_detail"),
    path("coordination/decisions/", views.decisions_open, name="decisions_open"),
    path("coordination/decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
]
