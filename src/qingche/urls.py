from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from qingche.core import views as core_views
from qingche.core.api import ApiDocsPermission
from qingche.core.forms import StyledPasswordChangeForm
from qingche.core.health import healthz

# The split view serves Swagger UI's start-up script as a file (?script=): the page keeps to the script policy.
_swagger = SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[ApiDocsPermission])


def api_docs(request):
    """The docs page sends a browser that is not logged in to the log-in page (unless the docs are public)."""
    if not (settings.QINGCHE_PUBLIC_API_DOCS or request.user.is_authenticated):
        return redirect_to_login(request.get_full_path())
    return _swagger(request)


# A database that is away answers 503 with Retry-After, also when a middleware met it (core.health).
handler500 = "qingche.core.health.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", core_views.login_otp, name="login_otp"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="core/password_change.html", form_class=StyledPasswordChangeForm, success_url="/"
        ),
        name="password_change",
    ),
    # The admin site's own log-in form knows no second factor: the one log-in page serves it too.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[ApiDocsPermission]), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include("qingche.api_urls")),
    path("", include("qingche.core.urls")),
]

for module in settings.QINGCHE_MODULES:
    if find_spec(f"{module}.urls") is not None:
        label = module.rsplit(".", 1)[-1]
        urlpatterns.insert(-1, path(f"{label}/", include(import_module(f"{module}.urls"))))
    if find_spec(f"{module}.root_urls") is not None:  # a module's public addresses outside /<label>/
        urlpatterns.insert(-1, path("", include(import_module(f"{module}.root_urls"))))

if settings.DEBUG:  # pragma: no cover
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
