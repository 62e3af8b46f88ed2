from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qingche.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from qingche.core import keys, signals, tokens, wiring  # noqa: F401 - receivers, token checks, cards and menu

        connection_created.connect(keys.on_connection_created, dispatch_uid="qingche.core.keys")
