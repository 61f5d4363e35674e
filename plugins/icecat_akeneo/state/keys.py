"""How the state names a product: a stable key (Akeneo's uuid when known, else the identifier).

Why: the run's files name a product by its identifier (or by its uuid when it has none), because that is
what people read in reports; but on Akeneo 7.0 / SaaS the identifier may change between two runs. Keyed by
identifier, a renamed SKU would lose what Akeneo accepted from us (its values sent again, its media uploaded
again). So the store translates: a run hands over its (name, uuid) pairs (read by extract), every read and
write goes to the uuid key, and every answer comes back under the run's name.

The pairs go into a scratch SQLite file (`steps.batches.KeyedStore`) asked per batch of names or keys: two
dicts of every product's name and uuid held ~400 MB at 1M products, in every step that touched the state.

Rows written before uuids were known (migration 0004) are keyed by identifier; `adopt_uuids` moves them to
the uuid the first time a run sees it, in one transaction, values included.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Table, select, update

from icecat_akeneo.state.models import AcceptedValue, Product, ProductMark

if TYPE_CHECKING:
    from icecat_akeneo.steps.batches import KeyedStore

PRODUCT: Table = Product.__table__  # type: ignore[assignment]
VALUE: Table = AcceptedValue.__table__  # type: ignore[assignment]
MARK: Table = ProductMark.__table__  # type: ignore[assignment]
UuidPairs = Iterable[tuple[str, str]]
UuidLoader = Callable[[], "Mapping[str, str] | UuidPairs | None"]


class ProductKeys:
    """Name ↔ key of one run's products; `loader` gives `{name: uuid}` or (name, uuid) pairs once extract
    wrote them (None before), `on_loaded` is called once with the pairs (to adopt the uuids of
    identifier-keyed rows)."""

    def __init__(self, loader: UuidLoader | None = None,
                 on_loaded: Callable[[UuidPairs], None] = lambda _: None) -> None:
        self._loader, self._on_loaded = loader, on_loaded
        self._map: KeyedStore | None = None

    def load(self) -> KeyedStore | None:
        """The tables `uuid` (name -> uuid) and `name` (uuid -> name), filled on the first question the
        loader can answer."""
        if self._map is None and self._loader is not None:
            loaded = self._loader()
            if loaded is not None:
                from icecat_akeneo.steps.batches import KeyedStore

                self._map = KeyedStore.scratch(self, "icecat-akeneo-uuids-")
                self._map.put("uuid", loaded.items() if isinstance(loaded, Mapping) else loaded)
                self._map.put("name", ((uuid, name) for name, uuid in self._map.pairs("uuid")))
                self._on_loaded(self._map.pairs("uuid"))
        return self._map

    def _ask(self, table: str, wanted: Iterable[str]) -> dict[str, str]:
        found = self.load()
        return found.get_many(table, wanted) if found is not None else {}

    def key(self, name: str) -> str:
        """The state key of the product the run calls `name`."""
        return self._ask("uuid", [name]).get(name, name)

    def keys(self, names: Iterable[str]) -> dict[str, str]:
        """`{key: name}` of `names`."""
        names = list(names)
        uuids = self._ask("uuid", names)
        return {uuids.get(name, name): name for name in names}

    def name(self, key: str, akeneo_identifier: str | None) -> str:
        """What the run calls the product keyed `key`: its name in this run, else its last identifier."""
        return self._ask("name", [key]).get(key) or akeneo_identifier or key

    def names(self, keys: Iterable[str]) -> dict[str, str]:
        """`{key: name in this run}` of the keys this run knows a name for."""
        return self._ask("name", keys)

    def identifiers(self, keys: Iterable[str]) -> dict[str, str | None]:
        """`{key: Akeneo identifier}` of state keys (None: the product has none and is named by its uuid)."""
        keys = list(keys)
        names = self._ask("name", keys)
        return {key: None if names.get(key) == key else names.get(key, key) for key in keys}


def adopt_uuids(connection: Connection, client: str, pairs: UuidPairs) -> int:
    """Move the rows still keyed by an identifier of the (name, uuid) `pairs` to that product's uuid
    (state_product, state_value, state_product_mark); a product already known by its uuid keeps its uuid
    rows. Returns the products moved. The pairs are read 500 at a time."""
    moved = 0
    candidates = ((name, uuid) for name, uuid in pairs if name != uuid)
    while uuids := dict(islice(candidates, 500)):
        by_name = set(connection.execute(select(PRODUCT.c.identifier).where(
            PRODUCT.c.client == client, PRODUCT.c.identifier.in_(list(uuids)))).scalars())
        if not by_name:
            continue
        taken = set(connection.execute(select(PRODUCT.c.identifier).where(
            PRODUCT.c.client == client, PRODUCT.c.identifier.in_([uuids[name] for name in by_name]))).scalars())
        for name in sorted(by_name):
            if uuids[name] in taken:
                continue
            for table in (PRODUCT, VALUE, MARK):
                connection.execute(update(table).where(table.c.client == client, table.c.identifier == name)
                                   .values(identifier=uuids[name]))
            moved += 1
    return moved
