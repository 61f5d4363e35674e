"""The progress lines a task log shows: their cadence, rate and ETA (with a fake clock, never real time)."""
from __future__ import annotations

import logging

import pytest
from icecat_akeneo.progress import Progress, duration_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def progress_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "icecat_akeneo.progress"]


def test_a_line_every_ten_seconds_of_the_clock_not_every_item(clock, caplog):
    caplog.set_level(logging.INFO, logger="icecat_akeneo.progress")
    progress = Progress("enrich", 1000, unit="lookups", clock=clock)
    for _ in range(60):  # 60 items over 30 s: three lines, at 10, 20 and 30 s
        clock.now += 0.5
        progress.advance()
    assert len(progress_lines(caplog)) == 3


def test_every_n_items_logs_also_when_the_clock_stands_still(clock, caplog):
    caplog.set_level(logging.INFO, logger="icecat_akeneo.progress")
    progress = Progress("load", unit="answers", every_n=50, clock=clock)
    for _ in range(120):
        progress.advance()
    assert len(progress_lines(caplog)) == 2


def test_line_shows_done_of_total_rate_eta_counters_and_live_values(clock):
    progress = Progress("enrich", 10_000, unit="lookups", clock=clock,
                        live=lambda: {"429s": 3, "concurrency": 8})
    clock.now += 20
    progress.advance(1000, found=900, not_in_icecat=100)
    # 1000 in 20 s = 50/s; 9000 left at 50/s = 180 s
    assert progress.eta_s() == pytest.approx(180)
    assert progress.line() == ("1000/10000 lookups (10%), 50.0/s, ETA 3m00s; found=900, not_in_icecat=100, "
                               "429s=3, concurrency=8")


def test_eta_follows_the_rate_so_far(clock):
    progress = Progress("transform", 300, clock=clock)
    clock.now += 10
    progress.advance(100)
    assert progress.eta_s() == pytest.approx(20)
    clock.now += 40  # slowed down: 200 in 50 s = 4/s, 100 left
    progress.advance(100)
    assert progress.eta_s() == pytest.approx(25)


def test_no_eta_without_a_total_or_before_any_time_passed(clock):
    unknown_total = Progress("extract", unit="products read", clock=clock)
    clock.now += 5
    unknown_total.advance(200, pages=2)
    assert unknown_total.eta_s() is None
    assert unknown_total.line() == "200 products read, 40.0/s; pages=2"
    assert Progress("validate", 10, clock=clock).eta_s() is None


def test_finish_logs_one_summary_line_with_the_counters(clock, caplog):
    caplog.set_level(logging.INFO, logger="icecat_akeneo.progress")
    progress = Progress("load", unit="answers", every_s=3600, clock=clock)
    progress.advance(lines_accepted=1)
    progress.advance(lines_refused=1)
    clock.now += 125
    summary = progress.finish(media_reused=4)
    assert summary == "load done: 2 answers in 2m05s (0.0/s); lines_accepted=1, lines_refused=1, media_reused=4"
    assert progress_lines(caplog) == [summary]


@pytest.mark.parametrize(("seconds", "text"), [(42.4, "42s"), (185, "3m05s"), (7620, "2h07m")])
def test_durations_read_at_a_glance(seconds, text):
    assert duration_text(seconds) == text
