"""One `icecat_sync__<client>` DAG per `include/mappings/<client>.yaml` (operators' docs: include/docs/icecat_sync.md).

Only wiring lives here: each task is a few lines calling `icecat_akeneo.tasks`, which reads the mapping,
builds clients from Airflow Connections and runs the pure step over the run folder. Nothing slow happens at
parse time: the (small) mapping files are read, nothing else. A broken mapping file becomes an import error
that names it, and every other client's DAG still loads. The tasks' "Run report" and "Data Docs" buttons
come from the plugin `plugins/icecat_akeneo_ui.py`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Asset, chain, dag, task
from icecat_akeneo.dag_support import (
    DEFAULT_ARGS,
    dag_params,
    mapping_folder,
    register_client_dags,
    schedule_of,
)
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.pools import pool_name
from icecat_akeneo.ui.dag_docs import dag_doc_md

DOC_PAGE = Path(__file__).resolve().parent.parent / "include" / "docs" / "icecat_sync.md"


def build_sync_dag(mapping: ClientMapping, mapping_path: str) -> DAG:
    """The five steps (+ report) for one client; `mapping_path` is bound here, read again at run time.

    After extract, each step is one mapped task per shard (`.expand(shard=...)`): a big selection's shards
    run on whichever workers are free; the API steps run in their Connection's pool (`icecat_akeneo.pools`)."""
    params = dag_params(mapping)

    @dag(
        dag_id=f"icecat_sync__{mapping.client}",
        description=f"Icecat -> Akeneo sync for {mapping.client}",
        doc_md=dag_doc_md(DOC_PAGE, params, client=mapping.client, description=mapping.description or "",
                          schedule=mapping.schedule or "none (manual runs only)", mapping_path=mapping_path),
        schedule=schedule_of(mapping),
        start_date=mapping.start_date,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        params=params,
        tags=["icecat", "akeneo", "sync", f"client:{mapping.client}"],
    )
    def sync() -> None:
        akeneo_pool = pool_name("akeneo", mapping.connections.akeneo)

        @task(pool=akeneo_pool)
        def extract(**context: Any) -> dict:
            from icecat_akeneo import tasks

            return tasks.run_step("extract", mapping_path, context)

        @task
        def shards(extract_report: dict) -> list[str]:
            """The shards extract cut the selection into: what enrich, validate, transform and load expand over."""
            return extract_report["shards"]

        @task(pool=pool_name("icecat", mapping.connections.icecat))
        def enrich(shard: str, **context: Any) -> dict:
            from icecat_akeneo import tasks

            return tasks.run_step("enrich", mapping_path, context, shard)

        @task
        def validate(shard: str, **context: Any) -> dict:
            from icecat_akeneo import tasks

            return tasks.run_step("validate", mapping_path, context, shard)

        @task
        def validated(**context: Any) -> dict:
            """Fails the run when more than failure_ratio of all its products (every shard's) are quarantined."""
            from icecat_akeneo import tasks

            return tasks.validated(mapping_path, context)

        @task
        def transform(shard: str, **context: Any) -> dict:
            from icecat_akeneo import tasks

            return tasks.run_step("transform", mapping_path, context, shard)

        @task(pool=akeneo_pool,
              outlets=[Asset(f"akeneo://{mapping.client}/products", extra={"client": mapping.client})])
        def load(shard: str, **context: Any) -> dict:
            from icecat_akeneo import tasks

            return tasks.run_step("load", mapping_path, context, shard)

        @task(trigger_rule="all_done")
        def report(**context: Any) -> dict:
            """Runs even when a step failed, so every run leaves a report.json/report.html; then fails at once
            (AirflowFailException, no retry) when the run failed by the report's status rule, so the DAG run is
            red. A report task lost with its worker is retried like any other."""
            from icecat_akeneo import tasks

            return tasks.report(mapping_path, context)

        cut = shards(extract())
        chain(enrich.expand(shard=cut), validate.expand(shard=cut), validated(),
              transform.expand(shard=cut), load.expand(shard=cut), report())

    return sync()


register_client_dags(globals(), mapping_folder(Path(__file__)), build_sync_dag, "icecat_sync")
