"""/api/v1/: one router for every module's routes (each module lists them in its api_urls.routes)."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from qingche.core.api import TokenLoginView, not_found

router = DefaultRouter()
for module in settings.QINGCHE_MODULES:
    if find_spec(f"{module}.api_urls") is None:
        continue
    for prefix, viewset, basename in import_module(f"{module}.api_urls").routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("", include(router.urls)),
    re_path(r"^.*/$", not_found),  # e.g. /api/v1/tasks/1.5/; without the slash Django first adds it
]
