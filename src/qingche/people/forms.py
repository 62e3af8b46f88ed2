from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.people.models import Talk

DATE = forms.DateInput(attrs={"type": "date"})


class LeaveForm(forms.Form):
    start = forms.DateField(label=_("first day"), widget=DATE)
    end = forms.DateField(label=_("last day"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class HealthCheckForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    done = forms.BooleanField(label=_("done (otherwise: booked)"), required=False)


class TalkForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    kind = forms.ChoiceField(label=_("kind"), choices=Talk.Kind.choices)
    note = forms.CharField(
        label=_("confidential note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("read only by you and the organisation department"),
    )


class WorkStartForm(forms.Form):
    started_on = forms.DateField(label=_("started work on"), widget=DATE)
