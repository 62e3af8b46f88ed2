"""The second factor (等保 level 3): a TOTP device (django-otp) for the superuser and the three
administrators (system, security, audit), with single-use recovery codes (django-otp's static tokens)."""

import base64
import binascii
import secrets

import segno
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qingche.core.audit import audit_context, record
from qingche.core.scope import user_grants

# The built-in role codes of 三员 (org.roles); kept as strings here so the kernel needs no import of org.
SECOND_FACTOR_ROLES = frozenset({"system_admin", "security_admin", "audit_admin"})
RECOVERY_CODES = 10
DEVICE_NAME = "qingche"


def needs_second_factor(user) -> bool:
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or any(grant.role in SECOND_FACTOR_ROLES for grant in user_grants(user))


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def verify(user, code: str):
    """The device that accepts the code (six digits from the app, or an unused recovery code), or None.
    A wrong code counts towards the device's throttling (django-otp's growing delay)."""
    code = "".join((code or "").split()).lower()
    if code.isdigit() and len(code) == 6:
        device = confirmed_totp(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and device.verify_token(code):
        return device
    return None


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed device an enrolment shows as a QR code (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code, drawn here (segno): the secret never leaves the server."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)


@transaction.atomic
def confirm(user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a pending device with its first code; replaces any earlier device and returns fresh
    recovery codes, or None when the code is wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token("".join((code or "").split())):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    with audit_context(actor=user):
        record("update", obj=user, after={"second_factor": "enrolled"})
    return new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the account's recovery codes by RECOVERY_CODES new ones (shown once; stored as given by
    django-otp, single use)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    with audit_context(actor=user):
        record("update", obj=user, after={"second_factor": "new recovery codes"})
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def reset(user) -> None:
    """Remove every second-factor device of the account (an operator's recovery when the phone and the
    recovery codes are lost): the next log-in enrols again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    with audit_context(actor_name="system:otp_reset"):
        record("update", obj=user, after={"second_factor": "reset"})


def decode_secret(secret: str) -> bytes:
    """The key of a base32 secret (as authenticator apps show it; padding optional)."""
    secret = "".join((secret or "").split()).upper()
    try:
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError) as error:
        raise ValueError("a TOTP secret must be base32 (A-Z, 2-7)") from error
    if len(key) < 10:
        raise ValueError("a TOTP secret must hold at least 80 bits (16 base32 characters)")
    return key


def random_base32() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def enrol_with_secret(user, secret: str) -> TOTPDevice:
    """Give the account a confirmed TOTP device with a known base32 secret (the demo county, scripts)."""
    key = decode_secret(secret)
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key.hex(), confirmed=True)
