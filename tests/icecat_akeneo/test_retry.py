from __future__ import annotations

import asyncio
import random

import httpx
import pytest
from icecat_akeneo.breaker import ApiUnavailable
from icecat_akeneo.retry import RetryPolicy, call_with_retries, parse_retry_after


def test_unprocessable_entity_is_never_retried() -> None:
    assert not RetryPolicy().should_retry(1, 422)


def test_rate_limits_server_errors_and_transport_errors_are_retried_until_the_budget_is_spent() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.should_retry(1, 429) and policy.should_retry(2, 503) and policy.should_retry(1, None)
    assert not policy.should_retry(3, 429)


def test_server_retry_after_wins_over_backoff_with_a_little_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=10)
    waits = {policy.delay(1, "3") for _ in range(20)}
    assert all(3.0 <= wait <= 3.5 for wait in waits) and len(waits) > 1
    assert policy.delay(1, "120") == 10.0


def test_backoff_grows_exponentially_with_jitter_below_the_ceiling() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=100)
    rng = random.Random(7)
    delays = [policy.delay(attempt, rng=rng) for attempt in (1, 2, 3, 4)]
    assert all(0 <= d <= 2 ** (i) for i, d in enumerate(delays))
    assert max(policy.delay(10, rng=rng) for _ in range(50)) <= 100


def test_retry_after_accepts_http_dates_and_ignores_garbage() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_call_with_retries_hands_back_the_last_answer_and_counts_attempts_without_waiting() -> None:
    answers = [httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(429), httpx.Response(503)]
    sleeps: list[float] = []
    retried: list[int] = []

    async def send() -> httpx.Response:
        return answers.pop(0)

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    policy = RetryPolicy(max_attempts=3, base_delay=0.5)
    reply = asyncio.run(
        call_with_retries(policy, send, sleep=sleep, on_retry=lambda state, _: retried.append(state.attempt_number))
    )
    assert (reply.response.status_code, reply.attempts, retried) == (503, 3, [1, 2])
    assert 2.0 <= sleeps[0] <= 2.5 and 0 <= sleeps[1] <= 1.0


def test_call_with_retries_raises_the_last_transport_error_and_never_retries_an_open_breaker() -> None:
    calls = {"n": 0}

    async def refused() -> httpx.Response:
        calls["n"] += 1
        raise httpx.ConnectError("refused")

    async def no_wait(seconds: float) -> None:
        return None

    with pytest.raises(httpx.ConnectError):
        asyncio.run(call_with_retries(RetryPolicy(max_attempts=4), refused, sleep=no_wait))
    assert calls["n"] == 4

    async def breaker_open() -> httpx.Response:
        calls["n"] += 1
        raise ApiUnavailable("Akeneo unavailable")

    with pytest.raises(ApiUnavailable):
        asyncio.run(call_with_retries(RetryPolicy(max_attempts=4), breaker_open, sleep=no_wait))
    assert calls["n"] == 5
