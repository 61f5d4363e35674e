"""The one template set: bars a reader can compare, and values escaped whatever page shows them."""
from __future__ import annotations

import jinja2
import pytest
from icecat_akeneo.templates import render
from icecat_akeneo.templates.charts import BAR_AREA, bar_chart


def test_bars_are_scaled_to_the_largest_value_in_their_order() -> None:
    chart = bar_chart("Lines by status", {"204 No Content": 300, "422 Unprocessable Entity": 75, "0": 0},
                      tones={"422 Unprocessable Entity": "bad"})
    assert [(bar.label, bar.width, bar.tone) for bar in chart.bars] == [
        ("204 No Content", BAR_AREA, "neutral"), ("422 Unprocessable Entity", BAR_AREA / 4, "bad"), ("0", 0, "neutral")]
    assert [bar.y for bar in chart.bars] == sorted(bar.y for bar in chart.bars)
    assert chart.height >= 3 * chart.bar_height


def test_a_chart_of_nothing_says_so_instead_of_drawing_an_empty_box() -> None:
    page = render("report.html", title="t", status_line="s", tone="good", run={}, top_errors=[], lists=[],
                  coverage={}, completeness=[], state={}, steps=[], links=[], artifacts=[],
                  charts=[bar_chart("Empty", {})])
    assert "<svg" not in page and "nothing to show" in page


def test_a_misspelled_variable_fails_the_render_instead_of_printing_an_empty_cell() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("mapping_draft.html", title="t", rows=[])  # threshold missing
