"""`python -m sandbox.akeneo.generate --products N --out FILE`: a fixture with the demo taxonomy and N
synthetic products (valid EAN-13, brand, MPN, family, data_owner), written as a stream so N can be large.

The same products come from `--seed synthetic:N` on the server without any file; the file is for sharing a
catalogue with other tools or editing it by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sandbox.akeneo.seeding import DEMO_FIXTURE, read_fixture, synthetic_products


def write_fixture(count: int, out: Path) -> None:
    taxonomy = {key: value for key, value in read_fixture(DEMO_FIXTURE).items() if key != "products"}
    with out.open("w", encoding="utf-8") as stream:
        stream.write(json.dumps(taxonomy, ensure_ascii=False)[:-1] + ', "products": [\n')
        for position, product in enumerate(synthetic_products(count)):
            stream.write(("," if position else "") + json.dumps(product, ensure_ascii=False) + "\n")
        stream.write("]}\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.akeneo.generate", description=__doc__)
    parser.add_argument("--products", type=int, required=True, help="number of synthetic products")
    parser.add_argument("--out", type=Path, required=True, help="fixture file to write")
    args = parser.parse_args(argv)
    write_fixture(args.products, args.out)
    print(f"wrote {args.products} products to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
