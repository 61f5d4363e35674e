"""`python -m icecat_akeneo sync` (issue 11, point 7): the DAG's steps and report outside Airflow, for cron
and scripts, with an exit code that follows the report's status rule."""
from __future__ import annotations

import json
from pathlib import Path

from icecat_akeneo.artifacts import REFUSED

from tests.conftest import Sandbox
from tests.e2e.test_cli_and_preflight import cli, connections
from tests.e2e.test_failed_run_is_red import strict_demo_mapping


def test_sync_of_the_demo_client_succeeds_and_prints_the_report(akeneo: Sandbox, icecat: Sandbox,
                                                                tmp_path: Path) -> None:
    result = cli("sync", "--client", "demo", "--run-id", "cron__1", "--full-refresh",
                 env=connections(akeneo, icecat, tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["status"] == "success"
    assert summary["report_html"] == str(tmp_path / "demo" / "cron__1" / "report.html")
    assert Path(summary["report_html"]).is_file()
    assert f"report: {summary['report_html']}" in result.stderr
    assert akeneo.counters()["patch_lines"].get("422") == 2  # the demo's deliberate refusals, within its ratio
    refused = REFUSED.rows(tmp_path / "demo" / "cron__1")
    assert {(row["attribute"], row["status_code"], row["attempt"]) for row in refused} == {("marketing_claim", 422, 1)}
    assert len({row["identifier"] for row in refused}) == 2


def test_sync_exits_1_when_the_run_failed(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> None:
    result = cli("sync", "--client", "demo", "--mappings", str(strict_demo_mapping(tmp_path / "mappings")),
                 env=connections(akeneo, icecat, tmp_path / "data"))
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed" and summary["status_reason"].startswith("Failed: validate failed:")
    assert Path(summary["report_json"]).is_file()
    assert "PATCH /api/rest/v1/products" not in akeneo.counters()["requests"]
