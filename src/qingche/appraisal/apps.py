from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "qingche.appraisal"
    label = "appraisal"
    verbose_name = _("Appraisal")

    def ready(self):
        from qingche.appraisal import wiring  # noqa: F401 - roles, menu, parameters, home card
