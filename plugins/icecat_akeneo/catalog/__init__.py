"""The vocabulary of the sync, shared by the steps, the value conversion and the preflight.

- `taxonomy`: a read-only view over a client's Akeneo catalogue structure (the `extract/taxonomy.json` shape);
- `compatibility`: which Icecat source fits which Akeneo attribute type, and Icecat unit signs;
- `snapshots`: versioned taxonomy snapshots and the drift of the mapped attributes between two of them;
- `product_values`: reading one attribute of an Akeneo product as text.
It imports no step and no preflight module: both import it, never the other way round.
"""
