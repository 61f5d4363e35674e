"""Airflow plugin: each client's run reports in the Airflow UI.

Mounts the report pages (`icecat_akeneo.ui.app`) in the api-server under `/icecat-akeneo/`, adds a
"Icecat run reports" entry to the UI's Browse menu, and a "Run report" and "Data Docs" button to the tasks
of every `icecat_sync__<client>` DAG; and Akeneo's event webhook under `/icecat-akeneo-events/` (signed by
Akeneo, not behind the login: `icecat_akeneo.ui.webhook`). The connector package itself is not scanned for
plugins (.airflowignore).
"""
from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from icecat_akeneo.ui.app import create_app
from icecat_akeneo.ui.files import URL_PREFIX
from icecat_akeneo.ui.links import DataDocsLink, RunReportLink
from icecat_akeneo.ui.webhook import URL_PREFIX as WEBHOOK_PREFIX
from icecat_akeneo.ui.webhook import create_webhook_app


class IcecatAkeneoUiPlugin(AirflowPlugin):
    name = "icecat_akeneo_ui"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Icecat -> Akeneo run reports"},
                    {"app": create_webhook_app(), "url_prefix": WEBHOOK_PREFIX, "name": "Akeneo event webhook"}]
    external_views = [{
        "name": "Icecat run reports",
        "href": f"{URL_PREFIX.lstrip('/')}/",
        "destination": "nav",
        "category": "browse",
        "url_route": "icecat-akeneo-reports",
    }]
    operator_extra_links = [RunReportLink(), DataDocsLink()]
