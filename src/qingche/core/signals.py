"""Log-ins, log-outs and failed log-ins go to the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from qingche.core.audit import audit_context, record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    with audit_context(actor=user):
        record("login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        with audit_context(actor=user):
            record("logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    with audit_context(actor_name=username):
        record("login_failed", object_type="core.user", object_repr=username)
