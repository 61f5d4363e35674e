"""Load: every line's answer recorded, 422s kept as data, media uploaded into their attribute."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.lines import LineResult
from icecat_akeneo.artifacts import RESULTS, RESULTS_SCHEMA
from icecat_akeneo.media_policy import MediaPolicy
from icecat_akeneo.retry import RetryPolicy
from icecat_akeneo.steps.load import LoadResults, _read_batches, run_load
from icecat_akeneo.steps.media import MediaSender, media_filename, send_media

from tests.conftest import AKENEO_CREDENTIALS, Sandbox

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
MULTILINE = "40 inch\n4K UHD\u2028VA panel\r\nHDMI"
MEDIA_COLUMNS = ["identifier", "attribute", "locale", "scope", "url", "source"]


def write_batch(run_dir: Path, name: str, lines: list[dict]) -> None:
    folder = run_dir / "transform"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def sandbox_policy(base_url: str) -> MediaPolicy:
    """The media policy of a test Connection: the stand-in image host allowed, on a loopback address."""
    return MediaPolicy(hosts=(urlsplit(base_url).netloc,), allow_private_addresses=True)


def write_media(run_dir: Path, rows: list[dict]) -> None:
    folder = run_dir / "transform"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(rows, pa.schema([(c, pa.string()) for c in MEDIA_COLUMNS])),
        folder / "media.parquet",
    )


def claim(identifier: str, text: str) -> dict:
    return {
        "identifier": identifier,
        "values": {"marketing_claim": [{"locale": "en_US", "scope": None, "data": text}]},
    }


def test_media_file_names_are_the_urls_last_segment_made_safe() -> None:
    assert (
        media_filename("https://images.icecat.biz/img/gallery/56195846_4375.jpg?x=1") == "56195846_4375.jpg"
    )
    assert media_filename("https://host/a/My%20Photo%20(1).png") == "My_Photo_1_.png"
    assert media_filename("https://host/") == "media"


def test_batch_files_are_read_in_order_and_split_at_100_lines(tmp_path: Path) -> None:
    write_batch(tmp_path, "batch-0002.ndjson", [{"identifier": "z"}])
    write_batch(tmp_path, "batch-0001.ndjson", [{"identifier": str(i)} for i in range(150)])

    results = LoadResults(tmp_path / "r.parquet")

    async def read() -> list[tuple[str, int, int]]:
        return [
            (batch, offset, len(lines))
            async for batch, offset, lines in _read_batches(tmp_path, lambda line: line, results)
        ]

    import asyncio

    assert asyncio.run(read()) == [("batch-0001", 0, 100), ("batch-0001", 100, 50), ("batch-0002", 0, 1)]


def test_lines_the_filter_empties_are_not_sent_and_are_counted(tmp_path: Path) -> None:
    write_batch(tmp_path, "batch-0001.ndjson", [{"identifier": str(i)} for i in range(10)])
    results = LoadResults(tmp_path / "r.parquet")

    async def read() -> list[dict]:
        keep_even = lambda line: line if int(line["identifier"]) % 2 == 0 else None  # noqa: E731
        return [line async for _, _, lines in _read_batches(tmp_path, keep_even, results)
                for line in lines]

    import asyncio

    assert [line["identifier"] for line in asyncio.run(read())] == ["0", "2", "4", "6", "8"]
    assert results.skipped_lines == 5


def test_the_most_frequent_422_messages_come_first_with_their_products(tmp_path: Path) -> None:
    results = LoadResults(tmp_path / "r.parquet")
    for identifier, message in [("a", "too long"), ("b", "too long"), ("c", "unknown option")]:
        results.add(LineResult(1, identifier, 422, message), "batch-0001", 1, "values")
    results.add(LineResult(2, "d", 204), "batch-0001", 2, "values")
    results.close()
    assert results.top_unprocessable() == [
        {"message": "too long", "count": 2, "identifiers": ["a", "b"]},
        {"message": "unknown option", "count": 1, "identifiers": ["c"]},
    ]
    assert pq.read_table(tmp_path / "r.parquet").schema.equals(RESULTS_SCHEMA)


def settings_for(sandbox: Sandbox, **changes: object) -> AkeneoSettings:
    return AkeneoSettings(**{"base_url": sandbox.base_url, **AKENEO_CREDENTIALS, **changes})


def get_product(sandbox: Sandbox, identifier: str) -> dict:
    auth = httpx.post(
        f"{sandbox.base_url}/api/oauth/v1/token",
        auth=(AKENEO_CREDENTIALS["client_id"], AKENEO_CREDENTIALS["secret"]),
        json={
            "grant_type": "password",
            "username": AKENEO_CREDENTIALS["username"],
            "password": AKENEO_CREDENTIALS["password"],
        },
    ).json()
    return httpx.get(
        f"{sandbox.base_url}/api/rest/v1/products/{identifier}",
        headers={"Authorization": f"Bearer {auth['access_token']}"},
    ).json()


def test_a_bad_line_is_recorded_as_422_and_the_others_are_stored(akeneo: Sandbox, tmp_path: Path) -> None:
    write_batch(
        tmp_path,
        "batch-0001.ndjson",
        [
            claim("DEMO-DELL-G5", "Fast laptop"),
            claim("DEMO-HP-6710B", "A claim far longer than twenty characters"),
            {
                "identifier": "DEMO-IIYAMA",
                "values": {"description": [{"locale": "en_US", "scope": "ecommerce", "data": MULTILINE}]},
            },
        ],
    )
    seen: list[LineResult] = []
    report = run_load(settings_for(akeneo), tmp_path, on_line_result=seen.append)

    rows = pq.read_table(RESULTS.path(tmp_path)).to_pylist()
    assert [(r["identifier"], r["batch"], r["line"], r["status_code"], r["kind"]) for r in rows] == [
        ("DEMO-DELL-G5", "batch-0001", 1, 204, "values"),
        ("DEMO-HP-6710B", "batch-0001", 2, 422, "values"),
        ("DEMO-IIYAMA", "batch-0001", 3, 204, "values"),
    ]
    assert "marketing_claim" in (rows[1]["message"] or "") + (rows[1]["errors_json"] or "")
    assert report["lines_by_status"] == {"204": 2, "422": 1} and report["lines_ok"] == 2
    assert report["unprocessable_top"][0]["identifiers"] == ["DEMO-HP-6710B"]
    assert [(r.identifier, r.ok) for r in seen] == [
        ("DEMO-DELL-G5", True),
        ("DEMO-HP-6710B", False),
        ("DEMO-IIYAMA", True),
    ]
    assert seen[0].sent == claim("DEMO-DELL-G5", "Fast laptop")
    descriptions = get_product(akeneo, "DEMO-IIYAMA")["values"]["description"]
    assert {"locale": "en_US", "scope": "ecommerce", "data": MULTILINE} in descriptions
    assert "marketing_claim" not in get_product(akeneo, "DEMO-HP-6710B")["values"]
    assert akeneo.counters()  # the sandbox saw the run


def test_many_batches_all_get_a_result_under_a_concurrency_limit(akeneo: Sandbox, tmp_path: Path) -> None:
    """Akeneo SaaS answers 429 above its per-connection limit: the batches still all land, with retries."""
    identifiers = [
        f"DEMO-{name}"
        for name in (
            "DELL-G5",
            "SAMSUNG-S25",
            "LENOVO-TAB",
            "PHILIPS-MON",
            "PHILIPS-HS",
            "JABRA-HS",
            "HP-6710B",
            "SAMSUNG-S7",
        )
    ]
    for number, identifier in enumerate(identifiers, start=1):
        write_batch(tmp_path, f"batch-{number:04d}.ndjson", [claim(identifier, f"claim {number}")])
    akeneo.faults(concurrency_limit=1, latency_ms=50, seed=1)
    report = run_load(settings_for(akeneo, max_concurrency=4), tmp_path)
    assert report["lines_by_status"] == {"204": len(identifiers)}
    assert report["retries"] > 0


@pytest.fixture
def image_server() -> Iterator[tuple[str, list[dict]]]:
    """A local web server standing in for the Icecat image host; records the headers it received."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            received.append(dict(self.headers))
            if self.path.endswith(".png"):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)
            else:
                self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_media_is_downloaded_and_uploaded_into_the_product_value(
    akeneo: Sandbox, tmp_path: Path, image_server: tuple[str, list[dict]]
) -> None:
    base, received = image_server
    write_media(
        tmp_path,
        [
            {
                "identifier": "DEMO-DELL-G5",
                "attribute": "main_image",
                "locale": None,
                "scope": None,
                "url": f"{base}/img/dell-g5.png",
                "source": "icecat",
            },
            {
                "identifier": "DEMO-IIYAMA",
                "attribute": "main_image",
                "locale": None,
                "scope": None,
                "url": f"{base}/img/missing.jpg",
                "source": "icecat",
            },
        ],
    )
    report = run_load(settings_for(akeneo), tmp_path, media_headers={"X-Icecat-Token": "t-1"},
                      media_policy=sandbox_policy(base))

    assert report["media"] == {"uploaded": 1, "reused": 0, "unchanged": 0, "failed": 1,
                               "urls_tried": 2, "urls_fetched": 1}
    rows = pq.read_table(RESULTS.path(tmp_path)).to_pylist()
    uploaded, missing = rows
    assert (uploaded["kind"], uploaded["status_code"]) == ("media", 201)
    assert uploaded["message"].endswith("dell-g5.png")
    assert get_product(akeneo, "DEMO-DELL-G5")["values"]["main_image"][0]["data"] == uploaded["message"]
    assert missing["status_code"] == 0 and "HTTP 404" in missing["message"]
    assert all(headers.get("X-Icecat-Token") == "t-1" for headers in received)


class Clock:
    """Virtual time: the injected sleep advances it, so the breaker's cool-down passes without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class RecordedResults:
    def __init__(self) -> None:
        self.rows: list[LineResult] = []
        self.media_unchanged = 0
        self.media_reused = 0

    def add(self, result: LineResult, batch: str, line: int, kind: str) -> None:
        self.rows.append(result)


def test_an_akeneo_outage_during_media_upload_fails_every_row_within_bounded_time(tmp_path: Path) -> None:
    """500 products, Akeneo answers 503 to every upload: the breaker stops sending after K failures."""
    rows = 500
    write_media(
        tmp_path,
        [
            {"identifier": f"P{i}", "attribute": "main_image", "locale": None, "scope": None,
             "url": f"http://images.test/{i}.png", "source": "icecat"}
            for i in range(rows)
        ],
    )
    uploads = []

    def akeneo_api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth/v1/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600, "refresh_token": "r"})
        uploads.append(request)
        return httpx.Response(503, json={"code": 503, "message": "down"})

    clock = Clock()
    settings = AkeneoSettings(**{"base_url": "http://akeneo.test", **AKENEO_CREDENTIALS})
    results = RecordedResults()

    async def main() -> None:
        async with AkeneoClient(
            settings, transport=httpx.MockTransport(akeneo_api), sleep=clock.sleep, clock=clock
        ) as akeneo:
            sender = MediaSender(akeneo, results, {}, lambda _: None, None, akeneo.patch_products,
                                 sandbox_policy("http://images.test"),
                                 httpx.MockTransport(lambda request: httpx.Response(200, content=PNG)))
            await send_media(sender, tmp_path / "transform" / "media.parquet")

    asyncio.run(main())
    assert len(results.rows) == rows and not any(result.ok for result in results.rows)
    assert all("Akeneo unavailable (503 on" in (result.message or "") for result in results.rows[1:])
    threshold = settings.breaker.failure_threshold
    assert len(uploads) <= threshold + clock.now / settings.breaker.cooldown_s + 1  # K, then one probe per cool-down
    print(f"virtual wait {clock.now:.1f}s, {len(uploads)} uploads sent for {rows} rows")
    assert clock.now < 120  # time spent waiting on retries: the load ends in under 2 minutes


def test_an_akeneo_outage_on_the_sandbox_stops_media_uploads_after_the_breaker_threshold(
    akeneo: Sandbox, tmp_path: Path
) -> None:
    """The sandbox answers 5xx to every call once the token is held: uploads stop after K failures."""
    rows = 200
    write_media(
        tmp_path,
        [
            {"identifier": "DEMO-DELL-G5", "attribute": "main_image", "locale": None, "scope": None,
             "url": f"http://images.test/{i}.png", "source": "icecat"}
            for i in range(rows)
        ],
    )
    settings = settings_for(akeneo, retry=RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05))
    results = RecordedResults()

    async def main() -> None:
        async with AkeneoClient(settings) as client:
            await client.check_credentials()
            akeneo.faults(error_rate=1.0)
            sender = MediaSender(client, results, {}, lambda _: None, None, client.patch_products,
                                 sandbox_policy("http://images.test"),
                                 httpx.MockTransport(lambda request: httpx.Response(200, content=PNG)))
            await send_media(sender, tmp_path / "transform" / "media.parquet")

    asyncio.run(main())
    uploads = akeneo.counters()["requests"].get("POST /api/rest/v1/media-files", 0)
    akeneo.faults()
    print(f"{uploads} upload calls reached the sandbox for {rows} rows")
    assert len(results.rows) == rows and not any(result.ok for result in results.rows)
    assert uploads == settings.breaker.failure_threshold
    assert results.rows[0].status_code >= 500  # the first row spent its retries and keeps Akeneo's answer
    assert all("Akeneo unavailable (" in (result.message or "") for result in results.rows[1:])


def test_products_pointed_at_a_file_akeneo_holds_go_in_full_collection_patches(tmp_path: Path) -> None:
    """640 products share one image: it is uploaded once, and the other 639 products' values are sent as
    collection PATCHes of 100 lines, not one PATCH per round of rows (10 rounds here)."""
    rows = 640
    write_media(tmp_path, [{"identifier": f"P{i:03}", "attribute": "main_image", "locale": None, "scope": None,
                            "url": f"http://images.test/{i}.png", "source": "icecat"} for i in range(rows)])

    def akeneo_api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth/v1/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600, "refresh_token": "r"})
        return httpx.Response(201, headers={"Location": "http://akeneo.test/api/rest/v1/media-files/a/b/c/1.png"})

    patches: list[list[dict]] = []

    async def patch(lines: list[dict]) -> list[LineResult]:
        patches.append(lines)
        return [LineResult(n, line["identifier"], 204, None) for n, line in enumerate(lines, 1)]

    results = RecordedResults()

    async def main() -> None:
        settings = AkeneoSettings(**{"base_url": "http://akeneo.test", **AKENEO_CREDENTIALS})
        async with AkeneoClient(settings, transport=httpx.MockTransport(akeneo_api)) as akeneo:
            sender = MediaSender(akeneo, results, {}, lambda _: None, None, patch, sandbox_policy("http://images.test"),
                                 httpx.MockTransport(lambda request: httpx.Response(200, content=PNG)))
            await send_media(sender, tmp_path / "transform" / "media.parquet")

    asyncio.run(main())
    assert [len(lines) for lines in patches] == [100] * 6 + [39]
    pointed = [line["identifier"] for lines in patches for line in lines]
    assert sorted(pointed) == [f"P{i:03}" for i in range(1, rows)]
    assert all(line["values"]["main_image"][0]["data"] == "a/b/c/1.png" for lines in patches for line in lines)
    assert len(results.rows) == rows and all(result.ok for result in results.rows)


def test_a_media_refused_by_the_policy_fails_its_product_not_the_whole_load() -> None:
    from icecat_akeneo.steps.load import not_delivered
    from icecat_akeneo.steps.media import REFUSED_BY_POLICY, refused

    row = {"identifier": "P1", "attribute": "main_image", "locale": None, "scope": None}
    by_policy = refused(row, "media refused: host not allowed (evil.example)", status=REFUSED_BY_POLICY)
    no_answer = refused(row, "download of https://images.icecat.biz/x.jpg failed: ConnectError")
    assert not by_policy.ok and not not_delivered(by_policy.status_code)
    assert not_delivered(no_answer.status_code)
