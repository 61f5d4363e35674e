"""API limits across shards and clients: one Airflow pool per Connection, and each task's share of it.

Akeneo allows about 4 parallel calls per API connection; Icecat throttles an account above its
`max_concurrency` (the Connection's extra, 8 when unset). The tasks that call an API (extract and load:
Akeneo; enrich: Icecat) run in the pool of their Connection (`akeneo__<conn id>`, `icecat__<conn id>`), one
slot each, the pool sized to the limit, so at most `limit` such tasks run at once however many shards and
clients there are. Inside a task, calls run `share` at a time: the limit divided among the run's shards that
can run at once and the clients whose mappings name the same Connection. The shards that can run at once are
bounded by the shards, the pool and the deployment's task slots (Airflow's `core.parallelism`, which
`deploy.prod` sets to its workers' slots): 9 shards on 4 worker slots run 4 at a time, so each takes a
quarter of the limit, not an eighth. With at most `running = min(shards, limit, slots)` tasks of a run at
once and at most `clients` runs on a Connection, the calls in flight never exceed the limit:
sum over runs of `running * (limit // (running * clients))` <= `limit`; when the division falls below 1 every
task makes 1 call at a time, and the pool's `limit` tasks bound the total.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Api = Literal["akeneo", "icecat"]
AKENEO_LIMIT = 4
ICECAT_DEFAULT_LIMIT = 8  # `IcecatSettings.max_concurrency`'s default


def pool_name(api: Api, conn_id: str) -> str:
    return f"{api}__{conn_id}"


def pool_limit(api: Api, connection_max: int | None) -> int:
    """Slots of a Connection's pool: Akeneo's 4 (or less when the Connection says so), Icecat's extra."""
    if api == "akeneo":
        return min(AKENEO_LIMIT, connection_max or AKENEO_LIMIT)
    return max(1, connection_max or ICECAT_DEFAULT_LIMIT)


def share(limit: int, shards: int, clients: int = 1, task_slots: int | None = None) -> int:
    """Parallel calls one task of a run with `shards` shards may make (at least 1), when the deployment runs
    at most `task_slots` tasks at once (None: no bound but the shards and the pool)."""
    running = min(max(shards, 1), limit, max(task_slots or shards, 1))
    return max(1, limit // (running * max(clients, 1)))


@dataclass(frozen=True)
class Pool:
    name: str
    slots: int
    description: str


def pools_for(connection_limits: dict[tuple[Api, str], int | None]) -> list[Pool]:
    """The pools for `(api, conn id) -> the Connection's max_concurrency` (None: not set), sorted by name."""
    pools = [Pool(pool_name(api, conn_id), pool_limit(api, limit),
                  f"{api} calls of Connection {conn_id}: at most {pool_limit(api, limit)} tasks at once")
             for (api, conn_id), limit in connection_limits.items()]
    return sorted(pools, key=lambda pool: pool.name)
