"""A field written to a second scope (issue 18, point 1) on both sandboxes: the demo mapping plus
`description` into the `print` channel. Extract must read that scope back, or every rerun would take the
print value for one a person cleared (a "manual edit") and never update it again."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs, patches
from tests.e2e.test_sync_dag import product_values

PRINT_DESCRIPTION = "  - {source: description_html, attribute: description, scope: print, locales: [en_US]}\n"


@pytest.fixture
def runs(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> Runs:
    return Runs(akeneo, icecat, tmp_path)


def descriptions(runs: Runs, identifier: str) -> dict[str, str]:
    """scope -> en_US description of one product in Akeneo."""
    return {entry["scope"]: entry["data"] for entry in product_values(runs.akeneo, identifier)["description"]
            if entry["locale"] == "en_US"}


def test_a_second_scope_is_read_back_so_a_rerun_sends_nothing_and_an_icecat_change_updates_both(
    runs: Runs,
) -> None:
    text = runs.mapping_path.read_text()
    runs.mapping_path.write_text(text.replace("fields:\n", "fields:\n" + PRINT_DESCRIPTION, 1))

    first, _, _ = runs.run()
    assert first["load"]["lines_by_status"] == {"204": 9}
    written = descriptions(runs, "DEMO-SAMSUNG-S7")
    assert set(written) == {"ecommerce", "print"} and written["ecommerce"] == written["print"]

    rerun, akeneo_rerun, _ = runs.run()
    assert rerun["transform"]["lines"] == 0 and patches(akeneo_rerun) == 0
    assert rerun["transform"]["manual_edits_kept"] == 0

    icecat = runs.icecat.base_url
    httpx.post(f"{icecat}/_sandbox/mutate", json={"icecat_ids": [31040076]}).raise_for_status()
    httpx.post(f"{icecat}/_sandbox/index/generate").raise_for_status()
    changed, _, _ = runs.run()
    assert changed["transform"]["manual_edits_kept"] == 0
    updated = descriptions(runs, "DEMO-SAMSUNG-S7")
    assert "Revision 1 of this data-sheet" in updated["ecommerce"]
    assert updated["print"] == updated["ecommerce"]
