"""The optimiser's explanations (data) written in the reader's language."""

from django.utils import translation

from gti.portfolio.explain import render

NAMES = {"gent-P2": "Gent · P2 Groener en CO₂-neutraal Vlaanderen"}


def test_selected_in_part_in_both_languages():
    reasons = [{"code": "selected", "funded": 200000.0, "requested": 300000.0, "value": 72.5}]
    with translation.override("en"):
        assert render(reasons) == (
            "selected: EUR 200,000.00 of EUR 300,000.00 requested, value 72.5"
        )
    with translation.override("nl"):
        assert render(reasons) == (
            "geselecteerd: EUR 200.000,00 van EUR 300.000,00 gevraagd, waarde 72,5"
        )


def test_left_out_names_the_envelope_and_what_it_would_take():
    reasons = [
        {"code": "envelope_short", "envelope": "gent-P2", "left": 100000.0, "asks": 150000.0,
         "short": 50000.0, "value": 70, "displace_value": 90},
        {"code": "requires_unselected", "required": "GENT-2026-1-003"},
    ]  # fmt: skip
    with translation.override("nl"):
        text = render(reasons, NAMES)
    assert text == (
        "niet geselecteerd: in enveloppe Gent · P2 Groener en CO₂-neutraal Vlaanderen blijft "
        "EUR 100.000,00 over en het vraagt EUR 150.000,00: zijn EFRO zou met EUR 50.000,00 moeten "
        "dalen, of zijn waarde zou boven 90 moeten stijgen (nu 70) om geselecteerde "
        "projectvoorstellen met die waarde te verdringen; vereist GENT-2026-1-003, dat niet "
        "geselecteerd is"
    )
    with translation.override("en"):
        assert render(reasons).startswith(
            "left out: envelope gent-P2 has EUR 100,000.00 left and it asks EUR 150,000.00"
        )


def test_conflict_and_text_of_an_older_result():
    with translation.override("en"):
        conflict = render([{"code": "conflict", "constraints": ["min-1", "gent-P2"]}])
    assert conflict == "These constraints cannot all hold: min-1, gent-P2"
    assert render("selected: EUR 1.00, value 1") == "selected: EUR 1.00, value 1"
