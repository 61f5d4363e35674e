"""A hostile Icecat media host (a local stand-in) against the load step and the Akeneo sandbox: a redirect to
an "internal" loopback server, a user-info URL, the decimal IP form, 500 MB bodies (declared and streamed,
generated lazily), HTML behind image URLs. Nothing reaches the internal server, nothing but the real image
reaches Akeneo, and the load's memory stays bounded. Also: a lost answer to an upload leaves one file."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psutil
import pyarrow.parquet as pq
import pytest
from icecat_akeneo.artifacts import RESULTS, TAXONOMY
from icecat_akeneo.media_policy import IMAGE, MB, MediaPolicy, MediaRefused, fetch
from icecat_akeneo.steps.load import run_load

from tests.conftest import Sandbox
from tests.icecat_akeneo.test_load import PNG, get_product, settings_for, write_media

HTML = b"<!DOCTYPE html><html><body><h1>Router admin</h1></body></html>"
HUGE = 500 * MB


class Server:
    """A local HTTP server on a free port; `routes` maps a path to a handler(request handler)."""

    def __init__(self, routes: dict[str, object]) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                server.requests.append(self.path)
                try:
                    routes.get(self.path, lambda h: h.send_error(404))(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the connector hung up, as it should on a body over the cap

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.netloc = f"127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def answer(status: int, content_type: str, body: bytes, **headers: str):
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    return handle


def endless(content_type: str, head: bytes, declared: bool):
    """500 MB generated lazily, 1 MB at a time: with or without a Content-Length."""
    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        if declared:
            handler.send_header("Content-Length", str(HUGE))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(head)
        chunk = b"\x00" * MB
        for _ in range(HUGE // MB):
            handler.wfile.write(chunk)
    return handle


@pytest.fixture
def hosts() -> Iterator[tuple[Server, Server]]:
    internal = Server({"/admin": answer(200, "text/html", HTML), "/x.jpg": answer(200, "image/png", PNG)})
    hostile = Server({
        "/ok.png": answer(200, "image/png", PNG),
        "/to-internal.jpg": answer(302, "text/html", b"", Location=f"http://{internal.netloc}/admin"),
        "/huge.pdf": endless("application/pdf", b"%PDF-1.4\n", declared=True),
        "/huge-stream.jpg": endless("image/jpeg", b"\xff\xd8\xff\xe0", declared=False),
        "/page.jpg": answer(200, "text/html", HTML),
        "/fake.jpg": answer(200, "image/jpeg", HTML),
    })
    yield hostile, internal
    hostile.close()
    internal.close()


def write_taxonomy(run_dir: Path) -> None:
    TAXONOMY.path(run_dir).parent.mkdir(parents=True, exist_ok=True)
    TAXONOMY.path(run_dir).write_text(json.dumps({"attributes": [
        {"code": "main_image", "type": "pim_catalog_image", "allowed_extensions": ["jpg", "jpeg", "png", "gif"]},
        {"code": "user_manual", "type": "pim_catalog_file", "allowed_extensions": ["pdf"]},
    ]}))


def row(identifier: str, attribute: str, url: str) -> dict:
    return {"identifier": identifier, "attribute": attribute, "locale": None, "scope": None, "url": url,
            "source": "icecat"}


class PeakRss:
    """Samples this process's RSS while the load runs (the load step runs in-process here)."""

    def __init__(self) -> None:
        self.process, self.baseline = psutil.Process(), psutil.Process().memory_info().rss
        self.peak, self._stop = self.baseline, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_a_hostile_media_host_reaches_nothing_internal_and_stores_only_the_real_image(
    akeneo: Sandbox, tmp_path: Path, hosts: tuple[Server, Server]
) -> None:
    hostile, internal = hosts
    base, port = f"http://{hostile.netloc}", internal.netloc.rsplit(":", 1)[1]
    rows = [
        row("DEMO-DELL-G5", "main_image", f"{base}/ok.png"),
        row("DEMO-SAMSUNG-S25", "main_image", f"{base}/to-internal.jpg"),
        row("DEMO-LENOVO-TAB", "main_image", f"http://{hostile.netloc}@{internal.netloc}/x.jpg"),
        row("DEMO-PHILIPS-MON", "main_image", f"http://2130706433:{port}/x.jpg"),
        row("DEMO-PHILIPS-HS", "user_manual", f"{base}/huge.pdf"),
        row("DEMO-JABRA-HS", "main_image", f"{base}/huge-stream.jpg"),
        row("DEMO-HP-6710B", "main_image", f"{base}/page.jpg"),
        row("DEMO-SAMSUNG-S7", "main_image", f"{base}/fake.jpg"),
    ]
    write_media(tmp_path, rows)
    write_taxonomy(tmp_path)
    files_before = akeneo.counters()["media_files"]
    targets = [(r["identifier"], r["attribute"], r["url"]) for r in rows[1:]]
    values_before = {i: get_product(akeneo, i)["values"].get(a) for i, a, _ in targets}
    policy = MediaPolicy().widened([hostile.netloc], allow_private_addresses=True)  # as a sandbox Connection
    with PeakRss() as rss:
        report = run_load(settings_for(akeneo), tmp_path, media_policy=policy)
    results = {r["identifier"]: r for r in pq.read_table(RESULTS.path(tmp_path)).to_pylist()}
    refusals = {identifier: json.loads(r["errors_json"])[0]["message"] for identifier, r in results.items()
                if r["status_code"] != 201}
    growth = (rss.peak - rss.baseline) / MB
    print(f"URLs tried {report['media']['urls_tried']}, fetched {report['media']['urls_fetched']}, "
          f"refused {len(refusals)}; internal server requests {len(internal.requests)}; "
          f"peak RSS {rss.peak / MB:.0f} MB (+{growth:.0f} MB over {rss.baseline / MB:.0f} MB)")
    for identifier, message in refusals.items():
        print(f"  {identifier}: {message}")

    assert internal.requests == []
    assert results["DEMO-DELL-G5"]["status_code"] == 201
    assert akeneo.counters()["media_files"] == files_before + 1
    expected = {
        "DEMO-SAMSUNG-S25": f"media refused: host not allowed ({internal.netloc})",
        "DEMO-LENOVO-TAB": "media refused: URL carries a user name or password",
        "DEMO-PHILIPS-MON": "media refused: host not allowed (2130706433",
        "DEMO-PHILIPS-HS": "media refused: too large: 500 MB > 100 MB",
        "DEMO-JABRA-HS": "media refused: too large: more than 20 MB",
        "DEMO-HP-6710B": "media refused: is text/html, not an image",
        "DEMO-SAMSUNG-S7": "media refused: says image/jpeg but is text/html, not an image",
    }
    assert {identifier: refusals[identifier][:len(text)] for identifier, text in expected.items()} == expected
    assert all(json.loads(results[i]["errors_json"])[0]["attribute"] for i in expected)
    assert report["media"]["urls_fetched"] == 3  # ok.png, and the two HTML pages refused once read
    assert {i: get_product(akeneo, i)["values"].get(a) for i, a, _ in targets} == values_before
    assert growth < 150  # bounded by the 20 MB image cap, never the 500 MB bodies


def test_a_lost_upload_answer_leaves_one_file_and_the_value_set(
    akeneo: Sandbox, tmp_path: Path, hosts: tuple[Server, Server]
) -> None:
    hostile, _ = hosts
    write_media(tmp_path, [row("DEMO-DELL-G5", "main_image", f"http://{hostile.netloc}/ok.png")])
    write_taxonomy(tmp_path)
    files_before = akeneo.counters()["media_files"]
    akeneo.faults(drop_media_next=1)
    report = run_load(settings_for(akeneo), tmp_path,
                      media_policy=MediaPolicy((hostile.netloc,), allow_private_addresses=True))
    counters = akeneo.counters()
    akeneo.faults()
    (result,) = pq.read_table(RESULTS.path(tmp_path)).to_pylist()
    print(f"responses dropped {counters['responses_dropped']}, media files {files_before} -> "
          f"{counters['media_files']}, uploads {counters['media_uploaded']}, result {result['status_code']}")
    assert counters["responses_dropped"].get("media") == 1
    assert counters["media_files"] == files_before + 1
    assert result["status_code"] == 201 and report["media"]["uploaded"] == 1
    assert get_product(akeneo, "DEMO-DELL-G5")["values"]["main_image"][0]["data"] == result["message"]


def test_an_address_that_changes_after_the_check_is_refused_once_connected(hosts: tuple[Server, Server]) -> None:
    """DNS rebinding: the name resolved to a public address when checked, the connection went to loopback."""
    hostile, _ = hosts

    async def public_at_check_time(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    async def run() -> None:
        async with httpx.AsyncClient() as web:
            with pytest.raises(MediaRefused, match="connected to address 127.0.0.1 is not public"):
                await fetch(web, f"http://{hostile.netloc}/ok.png", MediaPolicy((hostile.netloc,)), IMAGE,
                            public_at_check_time)

    asyncio.run(run())
