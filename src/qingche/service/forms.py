import secrets

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from qingche.core.forms import StyledFormMixin
from qingche.org.models import Unit
from qingche.service import selectors
from qingche.service.models import ServiceRequest

CHALLENGE_SALT = "qingche.service.challenge"
CHALLENGE_MAX_AGE = 2 * 3600


def category_choices():
    return [("", "—")] + [(c.pk, c.full_name) for c in selectors.leaf_categories()]


def town_choices():
    towns = Unit.objects.filter(kind__in=Unit.TOWN_LEVEL, is_active=True).order_by("path")
    return [("", _("— not known —"))] + [(u.pk, u.name) for u in towns]


class RequestForm(StyledFormMixin, forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, choices=())
    title = forms.CharField(label=_("Subject"), max_length=200, required=False)
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    town = forms.TypedChoiceField(label=_("Town or street"), coerce=int, required=False, empty_value=None, choices=())
    lat = forms.CharField(label=_("Latitude"), required=False, max_length=20)
    long = forms.CharField(label=_("Longitude"), required=False, max_length=20)
    citizen_name = forms.CharField(label=_("Name"), max_length=50, required=False)
    citizen_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    anonymous = forms.BooleanField(label=_("Keep my name from the handling unit"), required=False)
    publish = forms.BooleanField(
        label=_(
            "I agree that my request and its answer may be published on the "
            "county's open data, without my name, phone or address"
        ),
        required=False,
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["town"].choices = town_choices()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", secrets.token_hex(16))


class PublicRequestForm(RequestForm):
    """The citizen's web form: an arithmetic question signed by the server (works offline, no third
    party) and a honeypot field that people never see."""

    answer = forms.IntegerField(label=_("Answer"))
    challenge = forms.CharField(widget=forms.HiddenInput)
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    attachments = forms.FileField(
        label=_("Photos (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
            self.initial["challenge"] = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(4)}, salt=CHALLENGE_SALT)
            self.question = f"{a} + {b} = ?"
        else:
            self.question = ""
            try:
                data = signing.loads(self.data.get("challenge", ""), salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
                self.question = f"{data['a']} + {data['b']} = ?"
            except signing.BadSignature:
                pass

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(_("The form could not be accepted."))
        try:
            data = signing.loads(cleaned.get("challenge") or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(_("The form has expired: please answer the new question.")) from None
        if cleaned.get("answer") != data["a"] + data["b"]:
            self.add_error("answer", _("That is not the right answer."))
        return cleaned


class UnechoedInput(forms.TextInput):
    """A verification code is typed, and never sent back in a page."""

    def format_value(self, value):
        return None


class TrackForm(StyledFormMixin, forms.Form):
    number = forms.CharField(label=_("Request number"), max_length=20)
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        widget=UnechoedInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class CallbackForm(StyledFormMixin, forms.Form):
    solved = forms.TypedChoiceField(
        label=_("Was it solved?"),
        coerce=lambda v: v == "1",
        choices=[("1", _("solved")), ("0", _("not solved"))],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you?"), choices=ServiceRequest.Satisfaction.choices, widget=forms.RadioSelect
    )


class KnowledgeEntryForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Question"), max_length=200)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=300,
        required=False,
        help_text=_("words a caller may use, separated by spaces"),
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None, choices=())
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("the policy, notice or earlier reply the answer rests on"),
    )
    is_active = forms.BooleanField(label=_("Active (offered to the hotline)"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
