from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "qingche.tasks"
    label = "tasks"
    verbose_name = _("Task admission")

    def ready(self):
        from qingche.tasks import wiring  # noqa: F401 - menu entries, role permissions, parameters
