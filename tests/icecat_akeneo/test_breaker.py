"""The circuit breaker: opens after K consecutive outages, probes once after the cool-down, resets on success."""

from __future__ import annotations

import httpx
import pytest
from icecat_akeneo.breaker import CLOSED, HALF_OPEN, OPEN, ApiUnavailable, BreakerSettings, CircuitBreaker
from icecat_akeneo.redaction import redact


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def answer(breaker: CircuitBreaker, status: int) -> None:
    with breaker.guard() as outcome:
        outcome.status(status)


def drop(breaker: CircuitBreaker) -> None:
    with pytest.raises(httpx.ConnectError), breaker.guard():
        raise httpx.ConnectError("refused")


def make(clock: Clock, threshold: int = 3) -> CircuitBreaker:
    wall = 1_700_000_000.0  # 2023-11-14 22:13 UTC
    return CircuitBreaker("Akeneo", BreakerSettings(threshold, 30.0), clock=clock, wall_clock=lambda: wall)


def test_opens_after_k_consecutive_failures_and_then_sends_nothing() -> None:
    breaker = make(Clock())
    answer(breaker, 503)
    drop(breaker)
    assert breaker.state == CLOSED
    answer(breaker, 503)
    assert breaker.state == OPEN
    with pytest.raises(ApiUnavailable) as caught, breaker.guard():
        pytest.fail("a request was sent through an open breaker")
    assert str(caught.value).startswith("Akeneo unavailable (503/ConnectError on 3 of 3 calls since 22:13 UTC)")
    assert breaker.rejected == 1


def test_an_answer_below_500_resets_the_count() -> None:
    breaker = make(Clock())
    answer(breaker, 503)
    answer(breaker, 503)
    answer(breaker, 422)  # Akeneo is up: refusing one line is data
    answer(breaker, 503)
    answer(breaker, 503)
    assert breaker.state == CLOSED and breaker.consecutive_failures == 2


def opened(clock: Clock, status: int) -> CircuitBreaker:
    """A breaker (threshold 3) that `status` answers just opened."""
    breaker = make(clock)
    for _ in range(3):
        answer(breaker, status)
    assert breaker.state == OPEN
    return breaker


def test_after_the_cooldown_one_probe_goes_through_and_its_success_closes() -> None:
    clock = Clock()
    breaker = opened(clock, 500)
    clock.now = 29.0
    with pytest.raises(ApiUnavailable):
        answer(breaker, 200)
    clock.now = 30.0
    with breaker.guard() as probe:
        assert breaker.state == HALF_OPEN
        with pytest.raises(ApiUnavailable), breaker.guard():  # a second caller while the probe is out
            pass
        probe.status(200)
    assert breaker.state == CLOSED and breaker.consecutive_failures == 0
    answer(breaker, 200)


def test_a_failed_probe_opens_again_for_a_whole_cooldown() -> None:
    clock = Clock()
    breaker = opened(clock, 502)
    clock.now = 31.0
    answer(breaker, 502)
    assert breaker.state == OPEN
    clock.now = 60.0
    with pytest.raises(ApiUnavailable, match="4 of 4 calls"):
        answer(breaker, 200)


def test_redact_removes_every_secret_and_every_query_string() -> None:
    text = "GET https://live.icecat.biz/api?app_key=K3Y&lang=EN failed; token s3cr3t-long, s3cr3t"
    redacted = redact(text, ["s3cr3t", "s3cr3t-long", None, ""])
    assert "K3Y" not in redacted and "s3cr3t" not in redacted and "lang=EN" not in redacted
    assert redacted.startswith("GET https://live.icecat.biz/api?*** failed; token ***, ***")
