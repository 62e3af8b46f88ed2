from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "qingche.service"
    label = "service"
    verbose_name = _("Citizen requests")

    def ready(self):
        from qingche.service import wiring  # noqa: F401 - parameters, role permissions, menu entries, cards
