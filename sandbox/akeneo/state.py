"""Everything one running sandbox holds: settings, catalogue, store, tokens, fault knobs and counters."""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sandbox.akeneo.assets import AssetStore
from sandbox.akeneo.catalog import Catalog
from sandbox.akeneo.models import ModelStore
from sandbox.akeneo.products import ProductUpdater
from sandbox.akeneo.store import Store

REFRESH_TTL = 1_209_600  # 14 days, Akeneo's default


@dataclass(frozen=True)
class Credentials:
    client_id: str = "sandbox_client"
    secret: str = "sandbox_secret"
    username: str = "sandbox_user"
    password: str = "sandbox_password"


@dataclass
class Knobs:
    """Fault and timing knobs (POST /_sandbox/faults, or CLI flags for the start-up values)."""

    latency_ms: float = 0
    jitter_ms: float = 0
    concurrency_limit: int | None = None
    retry_after: int | None = None
    error_rate: float = 0
    reset_rate: float = 0
    slow_ms: float = 0
    token_ttl: int = 3600
    seed: int = 0
    # lost answers: the request is processed (Akeneo applied it), then the connection closes unanswered
    drop_media_rate: float = 0  # ratio of POST /media-files
    drop_media_next: int = 0  # the next N POST /media-files
    drop_patch_rate: float = 0  # ratio of product PATCHes (one or collection)
    drop_patch_next: int = 0  # the next N product PATCHes

    def __post_init__(self) -> None:
        """Refuse a knob of the wrong type here, not as a 500 on every later API call."""
        for item in fields(self):
            value = getattr(self, item.name)
            optional = item.name in ("concurrency_limit", "retry_after")
            whole = item.name in ("concurrency_limit", "retry_after", "token_ttl", "seed") or item.name.endswith(
                "_next"
            )
            if value is None and optional:
                continue
            number_types = (int,) if whole else (int, float)
            if isinstance(value, bool) or not isinstance(value, number_types) or value < 0:
                kind = "a whole number" if whole else "a number"
                raise ValueError(
                    f"knob {item.name} must be {kind} >= 0{' or null' if optional else ''}, got {value!r}"
                )
        ratios = [item.name for item in fields(self) if item.name.endswith("_rate")]
        if any(getattr(self, name) > 1 for name in ratios):
            raise ValueError(f"knobs {', '.join(ratios)} are ratios between 0 and 1")

    @classmethod
    def names(cls) -> set[str]:
        return {item.name for item in fields(cls)}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Counters:
    requests: Counter[str] = field(default_factory=Counter)
    patch_lines: Counter[str] = field(default_factory=Counter)
    tokens_issued: int = 0
    max_concurrency: int = 0
    media_uploaded: int = 0
    responses_dropped: Counter[str] = field(default_factory=Counter)  # lost answers per kind (media, patch)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "patch_lines": dict(self.patch_lines),
            "tokens_issued": self.tokens_issued,
            "max_concurrency": self.max_concurrency,
            "media_uploaded": self.media_uploaded,
            "responses_dropped": dict(self.responses_dropped),
        }


class Tokens:
    """Opaque random access/refresh tokens with expiry; refresh rotates both."""

    def __init__(self) -> None:
        self.access: dict[str, float] = {}
        self.refresh: dict[str, float] = {}

    def issue(self, ttl: int) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(64), secrets.token_urlsafe(64)
        now = time.monotonic()
        self.access[access] = now + ttl
        self.refresh[refresh] = now + REFRESH_TTL
        return {
            "access_token": access,
            "expires_in": ttl,
            "token_type": "bearer",
            "scope": None,
            "refresh_token": refresh,
        }

    def use_refresh(self, token: str) -> bool:
        expiry = self.refresh.pop(token, None)
        return expiry is not None and expiry > time.monotonic()

    def check(self, token: str) -> str | None:
        """None if valid, else the FOS OAuth description Akeneo answers with."""
        expiry = self.access.get(token)
        if expiry is None:
            return "The access token provided is invalid."
        if expiry <= time.monotonic():
            return "The access token provided has expired."
        return None


@dataclass
class SandboxState:
    credentials: Credentials
    catalog: Catalog
    store: Store
    base_knobs: Knobs
    models: ModelStore = field(default_factory=ModelStore)
    assets: AssetStore = field(default_factory=AssetStore)  # the Asset Manager (EE / SaaS)
    edition: str = "7.0"  # saas, 7.0, 6.0 or 5.0: what system-information and the route list answer
    tokens: Tokens = field(default_factory=Tokens)
    counters: Counters = field(default_factory=Counters)
    knobs: Knobs = field(init=False)
    rng: random.Random = field(init=False)
    in_flight: Counter[str] = field(default_factory=Counter)
    drops_left: Counter[str] = field(default_factory=Counter)  # what is left of the drop_*_next knobs
    event_subscription: Any = None  # sandbox.akeneo.events.Subscription once someone subscribed

    def __post_init__(self) -> None:
        self.set_knobs({})

    def set_knobs(self, changes: dict[str, Any]) -> None:
        """Start from the CLI values and apply `changes`; `{}` clears every fault set at run time."""
        self.knobs = Knobs(**{**self.base_knobs.as_dict(), **changes})
        self.rng = random.Random(self.knobs.seed)
        self.drops_left = Counter(media=self.knobs.drop_media_next, patch=self.knobs.drop_patch_next)

    def should_drop(self, kind: str) -> bool:
        """Whether this answer of `kind` (media, patch) is lost: the `next N` knob first, then the rate."""
        if self.drops_left[kind] > 0:
            self.drops_left[kind] -= 1
            return True
        rate = getattr(self.knobs, f"drop_{kind}_rate")
        return bool(rate) and self.rng.random() < rate

    def product_updater(self) -> ProductUpdater:
        """The product write rules, with this sandbox's media files and product models."""

        def siblings(parent: str) -> Iterator[dict[str, Any]]:
            return (product for product in self.store.scan("1", []) if product["parent"] == parent)

        return ProductUpdater(
            self.catalog,
            lambda code: (self.store.media(code) or {}).get("original_filename"),
            self.models.get,
            siblings,
            self.assets.exists,
        )

    def reset(self) -> None:
        self.catalog.restore()
        self.store.restore()
        self.models.restore()
        self.assets.restore()
        self.counters = Counters()
        self.in_flight.clear()
        self.set_knobs({})
