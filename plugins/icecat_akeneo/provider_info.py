"""The connector as an Airflow provider: the `akeneo` and `icecat` connection types, their form fields.

Airflow finds this through the `apache_airflow_provider` entry point of pyproject.toml, so the UI offers both
connection types with their own fields and a Test button (the hooks' `test_connection`). Fields are declared
here, not with the hooks' `get_connection_form_widgets`/`get_ui_field_behaviour`, which Airflow 3.2
deprecated (they need wtforms, which Airflow 3 no longer installs). Pure data: importing it imports nothing.
"""

from __future__ import annotations

from typing import Any

TEXT = {"type": ["string", "null"]}
SECRET = {"type": ["string", "null"], "format": "password"}
INTEGER = {"type": ["integer", "null"]}
NUMBER = {"type": ["number", "null"]}


def _field(label: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"label": label, "schema": schema, "description": description}


BREAKER_FIELDS = {
    "breaker_threshold": _field(
        "Circuit breaker: failures", INTEGER, "Consecutive 5xx/transport failures that stop sending (default 10)."
    ),
    "breaker_cooldown_s": _field(
        "Circuit breaker: pause (s)", NUMBER, "How long to stop sending before one probe call (default 30)."
    ),
}
AKENEO_FIELDS = {
    "client_id": _field("Client ID", TEXT, "From the PIM: System > Connections > your connection."),
    "secret": _field("Secret", SECRET, "The client secret of that Akeneo connection."),
    "max_concurrency": _field("Max concurrent calls", INTEGER, "Akeneo SaaS allows about 4 (default 4)."),
    "timeout": _field("Timeout (s)", NUMBER, "Per request (default 30)."),
    "page_size": _field("Page size", INTEGER, "Products per page, 1-100 (default 100)."),
    "api_mode": _field("Products API", TEXT,
                       "auto (default): /products-uuid on Akeneo 7.0 / SaaS, /products on 5.0 / 6.0; "
                       "uuid or identifier force one."),
    **BREAKER_FIELDS,
}
AKENEO_BEHAVIOUR = {
    "hidden-fields": [],
    "relabeling": {
        "host": "PIM base URL",
        "login": "API username",
        "password": "API password",
        "schema": "Scheme (http/https)",
    },
    "placeholders": {"host": "https://pim.example.com"},
}
ICECAT_FIELDS = {
    "api_token": _field("API token", SECRET, "Icecat's Api-Token header (Full Icecat accounts)."),
    "content_token": _field("Content token", SECRET, "Icecat's Content-Token header, for images and files."),
    "max_concurrency": _field("Max concurrent calls", INTEGER, "Upper bound of the adaptive window (default 8)."),
    "timeout": _field("Timeout (s)", NUMBER, "Per request (default 30)."),
    "cache_dir": _field("Cache folder", TEXT, "Where answers are kept between runs (optional)."),
    "data_creation_url": _field("Data-creation URL", TEXT, "Where to ask Icecat for missing products."),
    "index_base_url": _field("Index files URL", TEXT, "Where the daily index lives (default: the host)."),
    **BREAKER_FIELDS,
    "media_hosts": _field("Media hosts", TEXT, "Hosts media may also be downloaded from (comma-separated, "
                          "host, host:port or *.domain); Icecat's own are always allowed."),
    "media_allow_private_addresses": _field(
        "Media from private addresses", {"type": ["boolean", "null"]},
        "Allow media hosts on loopback/private networks (sandboxes only; default off)."),
    "media_max_image_mb": _field("Largest image (MB)", NUMBER, "Bigger images are refused (default 20)."),
    "media_max_file_mb": _field("Largest file (MB)", NUMBER, "Bigger PDFs/videos/files are refused (default 100)."),
    "media_timeout_s": _field("Media timeout (s)", NUMBER, "Whole download, redirects included (default 120)."),
}
ICECAT_BEHAVIOUR = {
    "hidden-fields": ["schema", "port"],
    "relabeling": {"host": "Icecat API URL", "login": "Icecat user name", "password": "app_key (Full Icecat)"},
    "placeholders": {"host": "https://live.icecat.biz", "login": "openIcecat-live"},
}
CONNECTION_FIELDS = {"akeneo": AKENEO_FIELDS, "icecat": ICECAT_FIELDS}


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "icecat-akeneo",
        "name": "Icecat to Akeneo",
        "description": "Enrich Akeneo PIM products with Icecat content: hooks and connection types.",
        "versions": ["0.1.0"],
        "connection-types": [
            {
                "hook-class-name": "icecat_akeneo.hooks.akeneo.AkeneoHook",
                "hook-name": "Akeneo PIM",
                "connection-type": "akeneo",
                "ui-field-behaviour": AKENEO_BEHAVIOUR,
                "conn-fields": AKENEO_FIELDS,
            },
            {
                "hook-class-name": "icecat_akeneo.hooks.icecat.IcecatHook",
                "hook-name": "Icecat",
                "connection-type": "icecat",
                "ui-field-behaviour": ICECAT_BEHAVIOUR,
                "conn-fields": ICECAT_FIELDS,
            },
        ],
    }
