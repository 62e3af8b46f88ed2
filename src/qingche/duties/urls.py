from django.urls import path

from qingche.duties import views

app_name = "duties"

urlpatterns = [
    path("", views.list_index, name="list_index"),
    path("template.xlsx", views.template, name="template"),
    path("unit/<int:unit_id>/", views.unit_list, name="unit_list"),
    path("unit/<int:unit_id>/history/", views.history, name="history"),
    path("unit/<int:unit_id>/import/", views.import_list, name="import"),
    path("unit/<int:unit_id>/draft/", views.draft, name="draft"),
    path("lists/<int:pk>/diff/", views.diff, name="diff"),
    path("lists/<int:pk>/export.xlsx", views.export, name="export"),
    path("lists/<int:pk>/publish/", views.publish, name="publish"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("items/<int:pk>/standing/", views.item_standing, name="item_standing"),
    path("lists/<int:pk>/items/new/", views.item_edit, name="item_new"),
    path("lists/<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
]
