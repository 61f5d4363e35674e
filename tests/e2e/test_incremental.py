"""Production behaviour over several runs (issue #7), on both sandboxes with the state store: incremental
partial PATCH, manual edits, pending products delivered later, media reuse, and a load killed mid-way.

Runs go through `pipeline.run_sync` in-process (the same code the DAG tasks call) so each scenario takes
seconds; the DAG wiring itself is covered by test_sync_dag.py and test_backfill.py.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from icecat_akeneo import pipeline
from icecat_akeneo.akeneo.client import AkeneoSettings
from icecat_akeneo.icecat.client import IcecatSettings
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.media_policy import MediaPolicy
from icecat_akeneo.run_folder import RunFolder
from icecat_akeneo.state import ProductStatus, StateStore, sqlite_url

from sandbox.connections import sandbox_media_extra
from tests.conftest import AKENEO_CREDENTIALS, Sandbox
from tests.e2e.test_sync_dag import akeneo_get, akeneo_token, product_values, value

REPO = Path(__file__).resolve().parents[2]
PATCH_ROUTES = ("PATCH /api/rest/v1/products", "PATCH /api/rest/v1/products/{identifier}",
                "PATCH /api/rest/v1/products-uuid", "PATCH /api/rest/v1/products-uuid/{product_id}")


def client_mapping(folder: Path, client: str) -> Path:
    """The demo mapping under another client name, without its deliberate 422 field (a refused line is
    retried every run, which would blur 'a rerun sends nothing')."""
    text = (REPO / "include" / "mappings" / "demo.yaml").read_text()
    text = text.replace("client: demo", f"client: {client}")
    text = "\n".join(line for line in text.splitlines() if "precheck: false" not in line) + "\n"
    path = folder / f"{client}.yaml"
    path.write_text(text)
    return path


class Runs:
    """Successive sync runs of one client against the two sandboxes."""

    def __init__(self, akeneo: Sandbox, icecat: Sandbox, root: Path, state_url: str | None = None) -> None:
        self.akeneo, self.icecat, self.root = akeneo, icecat, root
        root.mkdir(parents=True, exist_ok=True)
        self.client = f"c{uuid.uuid4().hex[:8]}"
        self.mapping_path = client_mapping(root, self.client)
        self.state_url = state_url or sqlite_url(root / "data", self.client)
        self.count = 0

    def settings(self) -> tuple[AkeneoSettings, IcecatSettings]:
        return (AkeneoSettings(base_url=self.akeneo.base_url, client_id=AKENEO_CREDENTIALS["client_id"],
                               secret=AKENEO_CREDENTIALS["secret"], username=AKENEO_CREDENTIALS["username"],
                               password=AKENEO_CREDENTIALS["password"]),
                IcecatSettings(base_url=self.icecat.base_url, username="openIcecat-live",
                               media_policy=sandbox_media_policy(self.icecat.base_url)))

    def run(self, interval: tuple | None = None, **params: object) -> tuple[dict, dict, dict]:
        """One run; returns (report.json, Akeneo request deltas, Icecat request deltas)."""
        akeneo_before, icecat_before = self.akeneo.counters(), self.icecat.counters()
        sync = self.sync(interval, **params)
        os.environ[pipeline.STATE_URL_ENV] = self.state_url
        try:
            pipeline.run_sync(sync)
        finally:
            del os.environ[pipeline.STATE_URL_ENV]
        report = json.loads((sync.run.path / "report.json").read_text())
        return report, delta(akeneo_before, self.akeneo.counters()), delta(icecat_before, self.icecat.counters())

    def sync(self, interval: tuple | None = None, **params: object) -> pipeline.SyncRun:
        """The next run of this client (`run<n>`), not started."""
        self.count += 1
        akeneo_settings, icecat_settings = self.settings()
        mapping = load_mapping(self.mapping_path)
        return pipeline.SyncRun(
            mapping=mapping, run=RunFolder.for_run(self.client, f"run{self.count}", self.root / "data"),
            params=pipeline.run_params(mapping, params), interval=interval,
            resolve_akeneo=lambda: akeneo_settings, resolve_icecat=lambda: icecat_settings)

    def store(self) -> StateStore:
        return StateStore(self.state_url, self.client)


def sandbox_media_policy(icecat_url: str) -> MediaPolicy:
    """What the sandboxes' Connections allow (sandbox/connections.py): media from the Icecat sandbox."""
    return MediaPolicy().widened([str(sandbox_media_extra(icecat_url)["media_hosts"])], allow_private_addresses=True)


def delta(before: dict, after: dict) -> dict:
    routes = {k: v - before["requests"].get(k, 0) for k, v in after["requests"].items()} \
        if isinstance(after.get("requests"), dict) else {}
    out = {"routes": {k: v for k, v in routes.items() if v}}
    for key in ("media_uploaded",):
        if key in after:
            out[key] = after[key] - before.get(key, 0)
    if "by_route" in after:
        out["icecat_api"] = after["by_route"].get("api", 0) - before["by_route"].get("api", 0)
    return out


def patches(akeneo_delta: dict) -> int:
    return sum(akeneo_delta["routes"].get(route, 0) for route in PATCH_ROUTES)


@pytest.fixture
def runs(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> Runs:
    return Runs(akeneo, icecat, tmp_path)


def akeneo_patch(sandbox: Sandbox, identifier: str, values: dict) -> None:
    """An edit made by a person in the PIM."""
    response = httpx.patch(f"{sandbox.base_url}/api/rest/v1/products/{identifier}", json={"values": values},
                           headers={"Authorization": f"Bearer {akeneo_token(sandbox)}"})
    assert response.status_code == 204, response.text


def test_a_rerun_with_no_change_sends_nothing_and_fetches_no_icecat_content(runs: Runs) -> None:
    first, akeneo_first, icecat_first = runs.run()
    assert first["load"]["lines_by_status"] == {"204": 9}
    assert akeneo_first["media_uploaded"] > 0 and icecat_first["icecat_api"] > 0

    second, akeneo_second, icecat_second = runs.run()
    assert patches(akeneo_second) == 0
    assert akeneo_second.get("media_uploaded", 0) == 0, "no image is uploaded twice"
    assert "POST /api/rest/v1/media-files" not in akeneo_second["routes"]
    # found products come from the cache; only the product Icecat refused (Full Icecat only) is asked again
    assert icecat_second["icecat_api"] == first["enrich"]["outcomes"]["full_icecat_required"] == 1
    assert second["transform"]["lines"] == 0
    synced = runs.store().products(ProductStatus.SYNCED)
    assert len(synced) == 9


def test_an_icecat_change_patches_exactly_the_changed_values(runs: Runs, icecat: Sandbox) -> None:
    runs.run()
    changed = httpx.post(f"{icecat.base_url}/_sandbox/mutate", json={"icecat_ids": [31040076]}).json()["changed"]
    assert changed == [31040076]
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate").raise_for_status()

    report, akeneo_delta, icecat_delta = runs.run()
    # the same index generation also delivered OnePlus's requested content: its first full line goes too
    assert report["load"]["lines_by_status"] == {"204": 2}
    sent = {line["identifier"]: line for p in sorted(Path(report["transform"]["artifacts"]["batches"][0]).parent
                                                     .glob("batch-*.ndjson")) for line in map(json.loads,
                                                                                               p.read_text().splitlines())}
    assert set(sent) == {"DEMO-SAMSUNG-S7", "DEMO-ONEPLUS"}
    assert set(sent["DEMO-SAMSUNG-S7"]["values"]) <= {"name", "description", "short_description"}
    assert "(rev" in str(value(product_values(runs.akeneo, "DEMO-SAMSUNG-S7"), "name", "en_US"))
    # the changed S7 (EN + DE) is fetched again; besides it only the Full-Icecat product (refused every run)
    # and OnePlus, whose requested content the same index generation delivered: never the 8 unchanged ones
    assert icecat_delta["icecat_api"] == 2 + 1 + 2


def test_a_manual_edit_in_akeneo_survives_the_next_run_and_is_reported(runs: Runs, akeneo: Sandbox) -> None:
    runs.run()
    akeneo_patch(akeneo, "DEMO-DELL-G5", {"name": [{"locale": "en_US", "scope": None, "data": "Our own title"}]})
    report, akeneo_delta, _ = runs.run()
    assert value(product_values(akeneo, "DEMO-DELL-G5"), "name", "en_US") == "Our own title"
    assert report["transform"]["manual_edits_kept"] == 1
    assert patches(akeneo_delta) == 0

    overwrite, _, _ = runs.run(manual_edits_win=False)
    assert overwrite["load"]["lines_by_status"] == {"204": 1}
    assert value(product_values(akeneo, "DEMO-DELL-G5"), "name", "en_US") != "Our own title"


def test_a_pending_product_is_requested_once_and_delivered_when_icecat_has_it(runs: Runs, icecat: Sandbox) -> None:
    first, _, icecat_first = runs.run()
    assert first["enrich"]["outcomes"]["not_in_icecat"] == 1
    assert first["enrich"]["data_creation_requested"] == 1
    assert first["summary"]["pending_in_icecat"] == 1

    waiting, _, icecat_waiting = runs.run()
    assert waiting["enrich"]["outcomes"]["pending_in_icecat"] == 1
    assert waiting["enrich"]["data_creation_requested"] == 0, "one request per product, not one per run"
    assert icecat_waiting["icecat_api"] == 1, "only the Full-Icecat product: the pending one waits for the index"

    httpx.post(f"{icecat.base_url}/_sandbox/index/generate").raise_for_status()
    delivered, _, _ = runs.run()
    assert delivered["enrich"]["outcomes"]["found"] >= 1
    assert value(product_values(runs.akeneo, "DEMO-ONEPLUS"), "name", "en_US")
    assert runs.store().product("DEMO-ONEPLUS").status == ProductStatus.SYNCED


def comparable(sandbox: Sandbox, identifier: str) -> dict:
    """A product's values with each media code replaced by the SHA-256 of the file it points to: codes are
    Akeneo's own names, the content is what must match."""
    values = product_values(sandbox, identifier)
    for entries in values.values():
        for entry in entries:
            link = (entry.get("_links") or {}).get("download", {}).get("href")
            if link:
                content = akeneo_get(sandbox, link.removeprefix(sandbox.base_url)).content
                entry["data"] = hashlib.sha256(content).hexdigest()
                entry.pop("_links")
    return values


KILLED_RUN = """
import os, sys
sys.path[:0] = [{repo!r}, {plugins!r}]
from tests.e2e.test_incremental import Runs
from tests.conftest import Sandbox
from pathlib import Path
runs = Runs(Sandbox({akeneo!r}), Sandbox({icecat!r}), Path({root!r}), {state!r})
runs.client = {client!r}
runs.mapping_path = Path({mapping!r})
runs.run(batch_size=1, akeneo_concurrency=1)
"""


def test_a_load_killed_halfway_then_rerun_leaves_akeneo_as_a_clean_run(runs: Runs, akeneo: Sandbox,
                                                                       tmp_path: Path) -> None:
    clean, _, _ = runs.run()
    expected = {i: comparable(akeneo, i) for i in ("DEMO-DELL-G5", "DEMO-SAMSUNG-S7", "DEMO-LENOVO-TAB")}
    akeneo.reset()
    killed = Runs(akeneo, runs.icecat, tmp_path / "killed")
    akeneo.faults(latency_ms=150)
    script = KILLED_RUN.format(repo=str(REPO), plugins=str(REPO / "plugins"), akeneo=akeneo.base_url,
                               icecat=runs.icecat.base_url, root=str(killed.root), state=killed.state_url,
                               client=killed.client, mapping=str(killed.mapping_path))
    child = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and akeneo.counters()["patch_lines"].get("204", 0) < 3:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    accepted_before_kill = akeneo.counters()["patch_lines"].get("204", 0)
    assert 3 <= accepted_before_kill < 9, "the kill landed mid-load"
    akeneo.faults()

    rerun, _, _ = killed.run()
    assert rerun["load"]["lines_by_status"].get("204", 0) <= 9 - 3
    for identifier, values in expected.items():
        assert comparable(akeneo, identifier) == values, identifier
    assert len(killed.store().products(ProductStatus.SYNCED)) == 9


@pytest.mark.postgres
def test_incremental_sync_on_a_postgresql_state_store(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path,
                                                      postgres_url: str) -> None:
    import sqlalchemy

    runs = Runs(akeneo, icecat, tmp_path, state_url=postgres_url)
    try:
        first, _, _ = runs.run()
        second, akeneo_second, _ = runs.run()
        assert first["load"]["lines_by_status"] == {"204": 9}
        assert patches(akeneo_second) == 0
        assert len(runs.store().products(ProductStatus.SYNCED)) == 9
    finally:  # the shared test database keeps no trace of this client
        with sqlalchemy.create_engine(postgres_url).begin() as connection:
            for table in ("state_value", "state_media", "state_product"):
                connection.execute(sqlalchemy.text(f"DELETE FROM {table} WHERE client = :c"), {"c": runs.client})


def test_an_incremental_run_also_takes_products_whose_icecat_content_changed(runs: Runs, icecat: Sandbox) -> None:
    """Nobody touched DEMO-SAMSUNG-S7 or DEMO-ONEPLUS in Akeneo during the interval, but Icecat changed the
    first and delivered the second's requested content: both are synced."""
    import datetime as dt

    runs.run()
    httpx.post(f"{icecat.base_url}/_sandbox/mutate", json={"icecat_ids": [31040076]}).raise_for_status()
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate").raise_for_status()
    quiet_day = (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2020, 1, 2, tzinfo=dt.UTC))
    report, _, _ = runs.run(full_refresh=False, interval=quiet_day)
    assert report["extract"]["products"] == 2
    assert report["load"]["lines_by_status"] == {"204": 2}
    assert value(product_values(runs.akeneo, "DEMO-ONEPLUS"), "name", "en_US")
    assert "(rev" in str(value(product_values(runs.akeneo, "DEMO-SAMSUNG-S7"), "name", "en_US"))


def test_a_run_through_rate_limits_and_server_errors_ends_like_a_clean_one(runs: Runs, akeneo: Sandbox,
                                                                           icecat: Sandbox) -> None:
    """429s (with and without Retry-After), 5xx and dropped connections on both APIs cost retries, not data."""
    akeneo.faults(error_rate=0.15, reset_rate=0.05, concurrency_limit=2, retry_after=None, seed=7)
    icecat.faults(error_rate=0.15, concurrency_limit=3, retry_after=0, seed=7)
    report, _, _ = runs.run()
    akeneo.faults()
    icecat.faults()
    assert report["summary"]["status"] == "success"
    assert report["load"]["lines_by_status"] == {"204": 9}
    assert report["enrich"]["outcomes"]["found"] == 11 and report["enrich"]["retries"] > 0
    assert report["load"]["retries"] + report["extract"]["retries"] > 0
    assert len(runs.store().products(ProductStatus.SYNCED)) == 9
    assert value(product_values(akeneo, "DEMO-SAMSUNG-S7"), "name", "de_DE")
