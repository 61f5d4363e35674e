"""Horizontal bar charts as plain geometry, drawn as inline SVG by `macros.html`: no script, nothing fetched,
so a report opened from disk, mailed or served behind a proxy shows its charts the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LABEL_WIDTH = 190
BAR_AREA = 300
VALUE_WIDTH = 70
ROW_HEIGHT = 22
BAR_HEIGHT = 16


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as printed at the end of the bar
    y: int
    width: float
    tone: str  # css class: good / bad / neutral


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT


def bar_chart(
    title: str, values: Mapping[str, float], *, unit: str = "", tones: Mapping[str, str] | None = None
) -> BarChart:
    """One bar per entry, in the given order, scaled to the largest value (a zero value draws no bar)."""
    largest = max(values.values(), default=0) or 1
    bars = tuple(
        Bar(
            label=label,
            value=value,
            text=f"{value:g}{unit}",
            y=index * ROW_HEIGHT,
            width=round(BAR_AREA * value / largest, 1),
            tone=(tones or {}).get(label, "neutral"),
        )
        for index, (label, value) in enumerate(values.items())
    )
    return BarChart(title, bars)
