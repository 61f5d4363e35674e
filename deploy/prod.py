"""`make prod-up` / `make prod-down`: the production topology natively, without Docker.

CeleryExecutor on the local PostgreSQL and Redis: api-server, scheduler, dag-processor, triggerer and two
Celery workers, all reading one `airflow.cfg` (shared JWT secret and Fernet key, generated once and kept in
`deploy/.run/`, git-ignored), plus both sandboxes for the demo client. Every process is started in its own
process group with a PID file and a log under `deploy/.run/`; `down` stops exactly those groups.

    python -m deploy.prod up | down | status | pools
"""
from __future__ import annotations

import configparser
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import psutil  # Airflow's own dependency

from deploy.topology import ADMIN_USER, AIRFLOW_SERVICES, WORKERS, Endpoints, airflow_config
from sandbox.connections import demo_connections

RUN_DIR = Path(os.environ.get("ICECAT_PROD_DIR", Path(__file__).resolve().parent / ".run"))
REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 300.0


def new_secrets() -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {"jwt_secret": secrets.token_urlsafe(48), "secret_key": secrets.token_urlsafe(32),
            "fernet_key": Fernet.generate_key().decode(), "admin_password": secrets.token_urlsafe(12)}


def generated_secrets(home: Path) -> dict[str, str]:
    """JWT secret, api secret key and Fernet key: made on the first `up`, reused after (encrypted Connections
    and variables stay readable)."""
    path = home / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = new_secrets()
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def admin_password_file(home: Path) -> Path:
    """SimpleAuthManager's password file, written before the api-server starts so the login is known."""
    path = home / "passwords.json"
    if not path.exists():
        path.write_text(json.dumps({ADMIN_USER: generated_secrets(home)["admin_password"]}) + "\n")
        path.chmod(0o600)
    return path


def write_config(endpoints: Endpoints, home: Path) -> Path:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_dict(airflow_config(endpoints, home, generated_secrets(home)))
    path = home / "airflow.cfg"
    with path.open("w") as out:
        parser.write(out)
    path.chmod(0o600)
    return path


def shared_environment(endpoints: Endpoints, home: Path) -> dict[str, str]:
    """What every process sees: the one airflow.cfg, the state store and data root, the demo Connections."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
        "ICECAT_AKENEO_STATE_URL": endpoints.database(endpoints.state_db),
        "ICECAT_AKENEO_DATA_ROOT": str(home / "data"),
        "ICECAT_AKENEO_MAPPINGS": os.environ.get("ICECAT_AKENEO_MAPPINGS", str(REPO_ROOT / "include" / "mappings")),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **demo_connections(f"http://127.0.0.1:{endpoints.akeneo_port}", f"http://127.0.0.1:{endpoints.icecat_port}"),
    }


def create_databases(endpoints: Endpoints) -> None:
    """The Airflow metadata database and the connector's state store, on the local PostgreSQL, once."""
    import psycopg2

    connection = psycopg2.connect(f"{endpoints.postgres}/postgres")
    connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            for name in (endpoints.airflow_db, endpoints.state_db):
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


POOLS_SCRIPT = """
import json, os, pathlib, sys
from icecat_akeneo.tasks import connection_pools
pools = connection_pools(pathlib.Path(os.environ["ICECAT_AKENEO_MAPPINGS"]))
pathlib.Path(sys.argv[1]).write_text(json.dumps({p.pop("name"): p for p in pools}, indent=1))
"""


def create_pools(env: Mapping[str, str], home: Path, log: Path) -> None:
    """One Airflow pool per client Connection (`icecat_akeneo.pools`: Akeneo <= 4 tasks, Icecat its
    `max_concurrency`), sized from the Connections; `airflow pools import` creates or resizes them."""
    path = home / "pools.json"
    for command in ([sys.executable, "-c", POOLS_SCRIPT, str(path)],
                    [sys.executable, "-m", "airflow", "pools", "import", str(path)]):
        with log.open("ab") as out:
            done = subprocess.run(command, env=dict(env), cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise SystemExit(f"creating the pools failed; see {log}")
    print(f"pools: {', '.join(json.loads(path.read_text()))}")


def pools_here() -> int:
    """`python -m deploy.prod pools`: the pools in the Airflow this environment points at (e.g. standalone)."""
    home = Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow"))
    home.mkdir(parents=True, exist_ok=True)
    env = {"ICECAT_AKENEO_MAPPINGS": str(REPO_ROOT / "include" / "mappings"), **os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    create_pools(env, home, home / "icecat-pools.log")
    return 0


def processes(endpoints: Endpoints, home: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Name -> (command, extra environment) of everything `up` starts."""
    airflow = [sys.executable, "-m", "airflow"]
    started: dict[str, tuple[list[str], dict[str, str]]] = {
        "akeneo-sandbox": ([sys.executable, "-m", "sandbox.akeneo", "--port", str(endpoints.akeneo_port),
                            "--seed", "demo", "--db", str(home / "akeneo.db")], {}),
        "icecat-sandbox": ([sys.executable, "-m", "sandbox.icecat", "--port", str(endpoints.icecat_port)], {}),
    }
    for service, command in AIRFLOW_SERVICES.items():
        if service != "airflow-worker":
            started[service] = ([*airflow, *command], {})
    for index in range(1, WORKERS + 1):
        started[f"airflow-worker-{index}"] = (
            [*airflow, *AIRFLOW_SERVICES["airflow-worker"], "--celery-hostname", f"worker{index}@%h",
             "--without-mingle"],
            {"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(endpoints.worker_log_port(index))},
        )
    return started


def pid_file(name: str) -> Path:
    return RUN_DIR / "pids" / f"{name}.pid"


def log_file(name: str) -> Path:
    return RUN_DIR / "logs" / f"{name}.log"


def start(name: str, command: list[str], env: dict[str, str]) -> None:
    with log_file(name).open("ab") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file(name).write_text(f"{process.pid}\n")


def wait_until(what: str, ready: Callable[[], bool], timeout: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not ready within {timeout:.0f}s; logs in {RUN_DIR / 'logs'}")
        time.sleep(0.5)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def worker_ready(name: str) -> bool:
    return log_file(name).exists() and " ready." in log_file(name).read_text(errors="replace")


def up() -> int:
    started_at = time.monotonic()
    if running():
        raise SystemExit(f"already running: {', '.join(running())} (make prod-down first)")
    endpoints = Endpoints.from_env()
    for folder in ("pids", "logs", "data"):
        (RUN_DIR / folder).mkdir(parents=True, exist_ok=True)
    write_config(endpoints, RUN_DIR)
    password_file = admin_password_file(RUN_DIR)
    env = shared_environment(endpoints, RUN_DIR)
    create_databases(endpoints)
    migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, cwd=REPO_ROOT,
                             stdout=log_file("db-migrate").open("ab"), stderr=subprocess.STDOUT)
    if migrate.returncode != 0:
        raise SystemExit(f"airflow db migrate failed; see {log_file('db-migrate')}")
    create_pools(env, RUN_DIR, log_file("pools"))
    for name, (command, extra) in processes(endpoints, RUN_DIR).items():
        start(name, command, {**env, **extra})
    api = f"http://127.0.0.1:{endpoints.api_port}"
    wait_until("api-server", lambda: answers(f"{api}/api/v2/version"))
    wait_until("sandboxes", lambda: all(answers(f"http://127.0.0.1:{port}/_sandbox/health")
                                        for port in (endpoints.akeneo_port, endpoints.icecat_port)))
    wait_until("Celery workers", lambda: all(worker_ready(f"airflow-worker-{i}") for i in range(1, WORKERS + 1)))
    (RUN_DIR / "env.json").write_text(json.dumps({k: v for k, v in env.items() if k.startswith(
        ("AIRFLOW_", "ICECAT_AKENEO_"))}, indent=1))
    print(f"stack up in {time.monotonic() - started_at:.1f}s: {', '.join(running())}")
    print(f"UI: {api}  login: {ADMIN_USER}, password in {password_file}")
    print(f"logs: {RUN_DIR / 'logs'}  data root: {RUN_DIR / 'data'}  shared config: {RUN_DIR / 'airflow.cfg'}")
    return 0


def alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def running() -> list[str]:
    folder = RUN_DIR / "pids"
    return sorted(path.stem for path in folder.glob("*.pid") if alive(int(path.read_text()))) if folder.exists() else []


def down(grace_s: float = 30.0) -> int:
    """SIGTERM each started process group (by its PID file) and every process under it, SIGKILL what is left
    after `grace_s`. "Under it" matters: a Celery worker's task processes run in sessions of their own, so a
    killed worker's group would leave a running task behind (seen: a load still writing after `down`)."""
    pids = {path.stem: int(path.read_text()) for path in (RUN_DIR / "pids").glob("*.pid")} \
        if (RUN_DIR / "pids").exists() else {}
    stray = [child for pid in pids.values() if alive(pid) for child in _descendants(pid)]
    for pid in pids.values():
        if alive(pid):
            os.killpg(pid, signal.SIGTERM)
    _signal(stray, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while (any(alive(pid) for pid in pids.values()) or any(p.is_running() for p in stray)) \
            and time.monotonic() < deadline:
        time.sleep(0.3)
    for name, pid in pids.items():
        if alive(pid):
            print(f"{name} did not stop within {grace_s:.0f}s: SIGKILL")
            os.killpg(pid, signal.SIGKILL)
        pid_file(name).unlink()
    _signal(stray, signal.SIGKILL)
    print(f"stopped: {', '.join(sorted(pids)) or 'nothing was running'}")
    return 0


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _signal(processes: list[psutil.Process], signum: int) -> None:
    for process in processes:
        with contextlib.suppress(Exception):  # gone already (psutil.NoSuchProcess) or never ours to signal
            if process.is_running():
                process.send_signal(signum)


def compose_env() -> int:
    """The `.env` docker-compose.yaml needs: the same kind of generated secrets, printed once (`> .env`)."""
    names = {"jwt_secret": "AIRFLOW_JWT_SECRET", "secret_key": "AIRFLOW_SECRET_KEY",
             "fernet_key": "AIRFLOW_FERNET_KEY", "admin_password": "AIRFLOW_ADMIN_PASSWORD"}
    for key, value in new_secrets().items():
        print(f"{names[key]}={value}")
    print(f"AIRFLOW_UID={os.getuid()}")
    return 0


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "compose-env": compose_env, "pools": pools_here,
                "status": lambda: print(", ".join(running()) or "nothing running") or 0}
    if len(argv) != 1 or argv[0] not in commands:
        raise SystemExit("usage: python -m deploy.prod up|down|status|compose-env|pools")
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
