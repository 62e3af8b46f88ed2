"""/api/v1/: one router for every module's routes (each module lists them in its api_urls.routes)."""

from importlib import import_module

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

API_MODULES = ["qingche.org"]

router = DefaultRouter()
for module in API_MODULES:
    for prefix, viewset, basename in import_module(f"{module}.api_urls").routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
