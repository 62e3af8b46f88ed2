"""API tokens that expire (core.ApiToken): issued by POST /api/v1/auth/token/, sent as
`Authorization: Token <key>`. Only the key's SHA-256 is stored."""

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from qingche.core import parameters
from qingche.core.models import ApiToken
from qingche.core.scope import user_grants

TOKEN_HOURS = "core.api_token_hours"
parameters.register_defaults({TOKEN_HOURS: (8, "Hours an API token works after it is issued")})
LAST_USED_PRECISION = dt.timedelta(minutes=1)  # one write a minute at most per token


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_hex(20)


def lifetime() -> dt.timedelta:
    return dt.timedelta(hours=float(parameters.get(TOKEN_HOURS)))


def may_hold_token(user) -> bool:
    """An active account that still holds a role (or is the superuser)."""

    return bool(user.is_active and (user.is_superuser or user_grants(user)))


def still_valid(token, now=None) -> bool:
    """Not revoked, not expired, and its account active, with a role, and with the password it had."""
    now = now or timezone.now()
    user = token.user
    return (
        token.revoked_at is None
        and token.expires_at > now
        and may_hold_token(user)
        and constant_time_compare(token.password_stamp, user.get_session_auth_hash())
    )


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's `Token <key>` header, checked against core.ApiToken."""

    def authenticate_credentials(self, key):

        token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
        now = timezone.now()
        if token is None or not still_valid(token, now):
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
