"""The Airflow Connections (`AIRFLOW_CONN_*` JSON) that point the demo client at running sandboxes, with the
sandboxes' default credentials: what the demo, the tests and the README's local-UI recipe all use.

The Icecat sandbox serves media from its own loopback address, which the connector's media policy refuses by
default; only these Connections allow it (`media_hosts` + `media_allow_private_addresses`)."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

AKENEO_CREDENTIALS = {
    "client_id": "sandbox_client",
    "secret": "sandbox_secret",
    "username": "sandbox_user",
    "password": "sandbox_password",
}
ICECAT_OPEN_USER = "openIcecat-live"


def demo_connections(akeneo_url: str, icecat_url: str) -> dict[str, str]:
    return {
        "AIRFLOW_CONN_AKENEO_DEMO": json.dumps({
            "conn_type": "akeneo", "host": akeneo_url, "login": AKENEO_CREDENTIALS["username"],
            "password": AKENEO_CREDENTIALS["password"],
            "extra": {"client_id": AKENEO_CREDENTIALS["client_id"], "secret": AKENEO_CREDENTIALS["secret"]},
        }),
        "AIRFLOW_CONN_ICECAT_DEMO": json.dumps({"conn_type": "icecat", "host": icecat_url,
                                                "login": ICECAT_OPEN_USER, "extra": sandbox_media_extra(icecat_url)}),
    }


def sandbox_media_extra(icecat_url: str) -> dict[str, object]:
    """Connection extra letting the connector download media from the Icecat sandbox (a loopback host)."""
    return {"media_hosts": urlsplit(icecat_url).netloc, "media_allow_private_addresses": True}
