from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.core.forms import StyledFormMixin
from qingche.org.models import Person
from qingche.surveys import presets
from qingche.surveys.models import Question

DATE = forms.DateInput(attrs={"type": "date"})


class SurveyForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    anonymous = forms.BooleanField(
        label=_("anonymous"), required=False, initial=True, help_text=_("answers keep no link to the person")
    )
    opens_on = forms.DateField(label=_("opens on"), widget=DATE)
    closes_on = forms.DateField(label=_("closes on"), widget=DATE)
    target_units = forms.ModelMultipleChoiceField(
        label=_("target units"),
        queryset=None,
        required=False,
        help_text=_("each with the units under it; none: the whole county"),
    )
    target_categories = forms.MultipleChoiceField(
        label=_("target categories"),
        choices=Person.Category.choices,
        required=False,
        help_text=_("none: every category"),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_units"].queryset = units


class PresetForm(StyledFormMixin, forms.Form):
    preset = forms.ChoiceField(label=_("template"), choices=presets.choices)
    opens_on = forms.DateField(label=_("opens on"), widget=DATE)
    closes_on = forms.DateField(label=_("closes on"), widget=DATE)


class QuestionForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Question.Kind.choices)
    text = forms.CharField(label=_("question"), max_length=300)
    choices = forms.CharField(
        label=_("choices"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("one per line; for a scale: the names of its two ends"),
    )
    scale_max = forms.IntegerField(label=_("scale points"), min_value=2, max_value=10, initial=5)
    required = forms.BooleanField(label=_("required"), required=False, initial=True)

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]
