from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qingche.core import rules


def validate_id_number(value):
    if value and not rules.is_valid_id_number(value):
        raise ValidationError(
            _("Invalid ID number: 18 characters, a real birth date and a matching check digit (GB 11643)."),
            code="invalid_id_number",
        )


def validate_phone(value):
    if value and not rules.is_valid_phone(value):
        raise ValidationError(
            _("Invalid phone number: an 11-digit mobile number or a landline such as 0731-84123456."),
            code="invalid_phone",
        )
