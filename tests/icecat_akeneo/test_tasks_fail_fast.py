"""Deterministic failures fail the Airflow task at once; outages keep its retries (issue 11, point 3)."""
from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException
from icecat_akeneo import tasks
from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoUnavailable
from icecat_akeneo.mapping import MappingError
from icecat_akeneo.pipeline import LoadIncomplete
from icecat_akeneo.state.lock import ClientLocked
from icecat_akeneo.steps.extract import TaxonomyDrift
from icecat_akeneo.steps.validate import ValidationFailed


@pytest.mark.parametrize("error", [
    MappingError("acme.yaml:3 fields: unknown attribute"),
    ValidationFailed({"quarantined": 3, "checked": 10, "quarantined_ratio": 0.3, "failure_ratio": 0.25,
                      "artifacts": {"quarantine": "validate/quarantine.parquet", "data_docs": "index.html"}}),
    TaxonomyDrift("attribute weight changed type"),
    AkeneoAuthError("POST /api/oauth/v1/token: HTTP 401 invalid client", 401),
    ClientLocked("client acme is already being synced by run manual__1 since 2026-12-01 12:00 UTC"),
])
def test_a_deterministic_failure_fails_the_task_without_retries(error: Exception) -> None:
    with pytest.raises(AirflowFailException) as failed, tasks.failing_fast():
        raise error
    assert str(failed.value) == f"{type(error).__name__}: {error}"
    assert failed.value.__cause__ is error


@pytest.mark.parametrize("error", [
    AkeneoUnavailable("Akeneo unavailable (503 on 10 of 10 calls since 20:31 UTC)", 503),
    LoadIncomplete("9 lines were not delivered to Akeneo", {}),
])
def test_an_outage_keeps_the_task_retries(error: Exception) -> None:
    with pytest.raises(type(error)), tasks.failing_fast():
        raise error
