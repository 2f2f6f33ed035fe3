"""`{{ amount|eur }}`: Dutch and English thousands separators, from Decimal, never via float."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from gti.templatetags.money import format_eur


@pytest.mark.parametrize(
    ("amount", "nl", "en"),
    [
        (Decimal("1234567.89"), "EUR 1.234.567,89", "EUR 1,234,567.89"),
        (Decimal("0"), "EUR 0,00", "EUR 0.00"),
        (Decimal("-1234.5"), "EUR -1.234,50", "EUR -1,234.50"),
        (Decimal("9800000"), "EUR 9.800.000,00", "EUR 9,800,000.00"),
        (Decimal("276000000.00"), "EUR 276.000.000,00", "EUR 276,000,000.00"),
        (Decimal("999.995"), "EUR 1.000,00", "EUR 1,000.00"),  # rounds half up to the cent
        (Decimal("2.675"), "EUR 2,68", "EUR 2.68"),  # as a float, 2.675 would round to 2.67
        (Decimal("-0.004"), "EUR 0,00", "EUR 0.00"),  # no "minus zero"
        (Decimal("100"), "EUR 100,00", "EUR 100.00"),
        ("4900000.01", "EUR 4.900.000,01", "EUR 4,900,000.01"),  # text, as JSON stores it
        (200000.0, "EUR 200.000,00", "EUR 200,000.00"),  # a scenario's float, by its text
        (12345678901234.56, "EUR 12.345.678.901.234,56", "EUR 12,345,678,901,234.56"),
    ],
)
def test_worked_examples(amount, nl, en):
    assert format_eur(amount, "nl") == nl
    assert format_eur(amount, "en") == en


def test_nothing_and_not_a_number():
    assert format_eur(None) == "" and format_eur("") == ""
    assert format_eur("n/a") == "n/a"


def test_the_filter_follows_the_active_language():
    template = Template("{% load money %}{{ amount|eur }}")
    context = Context({"amount": Decimal("1234567.89")})
    with translation.override("nl"):
        assert template.render(context) == "EUR 1.234.567,89"
    with translation.override("en"):
        assert template.render(context) == "EUR 1,234,567.89"


def test_ids_and_years_keep_their_digits(settings):
    """The separators come from the filter alone: USE_THOUSAND_SEPARATOR stays off."""
    assert not settings.USE_THOUSAND_SEPARATOR
    with translation.override("nl"):
        assert Template("{{ n }}").render(Context({"n": 2027})) == "2027"
