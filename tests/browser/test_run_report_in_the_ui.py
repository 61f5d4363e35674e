"""A person's path to a run report, in a real browser: `airflow standalone` on a throw-away home with the repo's
DAGs and plugins and both sandboxes, headless Chromium (Debian's, driven by Playwright) signs in with the
generated admin password, triggers the demo DAG from its trigger form, opens the run's grid, follows the
report task's "Run report" and "Data Docs" buttons and reads the report; the same page without the login
cookie is refused. Screenshots land in the test's tmp folder (paths printed; run with `make test-browser`).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from icecat_akeneo.run_folder import safe_run_id

from demo.__main__ import airflow_env as demo_airflow_env
from sandbox.process import free_port
from tests.conftest import Sandbox
from tests.e2e.test_backfill import airflow_component

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
DAG_ID = "icecat_sync__demo"
START_TIMEOUT_S = 240
RUN_TIMEOUT_S = 480
UI_TIMEOUT_MS = 90_000   # the UI is slow to answer on a loaded 2-core machine; a bound, not an assertion


@dataclass
class AirflowUi:
    base_url: str
    password: str
    token: str
    logs: Path

    def api(self, path: str) -> dict:
        response = httpx.get(f"{self.base_url}/api/v2{path}", headers={"Authorization": f"Bearer {self.token}"},
                             timeout=60)
        response.raise_for_status()
        return response.json()


def standalone_env(tmp_path: Path, port: int, akeneo: Sandbox, icecat: Sandbox) -> dict[str, str]:
    """The demo's Airflow (SQLite home, repo dags/plugins, Connections to the sandboxes) on free ports; DAGs
    start paused as in any deployment, and only triggered runs happen (no run for the schedule's last day)."""
    return {
        **demo_airflow_env(akeneo.base_url, icecat.base_url, tmp_path),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "browser-test-secret-shared-by-the-standalone-components",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }


def wait_for_standalone(base_url: str, password_file: Path, process, logs: Path) -> AirflowUi:
    """Until the admin password is written, the api-server signs in and the demo DAG is parsed."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"airflow standalone exited {process.returncode}; see {logs}"
        try:
            password = json.loads(password_file.read_text(encoding="utf-8"))["admin"]
            token = httpx.post(f"{base_url}/auth/token", json={"username": "admin", "password": password},
                               timeout=30).json()["access_token"]
            ui = AirflowUi(base_url, password, token, logs)
            ui.api(f"/dags/{DAG_ID}")
            return ui
        except (OSError, ValueError, KeyError, httpx.HTTPError):
            time.sleep(3)
    raise AssertionError(f"airflow standalone was not ready within {START_TIMEOUT_S} s; see {logs}")


@pytest.fixture
def airflow_ui(akeneo_server: Sandbox, icecat_server: Sandbox, tmp_path: Path) -> Iterator[AirflowUi]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} missing: `make test-browser` installs Debian's chromium")
    pytest.importorskip("playwright.sync_api")
    akeneo_server.reset()
    icecat_server.reset()
    port = free_port()
    env = standalone_env(tmp_path, port, akeneo_server, icecat_server)
    logs = tmp_path / "logs"
    logs.mkdir()
    with airflow_component(env, logs / "standalone.log", "standalone") as process:
        password_file = Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
        yield wait_for_standalone(f"http://localhost:{port}", password_file, process, logs / "standalone.log")


def wait_for_run(ui: AirflowUi) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        runs = ui.api(f"/dags/{DAG_ID}/dagRuns")["dag_runs"]
        if runs and runs[0]["state"] in ("success", "failed"):
            return runs[0]
        time.sleep(3)
    raise AssertionError(f"the triggered run did not end within {RUN_TIMEOUT_S} s; see {ui.logs}")


class Screenshots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        self.taken: list[Path] = []

    def take(self, page, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        print(f"screenshot: {path}")


def sign_in(page, ui: AirflowUi) -> None:
    page.goto(f"{ui.base_url}/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ui.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{ui.base_url}/")


def trigger_from_the_form(page, ui: AirflowUi, shots: Screenshots) -> None:
    page.goto(f"{ui.base_url}/dags/{DAG_ID}")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    # The DAG starts paused; the form offers to unpause it (README, "Running the Airflow UI locally").
    dialog.get_by_text(f"Unpause {DAG_ID} on trigger").wait_for()
    shots.take(page, "trigger-form")
    dialog.get_by_role("button", name="Trigger", exact=True).click()


def reports_menu_page(page, ui: AirflowUi, run_folder: str) -> bool:
    """Browse -> Icecat run reports: the plugin's page inside the UI, listing the run."""
    page.goto(f"{ui.base_url}/")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Icecat run reports").click()
    run_link = page.frame_locator("iframe").get_by_role("link", name=run_folder)
    run_link.wait_for()
    return run_link.count() == 1


def dag_docs_panel(page, ui: AirflowUi) -> str:
    page.goto(f"{ui.base_url}/dags/{DAG_ID}")
    page.get_by_role("button", name="Dag Docs").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Backfill past days").wait_for()
    return dialog.inner_text()


def what_a_reader_looks_for(page) -> dict:
    """The status sentence, the section headings, the rows of the refused-lines table, the coverage rows."""
    refused = page.locator("h2", has_text="Lines Akeneo refused").locator("xpath=following-sibling::table[1]")
    return {
        "status sentence": page.locator("p.status").inner_text(),
        "headings": {heading.strip() for heading in page.locator("h2").all_inner_texts()},
        "refused rows": refused.locator("tbody tr").all_inner_texts(),
        "coverage locales": set(page.locator("table.coverage tbody th").all_inner_texts()),
    }


@pytest.mark.timeout(START_TIMEOUT_S + RUN_TIMEOUT_S + 300)
def test_an_operator_finds_the_run_report_from_the_grid(airflow_ui: AirflowUi, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ui, shots = airflow_ui, Screenshots(tmp_path / "screenshots")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(UI_TIMEOUT_MS)
        try:
            sign_in(page, ui)
            trigger_from_the_form(page, ui, shots)
            run = wait_for_run(ui)
            run_id = run["dag_run_id"]
            page.goto(f"{ui.base_url}/dags/{DAG_ID}/runs/{quote(run_id)}")
            page.get_by_test_id("table-list").get_by_role("link", name="report", exact=True).click()
            page.wait_for_url(lambda url: url.endswith("/tasks/report"))
            shots.take(page, "grid-report-task")
            page.get_by_role("link", name="Details", exact=True).click()
            page.get_by_text("Extra Links").wait_for()
            shots.take(page, "report-task-extra-links")

            page.get_by_role("link", name="Run report").click()
            page.wait_for_url("**/report.html")
            report_url, report_text = page.url, page.inner_text("body")
            seen_on_report = what_a_reader_looks_for(page)
            shots.take(page, "run-report")
            page.go_back()
            page.get_by_role("link", name="Data Docs").click()
            page.wait_for_url("**/data_docs/local_site/index.html")
            shots.take(page, "data-docs")
            listed = reports_menu_page(page, ui, safe_run_id(run_id))
            shots.take(page, "browse-icecat-run-reports")
            docs_panel = dag_docs_panel(page, ui)
            shots.take(page, "dag-docs")
            signed_in = httpx.get(report_url, cookies={c["name"]: c["value"] for c in page.context.cookies()},
                                  timeout=60)
        finally:
            browser.close()

    assert run["state"] == "success", f"{run}; see {ui.logs}"
    assert report_url == f"{ui.base_url}/icecat-akeneo/demo/{safe_run_id(run_id)}/report.html"
    # how the run went is the status sentence now (checked below), not a bare "success"
    for seen in ("demo", safe_run_id(run_id), "DEMO-JABRA-HS", "422"):
        assert seen in report_text, f"{seen!r} not on the report page {report_url}"
    assert "products" in seen_on_report["status sentence"] and "synced" in seen_on_report["status sentence"]
    assert seen_on_report["headings"] >= {"Language coverage", "Akeneo completeness before and after"}
    assert any("DEMO-JABRA-HS" in row and "422" in row for row in seen_on_report["refused rows"]), seen_on_report
    assert seen_on_report["coverage locales"] >= {"en_US (EN)", "de_DE (DE)"}
    print("on the report page:", json.dumps({key: sorted(value) if isinstance(value, set) else value
                                             for key, value in seen_on_report.items()}, indent=1))
    assert listed, "Browse -> Icecat run reports does not list the run"
    for seen in ("Backfill past days", "Clear task", "on trigger", "Run report"):
        assert seen in docs_panel, f"{seen!r} not in the DAG's Docs panel"
    assert signed_in.status_code == 200 and "DEMO-JABRA-HS" in signed_in.text
    anonymous = httpx.get(report_url, timeout=60)
    assert anonymous.status_code == 401, anonymous.text
    print(f"report page {report_url}: saw {['demo', safe_run_id(run_id), 'DEMO-JABRA-HS', '422']}; "
          f"without the login cookie: {anonymous.status_code} {anonymous.text}")
