from django import forms
from django.utils.translation import gettext_lazy as _

from qingche.appraisal import rules
from qingche.appraisal.models import AppraisalScheme
from qingche.core.forms import StyledFormMixin

DIMENSION_NAMES = {
    "de": _("德 integrity"),
    "neng": _("能 ability"),
    "qin": _("勤 diligence"),
    "ji": _("绩 performance"),
    "lian": _("廉 probity"),
}
GROUP_NAMES = {
    "superior": _("上级 superiors"),
    "peer": _("同级 peers"),
    "subordinate": _("下级/服务对象 subordinates"),
    "department": _("职能部门 departments"),
    "party_committee": _("党委 party committee"),
    "public": _("群众 the public"),
    "society": _("社会 society"),
}
INDICATOR_NAMES = {
    "volume": _("workload"),
    "on_time": _("on-time rate"),
    "accuracy": _("accuracy (errors per item)"),
    "satisfaction": _("satisfaction"),
}
WEIGHT_SETS = (
    ("dimension_weights", "dim", DIMENSION_NAMES),
    ("group_weights", "grp", GROUP_NAMES),
    ("indicator_weights", "ind", INDICATOR_NAMES),
)


class SchemeForm(StyledFormMixin, forms.ModelForm):
    """The scheme editor: one percentage field per dimension, rater group and indicator."""

    class Meta:
        model = AppraisalScheme
        fields = [
            "name",
            "person_category",
            "period_type",
            "grade_scale",
            "subjective_weight",
            "min_raters",
            "excellent_quota",
            "quota_group",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weight_fields = {}
        for attr, prefix, names in WEIGHT_SETS:
            current = getattr(self.instance, attr, None) or {}
            self.weight_fields[attr] = []
            for key, label in names.items():
                name = f"{prefix}_{key}"
                self.fields[name] = forms.FloatField(
                    label=label,
                    min_value=0,
                    max_value=100,
                    required=False,
                    initial=current.get(key, 0),
                    widget=forms.NumberInput(attrs={"class": "form-control", "step": "any", "inputmode": "decimal"}),
                )
                self.weight_fields[attr].append(name)

    def weights(self) -> dict:
        result = {}
        for attr, prefix, names in WEIGHT_SETS:
            result[attr] = {key: self.cleaned_data.get(f"{prefix}_{key}") or 0 for key in names}
        return result

    def weight_groups(self):
        titles = {
            "dimension_weights": _("Dimensions 德能勤绩廉 (%)"),
            "group_weights": _("Rater groups (%)"),
            "indicator_weights": _("Objective indicators (%)"),
        }
        return [(attr, titles[attr], [self[name] for name in names]) for attr, names in self.weight_fields.items()]

    def base_fields_bound(self):
        return [self[name] for name in self.Meta.fields]


class CycleForm(StyledFormMixin, forms.Form):
    scheme = forms.ModelChoiceField(label=_("scheme"), queryset=AppraisalScheme.objects.none())
    name = forms.CharField(label=_("name"), max_length=100)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    period_start = forms.DateField(label=_("period start"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("period end"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(label=_("people under"), queryset=None)

    def __init__(self, *args, schemes, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
        self.fields["unit"].queryset = units


class RatingForm(forms.Form):
    """Scores per dimension (0–100) and a comment; built for a phone: numeric keypad, large fields."""

    comment = forms.CharField(
        label=_("comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args, dimensions, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        for dimension in dimensions:
            self.fields[f"score_{dimension}"] = forms.CharField(
                label=DIMENSION_NAMES[dimension],
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control form-control-lg",
                        "min": 0,
                        "max": 100,
                        "step": 1,
                        "inputmode": "numeric",
                    }
                ),
            )

    def scores(self) -> dict:
        return {d: self.data.get(f"score_{d}", "").strip() or None for d in self.dimensions}

    def score_fields(self):
        return [self[f"score_{d}"] for d in self.dimensions]


class CalibrateForm(StyledFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("grade"), choices=())
    reason = forms.CharField(label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, grades, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grades


class AppealForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("grounds for review"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(StyledFormMixin, forms.Form):
    decision = forms.CharField(label=_("decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    new_grade = forms.ChoiceField(label=_("grade after review"), choices=(), required=False)

    def __init__(self, *args, grades, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_grade"].choices = [("", _("keep the grade")), *grades]


class RaterAddForm(StyledFormMixin, forms.Form):
    person = forms.ModelChoiceField(label=_("rater"), queryset=None)
    group = forms.ChoiceField(label=_("rater group"), choices=())

    def __init__(self, *args, people, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["group"].choices = [(g, rules.LABELS[g]) for g in groups]
