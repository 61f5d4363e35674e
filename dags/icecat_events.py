"""One `icecat_sync_new__<client>` DAG per mapping with an `events:` block: near-real-time runs.

Scheduled on the asset `akeneo://<client>/product-events`, whose watcher (`AkeneoProductEventTrigger`, in the
triggerer) polls Akeneo every `events.poll_seconds` and emits the product events found there or delivered
by Akeneo's webhooks (plugin route `/icecat-akeneo-events/<client>`). A run claims the events of its
triggering asset events, then runs the same five steps as `icecat_sync__<client>` for just those products
(extract waits for a running full sync through the client's lock). `max_active_runs=1`: events arriving
during a run are handed together to the next run, never a run per event. The full sync stays the safety net.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, dag, task
from icecat_akeneo.dag_support import DEFAULT_ARGS, dag_params, mapping_folder, register_client_dags
from icecat_akeneo.events.trigger import AkeneoProductEventTrigger
from icecat_akeneo.mapping import ClientMapping


def event_asset(mapping: ClientMapping, mapping_path: str) -> Asset:
    assert mapping.events is not None
    trigger = AkeneoProductEventTrigger(client=mapping.client, mapping_path=mapping_path,
                                        poll_seconds=mapping.events.poll_seconds, batch=mapping.events.batch)
    return Asset(name=f"akeneo_product_events__{mapping.client}", uri=f"akeneo://{mapping.client}/product-events",
                 extra={"client": mapping.client},
                 watchers=[AssetWatcher(name=f"akeneo_products__{mapping.client}", trigger=trigger)])


def build_events_dag(mapping: ClientMapping, mapping_path: str) -> DAG | None:
    if mapping.events is None:
        return None

    def with_events(context: dict[str, Any], served: dict[str, Any]) -> dict[str, Any]:
        return {**context, "params": {**dict(context.get("params") or {}), **served, "full_refresh": False}}

    @dag(
        dag_id=f"icecat_sync_new__{mapping.client}",
        description=f"Icecat -> Akeneo sync of the products just created/updated in Akeneo for {mapping.client}",
        doc_md=__doc__,
        schedule=[event_asset(mapping, mapping_path)],
        start_date=mapping.start_date,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        params=dag_params(mapping),
        tags=["icecat", "akeneo", "events", f"client:{mapping.client}"],
    )
    def sync_new() -> None:
        @task.short_circuit
        def claim_events(**context: Any) -> dict | bool:
            """The run's events (skips the run when another run already served all of them)."""
            from icecat_akeneo.events.serving import serve_run

            served = serve_run(mapping.client, context["triggering_asset_events"], str(context["run_id"]))
            return served if served["identifiers"] else False

        @task
        def extract(served: dict, **context: Any) -> dict:
            from icecat_akeneo import tasks

            return tasks.run_step("extract", mapping_path, with_events(context, served))

        def step(name: str, **overrides: Any) -> Any:
            """One of the later steps: they work on the run folder extract filled, as in the full sync."""

            @task(task_id=name, **overrides)
            def run(upstream_report: dict, **context: Any) -> dict:
                from icecat_akeneo import tasks

                return tasks.run_step(name, mapping_path, context)

            return run

        @task(trigger_rule="all_done", retries=0)
        def report(**context: Any) -> dict:
            """Runs even when a step failed; its extract section lists the events the run served."""
            from icecat_akeneo import tasks

            return tasks.report(mapping_path, context)

        products = Asset(f"akeneo://{mapping.client}/products", extra={"client": mapping.client})
        reports = extract(claim_events())
        for name in ("enrich", "validate", "transform"):
            reports = step(name)(reports)
        step("load", outlets=[products])(reports) >> report()

    return sync_new()


register_client_dags(globals(), mapping_folder(Path(__file__)), build_events_dag, "icecat_sync_new")
