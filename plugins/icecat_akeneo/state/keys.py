"""How the state names a product: a stable key (Akeneo's uuid when known, else the identifier).

Why: the run's files name a product by its identifier (or by its uuid when it has none), because that is
what people read in reports; but on Akeneo 7.0 / SaaS the identifier may change between two runs. Keyed by
identifier, a renamed SKU would lose what Akeneo accepted from us (its values sent again, its media uploaded
again). So the store translates: a run hands over `{name: uuid}` (read by extract), every read and write goes
to the uuid key, and every answer comes back under the run's name.

Rows written before uuids were known (migration 0004) are keyed by identifier; `adopt_uuids` moves them to
the uuid the first time a run sees it, in one transaction, values included.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import Connection, Table, select, update

from icecat_akeneo.state.models import AcceptedValue, Product, ProductMark

PRODUCT: Table = Product.__table__  # type: ignore[assignment]
VALUE: Table = AcceptedValue.__table__  # type: ignore[assignment]
MARK: Table = ProductMark.__table__  # type: ignore[assignment]
UuidLoader = Callable[[], "Mapping[str, str] | None"]


class ProductKeys:
    """Name ↔ key of one run's products; `loader` gives `{name: uuid}` once extract wrote it (None before),
    `on_loaded` is called once with it (to adopt the uuids of identifier-keyed rows)."""

    def __init__(self, loader: UuidLoader | None = None,
                 on_loaded: Callable[[Mapping[str, str]], None] = lambda _: None) -> None:
        self._loader, self._on_loaded = loader, on_loaded
        self._uuids: dict[str, str] | None = None
        self._names: dict[str, str] = {}

    @property
    def uuids(self) -> Mapping[str, str]:
        if self._uuids is None and self._loader is not None:
            loaded = self._loader()
            if loaded is not None:
                self._uuids = dict(loaded)
                self._names = {uuid: name for name, uuid in self._uuids.items()}
                self._on_loaded(self._uuids)
        return self._uuids or {}

    def key(self, name: str) -> str:
        """The state key of the product the run calls `name`."""
        return self.uuids.get(name, name)

    def keys(self, names: Iterable[str]) -> dict[str, str]:
        """`{key: name}` of `names`."""
        return {self.key(name): name for name in names}

    def name(self, key: str, akeneo_identifier: str | None) -> str:
        """What the run calls the product keyed `key`: its name in this run, else its last identifier."""
        self.uuids  # noqa: B018 - loads the names
        return self._names.get(key) or akeneo_identifier or key

    def identifier_of(self, name: str) -> str | None:
        """The Akeneo identifier behind a run's name (None: the product has none and is named by uuid)."""
        return None if self.uuids.get(name) == name else name


def adopt_uuids(connection: Connection, client: str, uuids: Mapping[str, str]) -> int:
    """Move the rows still keyed by an identifier of `uuids` to that product's uuid (state_product,
    state_value, state_product_mark); a product already known by its uuid keeps its uuid rows. Returns the
    products moved."""
    candidates = [name for name, uuid in uuids.items() if name != uuid]
    moved = 0
    for start in range(0, len(candidates), 500):
        chunk = candidates[start:start + 500]
        by_name = set(connection.execute(select(PRODUCT.c.identifier).where(
            PRODUCT.c.client == client, PRODUCT.c.identifier.in_(chunk))).scalars())
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
