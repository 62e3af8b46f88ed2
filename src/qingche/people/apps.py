from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "qingche.people"
    label = "people"
    verbose_name = _("People and care")

    def ready(self):
        from qingche.people import wiring  # noqa: F401 - parameters, menu entries, role permissions, home card
