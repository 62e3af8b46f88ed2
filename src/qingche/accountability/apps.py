from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "qingche.accountability"
    label = "accountability"
    verbose_name = _("Accountability and fault tolerance")

    def ready(self):
        from qingche.accountability import wiring  # noqa: F401 - parameters, role permissions, menu, appraisal source
