from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "qingche.duties"
    label = "duties"
    verbose_name = _("Duty lists")

    def ready(self):
        from qingche.duties import wiring  # noqa: F401 - menu entries, role permissions, home cards
