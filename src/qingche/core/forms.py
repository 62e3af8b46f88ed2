from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm


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


class LoginForm(StyledFormMixin, AuthenticationForm):
    """Django's log-in form; axes counts failures and locks out (see settings.AXES_*)."""


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    """Changing the password also fulfils the duty to change a first password."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit=commit)
