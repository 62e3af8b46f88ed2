from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "qingche.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from qingche.surveys import wiring  # noqa: F401 - parameters, menu entries, role permissions
