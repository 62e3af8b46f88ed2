from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.accountability.models import Outcome, SanctionKind, Source
from qingche.accountability.rules import DISTINCTION_LABELS, DISTINCTIONS

DATE = forms.DateInput(attrs={"type": "date"})
IN_FAVOUR = [("", "—"), ("yes", _("yes: in the person's favour")), ("no", _("no"))]


class CaseForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("unit concerned"), queryset=None)
    title = forms.CharField(label=_("title"), max_length=200)
    facts = forms.CharField(label=_("facts"), widget=forms.Textarea(attrs={"rows": 5}))
    source = forms.ChoiceField(label=_("source"), choices=Source.choices)
    source_ref = forms.CharField(label=_("source reference"), max_length=200, required=False)
    opened_on = forms.DateField(label=_("opened on"), widget=DATE)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class DutyItemsForm(forms.Form):
    duty_items = forms.ModelMultipleChoiceField(
        label=_("duty items involved"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duty_items"].queryset = items
        self.fields["duty_items"].label_from_instance = lambda item: (
            f"{item.code} {item.name}（{item.get_kind_display()}）"
        )


class CasePersonForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=None)
    concerned_as = forms.CharField(
        label=_("concerned as"), max_length=100, required=False, help_text=_("e.g. direct or leadership responsibility")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda person: f"{person.name}（{person.unit.name}）"


class ResponsibilityForm(forms.Form):
    responsible_unit = forms.ModelChoiceField(label=_("mainly responsible unit"), queryset=None)
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("needed when the duty is led by a department and another unit is named"),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = units


class DeterminationForm(forms.Form):
    objective_causes = forms.CharField(label=_("objective causes"), widget=forms.Textarea(attrs={"rows": 3}))
    subjective_causes = forms.CharField(label=_("subjective causes"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("outcome"), choices=[("", "—"), *Outcome.choices])
    sanction_kind = forms.ChoiceField(
        label=_("kind of sanction"), choices=[("", "—"), *SanctionKind.choices], required=False
    )
    sanction_from = forms.DateField(label=_("in force from"), widget=DATE, required=False)
    sanction_until = forms.DateField(label=_("in force until"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for key in DISTINCTIONS:
            fields[f"distinction_{key}"] = forms.ChoiceField(
                label=DISTINCTION_LABELS[key], choices=IN_FAVOUR, required=False
            )
            fields[f"reason_{key}"] = forms.CharField(label=_("reason"), max_length=1000, required=False)
        # the three distinctions first: the analysis comes before the outcome
        self.fields = {**dict(list(self.fields.items())[:2]), **fields, **dict(list(self.fields.items())[2:])}

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        distinctions = {}
        for key in DISTINCTIONS:
            answer = data.pop(f"distinction_{key}")
            distinctions[key] = ({"yes": True, "no": False}.get(answer), data.pop(f"reason_{key}"))
        data["distinctions"] = distinctions
        return data
