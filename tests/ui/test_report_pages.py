"""The report pages the api-server serves (plugin `icecat_akeneo_ui`): a run's files are served to a signed-in
reader of the client's DAG, nothing outside the run folders is, and the tasks' buttons point at the run."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from airflow.api_fastapi.core_api.security import get_user
from fastapi import FastAPI
from fastapi.testclient import TestClient
from icecat_akeneo.run_folder import safe_run_id
from icecat_akeneo.ui.app import client_access, create_app, reports_root
from icecat_akeneo.ui.files import URL_PREFIX, servable_file

RUN_ID = "manual__2026-12-01T10:00:00+00:00"
RUN = safe_run_id(RUN_ID)


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """A data root as the sync leaves it: one finished run, one still running, the state store and cache."""
    root = tmp_path / "data"
    run = root / "demo" / RUN
    docs = run / "validate" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<h1>Data Docs of demo</h1>", encoding="utf-8")
    (run / "validate" / "report.json").write_text(json.dumps({"artifacts": {"data_docs": f"/worker/x/{RUN}/"
                                                  "validate/gx/uncommitted/data_docs/local_site/index.html"}}))
    (run / "report.html").write_text("<h1>Run report demo</h1>", encoding="utf-8")
    (run / "report.json").write_text(json.dumps({"summary": {"status": "success"}}), encoding="utf-8")
    (run / "refused.csv").write_text("identifier,status\nDEMO-JABRA-HS,422\n", encoding="utf-8")
    (root / "demo" / "scheduled__2026-12-02T00_00_00_00_00" / "extract").mkdir(parents=True)
    (root / "demo" / "state.db").write_bytes(b"SQLite format 3")
    (root / "demo" / "icecat-cache").mkdir()
    (root / "demo" / "icecat-cache" / "1.json").write_text("{}")
    (root / "acme" / "run1").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("outside the data root")
    (run / "escape").symlink_to(tmp_path / "secret.txt")
    return root


def mounted(data_root: Path, *, signed_in: bool = True, readable: tuple[str, ...] = ("demo",)) -> TestClient:
    """The pages mounted under their prefix, as the api-server mounts plugin apps."""
    pages = create_app()
    pages.dependency_overrides[reports_root] = lambda: data_root
    if signed_in:
        pages.dependency_overrides[get_user] = lambda: "reader"
        pages.dependency_overrides[client_access] = lambda: (lambda client: client in readable)
    api_server = FastAPI()
    api_server.mount(URL_PREFIX, pages)
    return TestClient(api_server, follow_redirects=False)


def test_a_runs_report_json_and_csv_are_served(data_root: Path) -> None:
    client = mounted(data_root)
    assert "Run report demo" in client.get(f"{URL_PREFIX}/demo/{RUN}/report.html").text
    assert client.get(f"{URL_PREFIX}/demo/{RUN}/report.json").json() == {"summary": {"status": "success"}}
    csv = client.get(f"{URL_PREFIX}/demo/{RUN}/refused.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "DEMO-JABRA-HS,422" in csv.text


def test_the_run_page_opens_the_report_or_says_it_is_not_written_yet(data_root: Path) -> None:
    client = mounted(data_root)
    assert client.get(f"{URL_PREFIX}/demo/{RUN}").headers["location"].endswith(f"/demo/{RUN}/")
    assert client.get(f"{URL_PREFIX}/demo/{RUN}/").headers["location"] == "report.html"
    running = client.get(f"{URL_PREFIX}/demo/scheduled__2026-12-02T00_00_00_00_00/")
    assert running.status_code == 200 and "No report yet" in running.text and "extract/" in running.text


def test_data_docs_opens_the_index_the_validate_step_reported(data_root: Path) -> None:
    client = mounted(data_root)
    target = client.get(f"{URL_PREFIX}/demo/{RUN}/data-docs").headers["location"]
    assert target == "validate/gx/uncommitted/data_docs/local_site/index.html"
    assert "Data Docs of demo" in client.get(f"{URL_PREFIX}/demo/{RUN}/{target}").text
    missing = client.get(f"{URL_PREFIX}/demo/scheduled__2026-12-02T00_00_00_00_00/data-docs")
    assert missing.status_code == 404 and "validate step did not write any" in missing.text


def test_a_sharded_runs_data_docs_page_lists_every_shards_site(data_root: Path) -> None:
    run = data_root / "demo" / "sharded"
    shards = {}
    for shard in ("shards/0001", "shards/0002"):
        docs = run / shard / "validate" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        docs.parent.mkdir(parents=True)
        docs.write_text(f"<h1>Data Docs of {shard}</h1>", encoding="utf-8")
        shards[shard] = {"artifacts": {"data_docs": f"/worker/y/sharded/{shard}/validate/gx/uncommitted/data_docs/"
                                                    "local_site/index.html"}}
    merged = {"artifacts": {"data_docs": "/worker/y/sharded/validate/gx/uncommitted/data_docs/local_site/index.html"},
              "shards": shards}
    (run / "validate").mkdir()
    (run / "validate" / "report.json").write_text(json.dumps(merged), encoding="utf-8")
    client = mounted(data_root)
    page = client.get(f"{URL_PREFIX}/demo/sharded/data-docs")
    assert page.status_code == 200 and "validated in 2 shards" in page.text
    links = re.findall(r'href="(shards/[^"]+)"', page.text)
    assert links == [f"{shard}/validate/gx/uncommitted/data_docs/local_site/index.html" for shard in shards]
    assert "Data Docs of shards/0002" in client.get(f"{URL_PREFIX}/demo/sharded/{links[1]}").text


def test_the_index_lists_the_runs_of_the_clients_the_user_may_read(data_root: Path) -> None:
    page = mounted(data_root).get(f"{URL_PREFIX}/").text
    assert f'href="demo/{RUN}/report.html"' in page and "success" in page
    assert "acme" not in page


@pytest.mark.parametrize("path", [
    "demo/%2e%2e/%2e%2e/secret.txt",            # ../ out of the data root
    f"demo/{RUN}/%2e%2e/%2e%2e/%2e%2e/secret.txt",
    "demo/..%2f..%2fsecret.txt",
    "demo//etc/passwd",                          # an absolute path
    "demo/%2Fetc%2Fpasswd",
    f"demo/{RUN}/escape",                        # a symlink pointing outside
    "demo/state.db",                             # the state store is no artifact
    "demo/icecat-cache/1.json",                  # nor the Icecat response cache
    "demo/%2e%2e/acme/run1/",                    # another client's folder through this one's
    "demo/no-such-run/report.html",
])
def test_nothing_outside_the_run_folders_is_served(data_root: Path, path: str) -> None:
    response = mounted(data_root, readable=("demo", "acme")).get(f"{URL_PREFIX}/{path}")
    assert response.status_code == 404, (path, response.status_code, response.text[:200])


@pytest.mark.parametrize("relative", ["../../secret.txt", "/etc/passwd", f"{RUN}/../../../secret.txt",
                                      "state.db", f"{RUN}/escape"])
def test_servable_file_refuses_paths_out_of_the_client_runs(data_root: Path, relative: str) -> None:
    assert servable_file(data_root, "demo", relative) is None
    assert servable_file(data_root, "..", "demo/state.db") is None


def test_pages_need_airflows_authentication_and_read_access(data_root: Path) -> None:
    anonymous = mounted(data_root, signed_in=False)
    for path in ("/", f"/demo/{RUN}/report.html", f"/demo/{RUN}/data-docs"):
        assert anonymous.get(f"{URL_PREFIX}{path}").status_code == 401, path
    assert mounted(data_root).get(f"{URL_PREFIX}/acme/run1/").status_code == 403
