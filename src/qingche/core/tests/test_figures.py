"""The figures template tags: one way to show a share and an index value on every page."""

from django.template import Context, Template


def render(text: str, **context) -> str:
    return Template("{% load figures %}" + text).render(Context(context)).strip()


def test_a_share_reads_as_a_percentage_and_nothing_to_divide_as_a_dash():
    assert render("{{ share|percent }}", share=0.573) == "57%"
    assert render("{{ share|percent:1 }}", share=0.5734) == "57.3%"
    assert render("{{ share|percent }}", share=None) == "—"
    assert render("{{ share|percent }}", share=0) == "0%"


def test_an_index_shows_its_state_and_never_a_division_by_nobody():
    red = render("{% index_badge value state %}", value=1.234, state="red")
    assert "text-danger" in red and ">1.234<" in red
    assert "text-warning" in render("{% index_badge value state 2 %}", value=1.05, state="over")
    assert 'data-index="0.5"' in render("{% index_badge value state %}", value=0.5, state="ok")
    assert "badge bg-secondary" in render("{% index_badge value state %}", value=None, state="no_capacity")
    assert "text-secondary" in render("{% index_badge value state 3 load %}", value=0.0, state="ok", load=0)
