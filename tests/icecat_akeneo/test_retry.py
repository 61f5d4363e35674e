from __future__ import annotations

import random

from icecat_akeneo.retry import RetryPolicy, parse_retry_after


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
