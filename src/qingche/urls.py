from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from qingche.core.api import ApiDocsPermission, healthz
from qingche.core.forms import LoginForm, StyledPasswordChangeForm

_swagger = SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[ApiDocsPermission])


def api_docs(request):
    """The docs page sends a browser that is not logged in to the log-in page (unless the docs are public)."""
    if not (settings.QINGCHE_PUBLIC_API_DOCS or request.user.is_authenticated):
        return redirect_to_login(request.get_full_path())
    return _swagger(request)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="core/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="core/password_change.html", form_class=StyledPasswordChangeForm, success_url="/"
        ),
        name="password_change",
    ),
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
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
