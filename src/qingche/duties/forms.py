from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.core.forms import StyledFormMixin
from qingche.duties import rules
from qingche.duties.models import DutyItem
from qingche.org.models import Unit


class DutyItemForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("code"), max_length=30)
    name = forms.CharField(label=_("name"), max_length=300)
    kind = forms.ChoiceField(label=_("kind"), choices=DutyItem.Kind.choices)
    domain = forms.CharField(label=_("domain"), max_length=50, required=False)
    legal_basis = forms.CharField(label=_("legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lead_unit = forms.ModelChoiceField(label=_("lead department"), required=False, queryset=Unit.objects.none())
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("cooperating departments"), required=False, queryset=Unit.objects.none()
    )
    keywords = forms.CharField(label=_("keywords"), max_length=300, required=False)
    powers = forms.CharField(
        label=_("powers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("one per line, as 类别：说明"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Unit.objects.filter(kind__in=("department", "office"), is_active=True).order_by("path")
        self.fields["lead_unit"].queryset = departments
        self.fields["cooperating_units"].queryset = departments

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["cooperating_units"] = list(data["cooperating_units"])
        data["powers"] = [rules.parse_power(line) for line in data["powers"].splitlines() if line.strip()]
        return data

    @staticmethod
    def initial_of(item: DutyItem) -> dict:
        return {
            "code": item.code,
            "name": item.name,
            "kind": item.kind,
            "domain": item.domain,
            "legal_basis": item.legal_basis,
            "lead_unit": item.lead_unit_id,
            "cooperating_units": list(item.cooperating_units.values_list("pk", flat=True)),
            "keywords": item.keywords,
            "powers": "\n".join(str(power) for power in item.powers.all()),
        }


class StandingHoursForm(StyledFormMixin, forms.Form):
    """Checked by the service (duties.rules.standing_hours_problem), which gives the messages."""

    standing_hours = forms.CharField(
        label=_("standing workload (person-hours a month)"),
        required=False,
        max_length=20,
        help_text=_("what the duty takes every month in the town and its villages; empty: not estimated"),
    )
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
