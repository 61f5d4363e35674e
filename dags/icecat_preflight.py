"""One `icecat_preflight__<client>` DAG per `include/mappings/<client>.yaml` (manual trigger only; operators'
docs: include/docs/icecat_preflight.md).

The pre-production phase as evidence instead of a checklist: taxonomy snapshot and diff, dry run of the
product selection, mapping check, API technical tests against the client's Akeneo, and a readiness report
(`readiness.json` / `readiness.html`) with recommended production settings. Under mapping option 3 it also
creates the `icecat_*` attributes the sync will write into.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Asset, Param, dag, task
from icecat_akeneo.dag_support import DEFAULT_ARGS, mapping_folder, register_client_dags
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.ui.dag_docs import dag_doc_md

DOC_PAGE = Path(__file__).resolve().parent.parent / "include" / "docs" / "icecat_preflight.md"
PARAMS = {
    "sample_size": Param(10, type="integer", minimum=1, description="Products sampled in Icecat."),
    "environment": Param("DEV", enum=["DEV", "PROD"], description="Which Akeneo the checklist is for."),
}


def build_preflight_dag(mapping: ClientMapping, mapping_path: str) -> DAG:
    @dag(
        dag_id=f"icecat_preflight__{mapping.client}",
        description=f"Pre-production checks and readiness report for {mapping.client}",
        doc_md=dag_doc_md(DOC_PAGE, PARAMS, client=mapping.client, mapping_path=mapping_path),
        schedule=None,
        start_date=mapping.start_date,
        catchup=False,
        default_args=DEFAULT_ARGS,
        params=PARAMS,
        tags=["icecat", "akeneo", "preflight", f"client:{mapping.client}"],
    )
    def preflight() -> None:
        @task(outlets=[Asset(f"akeneo://{mapping.client}/taxonomy", extra={"client": mapping.client})])
        def readiness(**context: Any) -> dict:
            from icecat_akeneo import tasks

            return tasks.preflight(mapping_path, context)

        readiness()

    return preflight()


register_client_dags(globals(), mapping_folder(Path(__file__)), build_preflight_dag, "icecat_preflight")
