from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "qingche.org"
    label = "org"
    verbose_name = _("Units and people")

    def ready(self):
        from qingche.core import menu, widgets
        from qingche.org import cards, scope
        from qingche.org.roles import sync_builtin_roles

        scope.install()

        widgets.register_card(cards.my_roles, order=1)
        widgets.register_card(cards.staffing, order=50)
        widgets.register_card(cards.administration, order=90)
        post_migrate.connect(_sync_after_last_app, dispatch_uid="qingche.org.sync_roles")
        self._sync = sync_builtin_roles
        menu.register(
            menu.MenuItem(
                _("Unit tree"),
                "org:unit_tree",
                "org.view_unit",
                icon="sitemap",
                section=_("Units and people"),
                order=10,
            ),
            menu.MenuItem(
                _("People"), "org:person_list", "org.view_person", icon="users", section=_("Units and people"), order=11
            ),
            menu.MenuItem(
                _("Import"),
                "org:import",
                ("org.import_unit", "org.import_person"),
                icon="upload",
                section=_("Units and people"),
                order=12,
            ),
            menu.MenuItem(
                _("Accounts"), "org:account_list", "core.view_user", icon="user-cog", section=_("System"), order=90
            ),
            menu.MenuItem(
                _("Role grants"), "org:grant_list", "org.view_rolegrant", icon="shield", section=_("System"), order=91
            ),
        )


def _sync_after_last_app(sender, **kwargs):
    # Permissions are created app by app on post_migrate; roles can only be synced once every
    # app has its permissions, i.e. on the signal of the last installed app.
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        apps.get_app_config("org")._sync(**kwargs)
