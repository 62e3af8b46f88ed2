"""QuickSelect writes the same select as Django's, only without a template per option."""

import re

from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from qingche.core.forms import QuickSelect

labels = st.text(alphabet=st.sampled_from(list("ab镇<>&\"' ")), max_size=6)


def _plain(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@settings(max_examples=40, deadline=None)
@given(
    choices=st.lists(st.tuples(st.integers(1, 99).map(str), labels), max_size=5, unique_by=lambda c: c[0]),
    chosen=st.one_of(st.none(), st.integers(1, 99).map(str)),
    required=st.booleans(),
)
def test_quick_select_writes_what_django_writes(choices, chosen, required):
    attrs = {"id": "id_person", "required": required}
    full = [("", "---------"), *choices]
    quick = QuickSelect(attrs={"class": "form-select"}, choices=full).render("person", chosen, attrs)
    django = forms.Select(attrs={"class": "form-select"}, choices=full).render("person", chosen, attrs)
    assert _plain(quick) == _plain(django)


def test_option_groups_are_left_to_django():
    choices = [("town", [("1", "东河镇"), ("2", "西山镇")])]
    quick = QuickSelect(choices=choices).render("unit", "2")
    assert _plain(quick) == _plain(forms.Select(choices=choices).render("unit", "2"))
