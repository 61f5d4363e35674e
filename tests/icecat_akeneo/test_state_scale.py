"""Scale: remembering a full first run (10k products x 15 values) must take seconds, not minutes."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from icecat_akeneo.state import StateStore, sqlite_url

PRODUCTS, VALUES_PER_PRODUCT, LINES_PER_PATCH = 10_000, 15, 100


@pytest.mark.slow
def test_record_accepted_10k_products_on_sqlite(tmp_path: Path) -> None:
    identifiers = [f"sku-{index:05d}" for index in range(PRODUCTS)]
    values = {f"attr_{a}": [{"locale": "en_US", "scope": "ecommerce", "data": f"value {a}"}]
              for a in range(VALUES_PER_PRODUCT)}
    with StateStore(sqlite_url(tmp_path, "acme"), "acme") as store:
        store.migrate()
        started = time.perf_counter()
        for first in range(0, PRODUCTS, LINES_PER_PATCH):      # as load: one call per collection response
            batch = identifiers[first:first + LINES_PER_PATCH]
            store.record_accepted_many({identifier: values for identifier in batch})
        batched = time.perf_counter() - started
        started = time.perf_counter()
        hashes = store.accepted_hashes(identifiers)
        read = time.perf_counter() - started
        started = time.perf_counter()
        for identifier in identifiers[:1000]:                  # one transaction per line (1k, extrapolated)
            store.record_accepted(identifier, values)
        per_line = (time.perf_counter() - started) * PRODUCTS / 1000
    print(f"\nrecord_accepted_many 10k x 15 in batches of 100: {batched:.2f}s; "
          f"accepted_hashes 10k: {read:.2f}s; "
          f"record_accepted one line at a time (10k, extrapolated): {per_line:.2f}s")
    assert sum(len(product) for product in hashes.values()) == PRODUCTS * VALUES_PER_PRODUCT
    assert batched < 30 and read < 10
