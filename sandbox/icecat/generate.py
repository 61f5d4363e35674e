"""`python -m sandbox.icecat.generate --count N --out DIR`: write synthetic products as saved JSON responses.

The server derives synthetic products lazily (`--synthetic N`); this writes the same products to disk, for
normalizer fixtures or to serve them through `--samples DIR` on another machine.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sandbox.icecat.catalog import SAMPLES_DIR, SYNTHETIC_LANGUAGES, Catalog, SyntheticCatalog
from sandbox.icecat.render import json_envelope


def write_synthetic(count: int, out: Path, languages: tuple[str, ...]) -> int:
    catalog = Catalog()
    catalog.load_folder(SAMPLES_DIR)
    synthetic = SyntheticCatalog(count, catalog.templates())
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for index in range(count):
        product = synthetic.product(index)
        assert product is not None
        for lang in languages:
            data, _ = product.json_data(lang)
            data["DemoAccount"] = True
            (out / f"synthetic_{product.icecat_id}_{lang}.json").write_text(
                json_envelope(data), encoding="utf-8"
            )
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.icecat.generate", description=__doc__)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--lang", action="append", help=f"languages (default {', '.join(SYNTHETIC_LANGUAGES)})"
    )
    args = parser.parse_args()
    languages = tuple(lang.upper() for lang in args.lang) if args.lang else SYNTHETIC_LANGUAGES
    print(f"wrote {write_synthetic(args.count, args.out, languages)} files to {args.out}")


if __name__ == "__main__":
    main()
