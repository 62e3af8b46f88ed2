from html import escape

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class StyledFormMixin:
    """Gives every widget Tabler's classes, so templates can render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class QuickSelect(forms.Select):
    """A select of thousands of options (people, accounts) written in one pass: Django's Select renders
    a template per option, which costs tenths of a second on a county's people. The same HTML otherwise."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(iter(self.choices))  # iter(): list() would ask a queryset its len(), one more query
        if any(isinstance(label, list | tuple) for _value, label in choices):  # option groups: Django's way
            return super().render(name, value, attrs, renderer)
        final = self.build_attrs(self.attrs, attrs)
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            mark = " selected" if text in chosen else ""
            options.append(f'<option value="{escape(text)}"{mark}>{escape(str(label))}</option>')
        opening = format_html('<select name="{}"{}>', name, flatatt(final))
        return opening + mark_safe("".join(options) + "</select>")  # each option escaped above


class LoginForm(StyledFormMixin, AuthenticationForm):
    """Django's log-in form; axes counts failures and locks out (see settings.AXES_*)."""


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    """Changing the password also fulfils the duty to change a first password."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit=commit)


def form_errors(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: each message on its field, the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


def error_texts(error: ValidationError) -> list[str]:
    """Every message of a service's refusal, for a flash message or a plain list."""
    if hasattr(error, "error_dict"):
        return [text for texts in error.message_dict.values() for text in texts]
    return list(error.messages)
