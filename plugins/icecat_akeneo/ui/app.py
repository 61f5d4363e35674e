"""The report pages, mounted by the api-server under `/icecat-akeneo` (plugin `fastapi_apps`).

Authentication and authorization are Airflow's own: every route needs the api-server's JWT (the UI's
session cookie or a bearer token, `airflow.api_fastapi.core_api.security.get_user`), and a client's files
need read access to that client's sync DAG runs (`requires_access_dag`), the permission that shows the
runs in the grid. What may be served is decided by `files.servable_file`.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import GetUserDep, get_user, requires_access_dag
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from icecat_akeneo.run_folder import data_root
from icecat_akeneo.ui.files import client_runs, clients, data_docs_targets, servable_file, sync_dag_id

TEMPLATES = Environment(loader=PackageLoader("icecat_akeneo.ui", "templates"), autoescape=select_autoescape())
NOT_FOUND = "Not found: no such report or artifact, or it is outside the run folders."


def reports_root() -> Path:
    """The data root, read per request so the page follows `ICECAT_AKENEO_DATA_ROOT` like the tasks do."""
    return data_root()


def client_access(request: Request, user: GetUserDep) -> Callable[[str], bool]:
    """Whether the signed-in user may read a client's sync runs, asked of Airflow's auth manager."""

    def may_read(client: str) -> bool:
        try:
            requires_access_dag("GET", DagAccessEntity.RUN, param_dag_id=sync_dag_id(client))(request, user)
        except HTTPException:
            return False
        return True

    return may_read


RootDep = Annotated[Path, Depends(reports_root)]
AccessDep = Annotated[Callable[[str], bool], Depends(client_access)]


def readable_client(client: str, may_read: AccessDep) -> str:
    if not may_read(client):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"You may not read the runs of {sync_dag_id(client)}.")
    return client


ClientDep = Annotated[str, Depends(readable_client)]


def listing(**page: object) -> HTMLResponse:
    return HTMLResponse(TEMPLATES.get_template("listing.html").render(**page))


def folder_page(root: Path, client: str, relative: str, folder: Path) -> Response:
    """A run folder opens its report; before the report exists, and for any other folder, its listing."""
    is_run = folder.parent.parent == root.resolve()
    if is_run and (folder / "report.html").is_file():
        return RedirectResponse("report.html", status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    note = "No report yet: the run's last task (report) writes report.html when the run ends." if is_run else None
    entries = sorted(f"{p.name}/" if p.is_dir() else p.name for p in folder.iterdir())
    return listing(title=f"{client} / {relative}", entries=entries, parent=True, note=note)


def create_app() -> FastAPI:
    app = FastAPI(title="Icecat -> Akeneo run reports", dependencies=[Depends(get_user)],
                  docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse)
    def index(root: RootDep, may_read: AccessDep) -> HTMLResponse:
        runs = [(client, client_runs(root, client), (root / client / "preflight").is_dir())
                for client in clients(root) if may_read(client)]
        return listing(title="Icecat -> Akeneo run reports", runs=runs,
                       note=f"Runs under the data root {root}, newest first.")

    @app.get("/{client}/{run_folder}/data-docs", response_model=None)
    def data_docs(client: ClientDep, run_folder: str, root: RootDep) -> Response:
        """The run's Data Docs; a sharded run's validate wrote one site per shard: a page lists them."""
        run_dir = servable_file(root, client, run_folder)
        targets = data_docs_targets(run_dir) if run_dir and run_dir.is_dir() else []
        if not targets:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                f"Run {run_folder} of {client} has no Data Docs: its validate step did not write any.")
        if len(targets) == 1:
            return RedirectResponse(targets[0], status_code=status.HTTP_307_TEMPORARY_REDIRECT)
        return listing(title=f"{client} / {run_folder}: Data Docs", entries=targets, parent=False,
                       note=f"This run was validated in {len(targets)} shards, each with its own Data Docs.")

    @app.get("/{client}/{relative:path}", response_model=None)
    def artifact(client: ClientDep, relative: str, root: RootDep, request: Request) -> Response:
        found = servable_file(root, client, relative)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
        if found.is_file():
            return FileResponse(found)
        if not request.url.path.endswith("/"):   # relative links in the pages need the folder's slash
            return RedirectResponse(f"{request.url.path}/", status_code=status.HTTP_307_TEMPORARY_REDIRECT)
        return folder_page(root, client, relative, found)

    return app
