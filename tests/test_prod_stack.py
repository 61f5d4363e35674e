"""deploy/prod.py without starting Airflow: the shared config it writes, the secrets it keeps, and `down`
stopping exactly the process groups `up` recorded (children included), nothing else."""
from __future__ import annotations

import configparser
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from deploy import prod
from deploy.topology import Endpoints


@pytest.fixture()
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("pids", "logs"):
        (tmp_path / folder).mkdir()
    monkeypatch.setattr(prod, "RUN_DIR", tmp_path)
    return tmp_path


def test_one_config_with_secrets_generated_once_and_kept(run_dir: Path) -> None:
    endpoints = Endpoints.from_env()
    first = configparser.ConfigParser(interpolation=None)
    first.read(prod.write_config(endpoints, run_dir))
    again = configparser.ConfigParser(interpolation=None)
    again.read(prod.write_config(endpoints, run_dir))
    assert first["core"]["executor"] == "CeleryExecutor"
    assert first["api_auth"]["jwt_secret"] == again["api_auth"]["jwt_secret"] != ""
    assert first["core"]["fernet_key"] == again["core"]["fernet_key"] != ""
    assert (run_dir / "airflow.cfg").stat().st_mode & 0o077 == 0  # secrets readable by the owner only


def test_down_stops_the_started_groups_with_their_children_and_leaves_others_running(run_dir: Path) -> None:
    # the second child runs in a session of its own, as a Celery worker's task process does
    spawns_a_child = ("import subprocess, sys, time; subprocess.Popen(['sleep', '300']); "
                      "detached = subprocess.Popen(['sleep', '301'], start_new_session=True); "
                      "open(sys.argv[1], 'w').write(str(detached.pid)); time.sleep(300)")
    detached_pid = run_dir / "detached.pid"
    child_spawner = [sys.executable, "-c", spawns_a_child, str(detached_pid)]
    prod.start("airflow-worker-1", child_spawner, {})
    stranger = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        time.sleep(0.5)
        assert prod.running() == ["airflow-worker-1"]
        prod.down(grace_s=5)
        assert prod.running() == [] and not list((run_dir / "pids").glob("*.pid"))
        assert not psutil.pid_exists(int(detached_pid.read_text())) or \
            psutil.Process(int(detached_pid.read_text())).status() == psutil.STATUS_ZOMBIE
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()
