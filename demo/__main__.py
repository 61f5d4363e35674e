"""Run the demo end to end: start both sandboxes, run `icecat_sync__demo` once with `airflow dags test`,
print the run summary, the path of its report.json and two enriched products as Akeneo now returns them,
then stop the servers.

Everything lands under `.demo/` (Airflow home, metadata DB, run artifacts, server logs); each demo starts
from a fresh sandbox catalogue, so it can be run again and again.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox.connections import AKENEO_CREDENTIALS, demo_connections
from sandbox.process import REPO_ROOT, running_server

DEMO_DIR = REPO_ROOT / ".demo"
SHOWN_PRODUCTS = ("DEMO-SAMSUNG-S7", "DEMO-DELL-G5")
SHOWN_MODEL = "DEMO-S25P"  # the variant family's root model (`--seed variants`: the demo plus a phone model)


def airflow_env(akeneo_url: str, icecat_url: str, home: Path) -> dict[str, str]:
    """Airflow on SQLite in `home`, the repo's dags/plugins/mappings, and the sandboxes as Connections."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow' / 'airflow.db'}",
        "ICECAT_AKENEO_DATA_ROOT": str(home / "data"),
        "ICECAT_AKENEO_MAPPINGS": str(REPO_ROOT / "include" / "mappings"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **demo_connections(akeneo_url, icecat_url),
    }


def airflow(env: dict[str, str], *args: str, log: Path) -> None:
    with log.open("ab") as out:
        completed = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    if completed.returncode != 0:
        raise SystemExit(f"`airflow {' '.join(args)}` failed (exit {completed.returncode}); see {log}")


def akeneo_product(base_url: str, identifier: str, resource: str = "products") -> dict:
    credentials = AKENEO_CREDENTIALS
    token = httpx.post(f"{base_url}/api/oauth/v1/token", auth=(credentials["client_id"], credentials["secret"]),
                       json={"grant_type": "password", "username": credentials["username"],
                             "password": credentials["password"]}).json()["access_token"]
    response = httpx.get(f"{base_url}/api/rest/v1/{resource}/{identifier}",
                         headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.json()


def compact(product: dict, width: int = 100) -> str:
    """One line per value (attribute, locale, scope), long texts cut, so a person can read it at a glance."""
    lines = [f"family: {product.get('family')}   updated: {product.get('updated')}"]
    for attribute, entries in sorted(product["values"].items()):
        for entry in entries:
            where = "/".join(part for part in (entry.get("locale"), entry.get("scope")) if part) or "-"
            data = json.dumps(entry["data"], ensure_ascii=False)
            data = data if len(data) <= width else data[: width - 1] + "…"
            lines.append(f"  {attribute:<20} {where:<18} {data}")
    return "\n".join(lines)


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    (DEMO_DIR / "logs").mkdir(parents=True)
    log = DEMO_DIR / "logs" / "airflow.log"
    print("Starting the Akeneo and Icecat sandboxes ...")
    with running_server("sandbox.akeneo", ["--seed", "variants", "--db", str(DEMO_DIR / "akeneo.db")],
                        log_path=DEMO_DIR / "logs" / "akeneo.log") as akeneo_url, \
            running_server("sandbox.icecat", [], log_path=DEMO_DIR / "logs" / "icecat.log") as icecat_url:
        env = airflow_env(akeneo_url, icecat_url, DEMO_DIR)
        print(f"  Akeneo sandbox: {akeneo_url}\n  Icecat sandbox: {icecat_url}")
        print("Preparing Airflow (SQLite metadata DB) ...")
        airflow(env, "db", "migrate", log=log)
        print("Running icecat_sync__demo once (airflow dags test) ...")
        airflow(env, "dags", "test", "icecat_sync__demo", log=log)
        reports = sorted((DEMO_DIR / "data" / "demo").glob("*/report.json"), key=lambda p: p.stat().st_mtime)
        if not reports:
            raise SystemExit(f"the run wrote no report.json; see {log}")
        report = json.loads(reports[-1].read_text())
        print("\n=== Demo summary ===")
        print(json.dumps(report["summary"], indent=2))
        print(f"\nreport.json: {reports[-1]}\nreport.html: {reports[-1].with_suffix('.html')}")
        for identifier in SHOWN_PRODUCTS:
            print(f"\n=== {identifier} as Akeneo now returns it (GET /api/rest/v1/products/{identifier}) ===")
            print(compact(akeneo_product(akeneo_url, identifier)))
        print(f"\n=== product model {SHOWN_MODEL} (GET /api/rest/v1/product-models/{SHOWN_MODEL}); "
              f"product-model lines sent: {report.get('load', {}).get('model_lines')} ===")
        print(compact(akeneo_product(akeneo_url, SHOWN_MODEL, "product-models")))
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s; servers stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
