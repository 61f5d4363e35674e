"""A product is `synced` only when every line of its latest load attempt was accepted (issue 11, point 1):
its value lines and media lines are judged together, in any order and across flushes."""
from __future__ import annotations

from pathlib import Path

import pytest
from icecat_akeneo.akeneo.lines import LineResult
from icecat_akeneo.incremental import IncrementalRun
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.state import ProductStatus, StateStore, sqlite_url

REPO = Path(__file__).resolve().parents[2]
NAME = {"name": [{"locale": "en_US", "scope": None, "data": "Galaxy"}]}
IMAGE = {"main_image": [{"locale": None, "scope": None, "data": "a/b/c/image.png"}]}
REFUSAL = [{"property": "values", "attribute": "marketing_claim", "locale": "en_US", "scope": "ecommerce",
            "message": "This value is too long. It should have 20 characters or less."}]


@pytest.fixture
def run(tmp_path: Path) -> IncrementalRun:
    store = StateStore(sqlite_url(tmp_path, "demo"), "demo")
    store.migrate()
    return IncrementalRun(store, load_mapping(REPO / "include" / "mappings" / "demo.yaml"), tmp_path,
                          manual_edits_win=True)


def value_line(status: int, errors: list | None = None, message: str | None = None) -> LineResult:
    return LineResult(1, "P1", status, message, errors or [], sent={"identifier": "P1", "values": NAME})


def media_line(status: int, message: str | None = None) -> LineResult:
    return LineResult(1, "P1", status, message, sent={"identifier": "P1", "values": IMAGE} if status < 300 else None)


def status_of(run: IncrementalRun) -> tuple[str | None, str | None]:
    run.flush()
    product = run.store.product("P1")
    assert product is not None
    return product.status, product.reason


def test_a_refused_value_line_then_an_uploaded_image_leaves_the_product_failed_with_the_reason(
        run: IncrementalRun) -> None:
    run.on_line_result(value_line(422, REFUSAL, "Validation failed."))
    run.flush()  # the load flushes every FLUSH_EVERY products: the media line's answer comes after
    run.on_line_result(media_line(201, "a/b/c/image.png"))
    status, reason = status_of(run)
    assert status == ProductStatus.FAILED
    assert reason == ("422: Validation failed. [marketing_claim/en_US/ecommerce] This value is too long. "
                      "It should have 20 characters or less.")
    # the image Akeneo took is remembered all the same: the next run does not send it again
    assert run.store.accepted_hashes(["P1"])["P1"].keys() == {("main_image", None, None)}


def test_a_failure_after_a_flushed_success_turns_the_product_failed(run: IncrementalRun) -> None:
    run.on_line_result(value_line(204))
    assert status_of(run)[0] == ProductStatus.SYNCED
    run.on_line_result(media_line(0, "Akeneo unavailable (503 on 10 of 10 calls since 20:31 UTC)"))
    assert status_of(run) == (ProductStatus.FAILED,
                              "not delivered: Akeneo unavailable (503 on 10 of 10 calls since 20:31 UTC)")


@pytest.mark.parametrize(("status", "message", "reason"), [
    (413, "batch not accepted: Too many resources to process", "413: batch not accepted: Too many resources"),
    (503, "batch not accepted: Service Unavailable", "503: batch not accepted: Service Unavailable"),
    (0, "batch not accepted: server disconnected", "not delivered: batch not accepted: server disconnected"),
])
def test_a_batch_that_did_not_reach_akeneo_fails_its_products(run: IncrementalRun, status: int, message: str,
                                                              reason: str) -> None:
    run.on_line_result(value_line(status, message=message))
    got_status, got_reason = status_of(run)
    assert got_status == ProductStatus.FAILED and got_reason is not None and got_reason.startswith(reason)
    assert run.store.accepted_hashes(["P1"])["P1"] == {}


def test_a_product_whose_every_line_was_accepted_is_synced(run: IncrementalRun) -> None:
    run.on_line_result(value_line(204))
    run.on_line_result(media_line(201, "a/b/c/image.png"))
    assert status_of(run) == (ProductStatus.SYNCED, None)
