from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.org.models import Person, Unit
from qingche.people.models_awards import AwardType, ReserveEntry, ReserveReview, Secondment

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})


class AwardTypeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=60)
    quota = forms.IntegerField(label=_("quota per round"), min_value=1, max_value=999)
    candidates_from = forms.ChoiceField(label=_("automatic candidates"), choices=AwardType.Source.choices)
    description = forms.CharField(label=_("description"), max_length=300, required=False)


class AwardRoundForm(forms.Form):
    award_type = forms.ModelChoiceField(label=_("award type"), queryset=AwardType.objects.none())
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=120, required=False)

    def __init__(self, *args, types=None, **kwargs):
        super().__init__(*args, **kwargs)
        if types is not None:
            self.fields["award_type"].queryset = types


class NominationForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none())
    reason = forms.CharField(label=_("reason"), widget=TEXT, max_length=2000)
    evidence = forms.CharField(
        label=_("evidence"), widget=TEXT, max_length=5000, required=False, help_text=_("deeds, figures, documents")
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("objection"), widget=TEXT, max_length=5000, help_text=_("read only by the organisation department")
    )


class ObjectionAnswerForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("finding"),
        choices=[("0", _("not upheld: the nomination stands")), ("1", _("upheld: the nomination is withdrawn"))],
        coerce=lambda value: value == "1",
    )
    answer = forms.CharField(label=_("what was checked and found"), widget=TEXT, max_length=2000)


class ConferForm(forms.Form):
    document_number = forms.CharField(label=_("document number"), max_length=60)


class ReserveEntryForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none())
    category = forms.ChoiceField(label=_("category"), choices=ReserveEntry.Category.choices)
    plan = forms.CharField(label=_("development plan"), widget=TEXT, max_length=5000)
    mentor = forms.ModelChoiceField(label=_("mentor"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people
            self.fields["mentor"].queryset = people


class ReserveTaskForm(forms.Form):
    title = forms.CharField(label=_("assignment"), max_length=200)
    start = forms.DateField(label=_("from"), widget=DATE)
    end = forms.DateField(label=_("until"), widget=DATE, required=False)
    result = forms.CharField(label=_("how it went"), max_length=300, required=False)


class ReserveReviewForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    conclusion = forms.ChoiceField(label=_("conclusion"), choices=ReserveReview.Conclusion.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class ReserveLeaveForm(forms.Form):
    reason = forms.CharField(label=_("reason for leaving"), max_length=300)


class SecondmentForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none())
    host_unit = forms.ModelChoiceField(label=_("host unit"), queryset=Unit.objects.none())
    start = forms.DateField(label=_("from"), widget=DATE)
    end = forms.DateField(label=_("until"), widget=DATE)
    goals = forms.CharField(label=_("goals"), widget=TEXT, max_length=5000)

    def __init__(self, *args, people=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people
        if units is not None:
            self.fields["host_unit"].queryset = units


class SecondmentAssessForm(forms.Form):
    assessment = forms.ChoiceField(label=_("end assessment"), choices=Secondment.Grade.choices)
    wish = forms.ChoiceField(label=_("the person's wish"), choices=Secondment.Wish.choices)
    note = forms.CharField(label=_("assessment note"), max_length=300, required=False)


class SecondmentOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=Secondment.Outcome.choices)
