"""Canary secrets: a whole sync run against an Icecat stand-in whose every answer is an error page echoing
the request line and headers (as some of Icecat's do). None of the Connection's secrets may then appear in
a log line, an artifact of the run folder, the state DB, a step report (what XCom carries) or an error."""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from icecat_akeneo import pipeline
from icecat_akeneo.icecat.client import IcecatSettings
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.retry import RetryPolicy
from icecat_akeneo.run_folder import RunFolder
from icecat_akeneo.state import sqlite_url

from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs

CANARIES = {"app_key": "CANARY-APPKEY-7f3a0c", "api_token": "CANARY-APITOKEN-91c2ee",
            "content_token": "CANARY-CONTENT-55d0aa"}


class EchoingIcecat:
    """Answers every request 400 with a text page that echoes the request line and every header."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _echo(self) -> None:
                seen.append((self.path, dict(self.headers)))
                headers = " ".join(f"{name}: {value}" for name, value in self.headers.items())
                body = f"Bad request: {self.requestline} {headers}".encode()
                self.send_response(400)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _echo  # noqa: N815 - http.server naming

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def echoing_icecat() -> Iterator[EchoingIcecat]:
    server = EchoingIcecat()
    yield server
    server.close()


def texts_under(root: Path) -> Iterator[tuple[Path, str]]:
    """Every file below `root` as text: Parquet decoded (its strings may be compressed), others as bytes."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            yield path, json.dumps(pq.read_table(path).to_pylist(), default=str)
        else:
            yield path, path.read_bytes().decode("utf-8", "replace")


@pytest.mark.parametrize("with_api_token", [True, False], ids=["api-token", "app-key-only"])
def test_no_secret_reaches_logs_artifacts_state_or_xcom(
    akeneo: Sandbox, echoing_icecat: EchoingIcecat, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    with_api_token: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    runs = Runs(akeneo, akeneo, tmp_path)
    akeneo_settings, _ = runs.settings()
    secrets = CANARIES if with_api_token else {"app_key": CANARIES["app_key"]}
    icecat_settings = IcecatSettings(echoing_icecat.base_url, "sandbox-full", retry=RetryPolicy(max_attempts=1),
                                     **secrets)
    mapping = load_mapping(runs.mapping_path)
    sync = pipeline.SyncRun(mapping=mapping, run=RunFolder.for_run(runs.client, "run1", tmp_path / "data"),
                            params=pipeline.run_params(mapping, {}), interval=None,
                            resolve_akeneo=lambda: akeneo_settings, resolve_icecat=lambda: icecat_settings)
    os.environ[pipeline.STATE_URL_ENV] = sqlite_url(tmp_path / "data", runs.client)
    outputs: list[str] = []
    try:
        outputs.append(json.dumps(pipeline.run_sync(sync), default=str))
    except Exception as error:  # noqa: BLE001 - a failed step is fine here; its message is checked too
        outputs.append(f"{type(error).__name__}: {error}")
    finally:
        del os.environ[pipeline.STATE_URL_ENV]

    places = [("logs", caplog.text), *((str(path), text) for path, text in texts_under(tmp_path / "data")),
              *(("run outcome / XCom", text) for text in outputs)]
    findings = [(where, name) for where, text in places for name, secret in secrets.items() if secret in text]
    echoed = len(echoing_icecat.requests)
    print(f"{echoed} echoed error pages, {len(places)} places scanned ({len(places) - 2} files), "
          f"{len(findings)} canary findings")
    assert echoed > 0 and any("Bad request: GET /api" in text for _, text in places)  # the echo did arrive
    assert findings == []
    sent_query_keys = [path for path, _ in echoing_icecat.requests if "app_key=" in path]
    if with_api_token:
        assert sent_query_keys == []  # the Api-Token header proves the account: no key in any URL
        assert all(headers.get("Api-Token") == CANARIES["api_token"] for path, headers in echoing_icecat.requests
                   if path.startswith("/api"))
    else:
        assert sent_query_keys  # Open/app_key-only accounts still send it, and it is still never echoed
