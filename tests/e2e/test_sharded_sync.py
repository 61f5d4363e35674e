"""A catalogue cut into several shards ends in Akeneo exactly as one run over it in one piece (value for value,
media by content, no media stored twice), with one report for the run; through `pipeline.run_sync` (the CLI's
loop over the shards) and through `dag.test()` (one mapped task per shard)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from sandbox.connections import demo_connections
from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs
from tests.e2e.test_sync_dag import akeneo_token

REPO = Path(__file__).resolve().parents[2]
DEMO_PRODUCTS = 14


def akeneo_snapshot(base_url: str, token: str) -> dict[str, dict]:
    """identifier -> values as Akeneo returns them, each media value replaced by its content's SHA-1 (media
    codes differ from one upload to the next; the file must not)."""
    headers = {"Authorization": f"Bearer {token}"}
    products: dict[str, dict] = {}
    url: str | None = f"{base_url}/api/rest/v1/products?limit=100"
    while url:
        page = httpx.get(url, headers=headers, timeout=30).json()
        for item in page["_embedded"]["items"]:
            products[item["identifier"]] = {
                attribute: sorted(json.dumps(_media_by_content(entry, headers), sort_keys=True) for entry in entries)
                for attribute, entries in item["values"].items()}
        url = page["_links"].get("next", {}).get("href")
    return products


def _media_by_content(entry: dict, headers: dict) -> dict:
    link = (entry.get("_links") or {}).get("download", {}).get("href")
    if not link:
        return entry
    content = httpx.get(link, headers=headers, timeout=30).content
    return {"locale": entry.get("locale"), "scope": entry.get("scope"), "sha1": hashlib.sha1(content).hexdigest()}


def clean_run(akeneo: Sandbox, icecat: Sandbox, root: Path, **params: object) -> tuple[dict, dict, int]:
    """A sync of a fresh client on fresh sandboxes: (report.json, Akeneo snapshot, media files Akeneo holds)."""
    akeneo.reset()
    icecat.reset()
    report, _, _ = Runs(akeneo, icecat, root).run(**params)
    return report, akeneo_snapshot(akeneo.base_url, akeneo_token(akeneo)), akeneo.counters()["media_files"]


@pytest.fixture(scope="module")
def whole_run(akeneo_server: Sandbox, icecat_server: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return clean_run(akeneo_server, icecat_server, tmp_path_factory.mktemp("whole"))


def test_a_sharded_run_ends_with_akeneo_identical_to_a_run_in_one_piece(
    whole_run: tuple, akeneo_server: Sandbox, icecat_server: Sandbox, tmp_path: Path,
) -> None:
    whole_report, whole_akeneo, whole_media = whole_run
    report, akeneo, media = clean_run(akeneo_server, icecat_server, tmp_path, shard_size=5)
    assert whole_report["extract"]["shards"] == ["."]
    assert report["extract"]["shards"] == ["shards/0001", "shards/0002", "shards/0003"]
    assert akeneo == whole_akeneo
    assert media == whole_media, f"{media - whole_media} media files stored twice"
    summary, whole = report["summary"], whole_report["summary"]
    assert summary["status"] == whole["status"] == "success"
    for key in ("products_selected", "found_in_icecat", "lines_sent", "lines_by_status", "products_by_outcome"):
        assert summary[key] == whole[key], key
    assert sorted(report["load"]["shards"]) == report["extract"]["shards"]
    assert sum(s["lines"] for s in report["load"]["shards"].values()) == report["load"]["lines"]


def test_a_sharded_dag_run_maps_each_step_over_the_shards(
    whole_run: tuple, airflow_db: Path, akeneo_server: Sandbox, icecat_server: Sandbox, tmp_path: Path,
) -> None:
    _, whole_akeneo, whole_media = whole_run
    akeneo_server.reset()
    icecat_server.reset()
    env = {"ICECAT_AKENEO_DATA_ROOT": str(tmp_path), **demo_connections(akeneo_server.base_url, icecat_server.base_url)}
    with pytest.MonkeyPatch.context() as patch:
        for key, val in env.items():
            patch.setenv(key, val)
        from airflow.dag_processing.dagbag import DagBag
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("icecat_sync__demo")
        dag_run = dag.test(run_conf={"shard_size": 5})
        with create_session() as session:
            tis = session.query(TaskInstance).filter(TaskInstance.dag_id == dag.dag_id,
                                                     TaskInstance.run_id == dag_run.run_id).all()
            states = sorted((ti.task_id, ti.map_index, str(ti.state)) for ti in tis)
    mapped = ("enrich", "validate", "transform", "load")
    assert [(t, i) for t, i, _ in states if t in mapped] == [(t, i) for t in sorted(mapped) for i in range(3)]
    assert {state for _, _, state in states} == {"success"}, states
    report = json.loads(next(tmp_path.glob("demo/*/report.json")).read_text())
    assert report["summary"]["status"] == "success"
    assert report["summary"]["products_selected"] == DEMO_PRODUCTS
    assert len(report["enrich"]["shards"]) == 3
    # the demo mapping's deliberate 422 (a refused field) is part of both runs, so compare the rest
    assert akeneo_server.counters()["media_files"] == whole_media
    assert set(akeneo_snapshot(akeneo_server.base_url, akeneo_token(akeneo_server))) == set(whole_akeneo)
