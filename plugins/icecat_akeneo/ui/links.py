"""The "Run report" and "Data Docs" buttons on the sync DAG's tasks.

TaskFlow `@task` tasks are all `_PythonDecoratedOperator`s, which have no links of their own; a plugin's
`operator_extra_links` whose `operators` name that class is attached by the api-server when it loads the
serialized DAG, and `get_link` runs there, per task instance, from its key alone (no XCom, so the buttons
work for runs made before the plugin was installed and for tasks that failed). Tasks of other DAGs get no
URL, which the UI does not show.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.providers.standard.decorators.python import _PythonDecoratedOperator
from airflow.sdk import BaseOperatorLink

from icecat_akeneo.ui.files import client_of_dag, run_page_path

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey


def api_base_path() -> str:
    """The api-server's path prefix (`[api] base_url`, e.g. behind a proxy at `/airflow`), '' at the root."""
    from urllib.parse import urlparse

    from airflow.configuration import conf

    return urlparse(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")


def run_link(ti_key: TaskInstanceKey, page: str) -> str:
    client = client_of_dag(ti_key.dag_id)
    return f"{run_page_path(client, ti_key.run_id, api_base_path())}{page}" if client else ""


class RunReportLink(BaseOperatorLink):
    name = "Run report"
    operators = [_PythonDecoratedOperator]

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        return run_link(ti_key, "")


class DataDocsLink(BaseOperatorLink):
    name = "Data Docs"
    operators = [_PythonDecoratedOperator]

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        return run_link(ti_key, "data-docs")
