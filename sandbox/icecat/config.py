"""Command-line settings of the Icecat sandbox, with the defaults the README and tests rely on."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields
from pathlib import Path

from sandbox.icecat.faults import Faults

OPEN_USER = "openIcecat-live"


@dataclass(frozen=True)
class Settings:
    port: int = 8081
    host: str = "127.0.0.1"
    samples: tuple[Path, ...] = ()
    full_user: str = "sandbox-full"
    full_password: str = "sandbox-full-password"
    app_key: str = "sandbox-app-key"
    api_token: str = "sandbox-api-token"
    content_token: str = "sandbox-content-token"
    restricted_categories: frozenset[str] = field(default_factory=frozenset)
    keep_media_urls: bool = False
    synthetic: int = 0
    creation_delay_generations: int = 1
    faults: Faults = field(
        default_factory=Faults
    )  # the knobs' start values; `POST /_sandbox/faults {}` returns here


def _retry_after(raw: str) -> float | None:
    return None if raw.lower() in ("none", "null", "") else float(raw)


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m sandbox.icecat", description="Local Icecat stand-in.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--host", default=Settings.host, help="interface to bind (0.0.0.0 only inside a container)"
    )
    parser.add_argument(
        "--samples",
        type=Path,
        action="append",
        default=[],
        help="extra folder of saved Icecat JSON/XML responses (repeatable)",
    )
    parser.add_argument("--full-user", default=Settings.full_user)
    parser.add_argument(
        "--full-password", default=Settings.full_password, help="Basic-auth password (XML, index)"
    )
    parser.add_argument("--app-key", default=Settings.app_key)
    parser.add_argument("--api-token", default=Settings.api_token)
    parser.add_argument("--content-token", default=Settings.content_token)
    parser.add_argument(
        "--restricted-category",
        action="append",
        default=[],
        help="Icecat category id the Full user's vertical does not include (error 12)",
    )
    parser.add_argument("--keep-media-urls", action="store_true", help="leave Icecat media URLs untouched")
    parser.add_argument("--synthetic", type=int, default=0, help="number of synthetic products")
    parser.add_argument("--creation-delay-generations", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--jitter-ms", type=int, default=0)
    parser.add_argument(
        "--concurrency-limit", type=int, default=None, help="parallel calls per account; above → 429"
    )
    parser.add_argument(
        "--retry-after", type=_retry_after, default=1.0, help="seconds, or 'none' for no header"
    )
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--reset-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    copied = {item.name for item in fields(Settings)} - {"samples", "restricted_categories", "faults"}
    return Settings(
        samples=tuple(args.samples),
        restricted_categories=frozenset(args.restricted_category),
        faults=Faults(**{item.name: getattr(args, item.name) for item in fields(Faults)}),
        **{name: getattr(args, name) for name in copied},
    )
