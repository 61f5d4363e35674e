"""Which loggers a task log and the CLI show: the connector's progress at INFO, libraries' chatter at WARNING.

Great Expectations logs some 200 "Skipping registering function ..." lines at INFO when it is imported,
Alembic two lines per state-store upgrade, and httpx one line per HTTP request (tens of thousands per run); in a
task log they bury the lines an operator reads. Both entry
points (`tasks.py`, `cli.py`) apply this once, before either library is imported.
"""
from __future__ import annotations

import logging
import sys

QUIET_LIBRARIES = ("great_expectations", "alembic", "httpx", "httpcore")
CLI_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def quiet_libraries() -> None:
    """Libraries' INFO chatter off; their warnings and errors still show."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_cli_logging() -> None:
    """The CLI's stderr shows the steps' progress lines (INFO) and libraries' warnings; stdout stays JSON."""
    logging.basicConfig(level=logging.INFO, format=CLI_FORMAT, stream=sys.stderr)
    quiet_libraries()
