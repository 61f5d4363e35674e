"""The database engine of a state store: SQLite (the default, one file per client) or PostgreSQL.

SQLite needs two settings to be safe for the sync: WAL (readers never block the writer) and a real
transaction around every write, DDL included; PostgreSQL gets batched executemany.
"""
from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url


def sqlite_url(data_root: Path, client: str) -> str:
    """The default state database: `<data root>/<client>/state.db`."""
    return f"sqlite:///{Path(data_root).resolve() / client / 'state.db'}"


def _enable_wal_once(database: Path) -> None:
    """WAL: readers never block the writer; a killed writer's partial transaction is rolled back on open.

    Switching a new file to WAL needs its exclusive lock; two processes switching at once (four runs
    migrating a new client's store together) can deadlock, and SQLite then answers `database is locked` at
    once, without waiting. So the switch happens once, under a lock file beside the database; WAL is then
    stored in the file and every later connection finds it on.
    """
    with (database.parent / f"{database.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        connection = sqlite3.connect(database, timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.close()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Python's sqlite3 driver opens transactions itself, and only before INSERT/UPDATE/DELETE: DDL (the
    migrations) would run outside any transaction. Driver autocommit + our own BEGIN makes every
    transaction real.
    """
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _begin_immediately(connection: Connection) -> None:
    """Take the write lock at BEGIN: concurrent writers then wait (busy timeout) instead of failing."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # psycopg2 sends an executemany row by row; batching pages of rows makes bulk upserts ~1.5x faster
        batching = {"executemany_mode": "values_plus_batch"} if parsed.get_driver_name() == "psycopg2" else {}
        return create_engine(url, pool_pre_ping=True, **batching)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        _enable_wal_once(Path(parsed.database))
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediately)
    return engine
