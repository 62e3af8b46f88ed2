from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.core.forms import QuickSelect, StyledFormMixin
from qingche.org.models import Person, Post, Role, RoleGrant, Unit


class UnitForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Unit.Kind.choices)
    code = forms.CharField(label=_("administrative code"), max_length=20, required=False)
    short_name = forms.CharField(label=_("short name"), max_length=50, required=False)


class UnitMoveForm(StyledFormMixin, forms.Form):
    parent = forms.ModelChoiceField(label=_("new parent unit"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units


class PostForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("post"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Post.Kind.choices)
    quota = forms.IntegerField(label=_("staffing quota"), min_value=0, max_value=999)


class PersonForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "id_number",
            "phone",
            "hometown",
            "education",
            "political_status",
            "category",
            "rank",
            "unit",
        ]
        widgets = {
            "id_number": forms.TextInput(),
            "phone": forms.TextInput(),
        }

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["id_number"].required = True
        if self.instance.pk:
            # Editing never shows personal data in clear: the inputs start empty, show the masked value,
            # and an empty input keeps what is stored.
            for name in ("id_number", "phone"):
                field = self.fields[name]
                field.required = False
                field.widget.attrs["placeholder"] = getattr(self.instance, f"{name}_masked")
                field.help_text = _("Leave empty to keep the stored value.")
                self.initial[name] = ""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            stored = Person.objects.get(pk=self.instance.pk)
            for name in ("id_number", "phone"):
                if not cleaned.get(name):
                    cleaned[name] = getattr(stored, name)
        return cleaned


class PersonFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("name or ID number"), required=False)
    category = forms.ChoiceField(
        label=_("category"), required=False, choices=[("", _("all"))] + Person.Category.choices
    )
    education = forms.ChoiceField(
        label=_("education"), required=False, choices=[("", _("all"))] + Person.Education.choices
    )
    political_status = forms.ChoiceField(
        label=_("political status"), required=False, choices=[("", _("all"))] + Person.Political.choices
    )
    gender = forms.ChoiceField(label=_("gender"), required=False, choices=[("", _("all"))] + Person.Gender.choices)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AssignmentForm(StyledFormMixin, forms.Form):
    post = forms.ModelChoiceField(label=_("post"), queryset=Post.objects.none())
    start_date = forms.DateField(label=_("start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("end date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, posts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = posts


class UnmaskForm(StyledFormMixin, forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")), ("phone", _("phone"))])
    reason = forms.CharField(label=_("reason"), min_length=2, max_length=500)


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class AccountForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=_("user name"), max_length=150)
    password = forms.CharField(label=_("initial password"), widget=forms.PasswordInput)
    person = forms.ModelChoiceField(
        label=_("person"), queryset=Person.objects.none(), required=False, widget=QuickSelect
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p.name} · {p.unit.name} · {p.birth_year}"


class GrantForm(StyledFormMixin, forms.Form):
    account = forms.ModelChoiceField(label=_("account"), queryset=None)
    role = forms.ModelChoiceField(label=_("role"), queryset=Role.objects.all())
    unit = forms.ModelChoiceField(label=_("unit"), queryset=None)
    scope = forms.ChoiceField(
        label=_("scope"), choices=[("", _("role default"))] + RoleGrant.Scope.choices, required=False
    )

    def __init__(self, *args, accounts=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["unit"].queryset = units
