"""The code base stays lint-clean (ruff, with Airflow 3's AIR rules): CI fails on a new violation."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "plugins", "dags", "sandbox", "tests", "demo",
                             "bench", "deploy"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
