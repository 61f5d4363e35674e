"""Bring a state database to the newest schema with the Alembic migrations shipped in this package.

Configured in code (no alembic.ini to find or ship); upgrading an up-to-date database is a no-op, so every
run can call it first. A database already at `HEAD` is recognised with one query, without Alembic: importing
Alembic costs ~0.3 s, paid by every task process (seven per run) when it was imported at the top.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK_KEY = 0x1CECA7  # any constant shared by every process migrating the state database
HEAD = "0005_product_marks"
"""The newest migration's revision (a test checks it against `migrations/versions`): bump it with each one."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database says it is at (Alembic's `alembic_version` table), None before the first."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_to_head(engine: Engine) -> None:
    """Upgrade under a PostgreSQL advisory lock, so two runs starting together do not both migrate."""
    if current_revision(engine) == HEAD:
        return
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
