"""Task logs and the CLI show the connector's lines, not Great Expectations' or Alembic's INFO chatter.

Each case runs in a fresh interpreter: Great Expectations logs its ~200 "Skipping registering function" lines
once, when first imported, so only a new process shows whether the hook is applied before that happens.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

IMPORT_AND_MIGRATE = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s: %(message)s")
{hook}
import great_expectations
from icecat_akeneo.state import StateStore, sqlite_url
StateStore(sqlite_url(sys.argv[1], "acme"), "acme").migrate()
logging.getLogger("alembic.warn_probe").warning("warnings still show")
"""


def task_log(tmp_path: Path, hook: str) -> str:
    script = IMPORT_AND_MIGRATE.format(hook=hook)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          timeout=300, check=True)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def without_hook(tmp_path_factory: pytest.TempPathFactory) -> str:
    return task_log(tmp_path_factory.mktemp("plain"), "")


def test_without_the_hook_the_libraries_are_noisy(without_hook: str) -> None:
    """The control: what the task logs looked like (so the next tests can fail)."""
    assert "Skipping registering function" in without_hook
    assert "alembic.runtime.migration" in without_hook


def test_the_task_module_keeps_gx_and_alembic_at_warning(tmp_path: Path) -> None:
    log = task_log(tmp_path, "import icecat_akeneo.tasks")
    assert "Skipping registering function" not in log
    assert "alembic.runtime.migration" not in log
    assert "warnings still show" in log


def test_the_cli_keeps_them_at_warning_and_shows_progress_lines(tmp_path: Path) -> None:
    log = task_log(tmp_path, "from icecat_akeneo.log_levels import configure_cli_logging; configure_cli_logging()"
                             "\nfrom icecat_akeneo.progress import Progress; Progress('enrich', 1).finish()")
    assert "Skipping registering function" not in log
    assert "enrich done: 0 products" in log
