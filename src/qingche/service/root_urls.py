"""Public addresses outside /service/: /track/ (citizens) and /open311/v2/ (GeoReport v2)."""

from django.urls import include, path

from qingche.service import open311, views

urlpatterns = [
    path("track/", views.track, name="track"),
    path("open311/v2/", include((open311.urlpatterns, "open311"), namespace="open311")),
]
