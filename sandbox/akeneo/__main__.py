"""`python -m sandbox.akeneo --port P [--seed demo|synthetic:N|PATH] [--db FILE] ...`: serve until SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import time
from pathlib import Path

import uvicorn

from sandbox.akeneo.app import create_app
from sandbox.akeneo.catalog import Catalog
from sandbox.akeneo.faults import ResettableH11Protocol
from sandbox.akeneo.routes_auth import EDITIONS
from sandbox.akeneo.seeding import SeedError, fixture_models, fixture_products, load_fixture
from sandbox.akeneo.state import Credentials, Knobs, SandboxState
from sandbox.akeneo.store import Store

log = logging.getLogger("sandbox.akeneo")


def parse_args(argv: list[str]) -> argparse.Namespace:
    defaults = Credentials()
    knobs = Knobs()
    parser = argparse.ArgumentParser(prog="python -m sandbox.akeneo", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (0.0.0.0 only inside a container)")
    parser.add_argument(
        "--seed",
        default="demo",
        help="demo (default), variants (demo + a variant family), synthetic:N, or a fixture file",
    )
    parser.add_argument(
        "--edition", default="7.0", choices=EDITIONS, help="what GET /api/rest/v1/system-information answers"
    )
    parser.add_argument("--db", help="SQLite file (recreated); default: a temporary file removed at exit")
    parser.add_argument("--client-id", default=defaults.client_id)
    parser.add_argument("--secret", default=defaults.secret)
    parser.add_argument("--username", default=defaults.username)
    parser.add_argument("--password", default=defaults.password)
    parser.add_argument("--token-ttl", type=int, default=knobs.token_ttl, help="access token life in seconds")
    parser.add_argument("--latency-ms", type=float, default=knobs.latency_ms)
    parser.add_argument("--jitter-ms", type=float, default=knobs.jitter_ms)
    parser.add_argument(
        "--concurrency-limit",
        type=int,
        default=knobs.concurrency_limit,
        help="parallel calls allowed per token before 429",
    )
    parser.add_argument(
        "--retry-after",
        type=int,
        default=knobs.retry_after,
        help="Retry-After seconds on 429 (omitted: 429 without the header)",
    )
    parser.add_argument("--error-rate", type=float, default=knobs.error_rate, help="ratio of 500/502/503")
    parser.add_argument("--reset-rate", type=float, default=knobs.reset_rate, help="ratio of connection resets")
    parser.add_argument("--slow-ms", type=float, default=knobs.slow_ms, help="delay before each response body")
    parser.add_argument("--fault-seed", type=int, default=knobs.seed, help="RNG seed of the faults")
    for kind, what in (("media", "POST /media-files"), ("patch", "product PATCH")):
        parser.add_argument(
            f"--drop-{kind}-rate", type=float, default=0, help=f"ratio of {what} answers lost after processing"
        )
        parser.add_argument(
            f"--drop-{kind}-next", type=int, default=0, help=f"lose the answers of the next N {what} requests"
        )
    return parser.parse_args(argv)


def build_state(args: argparse.Namespace, db_path: str) -> SandboxState:
    started = time.monotonic()
    fixture, synthetic = load_fixture(args.seed)
    catalog = Catalog(fixture)
    store = Store(db_path)
    models = fixture_models(fixture, catalog)
    count = store.seed(synthetic if synthetic is not None else fixture_products(fixture, catalog, models))
    log.warning("seeded %d products from %s in %.1fs", count, args.seed, time.monotonic() - started)
    knobs = Knobs(seed=args.fault_seed, **{name: getattr(args, name) for name in Knobs.names() - {"seed"}})
    credentials = Credentials(args.client_id, args.secret, args.username, args.password)
    return SandboxState(
        credentials=credentials, catalog=catalog, store=store, base_knobs=knobs, models=models, edition=args.edition
    )


def serve(args: argparse.Namespace, db_path: str) -> int:
    try:
        state = build_state(args, db_path)
    except SeedError as error:
        print(f"sandbox.akeneo: {error}", file=sys.stderr)
        return 2
    config = uvicorn.Config(
        create_app(state),
        host=args.host,
        port=args.port,
        log_level="warning",
        http=ResettableH11Protocol,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        state.store.close()
    return 0


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = parse_args(argv)
    # uvicorn re-raises SIGTERM after its graceful shutdown: exit through SystemExit so clean-up still runs
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if args.db:
        return serve(args, args.db)
    with tempfile.TemporaryDirectory(prefix="akeneo-sandbox-") as folder:
        return serve(args, str(Path(folder) / "akeneo.db"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
