from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BurdenConfig(AppConfig):
    name = "qingche.burden"
    label = "burden"
    verbose_name = _("Burden reduction")

    def ready(self):
        from qingche.burden import wiring  # noqa: F401 - parameters, permissions, menu, sources, cards
