from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qingche.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from qingche.core import signals, tokens, wiring  # noqa: F401 - receivers, token checks, cards and menu
