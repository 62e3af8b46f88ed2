from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "qingche.org"
    label = "org"
    verbose_name = _("Units and people")

    def ready(self):
        from qingche.org import wiring  # noqa: F401 - scope loaders, cards and menu
        from qingche.org.roles import sync_builtin_roles  # in ready(): org.roles needs the app registry

        post_migrate.connect(_sync_after_last_app, dispatch_uid="qingche.org.sync_roles")
        self._sync = sync_builtin_roles


def _sync_after_last_app(sender, **kwargs):
    # Permissions are created app by app on post_migrate; roles can only be synced once every
    # app has its permissions, i.e. on the signal of the last installed app.

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        apps.get_app_config("org")._sync(**kwargs)
