"""Workers that share nothing but storage: the data root on an S3 endpoint (`moto_server`, started on a free port
and stopped by PID). One worker process runs extract, enrich and validate of a sharded run; a second process,
with a fresh local work dir, resumes the run from the bucket (transform, load, report) without asking Icecat
again, and the run's report lands in the bucket."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.process import REPO_ROOT, running_server
from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs

pytestmark = pytest.mark.slow  # ~90 s: every artifact goes through the S3 endpoint
BUCKET = "icecat-data"
RUN_ID = "manual__2026-12-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import boto3

    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with running_server("moto.server", ready_path="/moto-api/", log_path=log) as url:
        boto3.client("s3", endpoint_url=url, aws_access_key_id="test-key", aws_secret_access_key="test-secret",
                     region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield url


def bucket_keys(url: str, bucket: str = BUCKET) -> list[str]:
    import boto3

    s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id="test-key", aws_secret_access_key="test-secret",
                      region_name="us-east-1")
    return sorted(item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                  for item in page.get("Contents", []))


def worker(steps: str, env: dict[str, str]) -> None:
    """One worker-like process running `steps` (comma-separated) of the run against the bucket."""
    code = ("import sys; from tests.e2e.test_object_storage import run_steps; run_steps(sys.argv[1])")
    done = subprocess.run([sys.executable, "-c", code, steps], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def run_steps(steps: str) -> None:
    """(In the worker process.) The run as a task would see it: `RunFolder.for_run` on the S3 data root."""
    from icecat_akeneo import pipeline
    from icecat_akeneo.mapping import load_mapping
    from icecat_akeneo.run_folder import RunFolder

    runs = Runs.__new__(Runs)
    runs.akeneo, runs.icecat = (Sandbox(os.environ[f"TEST_{name}_URL"]) for name in ("AKENEO", "ICECAT"))
    mapping = load_mapping(os.environ["TEST_MAPPING"])
    akeneo, icecat = runs.settings()
    sync = pipeline.SyncRun(mapping=mapping, run=RunFolder.for_run(mapping.client, RUN_ID),
                            params=pipeline.run_params(mapping, {"shard_size": 5}), interval=None,
                            resolve_akeneo=lambda: akeneo, resolve_icecat=lambda: icecat)
    for step in steps.split(","):
        if step == "report":
            pipeline.report(sync)
        else:
            pipeline.run_step(sync, step)


def test_a_second_worker_resumes_a_run_from_the_bucket(
    s3_endpoint: str, akeneo_server: Sandbox, icecat_server: Sandbox, tmp_path: Path,
) -> None:
    akeneo_server.reset()
    icecat_server.reset()
    client = Runs(akeneo_server, icecat_server, tmp_path)  # a fresh client's mapping file
    connection = {"conn_type": "aws", "login": "test-key", "password": "test-secret",
                  "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}}
    env = {**os.environ, "AIRFLOW_CONN_S3_DATA": json.dumps(connection),
           "ICECAT_AKENEO_DATA_ROOT": f"s3://s3_data@{BUCKET}/root",
           "ICECAT_AKENEO_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",  # PostgreSQL in production
           "TEST_AKENEO_URL": akeneo_server.base_url, "TEST_ICECAT_URL": icecat_server.base_url,
           "TEST_MAPPING": str(client.mapping_path),
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    worker("extract,enrich,validate", {**env, "ICECAT_AKENEO_WORK_DIR": str(tmp_path / "worker-a")})
    run = f"root/{client.client}/manual__2026-12-01T00_00_00_00_00"
    keys = bucket_keys(s3_endpoint)
    assert f"{run}/shards/0003/enrich/records.parquet" in keys
    assert f"{run}/validate/report.json" in keys, "validate's run-level decision is published"
    assert any(key.startswith(f"root/{client.client}/icecat-cache/") for key in keys), "the Icecat cache too"

    icecat_calls = icecat_server.counters()["by_route"].get("api", 0)
    worker("transform,load,report", {**env, "ICECAT_AKENEO_WORK_DIR": str(tmp_path / "worker-b")})
    assert icecat_server.counters()["by_route"].get("api", 0) == icecat_calls, "worker b re-enriched"
    keys = bucket_keys(s3_endpoint)
    assert {f"{run}/report.json", f"{run}/report.html", f"{run}/load/results.parquet",
            f"{run}/exports/refused.csv"} <= set(keys)
    report = json.loads(next((tmp_path / "worker-b").rglob(f"{client.client}/*/report.json")).read_text())
    assert report["summary"]["status"] == "success"
    assert report["summary"]["products_selected"] == 14 and len(report["load"]["shards"]) == 3
    assert report["summary"]["lines_by_status"] and set(report["summary"]["lines_by_status"]) == {"204"}
