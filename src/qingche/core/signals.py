"""Log-ins, log-outs and failed log-ins go to the audit trail. A user name typed at a failed log-in is
kept only when it names an existing account: anything else (often a password typed in the wrong box)
is not stored, neither in the audit trail nor in django-axes' tables."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

from qingche.core.audit import audit_context, record

UNKNOWN_PREFIX = "unknown:"


def _existing(username: str) -> bool:
    return bool(username) and get_user_model()._default_manager.filter(username=username).exists()


def axes_username(request, credentials) -> str:
    """django-axes' user name (AXES_USERNAME_CALLABLE): the account's name, or for a name that is no
    account a keyed hash of it, so that repeated guesses still lock out while the typed text is lost."""
    username = str((credentials or {}).get("username") or (request.POST.get("username", "") if request else ""))
    username = username[:150]
    if not username or _existing(username):
        return username
    digest = salted_hmac("qingche.axes.unknown", username, secret=settings.FIELD_HASH_KEY, algorithm="sha256")
    return UNKNOWN_PREFIX + digest.hexdigest()[:32]


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
    if not _existing(username):
        username = ""
    with audit_context(actor_name=username):
        record("login_failed", object_type="core.user", object_repr=username)
