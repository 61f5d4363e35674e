"""Akeneo completeness before / after load as the run report shows it, and what counts as a fallback."""
from __future__ import annotations

import pytest
from icecat_akeneo.completeness import delta_rows, summarize
from icecat_akeneo.icecat.languages import answered_in


def product(**percent_by_locale: int) -> list[dict]:
    return [{"scope": "ecommerce", "locale": locale, "data": value} for locale, value in percent_by_locale.items()]


def test_summary_counts_products_complete_ones_and_the_average_per_channel_and_locale() -> None:
    summary = summarize([product(en_US=100, de_DE=20), product(en_US=50, de_DE=20), product(en_US=0, de_DE=30)])
    assert summary == {"ecommerce": {"de_DE": {"products": 3, "complete": 0, "average": 23.3},
                                     "en_US": {"products": 3, "complete": 1, "average": 50.0}}}


def test_delta_rows_show_the_change_per_locale() -> None:
    before = summarize([product(en_US=50, de_DE=20), product(en_US=50, de_DE=20)])
    after = summarize([product(en_US=100, de_DE=20), product(en_US=75, de_DE=20)])
    rows = {row["locale"]: row for row in delta_rows(before, after)}
    assert rows["en_US"]["average before %"] == 50.0 and rows["en_US"]["average after %"] == 87.5
    assert rows["en_US"]["change (points)"] == 37.5
    assert (rows["en_US"]["complete before"], rows["en_US"]["complete after"]) == (0, 1)
    assert rows["de_DE"]["change (points)"] == 0.0


def test_a_side_not_measured_leaves_the_change_empty_instead_of_inventing_one() -> None:
    rows = delta_rows(None, summarize([product(en_US=80)]))
    assert rows == [{"channel": "ecommerce", "locale": "en_US", "products": 1, "average before %": None,
                     "average after %": 80.0, "change (points)": None, "complete before": None,
                     "complete after": 0}]
    assert delta_rows(None, None) == []


@pytest.mark.parametrize(("content_language", "asked", "own"), [
    ("DE", "DE", True), ("EN", "DE", False), ("US", "EN", True), ("DE_CH", "DE", True), (None, "DE", True),
])
def test_an_english_answer_to_a_german_request_is_a_fallback(content_language, asked, own) -> None:
    assert answered_in(content_language, asked) is own
