from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qingche.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from qingche.core import cards, lockout, menu, signals, tokens, widgets  # noqa: F401

        widgets.register_card(cards.audit_today, order=80)
        widgets.register_card(lockout.card, order=85)

        menu.register(
            menu.MenuItem(
                _("Audit trail"), "core:audit_list", "core.view_auditevent", icon="history", section=_("System")
            ),
            menu.MenuItem(
                _("Holidays and workdays"),
                "core:holiday_list",
                "core.view_holidayoverride",
                icon="calendar",
                section=_("System"),
            ),
        )
