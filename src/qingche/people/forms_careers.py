from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.people.models_careers import RankChange

DATE = forms.DateInput(attrs={"type": "date"})


class RankChangeForm(forms.Form):
    to_rank = forms.ChoiceField(label=_("to rank"))
    date = forms.DateField(label=_("date"), widget=DATE)
    basis = forms.ChoiceField(label=_("basis"), choices=RankChange.Basis.choices)
    document_number = forms.CharField(label=_("document number"), max_length=100, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, ranks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_rank"].choices = [(name, name) for name in ranks]


class PayPoolForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("unit"), queryset=None)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("pool (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class PostHardshipForm(forms.Form):
    remote = forms.BooleanField(label=_("remote post"), required=False)
    frontline = forms.BooleanField(label=_("front-line post"), required=False)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class TransferForm(forms.Form):
    destination = forms.CharField(label=_("transfer to"), max_length=100)
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class PoolUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file"))
