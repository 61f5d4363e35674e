"""What changes while the sandbox runs: index generations, mutations, removals, data-creation requests.

Icecat regenerates its index files overnight; the sandbox does it on `POST /_sandbox/index/generate`.
Every change (mutation, removal, product created by a data-creation request) is stamped with the
generation whose daily index will list it, i.e. the next one. `reset()` returns to the start state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sandbox.icecat.catalog import Catalog, Identity, Product, SyntheticCatalog, derive_product, gtin_key

CREATED_ID_BASE = 700_000_000
UPDATED_FORMAT = "%Y-%m-%d %H:%M:%S"


def sandbox_now() -> str:
    return datetime.now(UTC).strftime(UPDATED_FORMAT)


def later_than(previous: str) -> str:
    """Now, or one second after `previous` if the clock has not moved past it (Updated must increase)."""
    now = sandbox_now()
    if now > previous:
        return now
    return (datetime.strptime(previous, UPDATED_FORMAT) + timedelta(seconds=1)).strftime(UPDATED_FORMAT)


@dataclass
class Mutation:
    revision: int
    updated: str
    generation: int


@dataclass
class CreationRequest:
    id: str
    gtin: str
    brand: str
    mpn: str
    lang: str
    account: str
    requested_generation: int
    status: str = "requested"
    icecat_id: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "gtin": self.gtin,
            "brand": self.brand,
            "mpn": self.mpn,
            "lang": self.lang,
            "icecat_id": self.icecat_id,
        }


@dataclass
class Generation:
    number: int
    generated_at: str


@dataclass
class SandboxState:
    catalog: Catalog
    synthetic: SyntheticCatalog
    creation_delay_generations: int = 1
    generations: list[Generation] = field(default_factory=list)
    mutations: dict[int, Mutation] = field(default_factory=dict)
    removed: dict[int, int] = field(default_factory=dict)  # icecat id -> generation of removal
    created: dict[int, tuple[Product, int]] = field(
        default_factory=dict
    )  # icecat id -> (product, generation)
    requests: dict[str, CreationRequest] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.generations = [Generation(0, sandbox_now())]
        self.mutations.clear()
        self.removed.clear()
        self.created.clear()
        self.requests.clear()

    @property
    def generation(self) -> int:
        return self.generations[-1].number

    # --- lookups ---
    def _visible(self, product: Product | None) -> Product | None:
        return None if product is None or product.icecat_id in self.removed else product

    def by_gtin(self, gtin: str) -> Product | None:
        key = gtin_key(gtin)
        for product, _ in self.created.values():
            if key in {gtin_key(g) for g in product.gtins}:
                return self._visible(product)
        return self._visible(self.catalog.by_gtin(gtin) or self.synthetic.by_gtin(gtin))

    def by_brand_mpn(self, brand: str, mpn: str) -> Product | None:
        for product, _ in self.created.values():
            if (product.brand.lower(), product.mpn.lower()) == (brand.strip().lower(), mpn.strip().lower()):
                return self._visible(product)
        return self._visible(self.catalog.by_brand_mpn(brand, mpn) or self.synthetic.by_brand_mpn(brand, mpn))

    def by_id(self, icecat_id: int) -> Product | None:
        if icecat_id in self.created:
            return self._visible(self.created[icecat_id][0])
        return self._visible(self.catalog.by_id(icecat_id) or self.synthetic.by_id(icecat_id))

    def updated_of(self, product: Product) -> str:
        mutation = self.mutations.get(product.icecat_id)
        return mutation.updated if mutation else product.updated

    def all_ids(self) -> list[int]:
        """Every product id (samples, created, then synthetic), removed ones included."""
        return sorted(self.catalog.products) + sorted(self.created) + list(self.synthetic.ids())

    # --- changes ---
    def mutate(self, icecat_ids: list[int]) -> list[int]:
        changed = []
        for icecat_id in icecat_ids:
            product = self.by_id(icecat_id)
            if product is None:
                continue
            previous = self.mutations.get(icecat_id)
            self.mutations[icecat_id] = Mutation(
                (previous.revision if previous else 0) + 1,
                later_than(self.updated_of(product)),
                self.generation + 1,
            )
            changed.append(icecat_id)
        return changed

    def mutate_ratio(self, ratio: float, seed: int) -> list[int]:
        ids = self.all_ids()
        count = max(1, round(len(ids) * ratio)) if ratio > 0 else 0
        chosen = random.Random(seed).sample(range(len(ids)), min(count, len(ids)))
        return self.mutate(sorted(ids[i] for i in chosen))

    def remove(self, icecat_ids: list[int]) -> list[int]:
        removed = [i for i in icecat_ids if self.by_id(i) is not None]
        for icecat_id in removed:
            self.removed[icecat_id] = self.generation + 1
        return removed

    # --- data creation ---
    def find_request(self, gtin: str, brand: str, mpn: str) -> CreationRequest | None:
        for request in self.requests.values():
            if gtin and request.gtin and gtin_key(request.gtin) == gtin_key(gtin):
                return request
            if brand and mpn and (request.brand.lower(), request.mpn.lower()) == (brand.lower(), mpn.lower()):
                return request
        return None

    def add_request(self, gtin: str, brand: str, mpn: str, lang: str, account: str) -> CreationRequest:
        request = CreationRequest(
            f"dc-{len(self.requests) + 1:06d}", gtin, brand, mpn, lang, account, self.generation
        )
        self.requests[request.id] = request
        return request

    def generate(self) -> Generation:
        """Advance one index generation and progress pending data-creation requests."""
        generation = Generation(self.generation + 1, later_than(self.generations[-1].generated_at))
        self.generations.append(generation)
        for request in self.requests.values():
            if request.status not in ("requested", "in_progress"):
                continue
            if generation.number - request.requested_generation < self.creation_delay_generations:
                request.status = "in_progress"
            elif request.gtin and _is_in_store_number(request.gtin):
                request.status = (
                    "rejected"  # GS1 prefixes 20-29 are shop-internal: no brand can supply content
                )
            else:
                self._fulfil(request, generation)
        return generation

    def _fulfil(self, request: CreationRequest, generation: Generation) -> None:
        templates = self.catalog.templates()
        icecat_id = CREATED_ID_BASE + int(request.id.rsplit("-", 1)[-1])
        brand = request.brand or templates[0].brand
        mpn = request.mpn or request.gtin
        identity = Identity(icecat_id, brand, mpn, request.gtin, f"{brand} {mpn}")
        template = templates[icecat_id % len(templates)]
        languages = tuple(dict.fromkeys(["EN", request.lang]))
        product = derive_product(template, identity, languages, generation.generated_at)
        self.created[icecat_id] = (product, generation.number)
        request.status, request.icecat_id = "done", icecat_id


def _is_in_store_number(gtin: str) -> bool:
    return gtin.zfill(13)[-13] == "2"
